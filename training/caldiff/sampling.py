"""Samplers: ancestral DDPM over all T steps (learned variance), the respaced DDPM over K strided steps (the
card's sampler: the app's src/main/engine/sampler.ts) and strided DDIM with K steps.
N samples per slice are batched into one tensor per step; a seeded generator makes runs repeatable.
x0 estimates are clipped to the mask range of the model (its card's `mask` block); final masks are binarised at
its threshold."""
import math
from dataclasses import dataclass
from typing import Callable, List, Optional

import torch

from .schedule import LinearSchedule


@dataclass(frozen=True)
class MaskRange:
    """The values the masks are diffused at: the card's `mask` block."""
    low: float
    high: float
    threshold: float

    @property
    def scale(self) -> str:
        return f"{self.low:g}/{self.high:g}"

    def to_card(self) -> dict:
        return {"scale": self.scale, "low": self.low, "high": self.high, "threshold": self.threshold}

    def encode(self, mask01: torch.Tensor) -> torch.Tensor:
        """0/1 masks -> the diffused values."""
        return self.low + (self.high - self.low) * mask01


ZERO_ONE = MaskRange(0.0, 1.0, 0.5)
PLUS_MINUS_ONE = MaskRange(-1.0, 1.0, 0.0)
MASK_RANGES = {"0/1": ZERO_ONE, "-1/1": PLUS_MINUS_ONE}

# a source of standard-normal noise of a given shape (a seeded torch generator, or recorded noise in the tests)
NormalSource = Callable[[torch.Size], torch.Tensor]


def ddim_timesteps(T: int, K: int) -> List[int]:
    """K timesteps evenly spaced over [0, T-1], descending, first T-1 and last 0. Halves round up, as the app's
    Math.round does (Python's round() would round 166.5 to 166 and walk other steps than the app at K = 25)."""
    if K >= T:
        return list(range(T - 1, -1, -1))
    if K == 1:
        return [T - 1]
    ts = sorted({math.floor(i * (T - 1) / (K - 1) + 0.5) for i in range(K)}, reverse=True)
    return ts


def _expand(image: torch.Tensor, n: int) -> torch.Tensor:
    # [M,1,H,W] -> [M*n,1,H,W], samples of one slice contiguous
    return image.repeat_interleave(n, dim=0)


def _seeded(seed: int) -> NormalSource:
    g = torch.Generator().manual_seed(seed)
    return lambda shape: torch.randn(shape, generator=g)


@torch.no_grad()
def strided_sample(unet, schedule: LinearSchedule, image: torch.Tensor, n: int, K: int, sampler: str = "ddpm",
                   seed: int = 0, mask: MaskRange = ZERO_ONE, normal: Optional[NormalSource] = None,
                   return_soft: bool = False) -> torch.Tensor:
    """The app's sampler (src/main/engine/sampler.ts) step for step -> masks [M, n, H, W] for images [M,1,H,W].

    `ddpm`: the respaced ancestral chain over the K strided timesteps (Nichol & Dhariwal 2021, Sec. 4), beta of a
    stride 1 - abar_t / abar_prev, the learned variance interpolated between that beta and its beta_tilde;
    `ddim`: eta = 0. Noise is drawn in the app's order: x_T, then one draw per step but the last (ddpm only).
    The step coefficients are computed in float64 from the float64 schedule, as the app does."""
    normal = normal or _seeded(seed)
    img = _expand(image, n)
    x = normal(img.shape).to(torch.float32)
    ts = ddim_timesteps(schedule.T, K)
    abar64 = schedule.alphas_cumprod64
    x0 = x
    for i, t_cur in enumerate(ts):
        t = torch.full((img.shape[0],), t_cur, dtype=torch.long)
        eps, v = unet(img, x, t)
        abar = float(abar64[t_cur])
        abar_prev = float(abar64[ts[i + 1]]) if i + 1 < len(ts) else 1.0
        x0 = (abar ** -0.5 * x.double() - (1 / abar - 1) ** 0.5 * eps.double()).clamp(mask.low, mask.high)
        if i == len(ts) - 1:
            x0 = x0.float()
            break
        if sampler == "ddpm":
            beta = 1 - abar / abar_prev
            beta_tilde = beta * (1 - abar_prev) / (1 - abar)
            mean = (beta * abar_prev ** 0.5 / (1 - abar)) * x0 + ((1 - abar_prev) * (1 - beta) ** 0.5 / (1 - abar)) * x.double()
            if v is None:
                std = torch.full_like(mean, beta_tilde ** 0.5)
            else:
                frac = (v.double() + 1) / 2
                std = torch.exp(0.5 * (frac * torch.log(torch.tensor(beta, dtype=torch.float64))
                                       + (1 - frac) * torch.log(torch.tensor(beta_tilde, dtype=torch.float64))))
            x = (mean + std * normal(x.shape).double()).float()
        else:
            eps_c = (x.double() - abar ** 0.5 * x0) / (1 - abar) ** 0.5
            x = (abar_prev ** 0.5 * x0 + (1 - abar_prev) ** 0.5 * eps_c).float()
        x0 = x0.float()
    out = x0.reshape(image.shape[0], n, *image.shape[-2:])
    return out if return_soft else (out > mask.threshold).float()


