"""The validation that matches what ships: the card's sampler (respaced DDPM, K steps, 16 samples) on a fixed
list of validation slices (training/splits/val96.txt), the calibration metrics, and the presence indicators of
issue 13:

  presence correlation  Pearson correlation, over slices, between the number of raters who marked the slice and
                        the number of empty samples out of N (a model that sees the nodule: near -1)
  empty by raters       mean empty samples per rater-count group n = 0..4 (ideal N (4 - n) / 4)

Slice i (its index in the data) uses noise seeded by (seed, i), so two models validated on it are compared on the
same noise (paired per-slice differences, `paired`), and val24 (every fourth slice of val96) shares val96's noise.

`image_evidence` is the diagnostic behind the presence indicators: how much of the model's x0 estimate inside the
nodule, at the timesteps where presence is decided, comes from the image."""
import math
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from .metrics import aggregate, all_metrics
from .parameterisation import x0_and_eps
from .sampling import MaskRange, strided_sample
from .schedule import LinearSchedule

SPLITS = Path(__file__).resolve().parents[1] / "splits"
KEYS = ("sncc", "dmax", "sc", "da", "ci", "ged")


def spread(items: Sequence, limit: int) -> list:
    """`limit` items spread evenly over the list, in order (the app's `caldiff eval --limit`)."""
    if limit >= len(items):
        return list(items)
    return [items[(i * len(items)) // limit] for i in range(limit)]


def fixed_slices(ds, n: int = 96, path: Optional[Path] = None) -> np.ndarray:
    """Indices of the fixed list of n validation slices (training/splits/val<n>.txt); the list is written once
    (patient nodule slice per line) and then read back, so it stays the same whatever the cache's order."""
    path = path or SPLITS / f"val{n}.txt"
    key = {(m[0], m[1], int(m[2])): i for i, m in enumerate(ds.meta)}
    if not path.exists():
        chosen = spread(list(ds.val_idx), n)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"{ds.meta[i][0]} {ds.meta[i][1]} {ds.meta[i][2]}\n" for i in chosen))
    out = []
    for line in path.read_text().split("\n"):
        if line.strip():
            p, nod, s = line.split()
            out.append(key[(p, nod, int(s))])
    return np.asarray(out, dtype=np.int64)


def _corr(a: np.ndarray, b: np.ndarray) -> Optional[float]:
    """Pearson r, undefined (None, not 0) when either side is constant."""
    return float(np.corrcoef(a, b)[0, 1]) if a.std() > 0 and b.std() > 0 else None


def presence(rows: List[dict], samples: int) -> dict:
    raters = np.array([r["raters_marked"] for r in rows], dtype=float)
    empty = np.array([r["empty_samples"] for r in rows], dtype=float)
    corr = _corr(raters, empty)
    groups = {str(k): {"slices": int((raters == k).sum()),
                       "meanEmpty": (float(empty[raters == k].mean()) if (raters == k).any() else None),
                       "ideal": samples * (4 - k) / 4} for k in range(5)}
    return {"correlation": corr, "emptyByRaters": groups}


def raters_marked(raters: np.ndarray) -> int:
    """How many of the four rater masks [4, H, W] mark anything."""
    return int((np.asarray(raters).reshape(4, -1).max(1) > 0).sum())


def slice_inputs(ds, i: int, seed: int) -> Tuple[torch.Tensor, np.ndarray, int, int]:
    """Slice i: the image [1, 1, H, W] in [0, 1], its four rater masks, how many raters marked it, and the seed of
    its noise (the same for every model validated on it)."""
    raters = np.asarray(ds.masks[i])
    image = torch.from_numpy(ds.images[i].astype(np.float32) / 255.0)[None, None]
    return image, raters, raters_marked(raters), seed * 100003 + int(i)


def empty_count(samples: np.ndarray) -> int:
    """How many of the binary masks [N, H, W] have no lesion pixel."""
    return int((samples.reshape(len(samples), -1).max(1) == 0).sum())


