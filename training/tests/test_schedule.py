import math

import torch

from caldiff.schedule import LinearSchedule, normal_kl


def test_linear_betas_and_alphas():
    s = LinearSchedule()
    assert s.T == 1000 and s.betas.shape == (1000,)
    assert math.isclose(float(s.betas[0]), 1e-4, rel_tol=1e-6)
    assert math.isclose(float(s.betas[-1]), 0.02, rel_tol=1e-6)
    d = s.betas64[1:] - s.betas64[:-1]
    assert torch.allclose(d, torch.full_like(d, (0.02 - 1e-4) / 999))
    ab = s.alphas_cumprod
    assert torch.all(ab[1:] < ab[:-1]) and 0 < float(ab[-1]) < 1e-4
    assert torch.allclose(ab, torch.cumprod(1 - s.betas64, 0).float())


def test_q_sample_and_x0_from_eps_invert():
    s = LinearSchedule()
    x0 = (torch.rand(3, 1, 8, 8) > 0.5).float()
    eps = torch.randn_like(x0)
    t = torch.tensor([0, 500, 999])
    xt = s.q_sample(x0, t, eps)
    ab = s.alphas_cumprod[t].reshape(3, 1, 1, 1)
    assert torch.allclose(xt, ab.sqrt() * x0 + (1 - ab).sqrt() * eps, atol=1e-4)
    assert torch.allclose(s.x0_from_eps(xt, t, eps), x0, atol=5e-3)
    assert torch.allclose(s.eps_from_xt_x0(xt, t, x0), eps, atol=1e-4)


def test_posterior_matches_bayes():
    """q(x_{t-1}|x_t,x_0) mean/variance from the closed form equal the Gaussian product."""
    s = LinearSchedule()
    t = torch.tensor([1, 10, 400, 999])
    x0 = torch.rand(4, 1, 2, 2)
    xt = torch.randn(4, 1, 2, 2)
    mean, var, log_var = s.q_posterior(x0, xt, t)
    b = s.betas64[t].reshape(4, 1, 1, 1)
    abp = s.alphas_cumprod64[t - 1].reshape(4, 1, 1, 1)
    # prior x_{t-1} ~ N(sqrt(abp) x0, 1-abp); likelihood x_t ~ N(sqrt(1-b) x_{t-1}, b)
    prec = 1 / (1 - abp) + (1 - b) / b
    mu = (abp.sqrt() * x0.double() / (1 - abp) + (1 - b).sqrt() * xt.double() / b) / prec
    assert torch.allclose(var.double().expand_as(mu), (1 / prec).expand_as(mu), rtol=1e-4)
    assert torch.allclose(mean.double(), mu, atol=1e-5)
    assert torch.allclose(log_var.double(), torch.log(1 / prec).expand_as(log_var), atol=1e-4)


def test_learned_variance_interpolation():
    s = LinearSchedule()
    t = torch.tensor([5, 500])
    one = torch.ones(2, 1, 2, 2)
    hi = s.learned_log_variance(one, t)
    lo = s.learned_log_variance(-one, t)
    mid = s.learned_log_variance(0 * one, t)
    assert torch.allclose(hi[:, 0, 0, 0], torch.log(s.betas[t]))
    assert torch.allclose(lo[:, 0, 0, 0], s.posterior_log_variance_clipped[t])
    assert torch.allclose(mid, (hi + lo) / 2)
    # beta_tilde_t <= beta_t
    assert torch.all(s.posterior_variance[1:] <= s.betas[1:])


def test_normal_kl_identical_is_zero():
    m, lv = torch.randn(10), torch.randn(10)
    assert torch.allclose(normal_kl(m, lv, m, lv), torch.zeros(10), atol=1e-7)
    # KL(N(0,1)||N(1,1)) = 0.5
    assert math.isclose(float(normal_kl(torch.tensor(0.), torch.tensor(0.), torch.tensor(1.), torch.tensor(0.))), 0.5)
