"""How far can the presence correlation go? A bound from how well the image predicts the share of raters who mark
a slice (issue 13's target is a correlation <= -0.6 between the raters who marked a slice and its empty samples).

A model whose samples are i.i.d. given the image leaves a sample empty with some probability 1 - p(image); the best
it can do is p = E[share | image]. So: take a reader of the share (the mean-mask network's peak, mean_mask.py),
calibrate it on training slices (binned means of the share), and draw the empty samples of every validation slice
from Binomial(samples, 1 - p). The expected correlation of those draws with the raters who marked each slice is what
a perfectly calibrated model using that reader would reach; the diffusion model's own correlation can be compared.

The reader can also be trained here on its own (BCE against the raters' mean mask, the target L_Mean has in
expectation), with 2k more slices of the nodule's stack as input channels: does context beyond the slice help?

Above every reader stands the raters' own disagreement: even a model that knew how likely a radiologist is to mark
each slice draws its empty samples from that probability, not from the share four raters happened to give
(latent_ceiling). The gap between a reader's bound and that ceiling is what the reader fails to see, or what no image
holds: an oracle reader given the nodule's exact outline (outline_features) shows how much of the share the nodule's
size, extent and contrast explain, and patient_effect how much of the rest follows the patient, whose nodules were
all read by the same four radiologists."""
import itertools
import math
import time
from collections import defaultdict
from typing import Callable, Dict, Optional

import numpy as np
import torch
import torch.nn.functional as F

from .data import augment
from .mean_mask import MeanMaskConfig, MeanMaskNet
from .validation import _corr, raters_marked


def marked_counts(ds, idx: np.ndarray) -> np.ndarray:
    """How many of the four raters marked each slice (the share is this / 4)."""
    return np.array([raters_marked(ds.masks[i]) for i in idx])


def between_nodule_variance(ds, idx: np.ndarray, share: np.ndarray) -> float:
    """The part of the share's variance over slices that lies between nodules (1 = every slice of a nodule alike)."""
    groups = defaultdict(list)
    for i, s in zip(idx, share):
        groups[tuple(ds.meta[i][:2])].append(s)
    nodule_mean = np.array([np.mean(groups[tuple(ds.meta[i][:2])]) for i in idx])
    return float(nodule_mean.var() / share.var())


def nodule_slices(ds, i: int) -> range:
    """The cache rows of slice i's nodule (the cache keeps a stack's slices consecutive, in order)."""
    nodule = tuple(ds.meta[i][:2])
    first, last = i, i
    while first > 0 and tuple(ds.meta[first - 1][:2]) == nodule:
        first -= 1
    while last + 1 < len(ds.meta) and tuple(ds.meta[last + 1][:2]) == nodule:
        last += 1
    return range(first, last + 1)


OUTLINE_FEATURES = ("area", "mean inside", "mean of the ring around it", "contrast", "brightest inside",
                    "spread inside", "the nodule's largest area", "slices in the stack", "slices to the stack's end")


def _outline(ds, i: int) -> Optional[np.ndarray]:
    # the first rater who marked the slice: one outline, whatever the others did
    masks = np.asarray(ds.masks[i])
    return next((m.astype(bool) for m in masks if m.any()), None)


def outline_features(ds, idx: np.ndarray, ring: int = 3) -> np.ndarray:
    """An oracle reader no model has: the nodule read through the outline of the first rater who marked the slice.
    Per slice (OUTLINE_FEATURES): the outline's area, the image's mean inside it and in a ring of `ring` pixels
    around it, their difference, the brightest pixel and the spread inside, and of the whole nodule the largest
    outlined area, the stack's length and how far the slice is from its nearer end. Slices nobody marked have no
    outline: their first six features are 0. [len(idx), 9]"""
    out = np.zeros((len(idx), len(OUTLINE_FEATURES)))
    largest = {}                       # per stack (its first row): the largest outlined area
    for row, i in enumerate(idx):
        stack = nodule_slices(ds, i)
        if stack.start not in largest:
            largest[stack.start] = max(int(m.sum()) if m is not None else 0 for m in (_outline(ds, j) for j in stack))
        inside = _outline(ds, i)
        if inside is not None:
            image = np.asarray(ds.images[i], np.float32).reshape(inside.shape) / 255.0
            grown = F.max_pool2d(torch.from_numpy(inside[None, None].astype(np.float32)), 2 * ring + 1, 1, ring)
            near = grown[0, 0].numpy().astype(bool) & ~inside
            mean_in, mean_ring = image[inside].mean(), image[near].mean() if near.any() else 0.0
            out[row, :6] = [inside.sum(), mean_in, mean_ring, mean_in - mean_ring, image[inside].max(),
                            image[inside].std()]
        pos = i - stack.start
        out[row, 6:] = [largest[stack.start], len(stack), min(pos, len(stack) - 1 - pos)]
    return out


