"""Step-UC encoders: the Uncertainty Modeling Net (image + ground-truth mask at step t) and the
Uncertainty Calibrating Net (image + the U-Net's predicted mask at step t). Identical structure:
a hierarchical latent model with axis-aligned Gaussians of D channels at L resolution levels
(PHiSeg-style top-down hierarchy: level l is conditioned on the latent sample of level l-1).

Level 0 is the coarsest (the top of the hierarchy); level L-1 the finest.
"""
from dataclasses import dataclass
from typing import List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from .unet import StoredConfig, space_to_depth, norm


@dataclass
class CalibConfig(StoredConfig):
    latent: int = 6        # D
    levels: int = 3        # L
    base: int = 32
    patch: int = 4         # stem downsampling: the finest latent level is at H / patch


def _block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), norm(cout, 8), nn.SiLU(),
                         nn.Conv2d(cout, cout, 3, padding=1), norm(cout, 8), nn.SiLU())


class HierarchicalGaussianEncoder(nn.Module):
    """forward(image, mask, z_given=None) -> list over levels (coarsest first) of (mu, log_sigma, z).

    If z_given (one tensor per level) is passed, the top-down path is conditioned on those samples
    instead of its own: this is how the calibrating net's conditionals are evaluated on the
    modeling net's samples, so that the sum of per-level KLs is the KL of the joint hierarchy
    (chain rule), as in PHiSeg's prior/posterior pair."""

    def __init__(self, cfg: CalibConfig = CalibConfig()):
        super().__init__()
        self.cfg = cfg
        p, b, L, D = cfg.patch, cfg.base, cfg.levels, cfg.latent
        self.stem = nn.Conv2d(2 * p * p, b, 3, padding=1)
        chans = [b * min(2 ** i, 4) for i in range(L)]  # finest -> coarsest
        self.enc = nn.ModuleList()
        cin = b
        for i, c in enumerate(chans):
            self.enc.append(_block(cin, c))
            cin = c
        self.chans = chans
        # top-down heads, coarsest first
        self.td = nn.ModuleList()
        self.heads = nn.ModuleList()
        for l in range(L):
            c = chans[L - 1 - l]
            cin = c if l == 0 else c + D
            self.td.append(_block(cin, c))
            head = nn.Conv2d(c, 2 * D, 1)
            nn.init.normal_(head.weight, std=1e-3)
            nn.init.zeros_(head.bias)
            self.heads.append(head)

    def forward(self, image: torch.Tensor, mask: torch.Tensor, z_given: Optional[List[torch.Tensor]] = None
                ) -> List[Tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        h = self.stem(space_to_depth(torch.cat([image, mask], dim=1), self.cfg.patch))
        feats = []
        for i, blk in enumerate(self.enc):
            if i > 0:
                h = F.avg_pool2d(h, 2)
            h = blk(h)
            feats.append(h)
        out = []
        z_prev = None
        L = self.cfg.levels
        for l in range(L):
            f = feats[L - 1 - l]
            if l > 0:
                f = torch.cat([f, F.interpolate(z_prev, scale_factor=2.0, mode="nearest")], dim=1)
            g = self.td[l](f)
            mu, log_sigma = self.heads[l](g).chunk(2, dim=1)
            log_sigma = log_sigma.clamp(-10.0, 5.0)
            z = mu + torch.exp(log_sigma) * torch.randn_like(mu)
            out.append((mu, log_sigma, z))
            z_prev = z_given[l] if z_given is not None else z
        return out


class UncertaintyModelingNet(HierarchicalGaussianEncoder):
    """phi: sees the image and the ground-truth mask at step t."""


class UncertaintyCalibratingNet(HierarchicalGaussianEncoder):
    """psi: sees the image and the U-Net's predicted mask x0_hat at step t."""
