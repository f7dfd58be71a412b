"""The pieces of the DiT's training objective that eval's probes measure the same way:

    K                                   latent frames per training window (one generation chunk)
    foreground_weight(x0, extra)        per latent pixel loss weight, 1 + extra on the subject
    row_error(v, target, px, weight)    foreground-weighted MSE per row
    mixed_noise(eps, rho, gen)          noise shared across a window's frames to the fraction rho
"""
import math

import torch

K = 4


def foreground_weight(x0: torch.Tensor, extra: float, threshold: float = 0.5) -> torch.Tensor:
    """Per latent pixel loss weight [B, 1, K, h, w]: 1 + extra where the block colour (channels 0..2, normalised)
    stands out from its row's median (the world's backgrounds are row-wise nearly uniform), i.e. on the subject.
    About 5% of latent pixels are foreground; extra=8 gives them ~30% of the loss instead of ~5%."""
    rgb = x0[:, :3]  # [B, 3, K, h, w]
    dev = (rgb - rgb.median(dim=-1, keepdim=True).values).pow(2).sum(1, keepdim=True).sqrt()  # [B, 1, K, h, w]
    return 1.0 + extra * (dev > threshold).float()


def row_error(v: torch.Tensor, target: torch.Tensor, px: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Foreground-weighted MSE per row: v, target [R, C, K, h, w], px [R, 1, K, h, w], weight [R, K] -> [R]."""
    err = ((v - target).pow(2) * px).mean(dim=(1, 3, 4)) / px.mean(dim=(1, 3, 4))  # [R, K]
    return (err * weight).sum(1) / weight.sum(1)


def mixed_noise(eps: torch.Tensor, rho: float, gen) -> torch.Tensor:
    """Noise shared across a window's latent frames to the fraction rho (a mixed noise prior):
    sqrt(rho) shared + sqrt(1 - rho) eps, shared [B, C, 1, h, w] drawn after eps [B, C, K, h, w] and broadcast over K.
    Still unit variance per element; frames correlate by rho. The sampler draws the same way
    (reference.pipeline.mixed_noise) when config.json's pipeline.noise_correlation is rho."""
    shared = torch.randn(eps.shape[:2] + (1,) + eps.shape[3:], generator=gen)  # [B, C, 1, h, w]
    return math.sqrt(rho) * shared + math.sqrt(1.0 - rho) * eps  # [B, C, K, h, w]
