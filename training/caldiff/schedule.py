"""Linear-beta Gaussian diffusion schedule (Ho et al. 2020) with the learned-variance
interpolation of Improved DDPM (Nichol & Dhariwal 2021).

Timesteps are 0-indexed: t in {0, ..., T-1}; t = 0 is the least noisy step (x_0 -> x_1 in the
paper's 1-indexed notation). This is the `t` the exported ONNX model takes.
"""
import math

import torch


def _extract(a: torch.Tensor, t: torch.Tensor, ndim: int) -> torch.Tensor:
    """a[t] reshaped to [B, 1, 1, ...] for broadcasting against an ndim tensor."""
    out = a.to(t.device)[t.long()]
    return out.reshape(t.shape[0], *([1] * (ndim - 1)))


class LinearSchedule:
    def __init__(self, T: int = 1000, beta_start: float = 1e-4, beta_end: float = 0.02):
        self.T = T
        self.beta_start = beta_start
        self.beta_end = beta_end
        # computed in float64 like guided-diffusion, stored as float32 tensors
        betas = torch.linspace(beta_start, beta_end, T, dtype=torch.float64)
        alphas = 1.0 - betas
        abar = torch.cumprod(alphas, 0)
        abar_prev = torch.cat([torch.ones(1, dtype=torch.float64), abar[:-1]])
        post_var = betas * (1.0 - abar_prev) / (1.0 - abar)  # beta_tilde_t
        # beta_tilde_0 = 0: clip its log like guided-diffusion (use beta_tilde_1)
        post_log_var_clipped = torch.log(torch.cat([post_var[1:2], post_var[1:]]))
        f = lambda x: x.to(torch.float32)  # noqa: E731
        self.betas64 = betas
        self.alphas_cumprod64 = abar
        self.betas = f(betas)
        self.alphas_cumprod = f(abar)
        self.alphas_cumprod_prev = f(abar_prev)
        self.sqrt_alphas_cumprod = f(abar.sqrt())
        self.sqrt_one_minus_alphas_cumprod = f((1.0 - abar).sqrt())
        self.sqrt_recip_alphas_cumprod = f((1.0 / abar).sqrt())
        self.sqrt_recipm1_alphas_cumprod = f((1.0 / abar - 1.0).sqrt())
        self.posterior_variance = f(post_var)
        self.posterior_log_variance_clipped = f(post_log_var_clipped)
        self.log_betas = f(torch.log(betas))
        self.posterior_mean_coef1 = f(betas * abar_prev.sqrt() / (1.0 - abar))
        self.posterior_mean_coef2 = f((1.0 - abar_prev) * alphas.sqrt() / (1.0 - abar))

    # ---- forward process -------------------------------------------------------------
    def q_sample(self, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps."""
        n = x0.ndim
        return _extract(self.sqrt_alphas_cumprod, t, n) * x0 + _extract(self.sqrt_one_minus_alphas_cumprod, t, n) * noise

    def eps_from_xt_x0(self, x_t: torch.Tensor, t: torch.Tensor, x0: torch.Tensor) -> torch.Tensor:
        """The noise that maps x_0 to x_t at step t (inverse of q_sample in eps)."""
        n = x_t.ndim
        return (x_t - _extract(self.sqrt_alphas_cumprod, t, n) * x0) / _extract(self.sqrt_one_minus_alphas_cumprod, t, n)

    def q_posterior(self, x0: torch.Tensor, x_t: torch.Tensor, t: torch.Tensor):
        """Mean, variance and clipped log variance of q(x_{t-1} | x_t, x_0)."""
        n = x_t.ndim
        mean = _extract(self.posterior_mean_coef1, t, n) * x0 + _extract(self.posterior_mean_coef2, t, n) * x_t
        var = _extract(self.posterior_variance, t, n)
        log_var = _extract(self.posterior_log_variance_clipped, t, n)
        return mean, var, log_var

    def q_posterior_sample(self, x0, x_t, t, noise):
        """x_{t-1} ~ q(x_{t-1} | x_t, x_0); for t = 0 returns x_0 (the end of the chain)."""
        mean, _, log_var = self.q_posterior(x0, x_t, t)
        nonzero = (t != 0).float().reshape(-1, *([1] * (x_t.ndim - 1)))
        return mean + nonzero * torch.exp(0.5 * log_var) * noise

    # ---- model parameterisation ------------------------------------------------------
    def x0_from_eps(self, x_t: torch.Tensor, t: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        """x_0 = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t)."""
        n = x_t.ndim
        return _extract(self.sqrt_recip_alphas_cumprod, t, n) * x_t - _extract(self.sqrt_recipm1_alphas_cumprod, t, n) * eps

    def learned_log_variance(self, v: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """Improved DDPM eq. 15: log Sigma = frac log beta_t + (1 - frac) log beta_tilde_t, frac = (v + 1) / 2."""
        n = v.ndim
        min_log = _extract(self.posterior_log_variance_clipped, t, n)
        max_log = _extract(self.log_betas, t, n)
        frac = (v + 1.0) / 2.0
        return frac * max_log + (1.0 - frac) * min_log

    def p_mean_variance(self, eps: torch.Tensor, v: torch.Tensor, x_t: torch.Tensor, t: torch.Tensor,
                        clip: tuple = None):
        """Mean and log variance of p_theta(x_{t-1} | x_t) from the network's (eps, v)."""
        x0 = self.x0_from_eps(x_t, t, eps)
        if clip is not None:
            x0 = x0.clamp(clip[0], clip[1])
        mean, _, _ = self.q_posterior(x0, x_t, t)
        return mean, self.learned_log_variance(v, t), x0

    def to_card(self) -> dict:
        return {"name": "linear", "T": self.T, "betaStart": self.beta_start, "betaEnd": self.beta_end}


def normal_kl(mean1, logvar1, mean2, logvar2):
    """Elementwise KL(N(mean1, exp(logvar1)) || N(mean2, exp(logvar2))) in nats."""
    return 0.5 * (-1.0 + logvar2 - logvar1 + torch.exp(logvar1 - logvar2) + (mean1 - mean2) ** 2 * torch.exp(-logvar2))


def _approx_std_normal_cdf(x):
    return 0.5 * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3))))


def binary_discretized_gaussian_log_likelihood(x0, mean, log_scale, threshold: float = 0.5):
    """log p(x_0 | x_1) for a 0/1 mask: the Gaussian decoder discretised into two bins
    (-inf, threshold] -> 0 and (threshold, inf) -> 1 (the mask analogue of Improved DDPM's
    256-bin image decoder). log_scale is the log standard deviation."""
    inv_std = torch.exp(-log_scale)
    cdf = torch.distributions.Normal(0.0, 1.0).cdf((threshold - mean) * inv_std)
    log_p0 = torch.log(cdf.clamp(min=1e-12))
    log_p1 = torch.log((1.0 - cdf).clamp(min=1e-12))
    return torch.where(x0 > threshold, log_p1, log_p0)
