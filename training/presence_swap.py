"""What would presence alone buy a model? Draws a pool of samples per slice (32 by default) with the card's sampler
on the fixed list training/splits/val<N>.txt, and scores four sets of 16 from each pool that differ only in how many
samples are empty (caldiff/presence_bound.with_empty: the first of each kind in draw order):

  plain             the first 16 draws, as the model gives them
  ideal             16 (4 - k) / 4 empty for k raters: an oracle that knows the raters' count
  reader            Binomial(16, 1 - p) empty, p the model's own mean-mask network's peak calibrated on 2,000
                    training slices: what a calibrated model with that reader would draw (presence_bound.py)
  reader-noiseless  round(16 (1 - p)) empty

Each set becomes a validation record OUT/<set>.json (when the last of --part K/N has finished); pair them with
compare.py. The noise of a slice and its binomial draw depend on the slice alone, so parts give the same rows.

  /usr/bin/python3 training/presence_swap.py --onnx models/caldiff-lidc-cpu-v3.onnx --out-dir DIR --part 0/2 &
  /usr/bin/python3 training/presence_swap.py --onnx models/caldiff-lidc-cpu-v3.onnx --out-dir DIR --part 1/2
  /usr/bin/python3 training/compare.py DIR/plain.json DIR/ideal.json DIR/reader.json DIR/reader-noiseless.json
"""
import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from caldiff import presence_bound as pb
from caldiff import validation
from caldiff.data import LIDC
from caldiff.mean_mask import MeanMaskConditionedUNet
from caldiff.metrics import all_metrics
from caldiff.sampling import strided_sample
from caldiff.schedule import LinearSchedule
from evaluate import load_model, model_arguments

SETS = ("plain", "ideal", "reader", "reader-noiseless")


def sets_of(pool: np.ndarray, marked: int, p: float, rng: np.random.Generator, n: int) -> dict:
    return {"plain": pool[:n], "ideal": pb.with_empty(pool, round(n * (4 - marked) / 4), n),
            "reader": pb.with_empty(pool, int(rng.binomial(n, 1 - p)), n),
            "reader-noiseless": pb.with_empty(pool, int(round(n * (1 - p))), n)}


def merge(out_dir: Path, parts: int, what: str, args):
    files = [out_dir / f"part-{k}-of-{parts}.json" for k in range(parts)]
    if not all(f.exists() for f in files):
        return
    loaded = [json.loads(f.read_text()) for f in files]
    for name in SETS:
        rows = sorted((r for part in loaded for r in part["rows"][name]), key=lambda r: r["order"])
        res = {"rows": rows, "aggregate": validation.aggregate([{k: r[k] for k in validation.KEYS} for r in rows]),
               "presence": validation.presence(rows, args.samples)}
        record = validation.record(f"{what}: {name}", res, args.samples, args.steps, "ddpm",
                                   sum(part["seconds"] for part in loaded), seed=args.seed, pool=args.pool,
                                   list=f"training/splits/val{args.slices}.txt")
        (out_dir / f"{name}.json").write_text(json.dumps(record, indent=1))
        print(name, json.dumps(record["summary"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    model_arguments(ap)
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--slices", type=int, default=96, help="size of the fixed list training/splits/val<N>.txt")
    ap.add_argument("--pool", type=int, default=32, help="samples drawn per slice")
    ap.add_argument("--samples", type=int, default=16, help="samples per scored set")
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--part", default="0/1", help="K/N: this process scores every N-th slice from the K-th")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    part, parts = (int(x) for x in args.part.split("/"))
    if not 0 <= part < parts or args.pool < args.samples:
        ap.error("--part K/N needs 0 <= K < N, and --pool at least --samples")
    torch.set_num_threads(args.threads)
    model, mask, what = load_model(args)
    conditioned = next((m for m in model.modules() if isinstance(m, MeanMaskConditionedUNet)), None)
    if conditioned is None:
        raise SystemExit("this model has no mean-mask network to read the share with (trained without --mean-mask)")
    reader = conditioned.mean_mask
    ds = LIDC(write_splits=False)
    calib = np.random.default_rng(0).choice(ds.train_idx, min(2000, len(ds.train_idx)), replace=False)
    calibrate = pb.binned_calibration(pb.reader_peaks(reader, ds, calib), pb.marked_counts(ds, calib) / 4)
    idx = validation.fixed_slices(ds, args.slices)
    rows = {name: [] for name in SETS}
    t0 = time.time()
    for order in range(part, len(idx), parts):
        i = idx[order]
        image, raters, marked, noise_seed = validation.slice_inputs(ds, i, args.seed)
        pool = strided_sample(model, LinearSchedule(), image, args.pool, args.steps, sampler="ddpm", seed=noise_seed,
                              mask=mask)[0].numpy().astype(np.uint8)
        p = float(calibrate(pb.reader_peaks(reader, ds, np.array([i])))[0])
        for name, chosen in sets_of(pool, marked, p, np.random.default_rng(noise_seed), args.samples).items():
            row = all_metrics(chosen, raters)
            row.update({"index": int(i), "order": order, "raters_marked": marked, "reader_p": round(p, 4),
                        "empty_samples": validation.empty_count(chosen),
                        "pool_empty": validation.empty_count(pool)})
            rows[name].append(row)
        print(f"slice {order + 1}/{len(idx)}, {time.time() - t0:.0f} s", flush=True)
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"part-{part}-of-{parts}.json").write_text(
        json.dumps({"model": what, "seconds": round(time.time() - t0, 1), "rows": rows}))
    merge(out_dir, parts, what, args)


if __name__ == "__main__":
    main()
