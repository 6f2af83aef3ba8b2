"""Export the CalDiff U-Net to ONNX (opset 17, dynamic batch), write its model card and the
reference outputs for the app's parity test.

  /usr/bin/python3 training/export_onnx.py --run training/runs/caldiff-cpu --id caldiff-lidc-cpu-v1
"""
import argparse
import base64
import hashlib
import json
import os
from pathlib import Path

import numpy as np
import onnx
import torch

from caldiff.mean_mask import MeanMaskConfig, build_denoiser
from caldiff.parameterisation import EpsContract
from caldiff.sampling import MASK_RANGES, ZERO_ONE, MaskRange
from caldiff.schedule import LinearSchedule
from caldiff.unet import UNetConfig, count_parameters

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "models"
OPSET = 17
PARITY_TOL = 1e-4
# the card's nested objects carry exactly these keys (the app validates the card with zod)
TRAINING_KEYS = ("config", "data", "split", "iterations", "hardware", "wallClockHours", "flags", "parameters")
VALIDATION_KEYS = ("slices", "samples", "steps", "sampler", "sncc", "dmax", "ci", "ged", "notes")
CITATION = ("Wang et al., CalDiff: calibrating uncertainty and accessing reliability of diffusion models for "
            "trustworthy lesion segmentation, IEEE JBHI 30(2), 2026. Data: Armato et al., The LIDC-IDRI database, "
            "Medical Physics 38(2), 2011 (TCIA, CC BY 3.0).")
LICENSE = "Apache-2.0 (weights and code); trained on LIDC-IDRI, CC BY 3.0 (cite the database)"


def export_unet_onnx(unet, path: Path, size: int = 128) -> None:
    unet = unet.eval()
    img = torch.rand(2, 1, size, size)
    x = torch.randn(2, 1, size, size)
    t = torch.tensor([10, 700], dtype=torch.long)
    path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(unet, (img, x, t), str(path), opset_version=OPSET,
                          input_names=["image", "x_t", "t"], output_names=["eps", "v"],
                          dynamic_axes={"image": {0: "batch"}, "x_t": {0: "batch"}, "t": {0: "batch"},
                                        "eps": {0: "batch"}, "v": {0: "batch"}},
                          do_constant_folding=True)
    # the exporter leaves symbolic names ("Sliceeps_dim_2") on the output spatial dims: pin the
    # contract shape [batch, 1, size, size] so shape checks in the app see the static dims
    m = onnx.load(str(path))
    for o in m.graph.output:
        dims = o.type.tensor_type.shape.dim
        for d, val in zip(dims, ["batch", 1, size, size]):
            if isinstance(val, str):
                d.dim_param = val
            else:
                d.dim_value = val
    onnx.checker.check_model(m)
    onnx.save(m, str(path))


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _b64(a: np.ndarray) -> dict:
    a = np.ascontiguousarray(a.astype("<f4"))
    return {"dims": list(a.shape), "b64": base64.b64encode(a.tobytes()).decode("ascii")}


def reference_inputs(ds=None, seed: int = 1234, mask: MaskRange = ZERO_ONE):
    """Fixed inputs: a real validation image and x_t = q_sample(real rater mask, t=[10, 700])."""
    sched = LinearSchedule()
    if ds is None:
        from caldiff.data import LIDC
        ds = LIDC(write_splits=False)
    # the validation slice with the largest union of rater masks (deterministic)
    areas = ds.masks[ds.val_idx].reshape(len(ds.val_idx), 4, -1).max(1).sum(1)
    i = int(ds.val_idx[int(np.argmax(areas))])
    img = torch.from_numpy(ds.images[i].astype(np.float32) / 255.0)[None, None].repeat(2, 1, 1, 1)
    m = mask.encode(torch.from_numpy(ds.masks[i, 0].astype(np.float32))[None, None].repeat(2, 1, 1, 1))
    t = torch.tensor([10, 700], dtype=torch.long)
    g = torch.Generator().manual_seed(seed)
    noise = torch.randn(m.shape, generator=g)
    x_t = sched.q_sample(m, t, noise)
    src = f"{ds.meta[i][0]}/{ds.meta[i][1]} slice {ds.meta[i][2]} (rater 0), seed {seed}"
    return img, x_t, t, src