@torch.no_grad()
def ddim_sample(unet, schedule: LinearSchedule, image: torch.Tensor, n: int, K: int, seed: int = 0,
                eta: float = 0.0, return_soft: bool = False, mask: MaskRange = ZERO_ONE) -> torch.Tensor:
    """-> binary masks [M, n, H, W] for images [M,1,H,W]."""
    g = torch.Generator().manual_seed(seed)
    img = _expand(image, n)
    x = torch.randn(img.shape, generator=g)
    ts = ddim_timesteps(schedule.T, K)
    x0 = x
    for i, t_cur in enumerate(ts):
        t = torch.full((img.shape[0],), t_cur, dtype=torch.long)
        eps, _ = unet(img, x, t)
        x0 = schedule.x0_from_eps(x, t, eps).clamp(mask.low, mask.high)
        if i == len(ts) - 1:
            break
        eps = schedule.eps_from_xt_x0(x, t, x0)
        ab = schedule.alphas_cumprod[t_cur]
        ab_prev = schedule.alphas_cumprod[ts[i + 1]]
        sigma = eta * torch.sqrt((1 - ab_prev) / (1 - ab) * (1 - ab / ab_prev))
        x = torch.sqrt(ab_prev) * x0 + torch.sqrt(1 - ab_prev - sigma ** 2) * eps
        if eta > 0:
            x = x + sigma * torch.randn(x.shape, generator=g)
    out = x0.reshape(image.shape[0], n, *image.shape[-2:])
    return out if return_soft else (out > mask.threshold).float()


@torch.no_grad()
def ddpm_sample(unet, schedule: LinearSchedule, image: torch.Tensor, n: int, seed: int = 0,
                return_soft: bool = False, mask: MaskRange = ZERO_ONE) -> torch.Tensor:
    """Ancestral sampling over all T steps with the learned variance -> [M, n, H, W]."""
    g = torch.Generator().manual_seed(seed)
    img = _expand(image, n)
    x = torch.randn(img.shape, generator=g)
    x0 = x
    for t_cur in range(schedule.T - 1, -1, -1):
        t = torch.full((img.shape[0],), t_cur, dtype=torch.long)
        eps, v = unet(img, x, t)
        mean, log_var, x0 = schedule.p_mean_variance(eps, v, x, t, clip=(mask.low, mask.high))
        if t_cur > 0:
            x = mean + torch.exp(0.5 * log_var) * torch.randn(x.shape, generator=g)
    out = x0.reshape(image.shape[0], n, *image.shape[-2:])
    return out if return_soft else (out > mask.threshold).float()
