"""Validate a trained CalDiff model with the paper's protocol: N samples per slice (16), SNCC, Dmax,
CI and GED (= GED^2, see README) on the validation split.

  /usr/bin/python3 training/evaluate.py --run training/runs/caldiff-cpu --limit 200 --steps 10 \
      --out training/runs/caldiff-cpu/eval.json

--limit N takes the first N slices of a fixed seeded permutation of the validation slices (a random but
reproducible subset, not the first patients).
"""
import argparse
import csv
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from caldiff.data import LIDC  # noqa: E402
from caldiff.metrics import all_metrics, aggregate  # noqa: E402
from caldiff.sampling import ddim_sample, ddpm_sample  # noqa: E402
from caldiff.schedule import LinearSchedule  # noqa: E402
from export_onnx import load_unet_from_checkpoint  # noqa: E402


def val_order(ds: LIDC, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).permutation(ds.val_idx)


def evaluate(unet, ds, idx, samples=16, steps=10, sampler="ddim", seed=0, chunk=2, progress=True):
    sched = LinearSchedule()
    rows, t0 = [], time.time()
    for a in range(0, len(idx), chunk):
        sel = idx[a:a + chunk]
        img = torch.from_numpy(ds.images[sel].astype(np.float32) / 255.0)[:, None]
        if sampler == "ddim":
            s = ddim_sample(unet, sched, img, samples, steps, seed=seed + int(a))
        else:
            s = ddpm_sample(unet, sched, img, samples, seed=seed + int(a))
        s = s.numpy()
        for j, i in enumerate(sel):
            r = all_metrics(s[j], ds.masks[i])
            r.update({"index": int(i), "patient": ds.meta[i][0], "nodule": ds.meta[i][1], "slice": ds.meta[i][2]})
            rows.append(r)
        if progress and (a // chunk) % 10 == 0:
            print(f"{a + len(sel)}/{len(idx)} slices, {time.time() - t0:.0f}s", flush=True)
    return rows, time.time() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", required=True)
    ap.add_argument("--checkpoint", default="best.pt")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--samples", type=int, default=16)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--sampler", choices=["ddim", "ddpm"], default="ddim")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=None, help="JSON summary (includes the card's 'validation' object)")
    ap.add_argument("--csv", default=None, help="per-slice CSV")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    unet, ck = load_unet_from_checkpoint(Path(args.run) / args.checkpoint)
    ds = LIDC(write_splits=False)
    idx = val_order(ds)
    if args.limit:
        idx = idx[:args.limit]
    rows, secs = evaluate(unet, ds, idx, args.samples, args.steps, args.sampler, args.seed)
    keys = ["sncc", "dmax", "sc", "da", "ci", "ged"]
    agg = aggregate([{k: r[k] for k in keys} for r in rows])
    for k in keys:
        a = agg[k]
        print(f"{k:5s} mean={a['mean']} std={a['std']} n={a['n']} undefined={a['undefined']}")
    steps = args.steps if args.sampler == "ddim" else 1000
    card_val = {"slices": len(idx), "samples": args.samples, "steps": steps, "sampler": args.sampler,
                "sncc": agg["sncc"]["mean"], "dmax": agg["dmax"]["mean"], "ci": agg["ci"]["mean"],
                "ged": agg["ged"]["mean"],
                "notes": (f"{len(idx)} of {len(ds.val_idx)} validation slices (seeded permutation of the "
                          f"patient-level validation split, {len(ds.val_patients)} patients), EMA weights at "
                          f"iteration {ck['iteration']}; ged = GED^2 (d = 1 - IoU, self-pairs included); "
                          f"means over defined values: sncc n={agg['sncc']['n']}, ci n={agg['ci']['n']}; "
                          f"std: sncc {agg['sncc']['std']:.3f}, dmax {agg['dmax']['std']:.3f}, "
                          f"ci {agg['ci']['std']:.3f}, ged {agg['ged']['std']:.3f}; seed {args.seed}; "
                          f"{secs:.0f} s on {torch.get_num_threads()} CPU threads")}
    summary = {"card_validation": card_val, "aggregate": agg, "seconds": secs, "iteration": ck["iteration"],
               "args": vars(args)}
    print(json.dumps(card_val, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(summary, indent=2))
    if args.csv:
        with open(args.csv, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=["index", "patient", "nodule", "slice"] + keys)
            w.writeheader()
            for r in rows:
                w.writerow({k: r[k] for k in w.fieldnames})


if __name__ == "__main__":
    main()
