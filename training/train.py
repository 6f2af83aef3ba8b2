"""Train CalDiff (conditional DDPM + Step-UC + Seq-UC) on the shared LIDC-IDRI stacks.

  /usr/bin/python3 training/train.py --config cpu                  # full CalDiff: Step-UC + Seq-UC (S=2)
  /usr/bin/python3 training/train.py --config cpu --no-step-uc --seq-uc 0   # plain diffusion
  /usr/bin/python3 training/train.py --prediction x0-logit --mask-scale=-1/1 --no-step-uc --seq-uc 0
  /usr/bin/python3 training/train.py --resume training/checkpoints/caldiff-cpu.pt --minutes 60

Checkpoints go to training/runs/<name>/ (last.pt every --ckpt-min minutes and at the end, best.pt at the best
validation); --compact PATH also writes the small resumable checkpoint there; --resume PATH continues a run from
either, with the options stored in it (only the sitting's options below apply). With --export-id the best model
is exported to models/<id>.onnx (+ card, reference).
"""
import argparse
import os
from dataclasses import fields

import torch

from caldiff.losses import T_FAVOUR_SHARE
from caldiff.parameterisation import PREDICTIONS
from caldiff.sampling import MASK_RANGES
from caldiff.train_loop import CONFIGS, DEFAULT_VAL_EVERY, Sitting, TrainLoop, TrainOptions, sitting_val_every


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    run = ap.add_argument_group("the run (stored in its checkpoints)")
    run.add_argument("--config", choices=sorted(CONFIGS), default="cpu")
    run.add_argument("--name", default=None, help="run name (default derived from config and flags)")
    run.add_argument("--step-uc", dest="step_uc", action="store_true", default=True)
    run.add_argument("--no-step-uc", dest="step_uc", action="store_false")
    run.add_argument("--seq-uc", type=int, default=2, choices=[0, 1, 2, 3, 4], help="S (0 = off)")
    run.add_argument("--seq-form", choices=["sum", "paper"], default="sum",
                     help="L_SA as the squared summed error, or the paper's tau_s-weighted form divided by S")
    run.add_argument("--prediction", choices=PREDICTIONS, default="eps", help="what the U-Net's head predicts")
    run.add_argument("--mask-scale", choices=sorted(MASK_RANGES), default="0/1", help="values the masks diffuse at")
    run.add_argument("--weighting", choices=["none", "min-snr"], default="none")
    run.add_argument("--snr-gamma", type=float, default=5.0)
    run.add_argument("--x0-floor", type=float, default=0.0,
                     help="lowest weight of a step in x0 units (raised at most 100-fold; 0 = off)")
    run.add_argument("--t-favour", type=int, default=0,
                     help=f"draw {T_FAVOUR_SHARE:.0%}% of the timesteps uniformly from 0..T' (0 = uniform)")
    run.add_argument("--batch", type=int, default=None)
    run.add_argument("--lr", type=float, default=None, help="peak learning rate")
    run.add_argument("--iterations", type=int, default=None, help="total length of the cosine schedule")
    run.add_argument("--ema", type=float, default=None)
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--init-onnx", default=None, help="start from the U-Net weights of a shipped export")
    run.add_argument("--init-checkpoint", default=None,
                     help="start from a checkpoint's U-Net and EMA weights, on a schedule of this run's own")
    run.add_argument("--mean-mask", action="store_true",
                     help="condition the U-Net on a mean-mask network inside the graph (caldiff/mean_mask.py)")
    run.add_argument("--val-steps", type=int, default=10)
    sit = ap.add_argument_group("this sitting")
    sit.add_argument("--resume", default=None, metavar="CHECKPOINT", help="continue from last.pt or a compact one")
    sit.add_argument("--minutes", type=float, default=None, help="stop cleanly after this wall-clock budget")
    sit.add_argument("--threads", type=int, default=None)
    sit.add_argument("--val-every", type=int, default=None,
                     help=f"samples seen between validations (default: the resumed run's last sitting's, else "
                          f"{DEFAULT_VAL_EVERY})")
    sit.add_argument("--ckpt-min", type=float, default=5.0, help="minutes between checkpoints")
    sit.add_argument("--compact", default=None, help="also write the compact resumable checkpoint here")
    sit.add_argument("--export-id", default=None, help="export the best model to models/<id>.onnx")
    sit.add_argument("--hardware", default=None, help="how to describe this machine in the card")
    sit.add_argument("--log-every", type=int, default=20)
    return ap.parse_args(argv)


def main(argv=None):
    a = parse_args(argv)
    ck = torch.load(a.resume, map_location="cpu") if a.resume else None
    if ck:
        opts = TrainOptions(**ck["options"])
    else:
        opts = TrainOptions(**{f.name: getattr(a, f.name) for f in fields(TrainOptions) if hasattr(a, f.name)})
    hardware = a.hardware or (f"CPU ({os.cpu_count()} cores, shared), torch {torch.__version__}")
    # a sitting resumed from the compact checkpoint writes it back in place (one file, replaced each sitting)
    compact = a.compact or (a.resume if ck and ck.get("compact") else None)
    sitting = Sitting(minutes=a.minutes, threads=a.threads, val_every=sitting_val_every(a.val_every, ck),
                      ckpt_min=a.ckpt_min, log_every=a.log_every, compact=compact, export_id=a.export_id,
                      hardware=hardware)
    loop = TrainLoop(opts, sitting, resuming=ck is not None)
    if ck:
        loop.load(ck)
        print(f"resumed {a.resume} at iteration {loop.it} ({loop.samples_seen} samples seen)", flush=True)
    loop.run()


if __name__ == "__main__":
    main()