@torch.no_grad()
def validate(model, ds, idx: np.ndarray, mask: MaskRange, samples: int = 16, steps: int = 10, seed: int = 0,
             schedule: Optional[LinearSchedule] = None, sampler: str = "ddpm", progress=None) -> dict:
    """model: (image, x_t, t) -> (eps, v) (an EpsContract). -> {rows, aggregate, presence}."""
    schedule = schedule or LinearSchedule()
    was_training = getattr(model, "training", False)
    model.eval()
    rows = []
    for k, i in enumerate(idx):
        img, raters, marked, noise_seed = slice_inputs(ds, i, seed)
        s = strided_sample(model, schedule, img, samples, steps, sampler=sampler, seed=noise_seed,
                           mask=mask)[0].numpy().astype(np.uint8)
        r = all_metrics(s, raters)
        r.update({"index": int(i), "raters_marked": marked,
                  "empty_samples": empty_count(s)})
        rows.append(r)
        if progress:
            progress(k + 1, len(idx))
    if was_training:
        model.train()
    return {"rows": rows, "aggregate": aggregate([{k: r[k] for k in KEYS} for r in rows]),
            "presence": presence(rows, samples)}


def summary_line(result: dict) -> dict:
    agg, pres = result["aggregate"], result["presence"]
    line = {k: (round(agg[k]["mean"], 4) if agg[k]["mean"] is not None else None) for k in KEYS}
    line["presenceCorr"] = None if pres["correlation"] is None else round(pres["correlation"], 3)
    line["emptyByRaters"] = [None if g["meanEmpty"] is None else round(g["meanEmpty"], 2)
                             for g in pres["emptyByRaters"].values()]
    return line


def record(model: str, res: dict, samples: int, steps: int, sampler: str, seconds: float, **extra) -> dict:
    """A validation as a file (`evaluate.py --out`, `runs/<name>/val-<samples>.json`): what `compare` pairs."""
    return {"model": model, "slices": len(res["rows"]), "samples": samples, "steps": steps, "sampler": sampler,
            "seconds": round(seconds, 1), **extra, "summary": summary_line(res), "aggregate": res["aggregate"],
            "presence": res["presence"], "rows": res["rows"]}


def paired(rows_a: List[dict], rows_b: List[dict], key: str, z: float = 1.96) -> Dict[str, Optional[float]]:
    """Mean per-slice difference b - a with a normal 95 % interval, over slices where both are defined."""
    d = np.array([b[key] - a[key] for a, b in zip(rows_a, rows_b) if a[key] is not None and b[key] is not None])
    if len(d) < 2:
        return {"mean": None, "low": None, "high": None, "n": int(len(d))}
    half = z * float(d.std(ddof=1)) / math.sqrt(len(d))
    return {"mean": float(d.mean()), "low": float(d.mean()) - half, "high": float(d.mean()) + half, "n": int(len(d))}


def compare(rows_a: List[dict], rows_b: List[dict], samples: int = 16,
            keys: Sequence[str] = ("sncc", "dmax", "ci", "ged")) -> dict:
    """Paired b - a for the four metrics and for the presence error: per slice, |empty samples - the ideal
    N (4 - n) / 4| for n raters who marked it (lower is better)."""
    if [r["index"] for r in rows_a] != [r["index"] for r in rows_b]:
        raise ValueError("the two validations are not on the same slices")
    out = {k: paired(rows_a, rows_b, k) for k in keys}

    def presence_error(rows):
        return [{"e": abs(r["empty_samples"] - samples * (4 - r["raters_marked"]) / 4)} for r in rows]
    out["presenceError"] = paired(presence_error(rows_a), presence_error(rows_b), "e")
    return out


def by_raters(rows: List[dict]) -> Dict[int, dict]:
    """Mean metrics and empty samples of the slices n = 0..4 raters marked: where a model loses, not only how much
    (an empty sample on a slice all four raters marked costs Da most: the widest pair of samples is then 1 - Dice
    = 1, the raters' much less)."""
    out = {}
    for n in range(5):
        group = [r for r in rows if r["raters_marked"] == n]
        if group:
            means = {k: [r[k] for r in group if r[k] is not None] for k in KEYS}
            out[n] = {"slices": len(group), **{k: float(np.mean(v)) if v else None for k, v in means.items()},
                      "empty_samples": float(np.mean([r["empty_samples"] for r in group]))}
    return out


