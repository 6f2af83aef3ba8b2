"""Mean-mask conditioning: the widened U-Net starts exactly where the plain one was, the mean-mask network learns
only from L_Mean, the training loop keeps it in its checkpoints, and the export keeps the app's contract."""
import json

import numpy as np
import pytest
import torch

from caldiff.losses import L_Mean, LossFlags, training_losses
from caldiff.mean_mask import MeanMaskConfig, MeanMaskNet, build_denoiser, widen_input
from caldiff.onnx_weights import denoiser_from_card, reference_error
from caldiff.parameterisation import EpsContract
from caldiff.sampling import ZERO_ONE
from caldiff.schedule import LinearSchedule
from caldiff.unet import UNet, UNetConfig
from export_onnx import load_unet_from_checkpoint, publish
from test_export import check_contract
from tiny import TINY, fake_dataset

CFG = UNetConfig(base=8, mults=(1, 2), blocks=1, attn_levels=(1,), heads=2, patch=2)
MEAN = MeanMaskConfig(base=8, mults=(1, 2), patch=4)


def test_the_widened_unet_computes_what_the_plain_one_did():
    torch.manual_seed(0)
    plain = UNet(CFG).eval()
    for p in plain.parameters():  # zero-initialised layers would hide a wrong channel order
        p.data.normal_(0, 0.1)
    cond = build_denoiser(CFG, MEAN).eval()
    cond.load_state_dict(widen_input(plain.state_dict(), cond))
    img, x, t = torch.rand(3, 1, 128, 128), torch.randn(3, 1, 128, 128), torch.tensor([0, 500, 999])
    with torch.no_grad():
        for a, b in zip(plain(img, x, t), cond(img, x, t)):
            assert torch.allclose(a, b, atol=1e-5)
        cond.unet.inp.weight[:, 4:8] = 1.0  # the condition channel now matters
        assert not torch.allclose(plain(img, x, t)[0], cond(img, x, t)[0], atol=1e-3)


def test_l_mean_is_the_bce_against_the_raters_mean_in_expectation():
    torch.manual_seed(0)
    logit = torch.randn(1, 1, 8, 8)
    raters = (torch.rand(4, 1, 8, 8) > 0.5).float()
    each = torch.stack([L_Mean(logit, raters[r:r + 1], ZERO_ONE) for r in range(4)]).mean()
    against_mean = torch.nn.functional.binary_cross_entropy_with_logits(logit, raters.mean(0, keepdim=True))
    assert float(each) == pytest.approx(float(against_mean), rel=1e-5)


def test_only_l_mean_trains_the_mean_mask_network():
    torch.manual_seed(0)
    model = build_denoiser(CFG, MEAN)
    img, x0 = torch.rand(2, 1, 128, 128), (torch.rand(2, 1, 128, 128) > 0.9).float()
    terms = training_losses(model, LinearSchedule(), img, x0, LossFlags(step_uc=False, seq_uc=0))
    assert set(terms) >= {"L_MSE", "L_Mean", "loss"}
    grads = torch.autograd.grad(terms["L_Diff"], list(model.mean_mask.parameters()), allow_unused=True)
    assert all(g is None or float(g.abs().max()) == 0 for g in grads)
    grads = torch.autograd.grad(terms["L_Mean"], list(model.mean_mask.parameters()), allow_unused=True)
    assert any(g is not None and float(g.abs().max()) > 0 for g in grads)


def test_the_mean_mask_network_learns_where_and_how_many_raters_mark():
    """Discs marked by 0..4 raters: the learned mean mask inside the disc rises with the share of raters."""
    torch.manual_seed(0)
    ds = fake_dataset(10)
    net = MeanMaskNet(MEAN)
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    rng = np.random.default_rng(0)
    img = torch.from_numpy(ds.images.astype(np.float32) / 255)[:, None]
    for _ in range(150):
        i = rng.integers(0, 10, 8)
        r = rng.integers(0, 4, 8)
        x0 = torch.from_numpy(ds.masks[i, r].astype(np.float32))[:, None]
        loss = L_Mean(net(img[i]), x0, ZERO_ONE)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        m = torch.sigmoid(net(img))[:, 0].numpy()
    disc = ds.masks.max(1).max(0) > 0
    inside = [float(m[k][disc].mean()) for k in range(10)]
    share = [k % 5 / 4 for k in range(10)]
    assert np.corrcoef(inside, share)[0, 1] > 0.8


def test_a_mean_mask_run_starts_from_a_plain_checkpoint_and_resumes(tiny_loop, tmp_path):
    plain = tiny_loop(step_uc=False, seq_uc=0)
    plain.opts.iterations = 2
    plain.run()
    loop = tiny_loop(step_uc=False, seq_uc=0, mean_mask=True, init_checkpoint=str(tmp_path / "run" / "last.pt"))
    img, x, t = torch.rand(2, 1, 128, 128), torch.randn(2, 1, 128, 128), torch.tensor([3, 600])
    with torch.no_grad():
        for a, b in zip(plain.ema.eval()(img, x, t), loop.ema.eval()(img, x, t)):
            assert torch.allclose(a, b, atol=1e-5)  # the EMA comes along, widened
    assert [g["lr_scale"] for g in loop.opt.param_groups] == [1.0, 5.0]
    loop.opts.iterations = 4
    loop.run()
    val = [h for h in loop.history if "val" in h]
    assert set(val[-1]["mean_mask"]) == {"areaCorr", "peakShareCorr", "bce"}
    ck = torch.load(str(tmp_path / "compact.pt"))
    assert ck["mean_mask_config"] == MeanMaskConfig(**TINY["mean_mask"]).to_dict()
    assert ck["card_training"]["flags"]["meanMask"] is True
    again = tiny_loop(step_uc=False, seq_uc=0, mean_mask=True)
    again.load(ck)
    assert again.it == 4 and len(again.opt.param_groups) == 2
    model, _ = load_unet_from_checkpoint(tmp_path / "compact.pt")
    assert isinstance(model.unet.mean_mask, MeanMaskNet)
    with torch.no_grad():  # the export path rebuilds the same network from the compact (fp16) checkpoint
        assert torch.allclose(model(img, x, t)[0], loop.ema.eval()(img, x, t)[0], atol=1e-2)


def test_the_export_keeps_the_contract_and_reads_back(tmp_path, monkeypatch):
    from caldiff import train_loop
    monkeypatch.setitem(train_loop.CONFIGS, "tiny", TINY)
    torch.manual_seed(0)
    model = build_denoiser(CFG, MEAN)
    for p in model.parameters():
        p.data.normal_(0, 0.05)
    ds = fake_dataset(4)
    ds.val_idx = np.array([1, 2, 3])
    card = publish(EpsContract(model), "tiny-mm", {"config": "tiny", "flags": {"meanMask": True}}, {}, 10,
                   ds, models_dir=tmp_path)
    check_contract(tmp_path / "tiny-mm.onnx")
    back = denoiser_from_card(tmp_path / "tiny-mm.json")
    assert isinstance(back.mean_mask, MeanMaskNet)
    assert reference_error(back, tmp_path / "tiny-mm.reference.json") < card["parityTolerance"]
    assert json.loads((tmp_path / "tiny-mm.json").read_text())["training"]["parameters"] == sum(
        p.numel() for p in model.parameters())
