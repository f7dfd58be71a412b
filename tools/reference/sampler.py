"""Reference samplers of spec section 3 (docs/spec.md), written from the spec.

Rectified flow (3.1): x_sigma = (1 - sigma) x0 + sigma eps; the model predicts v = eps - x0, so x0_hat = x - sigma v.
Samplers are pure functions over a denoise closure

    denoise(video [C,T,h,w], audio [A,audio_in], step: int) -> (v_video, v_audio)

and take every random draw as an argument (injected noise), so Swift can reproduce them exactly.

Continuation / TI2V (spec 2.8, 1.4): `cond_video` [C,K,h,w] (optional) overwrites the first K latent frames of the
video before every denoise call and after the last step.
"""
from __future__ import annotations

import math
from typing import Callable, Optional, Sequence

import torch

SIGMA_MAX = 0.999


def sigmas(num_steps: int, shift: float, sigma_max: float = SIGMA_MAX) -> list:
    """Spec 3.1: s_i = linspace(sigma_max, 0, n+1)[:-1]; sigma_i = shift s_i / (1 + (shift-1) s_i); then append 0.
    Computed in float64, returned as Python floats (n+1 values)."""
    s = torch.linspace(sigma_max, 0.0, num_steps + 1, dtype=torch.float64)[:-1]
    sig = shift * s / (1.0 + (shift - 1.0) * s)
    return [float(x) for x in sig] + [0.0]


def sigma_list(text: str) -> list:
    """A command line's explicit schedule, "1,0.8,0.5,0": floats in [0, 1], not increasing, ending in 0 (the rules
    the engine's Sigmas.validate applies to pipeline.sigmas). Raises ValueError naming the rule."""
    sig = [float(x) for x in text.split(",")]
    if len(sig) < 2 or any(not 0.0 <= v <= 1.0 for v in sig) or any(b > a for a, b in zip(sig, sig[1:])) or sig[-1] != 0:
        raise ValueError(f"sigmas {text!r}: need 2 or more values in [0, 1], not increasing, the last one 0")
    return sig


def _condition(video: torch.Tensor, cond_video: Optional[torch.Tensor]) -> torch.Tensor:
    if cond_video is None or cond_video.shape[1] == 0:
        return video
    video = video.clone()
    video[:, :cond_video.shape[1]] = cond_video  # [C, K, h, w] over the first K latent frames
    return video


def distilled(denoise: Callable, video: torch.Tensor, audio: torch.Tensor, sigma: Sequence[float],
              step_noise: Sequence, cond_video: Optional[torch.Tensor] = None):
    """Spec 3.2 re-noising (DMD-style) sampler.
    video/audio: the initial pure-noise latents. step_noise[i] = (eps_video, eps_audio) for step i, used for every
    step whose next sigma is > 0 (so len(step_noise) >= number of such steps; the last step returns x0_hat).
      x0_hat = x - sigma_i v;  x <- sigma_{i+1} eps_i + (1 - sigma_{i+1}) x0_hat
    Returns (video, audio) and the list of per-step states (after each step, video then audio)."""
    trace = []
    n = len(sigma) - 1
    for i in range(n):
        video = _condition(video, cond_video)
        vv, va = denoise(video, audio, i)
        s, s_next = sigma[i], sigma[i + 1]
        x0v, x0a = video - s * vv, audio - s * va
        if s_next > 0:
            ev, ea = step_noise[i]
            video = s_next * ev + (1.0 - s_next) * x0v
            audio = s_next * ea + (1.0 - s_next) * x0a
        else:
            video, audio = x0v, x0a
        trace.append((video, audio))
    video = _condition(video, cond_video)
    return video, audio, trace


def euler(denoise: Callable, video: torch.Tensor, audio: torch.Tensor, sigma: Sequence[float],
          cond_video: Optional[torch.Tensor] = None):
    """Rectified-flow Euler: x <- x + (sigma_{i+1} - sigma_i) v. Returns (video, audio, trace)."""
    trace = []
    for i in range(len(sigma) - 1):
        video = _condition(video, cond_video)
        vv, va = denoise(video, audio, i)
        d = sigma[i + 1] - sigma[i]
        video, audio = video + d * vv, audio + d * va
        trace.append((video, audio))
    video = _condition(video, cond_video)
    return video, audio, trace


def cfg_combine(v_uncond: torch.Tensor, v_cond: torch.Tensor, scale: float) -> torch.Tensor:
    """Spec 3.3: v = v_u + s (v_c - v_u)."""
    return v_uncond + scale * (v_cond - v_uncond)


def autoguidance_combine(v_guide: torch.Tensor, v: torch.Tensor, scale: float, threshold: float,
                         channel_dim: int) -> torch.Tensor:
    """Autoguidance (Karras et al. 2024) with a per-position gate: d = v - v_g; r2 = mean of d^2 over `channel_dim`
    (per latent pixel of video [C, T, h, w]: dim 0; per row of audio [A, ch]: dim 1); g = r2^2 / (r2^2 + lambda^4)
    (lambda = threshold; g = 1 when threshold <= 0); v + (scale - 1) g d. Where the model and its weaker guide agree
    (r << lambda: the still background) nothing is amplified; where they disagree (the subject) the full
    v_g + scale (v - v_g) is taken. Engine twin: Sampling/Autoguidance.swift."""
    d = v - v_guide
    if threshold <= 0:
        return v + (scale - 1.0) * d
    r2 = d.pow(2).mean(dim=channel_dim, keepdim=True)
    r4 = r2 * r2
    lam4 = torch.tensor(threshold ** 4, dtype=torch.float32)
    return v + (scale - 1.0) * (r4 / (r4 + lam4)) * d