def make_reference(unet: torch.nn.Module, img, x_t, t, tol: float = PARITY_TOL) -> dict:
    with torch.no_grad():
        eps, v = unet.eval()(img, x_t, t)
    return {"inputs": {"image": _b64(img.numpy()), "x_t": _b64(x_t.numpy()),
                       "t": {"dims": [int(t.shape[0])], "values": [int(x) for x in t.tolist()]}},
            "outputs": {"eps": _b64(eps.numpy()), "v": _b64(v.numpy())}, "tolerance": tol}


PREDICTION_NOTES = {
    "eps": "",
    "x0": " The network predicts x0; the graph converts it to eps = (x_t - sqrt(abar_t) x0) / sqrt(1 - abar_t).",
    "x0-logit": (" The network predicts the logit of the mask probability, x0 = low + (high - low) sigmoid(logit); "
                 "the graph converts it to eps = (x_t - sqrt(abar_t) x0) / sqrt(1 - abar_t)."),
    "velocity": (" The network predicts the velocity sqrt(abar_t) eps - sqrt(1 - abar_t) x0; the graph converts it "
                 "to eps."),
}


def make_card(model_id: str, onnx_path: Path, unet, training: dict, validation: dict,
              steps: int, sampler: str, ref_src: str, mask: MaskRange = ZERO_ONE, prediction: str = "eps",
              version: str = "1.0.0") -> dict:
    lo, hi = f"{mask.low:g}", f"{mask.high:g}"
    return {
        "id": model_id,
        "name": "CalDiff LIDC-IDRI (CPU configuration)" if training.get("config") == "cpu" else "CalDiff LIDC-IDRI",
        "version": version,
        "file": f"{model_id}.onnx",
        "sha256": sha256_file(onnx_path),
        "task": "lesion-segmentation",
        "schedule": {"name": "linear", "T": 1000, "betaStart": 0.0001, "betaEnd": 0.02},
        "learnedVariance": True,
        "mask": {"scale": mask.scale, "low": mask.low, "high": mask.high, "threshold": mask.threshold},
        "input": {"size": [128, 128], "channels": 1, "normalisation": "uint8 windowed CT / 255 -> [0,1]",
                  # The crops are at their scans' own pixel size; this is LIDC-IDRI's in-plane range (the app cuts
                  # real CT at native pixels inside it, resampling only outside).
                  "pixelSpacingMm": {"min": 0.46, "max": 0.98},
                  "notes": ("LIDC-IDRI 128x128 lung-nodule crops at the scans' own in-plane pixel size, image rows "
                            "top to bottom. t is the 0-indexed timestep 0..999 (0 = least noisy). x_t is the noised "
                            f"mask at {lo}/{hi} (background {lo}, lesion {hi}): x_t = sqrt(abar_t) x0 + "
                            "sqrt(1-abar_t) eps. v is Improved DDPM's variance interpolation: log var = (v+1)/2 log "
                            "beta_t + (1-(v+1)/2) log beta_tilde_t (raw, not clamped). Clip x0 estimates to "
                            f"[{lo},{hi}] and threshold final masks at {mask.threshold:g}."
                            f"{PREDICTION_NOTES[prediction]} Reference outputs: {ref_src}.")},
        "io": {"inputs": {"image": [-1, 1, 128, 128], "x_t": [-1, 1, 128, 128], "t": [-1]},
               "outputs": {"eps": [-1, 1, 128, 128], "v": [-1, 1, 128, 128]}, "opset": OPSET},
        "defaults": {"samples": 16, "steps": steps, "sampler": sampler},
        "training": training,
        "validation": validation,
        "precision": "fp32",
        "parityTolerance": PARITY_TOL,
        "license": LICENSE,
        "citation": CITATION,
    }