def quadratic_fit(x: np.ndarray, y: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """Least squares of y on each standardised column of x and its square (sizes on a log scale are the caller's
    choice) -> the fitted predictor."""
    mu, sd = x.mean(0), x.std(0) + 1e-9
    def design(m):
        z = (m - mu) / sd
        return np.c_[np.ones(len(z)), z, z ** 2]
    w = np.linalg.lstsq(design(x), y, rcond=None)[0]
    return lambda m: design(m) @ w


def outline_scale(features: np.ndarray) -> np.ndarray:
    """Areas and lengths on a log scale, the rest as they are."""
    out = features.copy()
    sizes = [OUTLINE_FEATURES.index(n) for n in ("area", "the nodule's largest area", "slices in the stack",
                                                  "slices to the stack's end")]
    out[:, sizes] = np.log1p(out[:, sizes])
    return out


def patient_effect(ds, idx: np.ndarray, residual: np.ndarray) -> Dict[str, float]:
    """Does what a reader misses follow the patient? The correlation of nodule-mean residuals over every pair of
    different nodules of one patient (each pair counted both ways), and how many pairs."""
    nodules = defaultdict(list)
    for i, r in zip(idx, residual):
        nodules[tuple(ds.meta[i][:2])].append(r)
    by_patient = defaultdict(list)
    for (patient, _), rs in nodules.items():
        by_patient[patient].append(float(np.mean(rs)))
    pairs = np.array([pair for means in by_patient.values() for pair in itertools.permutations(means, 2)])
    return {"corr": round(float(_corr(pairs[:, 0], pairs[:, 1]) or 0.0), 3), "pairs": len(pairs) // 2}


def stack_context(ds, i: int, k: int) -> np.ndarray:
    """Slice i with k slices of its nodule's stack on either side, [2k+1, H, W] in [0, 1]; zeros beyond the stack's
    ends."""
    stack = nodule_slices(ds, i)
    return np.stack([ds.images[j].astype(np.float32) / 255.0 if j in stack else np.zeros(ds.images[i].shape, np.float32)
                     for j in range(i - k, i + k + 1)])


@torch.no_grad()
def reader_peaks(net: MeanMaskNet, ds, idx: np.ndarray, context: int = 0) -> np.ndarray:
    """The reader's peak (the largest share of raters it expects at one pixel) on each slice."""
    was_training = net.training
    net.eval()
    peaks = [float(torch.sigmoid(net(torch.from_numpy(stack_context(ds, i, context))[None])).max()) for i in idx]
    net.train(was_training)
    return np.array(peaks)


def train_reader(ds, context: int, iterations: int, batch: int = 32, lr: float = 1e-3, seed: int = 0,
                 cfg: Optional[MeanMaskConfig] = None, log: Callable[[str], None] = print) -> MeanMaskNet:
    """A fresh mean-mask network trained alone on the training slices, the learning rate on a cosine."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = MeanMaskNet(cfg or MeanMaskConfig(in_channels=2 * context + 1))
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    t0 = time.time()
    for it in range(iterations):
        for g in opt.param_groups:
            g["lr"] = lr * 0.5 * (1 + np.cos(np.pi * it / iterations))
        pairs = [augment(stack_context(ds, i, context), ds.masks[i].astype(np.float32).mean(0, keepdims=True), rng)
                 for i in rng.choice(ds.train_idx, size=batch)]
        x, y = (torch.from_numpy(np.stack(p)) for p in zip(*pairs))
        loss = F.binary_cross_entropy_with_logits(net(x), y)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        if (it + 1) % 200 == 0:
            log(f"reader it {it + 1} BCE {float(loss):.5f}")
    log(f"reader: {iterations} iterations of {batch} in {(time.time() - t0) / 60:.1f} min")
    return net


def binned_calibration(pred: np.ndarray, share: np.ndarray, bins: int = 10) -> Callable[[np.ndarray], np.ndarray]:
    """pred -> the mean share of the training slices in pred's quantile bin."""
    edges = np.quantile(pred, np.linspace(0, 1, bins + 1))[1:-1]
    which = np.searchsorted(edges, pred, side="right")
    means = np.array([share[which == b].mean() if (which == b).any() else share.mean() for b in range(bins)])
    return lambda p: means[np.searchsorted(edges, p, side="right")]


def presence_bound(p_nonempty: np.ndarray, marked: np.ndarray, samples: int = 16, draws: int = 200,
                   seed: int = 0) -> Dict[str, object]:
    """Empty samples drawn from Binomial(samples, 1 - p) per slice: the expected correlation with the raters who
    marked the slice, and the mean empty samples for 0..4 raters."""
    rng = np.random.default_rng(seed)
    empty = rng.binomial(samples, 1.0 - np.clip(p_nonempty, 0.0, 1.0), size=(draws, len(marked)))
    corrs = [c for c in (_corr(marked.astype(float), e.astype(float)) for e in empty) if c is not None]
    return {"presenceCorr": round(float(np.mean(corrs)), 3) if corrs else None,
            "emptyByRaters": [round(float(empty[:, marked == n].mean()), 2) if (marked == n).any() else None
                              for n in range(5)]}


def with_empty(pool: np.ndarray, n_empty: int, n: int = 16) -> np.ndarray:
    """n masks from a pool of samples [P, H, W] of which n_empty are empty where the pool allows (the first of each
    kind in draw order, nothing picked for its shape); short of either kind, the other fills the set."""
    empty = [j for j in range(len(pool)) if not pool[j].any()]
    full = [j for j in range(len(pool)) if pool[j].any()]
    n_full = min(n - min(n_empty, len(empty)), len(full))
    return pool[empty[:n - n_full] + full[:n_full]]


def synthetic_readers(marked: np.ndarray, spreads=(0.2, 0.3, 0.4, 0.5), samples: int = 16,
                      seed: int = 0) -> list:
    """What a reader must achieve: readers p = clip(share + N(0, spread^2)) of the true share, each one's correlation
    with the share and the presence correlation a model using it would reach."""
    rng = np.random.default_rng(seed)
    share = marked / 4
    out = []
    for spread in spreads:
        p = np.clip(share + rng.normal(0.0, spread, len(share)), 0.0, 1.0)
        out.append({"spread": spread, "readerCorr": round(_corr(p, share), 3),
                    "presenceCorr": presence_bound(p, marked, samples, seed=seed)["presenceCorr"]})
    return out


def latent_ceiling(marked: np.ndarray, raters: int = 4, samples: int = 16, grid: int = 200,
                   iterations: int = 3000) -> Dict[str, object]:
    """The ceiling no reader of the image can pass: the presence correlation of a model that knew each slice's
    latent p, the probability that a radiologist marks it, exactly.

    The raters who mark a slice are Binomial(raters, p) given p (exchangeable raters), and a slice enters the data
    only when at least one rater marked it (the crops were cut around marked slices). The distribution of p is
    fitted to the counts 1..raters by the nonparametric maximum likelihood over a grid of p (EM, the unseen
    zero-rater slices as missing data); the model's empty samples are Binomial(samples, 1 - p). Returns that model's
    expected presence correlation and the correlation of p with the share, over the slices some rater marked."""
    counts = np.bincount(marked[marked > 0], minlength=raters + 1)[1:].astype(float)
    p = (np.arange(grid) + 0.5) / grid
    k = np.arange(raters + 1)[:, None]
    # P(k | p), [k = 0.., grid]
    lik = np.array([math.comb(raters, n) for n in range(raters + 1)])[:, None] * p ** k * (1 - p) ** (raters - k)
    w = np.full(grid, 1.0 / grid)
    for _ in range(iterations):
        pk = lik @ w
        unseen_zeros = counts.sum() * pk[0] / (1.0 - pk[0])
        full = np.concatenate([[unseen_zeros], counts])
        w = (full[:, None] * lik * w / pk[:, None]).sum(0) / full.sum()
    joint = (lik[1:] * w) / (1.0 - lik[0] @ w)       # P(k, p) over the marked slices, [k = 1.., grid]
    kk = k[1:]
    e_k, e_p = (joint * kk).sum(), (joint * p).sum()
    var_k, var_p = (joint * kk ** 2).sum() - e_k ** 2, (joint * p ** 2).sum() - e_p ** 2
    empty_mean = samples * (1 - p)
    e_e = (joint * empty_mean).sum()
    var_e = (joint * (samples * p * (1 - p) + empty_mean ** 2)).sum() - e_e ** 2
    cov_ke = (joint * kk * empty_mean).sum() - e_k * e_e
    cov_kp = (joint * kk * p).sum() - e_k * e_p
    return {"presenceCorr": round(float(cov_ke / np.sqrt(var_k * var_e)), 3),
            "latentShareCorr": round(float(cov_kp / np.sqrt(var_k * var_p)), 3),
            "fittedCounts": [round(float(x), 1) for x in counts.sum() * joint.sum(1)]}