def magi_cfg_scales(sigma: float) -> tuple:
    """Spec 3.3 base-model guidance: video 5.0 while the timestep int(sigma*1000) > 500, then 2.0; audio 5.0."""
    return (5.0 if int(sigma * 1000) > 500 else 2.0), 5.0


# ---- UniPC (spec 3.3): multistep UniP predictor + UniC corrector, B(h) = expm1(h) ("bh2"), data (x0) prediction,
# solver order 2, order 1 at the first and the last step (lower_order_final), final sigma 0.
# Flow parameterisation: alpha = 1 - sigma, lambda = log(alpha) - log(sigma); the model output is converted to
# x0 = x - sigma v before the solver sees it. Scalars in float64.
# Written from the UniPC paper's formulas; checked (development only, not a dependency) against diffusers 0.42.1
# UniPCMultistepScheduler(solver_order=2, solver_type="bh2", prediction_type="flow_prediction", use_flow_sigmas=True,
# flow_shift=1, lower_order_final=True, final_sigmas_type="zero") driven with the same sigmas: max difference 6e-8.

def _lam(sigma: float) -> float:
    return math.log(1.0 - sigma) - math.log(sigma) if sigma > 0 else math.inf


def _unipc_coefficients(h: float, rks: list, order: int):
    """Returns (h_phi_1, B_h, R rows, b) of the UniPC linear system, hh = -h (x0 prediction)."""
    hh = -h
    h_phi_1 = math.expm1(hh)
    h_phi_k = h_phi_1 / hh - 1.0
    b_h = math.expm1(hh)
    factorial = 1
    rows, b = [], []
    for i in range(1, order + 1):
        rows.append([rk ** (i - 1) for rk in rks])
        b.append(h_phi_k * factorial / b_h)
        factorial *= i + 1
        h_phi_k = h_phi_k / hh - 1.0 / factorial
    return h_phi_1, b_h, rows, b


def _solve(rows: list, b: list) -> list:
    return [float(v) for v in torch.linalg.solve(torch.tensor(rows, dtype=torch.float64), torch.tensor(b, dtype=torch.float64))]


def unipc(denoise: Callable, video: torch.Tensor, audio: torch.Tensor, sigma: Sequence[float],
          cond_video: Optional[torch.Tensor] = None, order: int = 2):
    """UniPC bh2 over flow sigmas (n+1 values ending in 0). Returns (video, audio, trace) like `distilled`."""
    n = len(sigma) - 1
    outputs = []  # x0 predictions, newest last: list of (video, audio)
    last = None  # the sample the previous predictor started from
    this_order = 1
    lower = 0
    trace = []
    x = (video, audio)
    for i in range(n):
        x = (_condition(x[0], cond_video), x[1])
        vv, va = denoise(x[0], x[1], i)
        m = (x[0] - sigma[i] * vv, x[1] - sigma[i] * va)  # x0 = x - sigma v
        if i > 0:  # UniC corrector of the sample that the previous predictor produced, with the new model output
            s_t, s_0 = sigma[i], sigma[i - 1]
            h = _lam(s_t) - _lam(s_0)
            rks, d1s = [], []
            for k in range(1, this_order):
                rk = (_lam(sigma[i - 1 - k]) - _lam(s_0)) / h
                rks.append(rk)
                d1s.append(tuple((mk - m0) / rk for mk, m0 in zip(outputs[-(k + 1)], outputs[-1])))
            rks.append(1.0)
            h_phi_1, b_h, rows, b = _unipc_coefficients(h, rks, this_order)
            rhos = [0.5] if this_order == 1 else _solve(rows, b)
            alpha_t = 1.0 - s_t
            corrected = []
            for j in range(2):
                x_t_ = (s_t / s_0) * last[j] - alpha_t * h_phi_1 * outputs[-1][j]
                res = sum(rhos[k] * d1s[k][j] for k in range(len(d1s))) if d1s else 0.0
                d1_t = m[j] - outputs[-1][j]
                corrected.append(x_t_ - alpha_t * b_h * (res + rhos[-1] * d1_t))
            x = (corrected[0], corrected[1])
        outputs = (outputs + [m])[-order:]
        this_order = min(order, n - i, lower + 1)
        last = x
        # UniP predictor from sigma_i to sigma_{i+1}
        s_t, s_0 = sigma[i + 1], sigma[i]
        m0 = outputs[-1]
        if s_t == 0:
            x = m0  # sigma 0: the predictor returns the x0 prediction (order 1 at the last step)
        else:
            h = _lam(s_t) - _lam(s_0)
            rks, d1s = [], []
            for k in range(1, this_order):
                rk = (_lam(sigma[i - k]) - _lam(s_0)) / h
                rks.append(rk)
                d1s.append(tuple((mk - m0k) / rk for mk, m0k in zip(outputs[-(k + 1)], m0)))
            rks.append(1.0)
            h_phi_1, b_h, rows, b = _unipc_coefficients(h, rks, this_order)
            rhos = [0.5] if this_order == 2 else (_solve([r[:-1] for r in rows[:-1]], b[:-1]) if d1s else [])
            alpha_t = 1.0 - s_t
            new = []
            for j in range(2):
                x_t_ = (s_t / s_0) * x[j] - alpha_t * h_phi_1 * m0[j]
                res = sum(rhos[k] * d1s[k][j] for k in range(len(d1s))) if d1s else 0.0
                new.append(x_t_ - alpha_t * b_h * res)
            x = (new[0], new[1])
        lower = min(lower + 1, order)
        trace.append(x)
    return _condition(x[0], cond_video), x[1], trace
