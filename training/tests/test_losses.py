import math

import pytest
import torch

from caldiff.losses import (L_MSE, L_SA, L_Hier, L_VLB, LossFlags, kl_diag_gaussians, training_losses,
                            LAMBDA_VLB, GAMMA_HIER, KAPPA_SA)
from caldiff.schedule import LinearSchedule
from conftest import blob_batch


def test_constants_from_the_paper():
    assert LAMBDA_VLB == 0.001 and GAMMA_HIER == 0.001 and KAPPA_SA == 1.0


def test_kl_of_identical_gaussians_is_zero():
    mu, ls = torch.randn(2, 6, 4, 4), torch.randn(2, 6, 4, 4)
    assert float(kl_diag_gaussians(mu, ls, mu, ls).abs().max()) < 1e-6
    lv = [(mu, ls, mu)] * 3
    assert float(L_Hier(lv, lv)) == pytest.approx(0.0, abs=1e-5)


def test_kl_closed_form_and_level_weights():
    # KL(N(0,1) || N(0, e^2)) = log(e) + 1/(2 e^2) - 1/2 = 1/(2e^2) + 1/2
    z = torch.zeros(1, 1, 1, 1)
    kl = kl_diag_gaussians(z, z, z, z + 1.0)
    assert float(kl) == pytest.approx(0.5 + 0.5 * math.exp(-2.0), rel=1e-5)
    m = [(z, z, z)] * 3
    c = [(z, z + 1.0, z)] * 3
    assert float(L_Hier(m, c)) == pytest.approx(float(kl) * (1 + 0.1 + 0.01), rel=1e-5)


def test_seq_loss_with_S1_equals_mse():
    eh, e = torch.randn(3, 1, 8, 8), torch.randn(3, 1, 8, 8)
    assert torch.equal(L_SA([eh], [e]), L_MSE(eh, e))


def test_seq_loss_keeps_cross_terms():
    e1, e2 = torch.randn(2, 1, 4, 4), torch.randn(2, 1, 4, 4)
    z = torch.zeros_like(e1)
    got = L_SA([e1, e2], [z, z])
    assert torch.allclose(got, ((e1 + e2) ** 2).mean())
    assert not torch.allclose(got, (e1 ** 2).mean() + (e2 ** 2).mean())
    # errors that cancel along the trajectory give no accumulated gap
    assert float(L_SA([e1, -e1], [z, z])) == 0.0


def test_training_losses_S1_equals_mse(tiny):
    unet, mn, cn = tiny
    img, x0 = blob_batch()
    out = training_losses(unet, LinearSchedule(), img, x0, LossFlags(step_uc=False, seq_uc=1))
    # the same quantity; L_MSE is reduced per example first (for per-timestep weights), so only rounding differs
    assert torch.allclose(out["L_SA"], out["L_MSE"], rtol=1e-6, atol=0)


def test_flags_select_terms(tiny):
    unet, mn, cn = tiny
    img, x0 = blob_batch()
    s = LinearSchedule()
    plain = training_losses(unet, s, img, x0, LossFlags(step_uc=False, seq_uc=0))
    assert set(plain) == {"L_MSE", "L_VLB", "L_Diff", "loss"}
    assert torch.allclose(plain["loss"], plain["L_MSE"] + 0.001 * plain["L_VLB"])
    for S in (2, 3, 4):
        full = training_losses(unet, s, img, x0, LossFlags(step_uc=True, seq_uc=S), mn, cn)
        assert {"L_Hier", "L_SA"} <= set(full)
        assert torch.allclose(full["loss"], full["L_Diff"] + 0.001 * full["L_Hier"] + 1.0 * full["L_SA"])


def test_seq_trajectory_is_consistent(tiny):
    """With a perfect noise predictor (the true eps at every step) L_SA is zero for S = 2..4."""
    s = LinearSchedule()
    img, x0 = blob_batch(B=3)

    class Oracle(torch.nn.Module):
        def forward(self, image, x_t, t):
            return s.eps_from_xt_x0(x_t, t, x0.repeat(x_t.shape[0] // x0.shape[0], 1, 1, 1)), torch.zeros_like(x_t)

    for S in (2, 3, 4):
        out = training_losses(Oracle(), s, img, x0, LossFlags(step_uc=False, seq_uc=S), t=torch.tensor([0, 1, 700]))
        assert float(out["L_SA"]) < 1e-8


def test_vlb_stop_grad_on_mean():
    s = LinearSchedule()
    img, x0 = blob_batch(B=2)
    t = torch.tensor([3, 600])
    noise = torch.randn_like(x0)
    xt = s.q_sample(x0, t, noise)
    eps_hat = torch.randn_like(x0, requires_grad=True)
    v = torch.zeros_like(x0, requires_grad=True)
    L_VLB(s, x0, xt, t, eps_hat, v).backward()
    assert eps_hat.grad is None or float(eps_hat.grad.abs().max()) == 0.0
    assert float(v.grad.abs().max()) > 0
    # t = 0 uses the (binary discretised) decoder NLL, finite and >= 0
    t0 = torch.tensor([0, 0])
    val = L_VLB(s, x0, s.q_sample(x0, t0, noise), t0, eps_hat.detach(), v.detach())
    assert torch.isfinite(val) and float(val) >= 0


def test_gradients_reach_unet_through_L_Hier(tiny):
    unet, mn, cn = tiny
    img, x0 = blob_batch()
    out = training_losses(unet, LinearSchedule(), img, x0, LossFlags(step_uc=True, seq_uc=0), mn, cn,
                          t=torch.tensor([5, 20, 50, 100]))
    unet.zero_grad(), mn.zero_grad(), cn.zero_grad()
    out["L_Hier"].backward()
    g_unet = sum(float(p.grad.abs().sum()) for p in unet.parameters() if p.grad is not None)
    g_mn = sum(float(p.grad.abs().sum()) for p in mn.parameters() if p.grad is not None)
    g_cn = sum(float(p.grad.abs().sum()) for p in cn.parameters() if p.grad is not None)
    assert g_unet > 0, "L_Hier must reach the U-Net through x0_hat"
    assert g_mn > 0 and g_cn > 0, "both calibration nets are trained"
