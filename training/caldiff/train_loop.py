"""The training loop of CalDiff as one object: build the networks from a configuration, draw batches, step the
optimiser on a warm-up + cosine learning rate whose total length lives in the checkpoint (so resumed sittings
continue one schedule), keep the EMA, validate with the card's sampler on the fixed validation list, and write
checkpoints: `last.pt` / `best.pt` in the run folder (git-ignored) and, with `compact`, one small resumable
checkpoint (fp16 weights, bf16 Adam moments) meant to be committed."""
import copy
import json
import math
import os
import signal
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np
import torch

from .calibration_nets import CalibConfig, UncertaintyCalibratingNet, UncertaintyModelingNet
from .data import LIDC, train_batch
from .losses import LossFlags, training_losses
from .mean_mask import MeanMaskConfig, build_denoiser, widen_input
from .parameterisation import EpsContract
from .sampling import MASK_RANGES
from .schedule import LinearSchedule
from .unet import UNetConfig, count_parameters
from . import validation

ROOT = Path(__file__).resolve().parents[2]
RUNS = ROOT / "training" / "runs"

CONFIGS = {
    # small and fast: ~1.6M parameters, U-Net at 64x64 behind a 2x2 space-to-depth stem
    "cpu": dict(unet=dict(base=32, mults=(1, 2, 2, 2), blocks=1, attn_levels=(3,), patch=2),
                calib=dict(latent=6, levels=3, base=16, patch=4), mean_mask=dict(base=32, mults=(1, 2, 2), patch=4),
                batch=8, lr=6e-4, iterations=60000, ema=0.9995, warmup=200, threads=2),
    # the GPU configuration (torch 2.x + CUDA): full-resolution U-Net, attention at 32x32 and 16x16
    "full": dict(unet=dict(base=64, mults=(1, 2, 3, 4), blocks=2, attn_levels=(2, 3), patch=1, dropout=0.1),
                 calib=dict(latent=6, levels=3, base=32, patch=2), mean_mask=dict(base=32, mults=(1, 2, 2, 2), patch=2),
                 batch=32, lr=1e-4, iterations=100000, ema=0.9999, warmup=1000, threads=None),
}
# the cosine decays to this fraction of the peak learning rate at the end of the schedule
LR_FLOOR = 0.05
# the mean-mask network learns from scratch while the U-Net beside it is fine-tuned: its learning rate is this
# multiple of the U-Net's, on the same schedule
MEAN_MASK_LR_SCALE = 5.0


@dataclass
class TrainOptions:
    """Everything that defines a run (stored in its checkpoints; a resumed run keeps them)."""
    config: str = "cpu"
    name: Optional[str] = None
    step_uc: bool = True
    seq_uc: int = 2
    seq_form: str = "sum"
    prediction: str = "eps"
    mask_scale: str = "0/1"
    weighting: str = "none"
    snr_gamma: float = 5.0
    x0_floor: float = 0.0
    t_favour: int = 0
    batch: Optional[int] = None
    lr: Optional[float] = None
    iterations: Optional[int] = None   # total length of the cosine schedule
    ema: Optional[float] = None
    seed: int = 0
    init_onnx: Optional[str] = None    # start from the weights of a shipped export (fine-tuning)
    init_checkpoint: Optional[str] = None  # start from a checkpoint's U-Net and EMA weights (a new schedule)
    mean_mask: bool = False            # condition the U-Net on the mean-mask network (mean_mask.py)
    val_samples: int = 16
    val_steps: int = 10
    val_slices: int = 96

    def resolved(self) -> "TrainOptions":
        cfg = CONFIGS[self.config]
        o = copy.copy(self)
        o.batch = o.batch or cfg["batch"]
        o.lr = o.lr or cfg["lr"]
        o.iterations = o.iterations or cfg["iterations"]
        o.ema = o.ema or cfg["ema"]
        o.name = o.name or (f"caldiff-{o.config}-{o.prediction}-{o.mask_scale.replace('/', '')}"
                            f"-step{int(o.step_uc)}-seq{o.seq_uc}")
        return o


DEFAULT_VAL_EVERY = 4000


