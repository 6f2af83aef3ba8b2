"""Does the model read presence from the image? Its x0 estimate inside the raters' union at the deciding
timesteps, from an empty mask noised to step t, with the image shown and blanked, by how many raters marked the
slice; the ideal where x_t carries little evidence (t >= 700) is the raters' mean mask inside their union, and the
correlation over slices between the two is the indicator (a model blind to the image: ~0).
See `caldiff.validation.image_evidence`.

  /usr/bin/python3 training/probe_presence.py --onnx models/caldiff-lidc-cpu-v1.onnx
  /usr/bin/python3 training/probe_presence.py --checkpoint training/checkpoints/caldiff-cpu.pt --out probe.json
"""
import argparse
import json
from pathlib import Path

import torch

from caldiff import validation
from caldiff.data import LIDC
from evaluate import load_model, model_arguments


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    model_arguments(ap)
    ap.add_argument("--slices", type=int, default=96, help="size of the fixed list training/splits/val<N>.txt")
    ap.add_argument("--t", type=int, nargs="+", default=[400, 700, 850], help="timesteps (0..999)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=None, help="JSON with the per-slice rows")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model, mask, what = load_model(args)
    ds = LIDC(write_splits=False)
    res = validation.image_evidence(model, ds, validation.fixed_slices(ds, args.slices), mask, args.t, args.seed)
    print(f"{what}: x0 estimate inside the raters' union from an empty x_t, image shown / blanked")
    groups = next(iter(res["by_raters"].values()))["groups"]
    print("| t | " + " | ".join(f"{n} rater{'s' if n != '1' else ''} (ideal {g['ideal']:.2f}, {g['slices']} slices)"
                                if g["slices"] else f"{n} raters (none)" for n, g in groups.items())
          + " | corr(ideal, estimate) |")
    print("| ---: |" + " ---: |" * 5)
    for t, g in res["by_raters"].items():
        cells = [f"{c['image']:.3f} / {c['blank']:.3f}" if c["slices"] else "-"
                 for c in g["groups"].values()]
        corr = "-" if g["correlation"] is None else f"{g['correlation']:+.2f}"
        print(f"| {t} | " + " | ".join(cells) + f" | {corr} |")
    if args.out:
        Path(args.out).write_text(json.dumps({"model": what, **res}, indent=1))


if __name__ == "__main__":
    main()