# Sample N decides at t ~ 700-900 whether it holds a nodule: there a 0/1 mask's x_t carries almost no evidence
# (sqrt(abar) sqrt(area) / sqrt(1 - abar) ~ 1 for a 160-pixel nodule), so the x0 estimate is what the model reads
# from the image. Starting from an EMPTY mask noised to step t, a model that sees the nodule estimates about the
# raters' mean mask inside their union (its `ideal`: n / 4 where all n raters who marked it agree); the same
# estimate with the image blanked is the model's prior, and the gap between the two is the image's share.
@torch.no_grad()
def image_evidence(model, ds, idx: np.ndarray, mask: MaskRange, timesteps: Sequence[int] = (400, 700, 850),
                   seed: int = 0, schedule: Optional[LinearSchedule] = None) -> dict:
    """model: an EpsContract. -> {rows: per slice with a non-empty union, by_raters: {t: {n: means}}}."""
    schedule = schedule or LinearSchedule()
    model.eval()
    rows = []
    for i in idx:
        img, raters, marked, noise_seed = slice_inputs(ds, i, seed)
        union = raters.max(0) > 0
        if not union.any():
            continue
        noise = torch.randn(img.shape, generator=torch.Generator().manual_seed(noise_seed))
        shown_blank = torch.cat([img, torch.zeros_like(img)])  # one batched pass for both
        row = {"index": int(i), "raters_marked": marked, "ideal": float(raters.mean(0)[union].mean())}
        for t in timesteps:
            tt = torch.tensor([int(t)] * 2)
            x_t = schedule.q_sample(torch.full_like(img, mask.low), tt[:1], noise).repeat(2, 1, 1, 1)
            eps, _ = model(shown_blank, x_t, tt)
            x0 = x0_and_eps("eps", eps, x_t, tt, schedule, mask)[0]
            p = ((x0 - mask.low) / (mask.high - mask.low)).clamp(0, 1)[:, 0].numpy()
            row[f"image@{t}"], row[f"blank@{t}"] = float(p[0][union].mean()), float(p[1][union].mean())
        rows.append(row)
    by_raters = {}
    for t in timesteps:
        groups = {}
        for n in range(1, 5):
            g = [r for r in rows if r["raters_marked"] == n]
            groups[str(n)] = {"slices": len(g), "ideal": float(np.mean([r["ideal"] for r in g])) if g else None,
                              "image": float(np.mean([r[f"image@{t}"] for r in g])) if g else None,
                              "blank": float(np.mean([r[f"blank@{t}"] for r in g])) if g else None}
        ideal = np.array([r["ideal"] for r in rows])
        inside = np.array([r[f"image@{t}"] for r in rows])
        by_raters[str(t)] = {"groups": groups, "correlation": _corr(ideal, inside)}
    return {"rows": rows, "by_raters": by_raters}


@torch.no_grad()
def mean_mask_indicators(net, ds, idx: np.ndarray) -> dict:
    """How well the mean-mask network (mean_mask.py) reads the raters from the image, on the validation slices:
    the correlation over slices of its area (sum of the mean mask) with the raters' mean area, the correlation of
    its peak (the largest share of raters it expects at one pixel) with the share of raters who marked the slice,
    and its BCE against the raters' mean mask."""
    was_training = net.training
    net.eval()
    area, area_true, peak, share, bce = [], [], [], [], []
    for i in idx:
        img, raters, marked, _ = slice_inputs(ds, i, 0)
        logit = net(img)[0, 0]
        target = torch.from_numpy(raters.mean(0).astype(np.float32))
        m = torch.sigmoid(logit)
        area.append(float(m.sum()))
        area_true.append(float(target.sum()))
        peak.append(float(m.max()))
        share.append(marked / 4)
        bce.append(float(torch.nn.functional.binary_cross_entropy_with_logits(logit, target)))
    net.train(was_training)
    area, area_true, peak, share = map(np.asarray, (area, area_true, peak, share))
    r = _corr(area, area_true)
    p = _corr(peak, share)
    return {"areaCorr": None if r is None else round(r, 3), "peakShareCorr": None if p is None else round(p, 3),
            "bce": round(float(np.mean(bce)), 5)}