def sitting_val_every(requested: Optional[int], checkpoint: Optional[dict]) -> int:
    """A resumed run keeps the validation cadence of its last sitting unless this sitting asks for another: a val96
    validation costs minutes on a CPU core, so a long run validates rarely."""
    if requested:
        return requested
    last = (checkpoint or {}).get("sittings", [])[-1:]
    return last[0].get("val_every", DEFAULT_VAL_EVERY) if last else DEFAULT_VAL_EVERY


@dataclass
class Sitting:
    """What only this sitting decides: how long, how often to validate and checkpoint, where to write."""
    minutes: Optional[float] = None
    threads: Optional[int] = None
    val_every: int = DEFAULT_VAL_EVERY  # samples seen between validations
    ckpt_min: float = 5.0
    log_every: int = 20
    compact: Optional[str] = None      # path of the committed compact checkpoint
    export_id: Optional[str] = None    # export the best model to models/<id>.onnx
    device: str = "cpu"
    hardware: str = field(default_factory=lambda: f"CPU ({os.cpu_count()} cores, shared)")


def lr_at(it: int, peak: float, warmup: int, total: int) -> float:
    """Linear warm-up, then a cosine from peak to LR_FLOOR * peak at iteration `total` (flat after it)."""
    if it < warmup:
        return peak * (it + 1) / warmup
    p = min(1.0, (it - warmup) / max(1, total - warmup))
    return peak * (LR_FLOOR + (1 - LR_FLOOR) * 0.5 * (1 + math.cos(math.pi * p)))


def _path(p: str) -> Path:
    """A path as given, or relative to the repository root."""
    p = Path(p)
    return p if p.is_absolute() or p.exists() else ROOT / p


def _half(sd: dict, dtype) -> dict:
    """Floating tensors in `dtype`; Adam's step counter stays exact (bf16 holds integers only up to 256)."""
    return {k: (v.to(dtype) if torch.is_tensor(v) and v.is_floating_point() and k != "step" else v)
            for k, v in sd.items()}


def _float(sd: dict) -> dict:
    return {k: (v.float() if torch.is_tensor(v) and v.is_floating_point() else v) for k, v in sd.items()}


