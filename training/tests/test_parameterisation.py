"""Head parameterisations and their conversion to the app's eps contract (in PyTorch and in the exported graph)."""
import json
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from caldiff.losses import (X0_FLOOR_CAP, LossFlags, L_MSE, L_SA, loss_weights, sample_timesteps, seq_tau, snr,
                            training_losses)
from caldiff.parameterisation import PREDICTIONS, EpsContract, x0_and_eps
from caldiff.sampling import PLUS_MINUS_ONE, ZERO_ONE
from caldiff.schedule import LinearSchedule
from caldiff.unet import UNet, UNetConfig
from conftest import blob_batch

ROOT = Path(__file__).resolve().parents[2]


def exact_head(prediction, x0, noise, t, s, mask):
    sa = s.sqrt_alphas_cumprod[t].reshape(-1, 1, 1, 1)
    s1 = s.sqrt_one_minus_alphas_cumprod[t].reshape(-1, 1, 1, 1)
    if prediction == "eps":
        return noise
    if prediction == "x0":
        return x0
    if prediction == "velocity":
        return sa * noise - s1 * x0
    p = (x0 - mask.low) / (mask.high - mask.low)
    return torch.log(p / (1 - p))


@pytest.mark.parametrize("prediction", PREDICTIONS)
@pytest.mark.parametrize("mask", [ZERO_ONE, PLUS_MINUS_ONE])
def test_the_exact_head_gives_the_true_x0_and_eps(prediction, mask):
    s = LinearSchedule()
    g = torch.Generator().manual_seed(0)
    x0 = mask.low + (mask.high - mask.low) * (0.05 + 0.9 * torch.rand(4, 1, 8, 8, generator=g))
    noise = torch.randn(x0.shape, generator=g)
    t = torch.tensor([0, 300, 555, 999])
    x_t = s.q_sample(x0, t, noise)
    x0_hat, eps_hat = x0_and_eps(prediction, exact_head(prediction, x0, noise, t, s, mask), x_t, t, s, mask)
    assert torch.allclose(x0_hat, x0, atol=1e-3)
    assert torch.allclose(eps_hat[1:], noise[1:], atol=1e-3)
    # at t = 0 an x0 error is amplified by 1 / sqrt(1 - abar_0) = 100 in eps: float32 rounding of x_t shows
    assert torch.allclose(eps_hat[:1], noise[:1], atol=5e-2)


def test_min_snr_weights():
    s = LinearSchedule()
    t = torch.tensor([0, 100, 400, 900])
    r = snr(s, t)
    w_eps = loss_weights(s, t, "eps", "min-snr", 5.0)
    assert torch.allclose(w_eps, torch.minimum(r, torch.tensor(5.0)) / r)
    assert w_eps[0] < 0.01 and w_eps[3] == 1.0  # low-noise steps lose weight, noisy steps keep it
    assert torch.allclose(loss_weights(s, t, "x0", "min-snr", 5.0), r.clamp(max=5.0))
    assert torch.equal(loss_weights(s, t, "x0", "none", 5.0), torch.ones(4))


def test_x0_floor_weights():
    """In x0 units no step weighs less than the floor, and no weight rises more than X0_FLOOR_CAP-fold."""
    s = LinearSchedule()
    t = torch.tensor([0, 300, 600, 800, 999])
    r = snr(s, t)
    base = loss_weights(s, t, "eps", "min-snr", 5.0)
    w = loss_weights(s, t, "eps", "min-snr", 5.0, x0_floor=0.05)
    assert torch.allclose((w * r)[:4], torch.maximum(base * r, torch.tensor(0.05))[:4])  # SNR >= 5e-4: floor
    assert r[4] < 0.05 / X0_FLOOR_CAP and torch.allclose(w[4:], X0_FLOOR_CAP * base[4:])  # t = 999: capped
    assert torch.equal(w[0], base[0])  # SNR above the floor: unchanged
    assert torch.all(w >= base)
    wv = loss_weights(s, t, "velocity", "none", 5.0, x0_floor=2.0)
    assert torch.allclose(wv * (r + 1.0), torch.maximum(r + 1.0, torch.tensor(2.0)))