def _atomic_write_text(path: Path, text: str):
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    tmp.write_text(text)
    os.replace(tmp, path)


def publish(unet, model_id: str, training: dict, validation: dict, steps: int, ds=None,
            models_dir: Path = MODELS, sampler="ddpm", mask: MaskRange = ZERO_ONE, version: str = "1.0.0") -> dict:
    """Export ONNX + card + reference atomically-ish (each file renamed into place; ONNX first). `unet` is a
    UNet (eps head) or an EpsContract (any head, converted to eps in the graph)."""
    models_dir.mkdir(parents=True, exist_ok=True)
    unet = unet.eval()
    prediction = getattr(unet, "prediction", "eps")
    tmp_onnx = models_dir / f".{model_id}.onnx.tmp{os.getpid()}"
    try:
        export_unet_onnx(unet, tmp_onnx)
        img, x_t, t, src = reference_inputs(ds, mask=mask)
        ref = make_reference(unet, img, x_t, t)
        training = {k: training[k] for k in TRAINING_KEYS if k in training}
        training["parameters"] = count_parameters(unet)
        validation = {k: (validation or {}).get(k) for k in VALIDATION_KEYS}  # last.pt carries none yet
        card = make_card(model_id, tmp_onnx, unet, training, validation, steps, sampler, src, mask, prediction,
                         version)
        os.replace(tmp_onnx, models_dir / f"{model_id}.onnx")
    finally:
        tmp_onnx.unlink(missing_ok=True)  # a failed export leaves the shipped files as they were
    _atomic_write_text(models_dir / f"{model_id}.reference.json", json.dumps(ref))
    _atomic_write_text(models_dir / f"{model_id}.json", json.dumps(card, indent=2) + "\n")
    return card


def load_unet_from_checkpoint(path: Path, use_ema: bool = True):
    """-> (EpsContract over the checkpoint's U-Net, checkpoint); runs from before the options were stored are
    eps-predicting at 0/1."""
    ck = torch.load(str(path), map_location="cpu")
    mean_cfg = ck.get("mean_mask_config")
    unet = build_denoiser(UNetConfig.from_dict(ck["unet_config"]), mean_cfg and MeanMaskConfig.from_dict(mean_cfg))
    sd = ck["ema"] if use_ema and ck.get("ema") is not None else ck["unet"]
    unet.load_state_dict({k: (v.float() if v.is_floating_point() else v) for k, v in sd.items()})
    opts = ck.get("options", {})
    model = EpsContract(unet, opts.get("prediction", "eps"), MASK_RANGES[opts.get("mask_scale", "0/1")])
    return model.eval(), ck


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", required=True, help="run directory with best.pt / last.pt")
    ap.add_argument("--checkpoint", default="best.pt")
    ap.add_argument("--id", default="caldiff-lidc-cpu-v1")
    ap.add_argument("--validation", default=None, help="JSON file written by evaluate.py (card 'validation')")
    ap.add_argument("--steps", type=int, default=None, help="recommended accelerated steps for the card")
    ap.add_argument("--sampler", choices=["ddpm", "ddim"], default="ddpm",
                    help="recommended sampler: respaced ancestral DDPM stays closest to all T steps (docs/benchmarks.md)")
    ap.add_argument("--version", default="1.0.0")
    args = ap.parse_args()
    torch.set_num_threads(2)
    unet, ck = load_unet_from_checkpoint(Path(args.run) / args.checkpoint)
    training = ck["card_training"]
    validation = ck.get("card_validation")
    if args.validation:
        validation = json.load(open(args.validation))["card_validation"]
    steps = args.steps or ck.get("recommended_steps", 20)
    card = publish(unet, args.id, training, validation, steps, sampler=args.sampler, mask=unet.mask,
                   version=args.version)
    print(json.dumps(card, indent=2))


if __name__ == "__main__":
    main()
