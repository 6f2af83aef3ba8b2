"""Train CalDiff (conditional DDPM + Step-UC + Seq-UC) on the shared LIDC-IDRI stacks.

  /usr/bin/python3 training/train.py --config cpu                  # full CalDiff: Step-UC + Seq-UC (S=2)
  /usr/bin/python3 training/train.py --config cpu --no-step-uc --seq-uc 0   # plain diffusion
  /usr/bin/python3 training/train.py --config cpu --no-step-uc --seq-uc 3   # +Seq-UC only, S = 3
  /usr/bin/python3 training/train.py --config full --resume        # GPU configuration, resumable

Checkpoints go to training/runs/<name>/ (last.pt every --ckpt-min minutes, best.pt at the best quick
validation); with --export-id the best model is exported to models/<id>.onnx (+ card, reference).
"""
import argparse
import copy
import json
import math
import os
import signal
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from caldiff.calibration_nets import CalibConfig, UncertaintyModelingNet, UncertaintyCalibratingNet  # noqa: E402
from caldiff.data import LIDC, train_batch, SPLIT_RULE  # noqa: E402
from caldiff.losses import LossFlags, training_losses  # noqa: E402
from caldiff.schedule import LinearSchedule  # noqa: E402
from caldiff.unet import UNet, UNetConfig, count_parameters  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

CONFIGS = {
    # small and fast: ~1.6M parameters, U-Net at 64x64 behind a 2x2 space-to-depth stem
    "cpu": dict(unet=dict(base=32, mults=(1, 2, 2, 2), blocks=1, attn_levels=(3,), patch=2),
                calib=dict(latent=6, levels=3, base=16, patch=4),
                batch=16, lr=3e-4, iterations=200000, ema=0.999, warmup=200, val_slices=24, val_steps=10,
                threads=2),
    # the GPU configuration (torch 2.x + CUDA): full-resolution U-Net, attention at 32x32 and 16x16
    "full": dict(unet=dict(base=64, mults=(1, 2, 3, 4), blocks=2, attn_levels=(2, 3), patch=1, dropout=0.1),
                 calib=dict(latent=6, levels=3, base=32, patch=2),
                 batch=32, lr=1e-4, iterations=100000, ema=0.9999, warmup=1000, val_slices=64, val_steps=25,
                 threads=None),
}


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", choices=sorted(CONFIGS), default="cpu")
    ap.add_argument("--step-uc", dest="step_uc", action="store_true", default=True)
    ap.add_argument("--no-step-uc", dest="step_uc", action="store_false")
    ap.add_argument("--seq-uc", type=int, default=2, choices=[0, 1, 2, 3, 4], help="S (0 = off)")
    ap.add_argument("--name", default=None, help="run name (default derived from config and flags)")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--iterations", type=int, default=None)
    ap.add_argument("--batch", type=int, default=None)
    ap.add_argument("--lr", type=float, default=None)
    ap.add_argument("--minutes", type=float, default=None, help="stop after this wall-clock budget")
    ap.add_argument("--ckpt-min", type=float, default=5.0, help="minutes between checkpoints")
    ap.add_argument("--val-min", type=float, default=12.0, help="minutes between quick validations")
    ap.add_argument("--val-slices", type=int, default=None)
    ap.add_argument("--val-steps", type=int, default=None)
    ap.add_argument("--export-id", default=None, help="export the best model to models/<id>.onnx")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default=None)
    ap.add_argument("--log-every", type=int, default=20)
    return ap.parse_args(argv)


def build(cfg_name: str):
    cfg = CONFIGS[cfg_name]
    unet = UNet(UNetConfig(**cfg["unet"]))
    ccfg = CalibConfig(**cfg["calib"])
    return unet, UncertaintyModelingNet(ccfg), UncertaintyCalibratingNet(ccfg)


def val_subset(ds: LIDC, n: int, seed: int = 0) -> np.ndarray:
    """A fixed, seeded subset of validation slices (the same at every validation)."""
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(ds.val_idx, size=min(n, len(ds.val_idx)), replace=False))


