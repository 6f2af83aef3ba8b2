"""How far can the presence correlation go from what the model sees? (caldiff/presence_bound.py)

Reads the share of raters per slice with a mean-mask network (a checkpoint's, or one trained here on its own for
--train-iterations, optionally with --context k slices of the stack on either side), calibrates its peak on training
slices and reports, on the validation split: the reader's correlation with the share, the presence correlation and
empty samples per rater count that a perfectly calibrated model using that reader would reach, and the same for
synthetic readers (the true share plus noise): how good a reader a target needs, and the latent ceiling: what a
model reaches that knew each slice's probability of being marked exactly (the raters' own disagreement left over).
--outline-oracle reads the share instead from the nodule's exact outline (an oracle no model has: the first marking
rater's outline, its size, contrast and extent through the stack, fitted on the training slices) and reports how much
of what it misses follows the patient; --with-outline adds those features to a network reader.

  /usr/bin/python3 training/presence_bound.py --checkpoint training/checkpoints/caldiff-cpu.pt
  /usr/bin/python3 training/presence_bound.py --train-iterations 1700 --context 2
  /usr/bin/python3 training/presence_bound.py --outline-oracle
"""
import argparse
import json
from pathlib import Path
from typing import Callable, Optional, Tuple

import numpy as np
import torch

from caldiff import presence_bound as pb
from caldiff.data import LIDC
from caldiff.mean_mask import MeanMaskNet
from caldiff.validation import _corr
from export_onnx import load_unet_from_checkpoint


def checkpoint_reader(path: str) -> MeanMaskNet:
    net = getattr(load_unet_from_checkpoint(Path(path))[0].unet, "mean_mask", None)
    if net is None:
        raise SystemExit(f"{path}: this run has no mean-mask network (trained without --mean-mask)")
    return net


def reader(args, ds, calib_idx: np.ndarray,
           features: Optional[np.ndarray]) -> Tuple[Callable[[np.ndarray], np.ndarray], np.ndarray, str]:
    """-> (slice indices -> the reader's score of the share, its scores of the calibration slices, a description).
    features: the outline's features of every slice, for --outline-oracle and --with-outline."""
    if args.outline_oracle:
        fit = pb.quadratic_fit(features[ds.train_idx], pb.marked_counts(ds, ds.train_idx) / 4)
        return (lambda idx: fit(features[idx])), fit(features[calib_idx]), \
            "outline oracle: the first marking rater's outline, quadratic fit"
    if args.checkpoint:
        net, context, what = checkpoint_reader(args.checkpoint), 0, f"mean-mask network of {args.checkpoint}"
    else:
        context, what = args.context, f"reader trained alone, {args.train_iterations} iterations, context {args.context}"
        net = pb.train_reader(ds, context, args.train_iterations)
    def peaks(idx):
        return pb.reader_peaks(net, ds, idx, context)
    calib_peaks = peaks(calib_idx)
    if not args.with_outline:
        return peaks, calib_peaks, what
    both = pb.quadratic_fit(np.c_[features[calib_idx], calib_peaks], pb.marked_counts(ds, calib_idx) / 4)
    return (lambda idx: both(np.c_[features[idx], peaks(idx)])), both(np.c_[features[calib_idx], calib_peaks]), \
        what + ", with the outline's features"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--checkpoint", help="use the EMA mean-mask network of this checkpoint")
    src.add_argument("--train-iterations", type=int, help="train a fresh reader on its own, batches of 32")
    src.add_argument("--outline-oracle", action="store_true",
                     help="read the share from the first marking rater's outline (a quadratic fit on training slices)")
    ap.add_argument("--with-outline", action="store_true",
                    help="fit the network reader's peak and the outline's features together on the calibration slices")
    ap.add_argument("--context", type=int, default=0, help="slices of the stack on either side (with --train-iterations)")
    ap.add_argument("--calibration-slices", type=int, default=2000, help="training slices the calibration is fitted on")
    ap.add_argument("--samples", type=int, default=16)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=None, help="JSON with the result")
    args = ap.parse_args()
    if args.with_outline and args.outline_oracle:
        ap.error("--with-outline adds the outline to a network reader; --outline-oracle already is the outline")
    torch.set_num_threads(args.threads)
    ds = LIDC(write_splits=False)
    calib_idx = np.random.default_rng(0).choice(ds.train_idx, min(args.calibration_slices, len(ds.train_idx)),
                                                replace=False)
    features = pb.outline_scale(pb.outline_features(ds, np.arange(len(ds.meta)))) \
        if args.outline_oracle or args.with_outline else None
    read, calib_scores, what = reader(args, ds, calib_idx, features)
    calibrate = pb.binned_calibration(calib_scores, pb.marked_counts(ds, calib_idx) / 4)
    marked = pb.marked_counts(ds, ds.val_idx)
    share = marked / 4
    score = read(ds.val_idx)
    r = _corr(score, share)
    result = {"reader": what, "slices": len(share),
              "betweenNoduleVariance": round(pb.between_nodule_variance(ds, ds.val_idx, share), 3),
              "readerShareCorr": None if r is None else round(r, 3),
              "calibratedModel": pb.presence_bound(calibrate(score), marked, args.samples),
              "syntheticReaders": pb.synthetic_readers(marked, samples=args.samples),
              "latentCeiling": pb.latent_ceiling(marked, samples=args.samples)}
    if args.outline_oracle:
        result["featureShareCorr"] = {name: round(_corr(features[ds.val_idx, c], share) or 0.0, 3)
                                      for c, name in enumerate(pb.OUTLINE_FEATURES)}
        everyone = np.arange(len(ds.meta))
        result["residualBetweenNodulesOfAPatient"] = pb.patient_effect(
            ds, everyone, pb.marked_counts(ds, everyone) / 4 - read(everyone))
    print(json.dumps(result, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
