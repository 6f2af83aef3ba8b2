import base64
import hashlib
import json
import shutil
import subprocess
from types import SimpleNamespace
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

from export_onnx import export_unet_onnx, make_reference, publish
from caldiff.unet import UNet, UNetConfig

ROOT = Path(__file__).resolve().parents[2]
CARD_KEYS = {"id", "name", "version", "file", "sha256", "task", "schedule", "learnedVariance", "mask", "input",
             "io", "defaults", "training", "validation", "precision", "parityTolerance", "license", "citation"}


def _dims(vi):
    return [d.dim_param if d.dim_param else d.dim_value for d in vi.type.tensor_type.shape.dim]


def check_contract(path):
    m = onnx.load(str(path))
    onnx.checker.check_model(m)
    assert [o.version for o in m.opset_import if o.domain in ("", "ai.onnx")] == [17]
    init = {i.name for i in m.graph.initializer}
    ins = {i.name: i for i in m.graph.input if i.name not in init}
    outs = {o.name: o for o in m.graph.output}
    assert set(ins) == {"image", "x_t", "t"} and set(outs) == {"eps", "v"}
    F, I64 = onnx.TensorProto.FLOAT, onnx.TensorProto.INT64
    for n in ("image", "x_t"):
        assert ins[n].type.tensor_type.elem_type == F
        d = _dims(ins[n])
        assert isinstance(d[0], str) and d[1:] == [1, 128, 128]
    assert ins["t"].type.tensor_type.elem_type == I64 and isinstance(_dims(ins["t"])[0], str)
    for n in ("eps", "v"):
        assert outs[n].type.tensor_type.elem_type == F
        d = _dims(outs[n])
        assert isinstance(d[0], str) and d[1:] == [1, 128, 128]


def test_export_contract(tmp_path):
    torch.manual_seed(0)
    unet = UNet(UNetConfig(base=8, mults=(1, 2), blocks=1, attn_levels=(1,), heads=2, patch=2)).eval()
    p = tmp_path / "tiny.onnx"
    export_unet_onnx(unet, p)
    check_contract(p)
    img, x = torch.rand(2, 1, 128, 128), torch.randn(2, 1, 128, 128)
    ref = make_reference(unet, img, x, torch.tensor([10, 700]))
    assert ref["inputs"]["t"] == {"dims": [2], "values": [10, 700]}
    eps = np.frombuffer(base64.b64decode(ref["outputs"]["eps"]["b64"]), "<f4").reshape(2, 1, 128, 128)
    with torch.no_grad():
        assert np.allclose(eps, unet(img, x, torch.tensor([10, 700]))[0].numpy())


def test_publish_writes_model_card_and_reference(tmp_path):
    """What training calls at every new best: ONNX, card and reference outputs, the card naming the sampler."""
    torch.manual_seed(0)
    unet = UNet(UNetConfig(base=8, mults=(1, 2), blocks=1, attn_levels=(1,), heads=2, patch=2)).eval()
    rng = np.random.default_rng(0)
    masks = (rng.random((3, 4, 128, 128)) > 0.9).astype(np.uint8)
    ds = SimpleNamespace(images=rng.integers(0, 256, (3, 128, 128), dtype=np.uint8), masks=masks,
                         val_idx=np.array([1, 2]), meta=[("P-0", "nodule-0", k) for k in range(3)])
    training = {"config": "cpu", "iterations": 3, "flags": {"stepUC": True, "seqUC": 2}}
    card = publish(unet, "tiny", training, {"ged": 0.5}, 10, ds, models_dir=tmp_path, sampler="ddim")
    assert card["defaults"] == {"samples": 16, "steps": 10, "sampler": "ddim"}
    assert card["sha256"] == hashlib.sha256((tmp_path / "tiny.onnx").read_bytes()).hexdigest()
    assert json.loads((tmp_path / "tiny.json").read_text()) == card
    check_contract(tmp_path / "tiny.onnx")
    assert set(json.loads((tmp_path / "tiny.reference.json").read_text())) == {"inputs", "outputs", "tolerance"}


SHIPPED = sorted((ROOT / "models").glob("caldiff-*.json"))
SHIPPED = [p for p in SHIPPED if not p.name.endswith(".reference.json")]


@pytest.mark.parametrize("card_path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_model(card_path):
    card = json.loads(card_path.read_text())
    assert set(card) == CARD_KEYS
    assert set(card["training"]) == {"config", "data", "split", "iterations", "hardware", "wallClockHours", "flags",
                                     "parameters"}
    # cards exported since issue 13 also name the objective's options
    assert {"stepUC", "seqUC"} <= set(card["training"]["flags"]) <= {
        "stepUC", "seqUC", "seqForm", "prediction", "mask", "weighting", "x0Floor", "tFavour", "meanMask"}
    v = card["validation"]
    assert set(v) >= {"slices", "samples", "steps", "sampler", "sncc", "dmax", "ci", "ged", "notes"}
    assert set(v) - {"slices", "samples", "steps", "sampler", "sncc", "dmax", "ci", "ged", "notes"} <= {
        "sc", "da", "presenceCorrelation", "emptySamplesByRaters"}
    if "presenceCorrelation" in v:  # issue 13's indicators, measured on the same slices as the metrics
        assert -1 <= v["presenceCorrelation"] <= 1
        assert sum(g["slices"] for g in v["emptySamplesByRaters"].values()) == v["slices"]
        assert [g["ideal"] for g in v["emptySamplesByRaters"].values()] == [16, 12, 8, 4, 0]
    assert set(card["defaults"]) == {"samples", "steps", "sampler"} and card["defaults"]["sampler"] in ("ddpm", "ddim")
    assert set(card["input"]) == {"size", "channels", "normalisation", "pixelSpacingMm", "notes"}
    assert card["mask"] == {"scale": "0/1", "low": 0, "high": 1, "threshold": 0.5}
    onnx_path = card_path.with_name(card["file"])
    assert card["file"] == card["id"] + ".onnx" and onnx_path.exists()
    assert hashlib.sha256(onnx_path.read_bytes()).hexdigest() == card["sha256"]
    assert card["io"]["opset"] == 17 and card["schedule"] == {"name": "linear", "T": 1000, "betaStart": 0.0001,
                                                            "betaEnd": 0.02}
    check_contract(onnx_path)
    size = sum(p.stat().st_size for p in (ROOT / "models").iterdir() if p.is_file())
    assert size < 50 * 1024 * 1024
    ref_path = card_path.with_name(card["id"] + ".reference.json")
    ref = json.loads(ref_path.read_text())
    assert set(ref) == {"inputs", "outputs", "tolerance"}
    node = shutil.which("node")
    ort = ROOT / "node_modules" / "onnxruntime-node"
    if node and ort.exists():  # parity with onnxruntime (the app's runtime)
        r = subprocess.run([node, str(ROOT / "training" / "check_parity_ort.cjs"), str(card_path.with_suffix(""))],
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0 and "FAIL" not in r.stdout, r.stdout + r.stderr


@pytest.mark.parametrize("card_path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_weights_read_back_from_onnx(card_path):
    """evaluate.py --onnx and train.py --init-onnx rebuild the PyTorch U-Net from the export itself."""
    from caldiff.onnx_weights import denoiser_from_card, reference_error
    card = json.loads(card_path.read_text())
    unet = denoiser_from_card(card_path)
    assert reference_error(unet, card_path.with_name(card["id"] + ".reference.json")) < card["parityTolerance"]