class TrainLoop:
    def __init__(self, opts: TrainOptions, sitting: Sitting = None, ds: LIDC = None, resuming: bool = False):
        self.opts = opts.resolved()
        self.sitting = sitting or Sitting()
        cfg = CONFIGS[self.opts.config]
        threads = self.sitting.threads or cfg["threads"]
        if threads:
            torch.set_num_threads(threads)
        torch.manual_seed(self.opts.seed)
        self.rng = np.random.default_rng(self.opts.seed)
        self.ds = ds or LIDC()
        self.schedule = LinearSchedule()
        self.mask = MASK_RANGES[self.opts.mask_scale]
        self.mean_cfg = MeanMaskConfig(**cfg["mean_mask"]) if self.opts.mean_mask else None
        self.unet = build_denoiser(UNetConfig(**cfg["unet"]), self.mean_cfg)
        ccfg = CalibConfig(**cfg["calib"])
        self.model_net, self.calib_net = UncertaintyModelingNet(ccfg), UncertaintyCalibratingNet(ccfg)
        ema_state = None
        if self.opts.init_onnx and not resuming:  # a resumed run has its weights in the checkpoint
            from .onnx_weights import unet_from_onnx
            self._load_plain_or_own(unet_from_onnx(_path(self.opts.init_onnx), UNetConfig(**cfg["unet"])).state_dict())
        if self.opts.init_checkpoint and not resuming:
            init = torch.load(str(_path(self.opts.init_checkpoint)), map_location="cpu")
            self._load_plain_or_own(init["unet"])
            ema_state = init["ema"]
        named = list(self.unet.named_parameters())
        mean_params = [p for n, p in named if n.startswith("mean_mask.")]
        self.params = [p for n, p in named if not n.startswith("mean_mask.")]
        if self.opts.step_uc:  # Algorithm 1: phi and psi are optimised together with the U-Net
            self.params += list(self.model_net.parameters()) + list(self.calib_net.parameters())
        groups = [{"params": self.params, "lr_scale": 1.0}]
        if mean_params:
            groups.append({"params": mean_params, "lr_scale": MEAN_MASK_LR_SCALE})
        self.opt = torch.optim.AdamW(groups, lr=self.opts.lr, weight_decay=0.0)
        self.ema = copy.deepcopy(self.unet).eval()
        if ema_state is not None:
            self._load_plain_or_own(ema_state, self.ema)
        for p in self.ema.parameters():
            p.requires_grad_(False)
        self.flags = LossFlags(step_uc=self.opts.step_uc, seq_uc=self.opts.seq_uc, seq_form=self.opts.seq_form,
                               prediction=self.opts.prediction, mask=self.mask, weighting=self.opts.weighting,
                               snr_gamma=self.opts.snr_gamma, x0_floor=self.opts.x0_floor,
                               t_favour=self.opts.t_favour)
        self.it, self.best, self.elapsed_prev, self.history, self.sittings = 0, math.inf, 0.0, [], []
        self.val_idx = validation.fixed_slices(self.ds, n=self.opts.val_slices)
        self.run_dir = RUNS / self.opts.name
        self.stop_requested = False
        self._t0 = time.time()

    def _load_plain_or_own(self, state: dict, into: torch.nn.Module = None) -> None:
        """Weights of this run's own kind, or a plain U-Net's for a mean-mask conditioned run (widened)."""
        into = into or self.unet
        state = _float(state)
        if self.opts.mean_mask and not any(k.startswith("mean_mask.") for k in state):
            state = widen_input(state, into)
        into.load_state_dict(state)

    # ---- state ----------------------------------------------------------------------------------
    @property
    def samples_seen(self) -> int:
        return self.it * self.opts.batch

    def wall_s(self) -> float:
        return self.elapsed_prev + time.time() - self._t0

    def contract(self, ema: bool = True) -> EpsContract:
        """The U-Net as the app sees it: (eps, v) whatever the head predicts."""
        return EpsContract(self.ema if ema else self.unet, self.opts.prediction, self.mask, self.schedule).eval()

    def state(self, compact: bool = False) -> dict:
        w = (lambda sd: _half(sd, torch.float16)) if compact else (lambda sd: sd)
        opt = self.opt.state_dict()
        if compact:  # bf16 keeps the fp32 exponent range: exp_avg_sq (~1e-10) would underflow in fp16
            opt = {"param_groups": opt["param_groups"],
                   "state": {k: _half(v, torch.bfloat16) for k, v in opt["state"].items()}}
        d = {"unet": w(self.unet.state_dict()), "ema": w(self.ema.state_dict()), "opt": opt,
             "iteration": self.it, "best": self.best, "elapsed_s": self.wall_s(), "history": self.history,
             "sittings": self.sittings, "options": asdict(self.opts), "unet_config": self.unet.cfg.to_dict(),
             "mean_mask_config": self.mean_cfg.to_dict() if self.mean_cfg else None,
             "calib_config": self.model_net.cfg.to_dict(), "card_training": self.card_training(),
             "recommended_steps": self.opts.val_steps, "compact": compact}
        if self.opts.step_uc:
            d["model_net"], d["calib_net"] = w(self.model_net.state_dict()), w(self.calib_net.state_dict())
        return d

    def load(self, ck: dict) -> None:
        self.unet.load_state_dict(_float(ck["unet"]))
        self.ema.load_state_dict(_float(ck["ema"]))
        if "model_net" in ck:
            self.model_net.load_state_dict(_float(ck["model_net"]))
            self.calib_net.load_state_dict(_float(ck["calib_net"]))
        opt = ck["opt"]
        if ck.get("compact"):
            opt = {"param_groups": opt["param_groups"],
                   "state": {k: _float(v) for k, v in opt["state"].items()}}
        self.opt.load_state_dict(opt)
        for st in self.opt.state.values():  # Adam's step counter must stay a float tensor / number
            if torch.is_tensor(st.get("step")):
                st["step"] = st["step"].float()
        self.it, self.best, self.elapsed_prev = ck["iteration"], ck["best"], ck["elapsed_s"]
        self.history, self.sittings = ck.get("history", []), ck.get("sittings", [])
        self.rng = np.random.default_rng(self.opts.seed + self.it)
        torch.manual_seed(self.opts.seed + self.it)
        self._t0 = time.time()

    def save(self, path: Path, compact: bool = False, extra: dict = None) -> None:
        d = self.state(compact)
        if extra:
            d.update(extra)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + f".tmp{os.getpid()}")
        torch.save(d, str(tmp))
        os.replace(tmp, path)

    def card_training(self) -> dict:
        o = self.opts
        return {"config": o.config,
                "data": ("LIDC-IDRI 128x128 four-rater crops (shared/data/lidc-idri NIfTI stacks), one random rater "
                         f"per draw, flips + 90-degree rotations, batch {o.batch}, AdamW peak lr {o.lr} (warm-up + "
                         f"cosine over {o.iterations} iterations), EMA {o.ema}; head predicts {o.prediction} "
                         f"(converted to eps in the graph), masks at {o.mask_scale}, weighting {o.weighting}, "
                         f"x0 floor {o.x0_floor}, t-favour {o.t_favour}"
                         + ("; the U-Net conditioned on a mean-mask network inside the graph" if o.mean_mask else "")
                         + "".join(f"; initialised from {Path(i).name}" for i in (o.init_onnx, o.init_checkpoint)
                                   if i)),
                "split": self.ds.split_summary(),
                "iterations": int(self.it), "hardware": self.sitting.hardware,
                "wallClockHours": round(self.wall_s() / 3600.0, 3),
                "flags": {"stepUC": bool(o.step_uc), "seqUC": int(o.seq_uc), "seqForm": o.seq_form,
                          "prediction": o.prediction, "mask": o.mask_scale, "weighting": o.weighting,
                          "x0Floor": o.x0_floor, "tFavour": o.t_favour, "meanMask": bool(o.mean_mask)},
                "parameters": count_parameters(self.unet)}

    # ---- one iteration ----------------------------------------------------------------------------
    def step(self) -> dict:
        image, x0 = train_batch(self.ds, self.opts.batch, self.rng)
        x0 = self.mask.encode(x0)
        lr = lr_at(self.it, self.opts.lr, CONFIGS[self.opts.config]["warmup"], self.opts.iterations)
        for g in self.opt.param_groups:
            g["lr"] = lr * g.get("lr_scale", 1.0)
        terms = training_losses(self.unet, self.schedule, image, x0, self.flags, self.model_net, self.calib_net)
        self.opt.zero_grad(set_to_none=True)
        terms["loss"].backward()
        for g in self.opt.param_groups:  # each network clipped on its own: one's large gradient must not mute another
            torch.nn.utils.clip_grad_norm_(g["params"], 1.0)
        self.opt.step()
        with torch.no_grad():
            d = min(self.opts.ema, (1 + self.it) / (10 + self.it))
            for pe, p in zip(self.ema.parameters(), self.unet.parameters()):
                pe.mul_(d).add_(p.detach(), alpha=1 - d)
            for be, b in zip(self.ema.buffers(), self.unet.buffers()):
                be.copy_(b)
        self.it += 1
        return {k: float(v) for k, v in terms.items()}

    # ---- validation ---------------------------------------------------------------------------------
    def validate(self) -> dict:
        t0 = time.time()
        res = validation.validate(self.contract(), self.ds, self.val_idx, self.mask, self.opts.val_samples,
                                  self.opts.val_steps, schedule=self.schedule)
        line = validation.summary_line(res)
        entry = {"it": self.it, "samples": self.samples_seen, "wall_min": round(self.wall_s() / 60, 1),
                 "val": line, "val_s": round(time.time() - t0, 1)}
        if self.opts.mean_mask:
            entry["mean_mask"] = validation.mean_mask_indicators(self.ema.mean_mask, self.ds, self.val_idx)
        self.history.append(entry)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        # the rows, in evaluate.py's --out form, so that arms are paired slice by slice without validating twice
        (self.run_dir / f"val-{self.samples_seen}.json").write_text(json.dumps(validation.record(
            f"{self.opts.name} (EMA, iteration {self.it}, {self.samples_seen} samples)", res, self.opts.val_samples,
            self.opts.val_steps, "ddpm", entry["val_s"]), indent=1))
        print(f"val it {self.it} samples {self.samples_seen}: {json.dumps(line)} "
              f"{json.dumps(entry.get('mean_mask', ''))} ({entry['val_s']}s, "
              f"{len(self.val_idx)} slices, {self.opts.val_samples} samples, respaced DDPM K={self.opts.val_steps})",
              flush=True)
        ged = res["aggregate"]["ged"]["mean"]
        if ged is not None and ged < self.best:
            self.best = ged
            cv = self.card_validation(res)
            self.save(self.run_dir / "best.pt", extra={"card_validation": cv, "val_rows": res["rows"]})
            if self.sitting.export_id:
                from export_onnx import publish
                publish(self.contract(), self.sitting.export_id, self.card_training(), cv, self.opts.val_steps,
                        self.ds, mask=self.mask)
                print(f"exported models/{self.sitting.export_id}.onnx (best ged {ged:.4f})", flush=True)
        return res

    def card_validation(self, res: dict) -> dict:
        agg, pres = res["aggregate"], res["presence"]
        return {"slices": int(len(self.val_idx)), "samples": self.opts.val_samples, "steps": self.opts.val_steps,
                "sampler": "ddpm", "sncc": agg["sncc"]["mean"], "dmax": agg["dmax"]["mean"],
                "ci": agg["ci"]["mean"], "ged": agg["ged"]["mean"],
                "notes": (f"training-time validation (EMA weights, iteration {self.it}, {self.samples_seen} samples "
                          f"seen) with the card's sampler (respaced DDPM) on the fixed list "
                          f"training/splits/val96.txt; presence correlation {pres['correlation']}; "
                          "ged = GED^2; means over defined values")}

    # ---- the loop ---------------------------------------------------------------------------------------
    def run(self) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)

        def on_term(signum, frame):  # SIGTERM/SIGINT: finish the iteration, write the checkpoints, exit
            self.stop_requested = True
        previous = {sig: signal.signal(sig, on_term) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            self._loop()
        finally:  # the caller's handlers again (a test process must stay killable)
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _loop(self) -> None:
        s = self.sitting
        start, start_it = time.time(), self.it
        print(f"run {self.run_dir}: {json.dumps(asdict(self.opts))}\nunet {count_parameters(self.unet)} params; "
              f"{torch.get_num_threads()} threads; data {self.ds.split_summary()}", flush=True)
        last_ckpt, t_log, acc = time.time(), time.time(), {}
        next_val = (self.samples_seen // s.val_every + 1) * s.val_every
        self.unet.train(), self.model_net.train(), self.calib_net.train()
        while self.it < self.opts.iterations and not self.stop_requested:
            if s.minutes is not None and time.time() - start > s.minutes * 60:
                print("time budget reached", flush=True)
                break
            for k, v in self.step().items():
                acc[k] = acc.get(k, 0.0) + v
            if self.it % s.log_every == 0:
                dt = (time.time() - t_log) / s.log_every
                msg = " ".join(f"{k}={v / s.log_every:.4f}" for k, v in acc.items())
                print(f"it {self.it} {msg} s/iter={dt:.3f} wall_min={self.wall_s() / 60:.1f}", flush=True)
                self.history.append({"it": self.it, "s_per_iter": round(dt, 4),
                                     **{k: v / s.log_every for k, v in acc.items()}})
                acc, t_log = {}, time.time()
            if self.samples_seen >= next_val:
                self.validate()
                next_val += s.val_every
                self.unet.train()
            if time.time() - last_ckpt > s.ckpt_min * 60:
                self.checkpoint()
                last_ckpt = time.time()
        if self.stop_requested:
            print("stop requested", flush=True)
        self.sittings.append({"iterations": [start_it, self.it], "wall_min": round((time.time() - start) / 60, 1),
                              "hardware": s.hardware, "threads": torch.get_num_threads(), "val_every": s.val_every,
                              "ended": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
        self.checkpoint()
        print(f"done at iteration {self.it} ({self.samples_seen} samples seen)", flush=True)

    def checkpoint(self) -> None:
        self.save(self.run_dir / "last.pt")
        if self.sitting.compact:
            self.save(Path(self.sitting.compact), compact=True)
