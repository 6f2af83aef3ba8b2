"""What the U-Net's first output head predicts, and the conversion to the app's contract.

The ONNX contract is fixed: outputs `eps` (the noise) and `v` (Improved DDPM's variance interpolation). A
U-Net trained to predict something else (x0, its logit, or the velocity of Salimans & Ho 2022) is exported
inside `EpsContract`, which converts its prediction to eps in the graph, so the app's samplers run it unchanged.

  eps       head = eps
  x0        head = x0 (MSE on x0)
  x0-logit  head = logit of the mask probability, x0 = low + (high - low) sigmoid(head) (BCE on x0)
  velocity  head = sqrt(abar) eps - sqrt(1 - abar) x0  (x0 = sqrt(abar) x_t - sqrt(1 - abar) head)
"""
import torch
from torch import nn

from .sampling import MaskRange, ZERO_ONE
from .schedule import LinearSchedule, _extract

PREDICTIONS = ("eps", "x0", "x0-logit", "velocity")


def x0_and_eps(prediction: str, head: torch.Tensor, x_t: torch.Tensor, t: torch.Tensor, schedule: LinearSchedule,
               mask: MaskRange = ZERO_ONE):
    """-> (x0_hat, eps_hat) from the head's output, both differentiable."""
    n = x_t.ndim
    sa = _extract(schedule.sqrt_alphas_cumprod, t, n)
    s1 = _extract(schedule.sqrt_one_minus_alphas_cumprod, t, n)
    if prediction == "eps":
        return (x_t - s1 * head) / sa, head
    if prediction == "velocity":
        x0 = sa * x_t - s1 * head
        return x0, s1 * x_t + sa * head
    if prediction == "x0":
        x0 = head
    elif prediction == "x0-logit":
        x0 = mask.low + (mask.high - mask.low) * torch.sigmoid(head)
    else:
        raise ValueError(f"unknown prediction {prediction!r} (one of {', '.join(PREDICTIONS)})")
    return x0, (x_t - sa * x0) / s1


class EpsContract(nn.Module):
    """The U-Net as the app sees it: (image, x_t, t) -> (eps, v) whatever its head predicts."""

    def __init__(self, unet: nn.Module, prediction: str = "eps", mask: MaskRange = ZERO_ONE,
                 schedule: LinearSchedule = None):
        super().__init__()
        self.unet, self.prediction, self.mask = unet, prediction, mask
        self.schedule = schedule or LinearSchedule()
        self.cfg = getattr(unet, "cfg", None)

    def forward(self, image, x_t, t):
        head, v = self.unet(image, x_t, t)
        if self.prediction == "eps":
            return head, v
        return x0_and_eps(self.prediction, head, x_t, t, self.schedule, self.mask)[1], v
