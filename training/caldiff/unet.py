"""Conditional denoising U-Net (guided-diffusion style, slimmed for CPU sampling).

Input: concat(image, x_t) -> 2 channels (with `cond_channels` image-like conditions between them, e.g. the
mean mask of mean_mask.py); timestep embedding added in every residual block.
Output: eps (the noise estimate) and v (the learned-variance interpolation, Improved DDPM).
"""
import math
from dataclasses import dataclass, asdict
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F


class StoredConfig:
    """A network's configuration as checkpoints store it: a JSON-friendly dict, tuples as lists and back."""

    def to_dict(self):
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, d):
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})


@dataclass
class UNetConfig(StoredConfig):
    base: int = 32                       # channels at full resolution
    mults: Tuple[int, ...] = (1, 2, 2, 4)  # one entry per resolution level
    blocks: int = 1                      # residual blocks per level (encoder); decoder uses blocks + 1
    attn_levels: Tuple[int, ...] = (3,)  # level indices with self-attention (0 = full resolution)
    heads: int = 4
    dropout: float = 0.0
    groups: int = 8
    patch: int = 1                       # space-to-depth stem: the U-Net runs at H/patch (1 = off)
    cond_channels: int = 0               # condition channels that arrive concatenated to the image


def timestep_embedding(t: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    """Sinusoidal embedding of (integer) timesteps, as in guided-diffusion."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.to(torch.float32)[:, None] * freqs[None, :]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


def space_to_depth(x: torch.Tensor, p: int) -> torch.Tensor:
    """[B,C,H,W] -> [B,C*p*p,H/p,W/p] (explicit reshapes: exports to plain ONNX Reshape/Transpose)."""
    if p == 1:
        return x
    b, c, h, w = x.shape
    x = x.reshape(b, c, h // p, p, w // p, p).permute(0, 1, 3, 5, 2, 4)
    return x.reshape(b, c * p * p, h // p, w // p)


def depth_to_space(x: torch.Tensor, p: int) -> torch.Tensor:
    """Inverse of space_to_depth."""
    if p == 1:
        return x
    b, cpp, h, w = x.shape
    c = cpp // (p * p)
    x = x.reshape(b, c, p, p, h, w).permute(0, 1, 4, 2, 5, 3)
    return x.reshape(b, c, h * p, w * p)


def norm(ch: int, groups: int) -> nn.GroupNorm:
    g = groups
    while ch % g != 0:
        g //= 2
    return nn.GroupNorm(g, ch)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, temb, groups, dropout=0.0):
        super().__init__()
        self.n1 = norm(cin, groups)
        self.c1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.emb = nn.Linear(temb, cout * 2)  # scale-shift norm (guided-diffusion use_scale_shift_norm)
        self.n2 = norm(cout, groups)
        self.drop = nn.Dropout(dropout)
        self.c2 = nn.Conv2d(cout, cout, 3, padding=1)
        nn.init.zeros_(self.c2.weight)
        nn.init.zeros_(self.c2.bias)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, emb):
        h = self.c1(F.silu(self.n1(x)))
        scale, shift = self.emb(F.silu(emb))[:, :, None, None].chunk(2, dim=1)
        h = self.n2(h) * (1 + scale) + shift
        h = self.c2(self.drop(F.silu(h)))
        return self.skip(x) + h


class AttnBlock(nn.Module):
    def __init__(self, ch, heads, groups):
        super().__init__()
        self.heads = heads
        self.n = norm(ch, groups)
        self.qkv = nn.Conv2d(ch, ch * 3, 1)
        self.proj = nn.Conv2d(ch, ch, 1)
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)

    def forward(self, x):
        b, c, h, w = x.shape
        qkv = self.qkv(self.n(x)).reshape(b * self.heads, 3 * c // self.heads, h * w)
        q, k, v = qkv.chunk(3, dim=1)
        scale = 1.0 / math.sqrt(math.sqrt(c // self.heads))
        a = torch.softmax(torch.einsum("bct,bcs->bts", q * scale, k * scale), dim=-1)
        out = torch.einsum("bts,bcs->bct", a, v).reshape(b, c, h, w)
        return x + self.proj(out)


class Down(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.op = nn.Conv2d(ch, ch, 3, stride=2, padding=1)

    def forward(self, x):
        return self.op(x)


class Up(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class UNet(nn.Module):
    """forward(image [B,1+cond,H,W], x_t [B,1,H,W], t int64 [B]) -> (eps [B,1,H,W], v [B,1,H,W])."""

    def __init__(self, cfg: UNetConfig = UNetConfig()):
        super().__init__()
        self.cfg = cfg
        ch = cfg.base
        temb = ch * 4
        self.temb_dim = ch
        self.time = nn.Sequential(nn.Linear(ch, temb), nn.SiLU(), nn.Linear(temb, temb))
        p = cfg.patch
        self.inp = nn.Conv2d((2 + cfg.cond_channels) * p * p, ch, 3, padding=1)
        self.down = nn.ModuleList()
        skips = [ch]
        cur = ch
        nlev = len(cfg.mults)
        for lev, m in enumerate(cfg.mults):
            for _ in range(cfg.blocks):
                blk = nn.ModuleList([ResBlock(cur, ch * m, temb, cfg.groups, cfg.dropout)])
                cur = ch * m
                if lev in cfg.attn_levels:
                    blk.append(AttnBlock(cur, cfg.heads, cfg.groups))
                self.down.append(blk)
                skips.append(cur)
            if lev != nlev - 1:
                self.down.append(nn.ModuleList([Down(cur)]))
                skips.append(cur)
        self.mid = nn.ModuleList([ResBlock(cur, cur, temb, cfg.groups, cfg.dropout),
                                  AttnBlock(cur, cfg.heads, cfg.groups) if (nlev - 1) in cfg.attn_levels else nn.Identity(),
                                  ResBlock(cur, cur, temb, cfg.groups, cfg.dropout)])
        self.up = nn.ModuleList()
        for lev, m in reversed(list(enumerate(cfg.mults))):
            for i in range(cfg.blocks + 1):
                blk = nn.ModuleList([ResBlock(cur + skips.pop(), ch * m, temb, cfg.groups, cfg.dropout)])
                cur = ch * m
                if lev in cfg.attn_levels:
                    blk.append(AttnBlock(cur, cfg.heads, cfg.groups))
                if lev != 0 and i == cfg.blocks:
                    blk.append(Up(cur))
                self.up.append(blk)
        self.out_norm = norm(cur, cfg.groups)
        self.out = nn.Conv2d(cur, 2 * p * p, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    @staticmethod
    def _run(blk, h, emb):
        for layer in blk:
            h = layer(h, emb) if isinstance(layer, ResBlock) else layer(h)
        return h

    def forward(self, image, x_t, t):
        emb = self.time(timestep_embedding(t, self.temb_dim))
        h = self.inp(space_to_depth(torch.cat([image, x_t], dim=1), self.cfg.patch))
        hs = [h]
        for blk in self.down:
            h = self._run(blk, h, emb)
            hs.append(h)
        h = self.mid[0](h, emb)
        h = self.mid[1](h)
        h = self.mid[2](h, emb)
        for blk in self.up:
            h = torch.cat([h, hs.pop()], dim=1)
            h = self._run(blk, h, emb)
        out = depth_to_space(self.out(F.silu(self.out_norm(h))), self.cfg.patch)
        return out[:, 0:1], out[:, 1:2]


def count_parameters(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())
