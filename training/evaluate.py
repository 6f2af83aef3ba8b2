"""Validate a CalDiff model as it ships: the card's sampler (respaced DDPM, K steps), 16 samples per slice, on the
fixed list training/splits/val<N>.txt (or the whole validation split), with the four metrics and the presence
indicators; per-slice rows go to the JSON so that two models can be compared slice by slice (--against).

  /usr/bin/python3 training/evaluate.py --onnx models/caldiff-lidc-cpu-v1.onnx --out shipped.json
  /usr/bin/python3 training/evaluate.py --checkpoint training/runs/NAME/last.pt --out arm.json --against shipped.json
  /usr/bin/python3 training/evaluate.py --onnx models/caldiff-lidc-cpu-v1.onnx --all --out full.json   # 1,328 slices
"""
import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from caldiff import validation
from caldiff.data import LIDC
from caldiff.onnx_weights import denoiser_from_card, reference_error
from caldiff.parameterisation import EpsContract
from caldiff.sampling import MaskRange
from export_onnx import load_unet_from_checkpoint


def model_arguments(ap: argparse.ArgumentParser):
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--onnx", help="a shipped export (its card and reference beside it)")
    src.add_argument("--checkpoint", help="a training checkpoint (last.pt, best.pt or a compact one)")


def load_model(args):
    """-> (model as the app sees it, mask range, description)."""
    if args.onnx:
        card = json.loads(Path(args.onnx).with_suffix(".json").read_text())
        unet = denoiser_from_card(Path(args.onnx).with_suffix(".json"))
        err = reference_error(unet, Path(args.onnx).with_suffix(".reference.json"))
        if err > card["parityTolerance"]:
            raise SystemExit(f"{args.onnx}: weights read back differ from the reference outputs by {err:.2e}")
        m = card["mask"]
        mask = MaskRange(m["low"], m["high"], m["threshold"])
        return EpsContract(unet, "eps", mask).eval(), mask, f"{card['id']} (ONNX weights, reference error {err:.1e})"
    model, ck = load_unet_from_checkpoint(Path(args.checkpoint))
    return model, model.mask, f"{args.checkpoint} (EMA, iteration {ck['iteration']}, " \
                              f"{ck['iteration'] * ck['options']['batch'] if 'options' in ck else '?'} samples)"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    model_arguments(ap)
    ap.add_argument("--slices", type=int, default=96, help="size of the fixed list training/splits/val<N>.txt")
    ap.add_argument("--all", action="store_true", help="every validation slice instead")
    ap.add_argument("--samples", type=int, default=16)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--sampler", choices=["ddpm", "ddim"], default="ddpm")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", required=True, help="JSON: aggregate, presence, per-slice rows")
    ap.add_argument("--against", default=None, help="an earlier --out on the same slices: paired differences")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model, mask, what = load_model(args)
    ds = LIDC(write_splits=False)
    idx = np.asarray(ds.val_idx) if args.all else validation.fixed_slices(ds, args.slices)
    t0 = time.time()
    def progress(done, total):
        if done % 8 == 0 or done == total:
            print(f"{done}/{total} slices, {time.time() - t0:.0f} s", flush=True)
    res = validation.validate(model, ds, idx, mask, args.samples, args.steps, args.seed, sampler=args.sampler,
                              progress=progress)
    secs = time.time() - t0
    out = validation.record(what, res, args.samples, args.steps, args.sampler, secs, seed=args.seed,
                            list="all" if args.all else f"training/splits/val{args.slices}.txt",
                            threads=torch.get_num_threads())
    if args.against:
        base = json.loads(Path(args.against).read_text())
        if base["samples"] != args.samples:
            raise SystemExit(f"{args.against}: {base['samples']} samples per slice, this run: {args.samples}")
        out["against"] = {"model": base["model"],
                          "paired": validation.compare(base["rows"], res["rows"], args.samples)}
    Path(args.out).write_text(json.dumps(out, indent=1))
    print(json.dumps({k: out[k] for k in ("model", "slices", "seconds", "summary")}, indent=1))
    if args.against:
        print(json.dumps(out["against"], indent=1))


if __name__ == "__main__":
    main()
