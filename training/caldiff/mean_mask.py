"""Mean-mask conditioning (issue 13, beyond the paper): a small network reads the raters' mean mask from the image,
and the denoising U-Net sees it as one more input channel.

Why: the eps loss gives the timesteps where presence is decided almost no weight, and after ~180,000 samples the
U-Net still leaves about as many samples empty on a slice four raters marked as on one a single rater marked. A
deterministic head learns "how many raters would mark this, and where" from one slice within minutes. Handing
that estimate to the U-Net leaves it only the easier part: how to spread its samples around a known mean.

It keeps the paper's idea of a calibrating network beside the denoiser (Step-UC's nets see the image and a mask;
this one sees the image and predicts the expected mask), and it keeps the app's ONNX contract: the exported graph
is still (image, x_t, t) -> (eps, v), with the mean-mask network inside it.

The network is trained with L_Mean (losses.py), the BCE against the rater drawn for the iteration, whose expectation
over raters is the BCE against their mean mask; the U-Net gets its output detached, so the mean mask keeps that
meaning (and no diffusion gradient reaches it)."""
from dataclasses import dataclass, replace
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from .unet import StoredConfig, UNet, UNetConfig, depth_to_space, norm, space_to_depth

# the output bias starts at the logit of the share of lesion pixels in a crop (~1 %), so the first iterations
# learn where the lesion is rather than that most pixels are background (Lin et al. 2017, focal loss, sec. 3.3)
INITIAL_LOGIT = -4.5


@dataclass
class MeanMaskConfig(StoredConfig):
    base: int = 32
    mults: tuple = (1, 2, 2)   # one entry per resolution level below the stem
    patch: int = 4             # space-to-depth stem: 128x128 -> 32x32
    groups: int = 8
    in_channels: int = 1       # the slice, or the slice with neighbours of its stack (presence_bound.py)


class ConvBlock(nn.Module):
    def __init__(self, cin, cout, groups):
        super().__init__()
        self.n1, self.c1 = norm(cin, groups), nn.Conv2d(cin, cout, 3, padding=1)
        self.n2, self.c2 = norm(cout, groups), nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x):
        h = self.c1(F.silu(self.n1(x)))
        return self.skip(x) + self.c2(F.silu(self.n2(h)))


class MeanMaskNet(nn.Module):
    """image [B,1,H,W] -> logit of the raters' mean mask [B,1,H,W] (a small U-Net without timestep)."""

    def __init__(self, cfg: MeanMaskConfig = MeanMaskConfig()):
        super().__init__()
        self.cfg = cfg
        p, ch = cfg.patch, cfg.base
        self.inp = nn.Conv2d(cfg.in_channels * p * p, ch, 3, padding=1)
        widths = [ch * m for m in cfg.mults]
        self.down, self.pool = nn.ModuleList(), nn.ModuleList()
        cur = ch
        for lev, w in enumerate(widths):
            self.down.append(ConvBlock(cur, w, cfg.groups))
            cur = w
            if lev != len(widths) - 1:
                self.pool.append(nn.Conv2d(cur, cur, 3, stride=2, padding=1))
        self.up = nn.ModuleList()
        for w in reversed(widths[:-1]):
            self.up.append(ConvBlock(cur + w, w, cfg.groups))
            cur = w
        self.out_norm = norm(cur, cfg.groups)
        self.out = nn.Conv2d(cur, p * p, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.constant_(self.out.bias, INITIAL_LOGIT)

    def forward(self, image):
        h = self.inp(space_to_depth(image, self.cfg.patch))
        skips = []
        for lev, blk in enumerate(self.down):
            h = blk(h)
            if lev < len(self.pool):
                skips.append(h)
                h = self.pool[lev](h)
        for blk in self.up:
            h = F.interpolate(h, scale_factor=2.0, mode="nearest")
            h = blk(torch.cat([h, skips.pop()], dim=1))
        return depth_to_space(self.out(F.silu(self.out_norm(h))), self.cfg.patch)


class MeanMaskConditionedUNet(nn.Module):
    """forward(image, x_t, t) -> the U-Net's (head, v), with the U-Net seeing concat(image, mean mask, x_t)."""

    def __init__(self, unet_cfg: UNetConfig, mean_cfg: MeanMaskConfig = MeanMaskConfig()):
        super().__init__()
        if unet_cfg.cond_channels != 1:
            raise ValueError("the U-Net of a mean-mask conditioned model takes one condition channel")
        self.mean_mask = MeanMaskNet(mean_cfg)
        self.unet = UNet(unet_cfg)
        self.cfg = unet_cfg

    def forward(self, image, x_t, t):
        with torch.no_grad():
            mean = torch.sigmoid(self.mean_mask(image))
        return self.unet(torch.cat([image, mean], dim=1), x_t, t)


def build_denoiser(unet_cfg: UNetConfig, mean_cfg: Optional[MeanMaskConfig] = None) -> nn.Module:
    """The network the diffusion loss trains: a plain U-Net, or one conditioned on the mean-mask network."""
    if mean_cfg is None:
        return UNet(unet_cfg)
    return MeanMaskConditionedUNet(replace(unet_cfg, cond_channels=1), mean_cfg)


def widen_input(plain_state: dict, conditioned: MeanMaskConditionedUNet) -> dict:
    """A plain U-Net's state for the conditioned U-Net: the input convolution gets zero weights for the condition
    channel, so the conditioned model starts out computing exactly what the plain one did."""
    state = {f"unet.{k}": v.float() for k, v in plain_state.items()}
    w_old = state["unet.inp.weight"]
    p2 = conditioned.cfg.patch ** 2
    # space_to_depth orders channels input-major: [image p*p, condition p*p, x_t p*p]
    w_new = torch.zeros(w_old.shape[0], w_old.shape[1] + p2, *w_old.shape[2:])
    w_new[:, :p2], w_new[:, 2 * p2:] = w_old[:, :p2], w_old[:, p2:]
    state["unet.inp.weight"] = w_new
    state.update({f"mean_mask.{k}": v for k, v in conditioned.mean_mask.state_dict().items()})
    return state
