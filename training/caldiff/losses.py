"""CalDiff loss terms, each named after the equation it implements.

L = L_Diff + gamma * L_Hier + kappa * L_SA (+ L_Mean with mean-mask conditioning),   L_Diff = L_MSE + lambda * L_VLB
lambda = 0.001 (Improved DDPM hybrid), gamma = 0.001, kappa = 1.0 (S = 2).

Options beyond the paper (issue 13; defaults are the paper's): the head may predict x0, its logit or the
velocity instead of eps (parameterisation.py), with the diffusion term then the MSE on x0 / on the velocity or
the BCE on x0 (`L_BCE`); the masks may be diffused at -1/+1; the term may carry min-SNR-gamma weights (Hang et al.
2023) and an x0-space floor; timesteps may be drawn favouring t <= t_favour; L_SA may take the paper's form (tau_s weights, 1/S).
"""
import math
from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple

import torch

from .parameterisation import x0_and_eps
from .sampling import MaskRange, ZERO_ONE
from .schedule import LinearSchedule, _extract, normal_kl, binary_discretized_gaussian_log_likelihood

LAMBDA_VLB = 0.001
GAMMA_HIER = 0.001
KAPPA_SA = 1.0
# the predicted mask handed to the calibrating net: x0_hat clamped with a margin of half the mask range around
# {low, high} ([-0.5, 1.5] for 0/1 masks) so the KL gradient is not cut exactly at the mask values
X0_HAT_MARGIN = 0.5
# with --t-favour T': this share of the timesteps is drawn uniformly from 0..T', the rest from 0..T-1
T_FAVOUR_SHARE = 0.75


def mean_flat(x: torch.Tensor) -> torch.Tensor:
    return x.reshape(x.shape[0], -1).mean(dim=1)