def test_timesteps_favour_the_deciding_range():
    g = torch.Generator().manual_seed(0)
    t = sample_timesteps(1000, 20000, 700, generator=g)
    share = float((t <= 700).float().mean())
    assert share == pytest.approx(0.75 + 0.25 * 0.701, abs=0.015)
    assert int(t.min()) >= 0 and int(t.max()) <= 999
    u = sample_timesteps(1000, 20000, 0, generator=g)
    assert float((u <= 700).float().mean()) == pytest.approx(0.701, abs=0.015)


def test_seq_uc_paper_form():
    s = LinearSchedule()
    g = torch.Generator().manual_seed(0)
    eh, e = [torch.randn(3, 1, 4, 4, generator=g) for _ in range(2)]
    t = torch.tensor([5, 500, 999])
    tau0 = seq_tau(s, t, t)
    assert torch.allclose(tau0, torch.ones(3))
    assert torch.allclose(L_SA([eh], [e], taus=[tau0], divide_by_S=True), L_MSE(eh, e))  # S = 1 is L_MSE
    eh2, e2 = [torch.randn(3, 1, 4, 4, generator=g) for _ in range(2)]
    ones = [torch.ones(3), torch.ones(3)]
    assert torch.allclose(L_SA([eh, eh2], [e, e2], taus=ones, divide_by_S=True), L_SA([eh, eh2], [e, e2]) / 2)
    tau1 = seq_tau(s, t, t - 1)
    assert ((tau1 - 1).abs() < 0.2).all() and not torch.allclose(tau1, torch.ones(3))


@pytest.mark.parametrize("prediction", PREDICTIONS)
def test_every_parameterisation_trains_with_every_module(tiny, prediction):
    unet, mn, cn = tiny
    s = LinearSchedule()
    img, x01 = blob_batch(B=4)
    for mask in (ZERO_ONE, PLUS_MINUS_ONE):
        flags = LossFlags(step_uc=True, seq_uc=2, seq_form="paper", prediction=prediction, mask=mask,
                          weighting="min-snr", t_favour=700)
        out = training_losses(unet, s, img, mask.encode(x01), flags, mn, cn)
        unet.zero_grad()
        out["loss"].backward()
        assert torch.isfinite(out["loss"])
        assert ("L_BCE" in out) == (prediction == "x0-logit")
        assert all(p.grad is None or torch.isfinite(p.grad).all() for p in unet.parameters())


def test_the_exported_graph_converts_an_x0_head_to_eps_for_the_app(tmp_path):
    """publish() wraps an x0-logit U-Net in EpsContract; onnxruntime-node (the app's runtime) reproduces the
    PyTorch contract outputs, and the card carries the -1/+1 mask block and names the parameterisation."""
    from export_onnx import publish
    torch.manual_seed(0)
    unet = UNet(UNetConfig(base=8, mults=(1, 2), blocks=1, attn_levels=(1,), heads=2, patch=2)).eval()
    model = EpsContract(unet, "x0-logit", PLUS_MINUS_ONE)
    rng = np.random.default_rng(0)
    ds = SimpleNamespace(images=rng.integers(0, 256, (3, 128, 128), dtype=np.uint8),
                         masks=(rng.random((3, 4, 128, 128)) > 0.9).astype(np.uint8), val_idx=np.array([1, 2]),
                         meta=[("P-0", "nodule-0", k) for k in range(3)])
    card = publish(model, "tiny-x0", {"config": "cpu", "iterations": 1, "flags": {}}, {}, 10, ds,
                   models_dir=tmp_path, mask=PLUS_MINUS_ONE)
    assert card["mask"] == {"scale": "-1/1", "low": -1.0, "high": 1.0, "threshold": 0.0}
    assert "logit" in card["input"]["notes"]
    ref = json.loads((tmp_path / "tiny-x0.reference.json").read_text())
    x = torch.randn(2, 1, 128, 128)
    t = torch.tensor([10, 700])
    with torch.no_grad():
        eps, _ = model(torch.rand(2, 1, 128, 128), x, t)
        head, _ = unet(torch.rand(2, 1, 128, 128), x, t)
    assert not torch.allclose(eps, head)  # the conversion is really in the path
    node, ort = shutil.which("node"), ROOT / "node_modules" / "onnxruntime-node"
    if node and ort.exists():
        r = subprocess.run([node, str(ROOT / "training" / "check_parity_ort.cjs"), str(tmp_path / "tiny-x0")],
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0 and "FAIL" not in r.stdout, r.stdout + r.stderr
    assert ref["tolerance"] > 0