@torch.no_grad()
def quick_validate(unet, sched, ds, idx, samples=16, steps=10, seed=0, device="cpu", chunk=2):
    from caldiff.metrics import all_metrics, aggregate
    from caldiff.sampling import ddim_sample

    unet.eval()
    rows = []
    for a in range(0, len(idx), chunk):
        sel = idx[a:a + chunk]
        img = torch.from_numpy(ds.images[sel].astype(np.float32) / 255.0)[:, None].to(device)
        s = ddim_sample(unet, sched, img, samples, steps, seed=seed + a).cpu().numpy()
        for j, i in enumerate(sel):
            rows.append(all_metrics(s[j], ds.masks[i]))
    return aggregate(rows)


def atomic_save(obj, path: Path):
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    torch.save(obj, str(tmp))
    os.replace(tmp, path)


def main(argv=None):
    args = parse_args(argv)
    cfg = CONFIGS[args.config]
    if cfg["threads"]:
        torch.set_num_threads(cfg["threads"])
    device = args.device or ("cuda" if torch.cuda.is_available() and args.config == "full" else "cpu")
    name = args.name or f"caldiff-{args.config}-step{int(args.step_uc)}-seq{args.seq_uc}"
    run = ROOT / "training" / "runs" / name
    run.mkdir(parents=True, exist_ok=True)
    batch = args.batch or cfg["batch"]
    lr = args.lr or cfg["lr"]
    iterations = args.iterations or cfg["iterations"]
    val_slices = args.val_slices or cfg["val_slices"]
    val_steps = args.val_steps or cfg["val_steps"]

    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    ds = LIDC()
    sched = LinearSchedule()
    unet, model_net, calib_net = build(args.config)
    unet.to(device), model_net.to(device), calib_net.to(device)
    params = list(unet.parameters())
    if args.step_uc:  # Algorithm 1: phi and psi are optimised together with the U-Net
        params += list(model_net.parameters()) + list(calib_net.parameters())
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    ema = copy.deepcopy(unet).eval()
    for p in ema.parameters():
        p.requires_grad_(False)
    flags = LossFlags(step_uc=args.step_uc, seq_uc=args.seq_uc)
    it, best, elapsed_prev, history = 0, math.inf, 0.0, []
    if args.resume and (run / "last.pt").exists():
        ck = torch.load(str(run / "last.pt"), map_location=device)
        unet.load_state_dict(ck["unet"]), ema.load_state_dict(ck["ema"])
        model_net.load_state_dict(ck["model_net"]), calib_net.load_state_dict(ck["calib_net"])
        opt.load_state_dict(ck["opt"])
        it, best, elapsed_prev = ck["iteration"], ck["best"], ck["elapsed_s"]
        history = ck.get("history", [])
        rng = np.random.default_rng(args.seed + it)
        torch.manual_seed(args.seed + it)
        print(f"resumed {run / 'last.pt'} at iteration {it} (best {best})", flush=True)
    vidx = val_subset(ds, val_slices)
    hw = (torch.cuda.get_device_name(0) if device.startswith("cuda") else
          f"CPU x{torch.get_num_threads()} threads ({os.cpu_count()} cores, shared)") + f", torch {torch.__version__}"
    print(f"run {run}\nconfig {args.config}: unet {count_parameters(unet)} params, calib nets "
          f"{count_parameters(model_net)} x2; batch {batch}, lr {lr}; flags {flags}; device {hw}\n"
          f"data: {ds.split_summary()}", flush=True)

    def card_training(wall_s):
        return {"config": args.config,
                "data": ("LIDC-IDRI 128x128 four-rater crops (shared/data/lidc-idri NIfTI stacks), one random rater "
                         f"per draw, flips + 90-degree rotations, batch {batch}"),
                "split": ds.split_summary(),
                "iterations": int(it), "hardware": hw, "wallClockHours": round(wall_s / 3600.0, 3),
                "flags": {"stepUC": bool(args.step_uc), "seqUC": int(args.seq_uc)},
                "parameters": count_parameters(unet)}

    def checkpoint(path, wall_s, extra=None):
        d = {"unet": unet.state_dict(), "ema": ema.state_dict(), "model_net": model_net.state_dict(),
             "calib_net": calib_net.state_dict(), "opt": opt.state_dict(), "iteration": it, "best": best,
             "elapsed_s": wall_s, "history": history, "args": vars(args),
             "unet_config": unet.cfg.to_dict(), "calib_config": model_net.cfg.to_dict(),
             "card_training": card_training(wall_s), "recommended_steps": val_steps}
        if extra:
            d.update(extra)
        atomic_save(d, path)

    stop = {"flag": False}

    def _on_term(signum, frame):  # SIGTERM/SIGINT: finish the iteration, write last.pt, exit
        stop["flag"] = True

    signal.signal(signal.SIGTERM, _on_term)
    signal.signal(signal.SIGINT, _on_term)
    t_start = time.time()
    last_ckpt = last_val = time.time()
    t_log, acc = time.time(), {}
    unet.train(), model_net.train(), calib_net.train()
    while it < iterations:
        wall = elapsed_prev + time.time() - t_start
        if stop["flag"]:
            print("stop requested", flush=True)
            break
        if args.minutes is not None and (time.time() - t_start) > args.minutes * 60:
            print("time budget reached", flush=True)
            break
        image, x0 = train_batch(ds, batch, rng)
        image, x0 = image.to(device), x0.to(device)
        for g in opt.param_groups:
            g["lr"] = lr * min(1.0, (it + 1) / cfg["warmup"])
        terms = training_losses(unet, sched, image, x0, flags, model_net, calib_net)
        opt.zero_grad(set_to_none=True)
        terms["loss"].backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        with torch.no_grad():
            d = min(cfg["ema"], (1 + it) / (10 + it))
            for pe, p in zip(ema.parameters(), unet.parameters()):
                pe.mul_(d).add_(p.detach(), alpha=1 - d)
            for be, b in zip(ema.buffers(), unet.buffers()):
                be.copy_(b)
        it += 1
        for k, v in terms.items():
            acc[k] = acc.get(k, 0.0) + float(v)
        if it % args.log_every == 0:
            dt = (time.time() - t_log) / args.log_every
            msg = " ".join(f"{k}={v / args.log_every:.4f}" for k, v in acc.items())
            print(f"it {it} {msg} s/iter={dt:.3f} wall_min={wall / 60:.1f}", flush=True)
            history.append({"it": it, "s_per_iter": dt, **{k: v / args.log_every for k, v in acc.items()}})
            acc, t_log = {}, time.time()
        now = time.time()
        if now - last_val > args.val_min * 60:
            tv = time.time()
            agg = quick_validate(ema, sched, ds, vidx, 16, val_steps, device=device)
            last_val = time.time()
            ged = agg["ged"]["mean"]
            line = {k: (round(v["mean"], 4) if v["mean"] is not None else None) for k, v in agg.items()}
            print(f"val it {it}: {json.dumps(line)} ({time.time() - tv:.0f}s, {len(vidx)} slices, "
                  f"16 samples, DDIM {val_steps})", flush=True)
            history.append({"it": it, "val": line})
            if ged < best:
                best = ged
                cv = {"slices": int(len(vidx)), "samples": 16, "steps": val_steps, "sampler": "ddim",
                      "sncc": agg["sncc"]["mean"], "dmax": agg["dmax"]["mean"], "ci": agg["ci"]["mean"],
                      "ged": agg["ged"]["mean"],
                      "notes": (f"training-time quick validation (EMA weights) on a fixed seeded subset of "
                                f"{len(vidx)} validation slices; ged = GED^2; means over defined values")}
                checkpoint(run / "best.pt", elapsed_prev + time.time() - t_start, {"card_validation": cv})
                if args.export_id:
                    from export_onnx import publish
                    publish(ema, args.export_id, card_training(elapsed_prev + time.time() - t_start), cv,
                            val_steps, ds)
                    print(f"exported models/{args.export_id}.onnx (best ged {best:.4f})", flush=True)
            unet.train()
        if time.time() - last_ckpt > args.ckpt_min * 60:
            checkpoint(run / "last.pt", elapsed_prev + time.time() - t_start)
            last_ckpt = time.time()
    checkpoint(run / "last.pt", elapsed_prev + time.time() - t_start)
    print(f"done at iteration {it}", flush=True)


if __name__ == "__main__":
    main()
