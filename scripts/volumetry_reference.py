"""Reference volumetry for the tests (src/main/services/adjudication.test.ts): numpy over NIfTI masks.

Brute force on purpose, independent of the app's convex-hull code: every pair of mask pixel centres of a slice.
Prints one JSON object per file: voxels, volume (voxel count x the header's spacing product), the longest in-plane
diameter on the slice where it is longest (ties: the widest perpendicular extent, then the lowest slice), the
extent perpendicular to it, and the number of slices the mask spans.
"""
import json
import sys

import nibabel as nib
import numpy as np

TIE = 1e-9


def slice_diameters(mask2d, sx, sy):
    xs, ys = np.nonzero(mask2d)  # nibabel arrays are [x, y]
    pts = np.stack([xs * sx, ys * sy], axis=1).astype(np.float64)
    diff = pts[:, None, :] - pts[None, :, :]
    dist = np.sqrt((diff ** 2).sum(-1))
    longest = dist.max()
    if longest == 0:
        return 0.0, 0.0
    widest = 0.0
    for a, b in zip(*np.nonzero(dist >= longest * (1 - TIE))):
        u = (pts[b] - pts[a]) / dist[a, b]
        t = pts @ np.array([-u[1], u[0]])
        widest = max(widest, t.max() - t.min())
    return float(longest), float(widest)


def measure(path):
    img = nib.load(path)
    data = np.asarray(img.dataobj) > 0
    sx, sy, sz = (float(z) for z in img.header.get_zooms()[:3])
    best = None
    slices = 0
    for k in range(data.shape[2]):
        if not data[:, :, k].any():
            continue
        slices += 1
        longest, perpendicular = slice_diameters(data[:, :, k], sx, sy)
        if best is None or longest > best[0] * (1 + TIE) or (longest >= best[0] * (1 - TIE) and perpendicular > best[1] * (1 + TIE)):
            best = (longest, perpendicular, k)
    voxels = int(data.sum())
    return {
        "voxels": voxels,
        "volumeMm3": voxels * sx * sy * sz,
        "longestDiameterMm": best[0] if best else 0.0,
        "perpendicularDiameterMm": best[1] if best else 0.0,
        "diameterSlice": best[2] if best else None,
        "slices": slices,
    }


if __name__ == "__main__":
    print(json.dumps({p: measure(p) for p in sys.argv[1:]}))
