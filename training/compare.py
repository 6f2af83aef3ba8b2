"""Paired per-slice differences between validations on the same slices and noise: each ARM against BASE, for
SNCC, Dmax, CI, GED² and the presence error, with 95 % intervals. The inputs are `evaluate.py --out` files or the
`training/runs/<name>/val-<samples>.json` that every training-time validation writes.

  /usr/bin/python3 training/compare.py shipped.json training/runs/plain/val-8000.json training/runs/step/val-8000.json
"""
import argparse
import json
from pathlib import Path

from caldiff import validation


def fmt(p: dict) -> str:
    return "undefined" if p["mean"] is None else f"{p['mean']:+.3f} [{p['low']:+.3f}, {p['high']:+.3f}]"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("base")
    ap.add_argument("arms", nargs="+")
    ap.add_argument("--json", action="store_true", help="print the differences as JSON")
    a = ap.parse_args()
    base = json.loads(Path(a.base).read_text())
    out = []
    for arm_file in a.arms:
        arm = json.loads(Path(arm_file).read_text())
        if arm["samples"] != base["samples"]:
            raise SystemExit(f"{arm_file}: {arm['samples']} samples per slice, {a.base}: {base['samples']}")
        out.append({"arm": arm["model"], "file": arm_file, "summary": arm["summary"],
                    "paired": validation.compare(base["rows"], arm["rows"], base["samples"])})
    if a.json:
        print(json.dumps({"base": base["model"], "summary": base["summary"], "arms": out}, indent=1))
        return
    keys = ("sncc", "dmax", "ci", "ged", "presenceError")
    print(f"base {base['model']}: {json.dumps(base['summary'])}")
    print("| arm | " + " | ".join(k if k != "ged" else "GED²" for k in keys) + " |")
    print("| --- |" + " ---: |" * len(keys))
    for o in out:
        print(f"| {o['arm']} | " + " | ".join(fmt(o["paired"][k]) for k in keys) + " |")


if __name__ == "__main__":
    main()