# --------------------------------------------------------------------------------------------
# L_MSE: || eps - eps_theta(x_t, t) ||^2  (Ho et al. 2020, L_simple)
def L_MSE(eps_hat: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    return ((eps_hat - eps) ** 2).mean()


# --------------------------------------------------------------------------------------------
# L_VLB (Improved DDPM eq. 16 with the stop-gradient of Sec. 3.1): the variational bound term
# L_t = KL(q(x_{t-1}|x_t,x_0) || p_theta(x_{t-1}|x_t)) for t > 0 and -log p_theta(x_0|x_1) for t = 0,
# in bits per dimension, with the mean built from stop-grad(eps_hat) so that only v learns from it.
# L_VLB = T * E_t[L_t] (the unbiased estimate of sum_t L_t); with lambda = 0.001 and T = 1000 the
# weighted term equals guided-diffusion's `vb * num_timesteps / 1000`.
def vlb_terms(schedule: LinearSchedule, x0, x_t, t, eps_hat, v, threshold: float = 0.5) -> torch.Tensor:
    """Per-example L_t in bits/dim (shape [B])."""
    true_mean, _, true_log_var = schedule.q_posterior(x0, x_t, t)
    model_mean, model_log_var, _ = schedule.p_mean_variance(eps_hat.detach(), v, x_t, t, clip=None)
    kl = mean_flat(normal_kl(true_mean, true_log_var, model_mean, model_log_var)) / math.log(2.0)
    nll = -binary_discretized_gaussian_log_likelihood(x0, model_mean, 0.5 * model_log_var, threshold)
    nll = mean_flat(nll) / math.log(2.0)
    return torch.where(t == 0, nll, kl)


def L_VLB(schedule: LinearSchedule, x0, x_t, t, eps_hat, v, threshold: float = 0.5) -> torch.Tensor:
    return schedule.T * vlb_terms(schedule, x0, x_t, t, eps_hat, v, threshold).mean()


# --------------------------------------------------------------------------------------------
# The diffusion term for each parameterisation, optionally min-SNR-gamma weighted (Hang et al. 2023): in x0
# units the weight is min(SNR_t, gamma), i.e. min(SNR, gamma) / SNR on the eps loss, min(SNR, gamma) / (SNR + 1)
# on the velocity loss. SNR_t = abar_t / (1 - abar_t).
#
# x0 floor (issue 13): in x0 units no step weighs less than `x0_floor`, w_x0 = max(w_x0, x0_floor), so the steps
# where presence is decided (SNR ~ 1e-3..1e-1 at t ~ 500-850) carry an x0 error as a loss of its own size rather
# than SNR times it. Each weight rises at most X0_FLOOR_CAP-fold: at t -> 999 the floor alone would ask the eps head
# for a precision 1/SNR ~ 25,000 times finer, which turns seed noise into the largest term of the loss.
X0_FLOOR_CAP = 100.0


def snr(schedule: LinearSchedule, t: torch.Tensor) -> torch.Tensor:
    ab = schedule.alphas_cumprod.to(t.device)[t]
    return ab / (1.0 - ab)


def loss_weights(schedule: LinearSchedule, t: torch.Tensor, prediction: str, weighting: str,
                 gamma: float, x0_floor: float = 0.0) -> torch.Tensor:
    """Per-example weight [B] of the diffusion term."""
    if weighting not in ("none", "min-snr"):
        raise ValueError(f"unknown weighting {weighting!r}")
    r = snr(schedule, t)
    # a weight in x0 units divided by this is the weight on the head's own loss
    x0_per_head = r if prediction == "eps" else r + 1.0 if prediction == "velocity" else torch.ones_like(r)
    w = r.clamp(max=gamma) / x0_per_head if weighting == "min-snr" else torch.ones_like(r)
    if x0_floor > 0:
        w = torch.maximum(w, torch.minimum(x0_floor / x0_per_head, X0_FLOOR_CAP * w))
    return w


def diffusion_term(prediction: str, head, x0, x0_hat, noise, x_t, t, schedule: LinearSchedule,
                   mask: MaskRange) -> torch.Tensor:
    """Per-example unweighted diffusion loss [B] in the parameterisation's own units."""
    if prediction == "eps":
        return mean_flat((head - noise) ** 2)
    if prediction == "velocity":
        n = x_t.ndim
        target = (_extract(schedule.sqrt_alphas_cumprod, t, n) * noise
                  - _extract(schedule.sqrt_one_minus_alphas_cumprod, t, n) * x0)
        return mean_flat((head - target) ** 2)
    if prediction == "x0":
        return mean_flat((x0_hat - x0) ** 2)
    target01 = (x0 - mask.low) / (mask.high - mask.low)
    return mean_flat(torch.nn.functional.binary_cross_entropy_with_logits(head, target01, reduction="none"))


def sample_timesteps(T: int, B: int, t_favour: int, device=None, generator=None) -> torch.Tensor:
    """Uniform over 0..T-1, or with t_favour > 0 a share T_FAVOUR_SHARE drawn uniformly from 0..t_favour."""
    t = torch.randint(0, T, (B,), device=device, generator=generator)
    if t_favour:
        low = torch.randint(0, t_favour + 1, (B,), device=device, generator=generator)
        pick = torch.rand(B, device=device, generator=generator) < T_FAVOUR_SHARE
        t = torch.where(pick, low, t)
    return t


# --------------------------------------------------------------------------------------------
# KL between axis-aligned Gaussians parameterised by (mu, log sigma)
def kl_diag_gaussians(mu1, log_sigma1, mu2, log_sigma2) -> torch.Tensor:
    """Elementwise KL(N(mu1, sigma1^2) || N(mu2, sigma2^2))."""
    return normal_kl(mu1, 2.0 * log_sigma1, mu2, 2.0 * log_sigma2)


# L_Hier = sum_l 10^(-l) KL(N_model,l || N_calib,l), l = 0 the coarsest level.
# Per level: KL summed over latent channels and pixels, averaged over the batch.
def L_Hier(model_levels: Sequence[Tuple[torch.Tensor, ...]], calib_levels: Sequence[Tuple[torch.Tensor, ...]]
           ) -> torch.Tensor:
    total = 0.0
    for l, (m, c) in enumerate(zip(model_levels, calib_levels)):
        kl = kl_diag_gaussians(m[0], m[1], c[0], c[1])
        total = total + (10.0 ** (-l)) * kl.reshape(kl.shape[0], -1).sum(dim=1).mean()
    return total


# --------------------------------------------------------------------------------------------
# L_SA: sequence-aware loss (Nguyen et al., AAAI 2024). Along one consistent forward trajectory
# x_t -> x_{t-1} -> ... -> x_{t-S+1} (each drawn from q(x_{t-s} | x_{t-s+1}, x_0)), penalise the
# accumulated estimation gap:  || sum_{s=0}^{S-1} (eps_theta(x_{t-s}, t-s) - eps_{t-s}) ||^2
# (cross-terms between steps included). eps_{t-s} is the noise that maps x_0 to x_{t-s}.
# Steps with t - s < 0 do not exist and contribute nothing. For S = 1 this is exactly L_MSE.
#
# The paper's own form (--seq-form paper) weights step s by tau_s and divides by S:
#   (1/S) || sum_s tau_s (eps_theta(x_{t-s}, t-s) - eps_{t-s}) ||^2,  tau_s = c(t-s) / c(t),
# c(t) = beta_t / (sqrt(alpha_t) sqrt(1 - abar_t)): the factor by which an eps error at step t moves the reverse
# mean mu_theta(x_t, t), so each step's error enters the gap in the units of the trajectory (tau_0 = 1).
def L_SA(eps_hats: Sequence[torch.Tensor], eps_trues: Sequence[torch.Tensor],
         valid: Optional[Sequence[torch.Tensor]] = None, taus: Optional[Sequence[torch.Tensor]] = None,
         divide_by_S: bool = False) -> torch.Tensor:
    gap = 0.0
    for s, (eh, et) in enumerate(zip(eps_hats, eps_trues)):
        d = eh - et
        if valid is not None and s > 0:
            d = d * valid[s].reshape(-1, *([1] * (d.ndim - 1))).to(d.dtype)
        if taus is not None:
            d = d * taus[s].reshape(-1, *([1] * (d.ndim - 1))).to(d.dtype)
        gap = gap + d
    out = (gap ** 2).mean()
    return out / len(eps_hats) if divide_by_S else out


def seq_tau(schedule: LinearSchedule, t: torch.Tensor, t_s: torch.Tensor) -> torch.Tensor:
    """tau_s = c(t - s) / c(t) per example (see L_SA)."""
    betas = schedule.betas.to(t.device)
    ab = schedule.alphas_cumprod.to(t.device)

    def c(tt):
        b = betas[tt]
        return b / (torch.sqrt(1.0 - b) * torch.sqrt(1.0 - ab[tt]))
    return c(t_s) / c(t)


# --------------------------------------------------------------------------------------------
# L_Mean (mean-mask conditioning, mean_mask.py): the BCE of the mean-mask network's logit against the rater mask
# drawn for this iteration. BCE is linear in its target, so its expectation over the drawn rater is the BCE against
# the raters' mean mask, whose minimiser is that mean: the network learns the share of raters who mark each pixel.
def L_Mean(mean_logit: torch.Tensor, x0: torch.Tensor, mask: MaskRange) -> torch.Tensor:
    target01 = (x0 - mask.low) / (mask.high - mask.low)
    return torch.nn.functional.binary_cross_entropy_with_logits(mean_logit, target01)


# --------------------------------------------------------------------------------------------
@dataclass
class LossFlags:
    step_uc: bool = True
    seq_uc: int = 2          # S; 0 = off
    lambda_vlb: float = LAMBDA_VLB
    gamma: float = GAMMA_HIER
    kappa: float = KAPPA_SA
    prediction: str = "eps"  # eps | x0 | x0-logit | velocity (parameterisation.py)
    mask: MaskRange = ZERO_ONE
    weighting: str = "none"  # none | min-snr
    snr_gamma: float = 5.0
    x0_floor: float = 0.0    # 0 = off
    t_favour: int = 0        # 0 = uniform timesteps
    seq_form: str = "sum"    # sum (the squared summed error) | paper (tau_s weights, 1/S)


def training_losses(unet, schedule: LinearSchedule, image: torch.Tensor, x0: torch.Tensor,
                    flags: LossFlags, model_net=None, calib_net=None,
                    t: Optional[torch.Tensor] = None, noise: Optional[torch.Tensor] = None
                    ) -> Dict[str, torch.Tensor]:
    """One CalDiff training objective evaluation. image, x0: [B,1,H,W]; x0 in {mask.low, mask.high}."""
    B = x0.shape[0]
    if t is None:
        t = sample_timesteps(schedule.T, B, flags.t_favour, device=x0.device)
    if noise is None:
        noise = torch.randn_like(x0)
    x_t = schedule.q_sample(x0, t, noise)

    S = max(int(flags.seq_uc), 1)
    xs, ts, eps_trues, valid = [x_t], [t], [noise], [torch.ones(B, dtype=torch.bool, device=x0.device)]
    if flags.seq_uc and S > 1:
        with torch.no_grad():
            x_cur, t_cur = x_t, t
            for s in range(1, S):
                ok = (t - s) >= 0
                t_next = (t - s).clamp(min=0)
                x_next = schedule.q_posterior_sample(x0, x_cur, t_cur, torch.randn_like(x0))
                x_next = torch.where(ok.reshape(-1, 1, 1, 1), x_next, x_cur)
                eps_next = schedule.eps_from_xt_x0(x_next, t_next, x0)
                xs.append(x_next)
                ts.append(t_next)
                eps_trues.append(eps_next)
                valid.append(ok)
                x_cur, t_cur = x_next, t_next
    n = len(xs)
    # one batched U-Net pass over all steps of the trajectory
    x_all, t_all = torch.cat(xs, 0), torch.cat(ts, 0)
    head_all, v_all = unet(image.repeat(n, 1, 1, 1), x_all, t_all)
    x0_all, eps_all = x0_and_eps(flags.prediction, head_all, x_all, t_all, schedule, flags.mask)
    eps_hats = list(eps_all.chunk(n, 0))
    eps_hat, v, head, x0_hat = eps_hats[0], v_all[:B], head_all[:B], x0_all[:B]

    out = {}
    w = loss_weights(schedule, t, flags.prediction, flags.weighting, flags.snr_gamma, flags.x0_floor)
    term = (w * diffusion_term(flags.prediction, head, x0, x0_hat, noise, x_t, t, schedule, flags.mask)).mean()
    out["L_BCE" if flags.prediction == "x0-logit" else "L_MSE"] = term
    out["L_VLB"] = L_VLB(schedule, x0, x_t, t, eps_hat, v, flags.mask.threshold)
    out["L_Diff"] = term + flags.lambda_vlb * out["L_VLB"]
    total = out["L_Diff"]
    if flags.step_uc:
        assert model_net is not None and calib_net is not None
        margin = X0_HAT_MARGIN * (flags.mask.high - flags.mask.low)
        x0_hat = x0_hat.clamp(flags.mask.low - margin, flags.mask.high + margin)
        m_levels = model_net(image, x0)
        c_levels = calib_net(image, x0_hat, z_given=[z for (_, _, z) in m_levels])
        out["L_Hier"] = L_Hier(m_levels, c_levels)
        total = total + flags.gamma * out["L_Hier"]
    if flags.seq_uc:
        if flags.seq_form == "paper":
            taus = [seq_tau(schedule, t, ts_) for ts_ in ts]
            out["L_SA"] = L_SA(eps_hats, eps_trues, valid, taus, divide_by_S=True)
        else:
            out["L_SA"] = L_SA(eps_hats, eps_trues, valid)
        total = total + flags.kappa * out["L_SA"]
    mean_mask = getattr(unet, "mean_mask", None)
    if mean_mask is not None:  # its own parameters: the U-Net sees its output detached
        out["L_Mean"] = L_Mean(mean_mask(image), x0, flags.mask)
        total = total + out["L_Mean"]
    out["loss"] = total
    return out
