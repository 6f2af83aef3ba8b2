"""Paired per-slice differences between validations on the same slices and noise: each ARM against BASE, for
SNCC, Dmax, CI, GED² and the presence error, with 95 % intervals. The inputs are `evaluate.py --out` files, the
`training/runs/<name>/val-<samples>.json` that every training-time validation writes, or the per-slice CSV of
`caldiff eval --csv` (the workstation's own metrics; rows matched by study and slice).

  /usr/bin/python3 training/compare.py shipped.json training/runs/plain/val-8000.json training/runs/step/val-8000.json
  /usr/bin/python3 training/compare.py docs/bench-results/validation-v1-all-2026-12-03.csv v2-all.csv
  /usr/bin/python3 training/compare.py --by-raters docs/bench-results/validation-v3-all-2026-12-05.csv
"""
import argparse
import csv
import json
from pathlib import Path

from caldiff import validation
from caldiff.metrics import aggregate


def fmt(p: dict) -> str:
    return "undefined" if p["mean"] is None else f"{p['mean']:+.3f} [{p['low']:+.3f}, {p['high']:+.3f}]"


def load(path: str, samples: int) -> dict:
    p = Path(path)
    if p.suffix != ".csv":
        return json.loads(p.read_text())
    with p.open(newline="") as f:
        rows = [{"index": f"{r['study']}/{r['slice']}", "raters_marked": int(r["ratersMarked"]),
                 "empty_samples": int(r["emptySamples"]),
                 **{k: float(r[k]) if r[k] else None for k in validation.KEYS}} for r in csv.DictReader(f)]
    rows.sort(key=lambda r: r["index"])
    res = {"aggregate": aggregate([{k: r[k] for k in validation.KEYS} for r in rows]),
           "presence": validation.presence(rows, samples)}
    return {"model": p.name, "samples": samples, "rows": rows, "summary": validation.summary_line(res)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("base")
    ap.add_argument("arms", nargs="*")
    ap.add_argument("--json", action="store_true", help="print the differences as JSON")
    ap.add_argument("--samples", type=int, default=16, help="samples per slice of a CSV input")
    ap.add_argument("--by-raters", action="store_true", help="also each file's means by how many raters marked a slice")
    a = ap.parse_args()
    if not a.arms and not a.by_raters:
        ap.error("name at least one ARM to compare with BASE, or --by-raters")
    base = load(a.base, a.samples)
    out, loaded = [], [base]
    for arm_file in a.arms:
        arm = load(arm_file, a.samples)
        loaded.append(arm)
        if arm["samples"] != base["samples"]:
            raise SystemExit(f"{arm_file}: {arm['samples']} samples per slice, {a.base}: {base['samples']}")
        out.append({"arm": arm["model"], "file": arm_file, "summary": arm["summary"],
                    "paired": validation.compare(base["rows"], arm["rows"], base["samples"])})
    if a.json:
        print(json.dumps({"base": base["model"], "summary": base["summary"], "arms": out}, indent=1))
        return
    if a.by_raters:
        print("| file | raters | slices | " + " | ".join(validation.KEYS) + " | empty samples |")
        print("| --- |" + " ---: |" * (len(validation.KEYS) + 3))
        for run in loaded:
            for n, g in validation.by_raters(run["rows"]).items():
                cells = ["-" if g[k] is None else f"{g[k]:.3f}" for k in validation.KEYS]
                print(f"| {run['model']} | {n} | {g['slices']} | " + " | ".join(cells) + f" | {g['empty_samples']:.2f} |")
    if not out:
        return
    keys = ("sncc", "dmax", "ci", "ged", "presenceError")
    print(f"base {base['model']}: {json.dumps(base['summary'])}")
    print("| arm | " + " | ".join(k if k != "ged" else "GED²" for k in keys) + " |")
    print("| --- |" + " ---: |" * len(keys))
    for o in out:
        print(f"| {o['arm']} | " + " | ".join(fmt(o["paired"][k]) for k in keys) + " |")


if __name__ == "__main__":
    main()
