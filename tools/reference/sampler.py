"""Reference samplers of spec section 3 (../shared/docs/architecture-magihuman.md), written from the spec.

Rectified flow (3.1): x_sigma = (1 - sigma) x0 + sigma eps; the model predicts v = eps - x0, so x0_hat = x - sigma v.
Samplers are pure functions over a denoise closure

    denoise(video [C,T,h,w], audio [A,audio_in], step: int) -> (v_video, v_audio)

and take every random draw as an argument (injected noise), so Swift can reproduce them exactly.

Continuation / TI2V (spec 2.8, 1.4): `cond_video` [C,K,h,w] (optional) overwrites the first K latent frames of the
video before every denoise call and after the last step.
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence

import torch

SIGMA_MAX = 0.999


def sigmas(num_steps: int, shift: float, sigma_max: float = SIGMA_MAX) -> list:
    """Spec 3.1: s_i = linspace(sigma_max, 0, n+1)[:-1]; sigma_i = shift s_i / (1 + (shift-1) s_i); then append 0.
    Computed in float64, returned as Python floats (n+1 values)."""
    s = torch.linspace(sigma_max, 0.0, num_steps + 1, dtype=torch.float64)[:-1]
    sig = shift * s / (1.0 + (shift - 1.0) * s)
    return [float(x) for x in sig] + [0.0]


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
