"""A tiny training configuration and a synthetic data set for the training-loop tests (the fixture `tiny_loop`
in conftest.py builds loops on them)."""
from types import SimpleNamespace

import numpy as np

TINY = dict(unet=dict(base=8, mults=(1, 2), blocks=1, attn_levels=(1,), heads=2, patch=2),
            calib=dict(latent=6, levels=3, base=8, patch=4), mean_mask=dict(base=8, mults=(1, 2), patch=4),
            batch=2, lr=1e-3, iterations=50, ema=0.9, warmup=2, threads=1)


def fake_dataset(n=6, seed=0):
    """n slices, slice i a disc marked by i % 5 raters, brighter than the noise around it."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:128, :128]
    masks = np.zeros((n, 4, 128, 128), np.uint8)
    for i in range(n):
        for r in range(i % 5):
            masks[i, r] = ((yy - 64) ** 2 + (xx - 60 - r) ** 2 <= 100).astype(np.uint8)
    images = (rng.random((n, 128, 128)) * 80 + masks.max(1) * 150).astype(np.uint8)
    return SimpleNamespace(images=images, masks=masks, train_idx=np.arange(n - 3), val_idx=np.arange(n - 3, n),
                           meta=[["P-0", f"nodule-{i}", 0] for i in range(n)],
                           split_summary=lambda: "fake split")
