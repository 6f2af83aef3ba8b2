"""Python twin of the workstation's metrics (Wang et al. 2026 Sec. III-D; Rahman et al. 2023).

samples: [N,H,W] binary, raters: [M,H,W] binary. Undefined values are None (never NaN, never 0).
GED reported here is GED^2 = 2 E d(s,y) - E d(s,s') - E d(y,y') with d = 1 - IoU over all pairs
including self-pairs (the squared generalised energy distance the paper tables report as "GED").
"""
from typing import Dict, List, Optional

import numpy as np

EPS = 1e-8


def _flat(a):
    return np.asarray(a).reshape(len(a), -1).astype(bool)


def dice(a, b) -> float:
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    s = a.sum() + b.sum()
    return 1.0 if s == 0 else float(2.0 * np.logical_and(a, b).sum() / s)


def iou(a, b) -> float:
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    u = np.logical_or(a, b).sum()
    return 1.0 if u == 0 else float(np.logical_and(a, b).sum() / u)


def _pair_matrix(A, B, fn):
    return np.array([[fn(a, b) for b in B] for a in A], dtype=np.float64)


def _iou_matrix(A, B):
    A, B = _flat(A).astype(np.float64), _flat(B).astype(np.float64)
    inter = A @ B.T
    union = A.sum(1)[:, None] + B.sum(1)[None, :] - inter
    return np.where(union == 0, 1.0, inter / np.maximum(union, 1))


def _dice_matrix(A, B):
    A, B = _flat(A).astype(np.float64), _flat(B).astype(np.float64)
    inter = A @ B.T
    s = A.sum(1)[:, None] + B.sum(1)[None, :]
    return np.where(s == 0, 1.0, 2 * inter / np.maximum(s, 1))


def ged2(samples, raters) -> float:
    d_sy = 1.0 - _iou_matrix(samples, raters)
    d_ss = 1.0 - _iou_matrix(samples, samples)
    d_yy = 1.0 - _iou_matrix(raters, raters)
    return float(max(0.0, 2 * d_sy.mean() - d_ss.mean() - d_yy.mean()))


def dmax(samples, raters) -> float:
    return float(_dice_matrix(raters, samples).max(axis=1).mean())


def sc(samples, raters) -> Optional[float]:
    """Combined sensitivity: |union(S) & union(Y)| / |union(Y)|; both empty -> 1; raters empty only -> None."""
    us, uy = _flat(samples).any(0), _flat(raters).any(0)
    if uy.sum() == 0:
        return 1.0 if us.sum() == 0 else None
    return float(np.logical_and(us, uy).sum() / uy.sum())


def _pair_diversity(X):
    n = len(X)
    if n < 2:
        return None
    D = 1.0 - _dice_matrix(X, X)
    iu = np.triu_indices(n, 1)
    v = D[iu]
    return float(v.max()), float(v.min())


def da(samples, raters) -> Optional[float]:
    ps, py = _pair_diversity(samples), _pair_diversity(raters)
    if ps is None or py is None:
        return None
    return float(1.0 - (abs(ps[0] - py[0]) + abs(ps[1] - py[1])) / 2.0)


def ci(samples, raters) -> Optional[float]:
    s, d, a = sc(samples, raters), dmax(samples, raters), da(samples, raters)
    if s is None or a is None:
        return None
    den = s + d + a
    if den == 0:
        return 0.0  # as the workstation's ciOf
    return float(3 * s * d * a / den)


def _ce(target, prediction):
    """Pixelwise binary cross-entropy -(y log p + (1-y) log(1-p)), natural log, eps 1e-8, with the sample as the
    prediction: CE(sample, mean) weighs log(sample) by the mean, as PHiSeg's reference SNCC code and the
    workstation's src/shared/metrics do."""
    y, p = target, prediction
    return -(y * np.log(p + EPS) + (1 - y) * np.log(1 - p + EPS))


def uncertainty_map(samples) -> np.ndarray:
    """E_s[CE(s, mean)]: mean over samples of the cross entropy of each sample against the mean mask."""
    S = np.asarray(samples, np.float64)
    m = S.mean(0)
    return _ce(m[None], S).mean(0)


def error_map(samples, rater) -> np.ndarray:
    """E_s[CE(s, y_j)]: mean over samples of the cross entropy of each sample against rater j's mask."""
    S = np.asarray(samples, np.float64)
    return _ce(np.asarray(rater, np.float64)[None], S).mean(0)


def ncc(a, b) -> Optional[float]:
    a, b = np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()
    if np.ptp(a) <= 1e-12 or np.ptp(b) <= 1e-12:  # constant map: correlation undefined
        return None
    a, b = a - a.mean(), b - b.mean()
    den = np.sqrt((a * a).sum() * (b * b).sum())
    if den == 0:
        return None
    return float((a * b).sum() / den)


def sncc(samples, raters) -> Optional[float]:
    u = uncertainty_map(samples)
    vals = [ncc(u, error_map(samples, r)) for r in raters]
    vals = [v for v in vals if v is not None]
    return float(np.mean(vals)) if vals else None


def all_metrics(samples, raters) -> Dict[str, Optional[float]]:
    return {"sncc": sncc(samples, raters), "dmax": dmax(samples, raters), "sc": sc(samples, raters),
            "da": da(samples, raters), "ci": ci(samples, raters), "ged": ged2(samples, raters)}


def aggregate(rows: List[Dict[str, Optional[float]]]) -> Dict[str, Dict[str, Optional[float]]]:
    out = {}
    for k in (rows[0].keys() if rows else []):
        vals = [r[k] for r in rows if r[k] is not None]
        out[k] = {"mean": float(np.mean(vals)) if vals else None,
                  "std": float(np.std(vals)) if vals else None,
                  "n": len(vals), "undefined": len(rows) - len(vals)}
    return out
