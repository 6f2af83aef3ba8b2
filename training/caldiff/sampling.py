"""Samplers: ancestral DDPM over all T steps (learned variance) and strided DDIM with K steps.
N samples per slice are batched into one tensor per step; a seeded generator makes runs repeatable.
x0 estimates are clipped to the mask range [0, 1]; final masks are binarised at 0.5."""
from typing import List, Optional

import torch

from .schedule import LinearSchedule, _extract

MASK_LOW, MASK_HIGH, THRESHOLD = 0.0, 1.0, 0.5


def ddim_timesteps(T: int, K: int) -> List[int]:
    """K timesteps evenly spaced over [0, T-1], descending, first T-1 and last 0."""
    if K >= T:
        return list(range(T - 1, -1, -1))
    if K == 1:
        return [T - 1]
    ts = sorted({int(round(i * (T - 1) / (K - 1))) for i in range(K)}, reverse=True)
    return ts


def _expand(image: torch.Tensor, n: int) -> torch.Tensor:
    # [M,1,H,W] -> [M*n,1,H,W], samples of one slice contiguous
    return image.repeat_interleave(n, dim=0)


@torch.no_grad()
def ddim_sample(unet, schedule: LinearSchedule, image: torch.Tensor, n: int, K: int, seed: int = 0,
                eta: float = 0.0, return_soft: bool = False) -> torch.Tensor:
    """-> binary masks [M, n, H, W] for images [M,1,H,W]."""
    g = torch.Generator().manual_seed(seed)
    img = _expand(image, n)
    x = torch.randn(img.shape, generator=g)
    ts = ddim_timesteps(schedule.T, K)
    x0 = x
    for i, t_cur in enumerate(ts):
        t = torch.full((img.shape[0],), t_cur, dtype=torch.long)
        eps, _ = unet(img, x, t)
        x0 = schedule.x0_from_eps(x, t, eps).clamp(MASK_LOW, MASK_HIGH)
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
    return out if return_soft else (out > THRESHOLD).float()


@torch.no_grad()
def ddpm_sample(unet, schedule: LinearSchedule, image: torch.Tensor, n: int, seed: int = 0,
                return_soft: bool = False) -> torch.Tensor:
    """Ancestral sampling over all T steps with the learned variance -> [M, n, H, W]."""
    g = torch.Generator().manual_seed(seed)
    img = _expand(image, n)
    x = torch.randn(img.shape, generator=g)
    x0 = x
    for t_cur in range(schedule.T - 1, -1, -1):
        t = torch.full((img.shape[0],), t_cur, dtype=torch.long)
        eps, v = unet(img, x, t)
        mean, log_var, x0 = schedule.p_mean_variance(eps, v, x, t, clip=(MASK_LOW, MASK_HIGH))
        if t_cur > 0:
            x = mean + torch.exp(0.5 * log_var) * torch.randn(x.shape, generator=g)
    out = x0.reshape(image.shape[0], n, *image.shape[-2:])
    return out if return_soft else (out > THRESHOLD).float()
