"""Autoguidance (--teacher DIR --distill-guidance 1 --guide DIR2 --guide-scale W): the teacher's target (teacher.py)
is pushed away from a weaker model's conditional velocity v_g (DIR2, an earlier export with its own text encoder, run
on the same noisy input and caption): v_g + W (target - v_g), the autoguidance of Karras et al. 2024 ("Guiding a
diffusion model with a bad version of itself") distilled into one pass. --guide-threshold L gates it per latent pixel
like the engine's pipeline.autoguidance (reference.sampler autoguidance_combine: where target and v_g agree to well
under L the target is kept).
"""
import torch

from reference.sampler import autoguidance_combine

from .teacher import guided_target


@torch.no_grad()
def autoguided(target: torch.Tensor, guide, x, ids, dev, scale: float, threshold: float = 0.0) -> torch.Tensor:
    """v_g + scale (target - v_g) [B, C, K, h, w], v_g = the weaker guide model's conditional velocity on x;
    threshold > 0: gated per latent pixel over C (autoguidance_combine, as the engine samples)."""
    v_guide = guided_target(guide, x, ids, dev, 1.0)  # [B, C, K, h, w]
    if threshold > 0:
        return autoguidance_combine(v_guide, target, scale, threshold, channel_dim=1)
    return v_guide + scale * (target - v_guide)


class AutoguidedTarget:
    """Another target (a TeacherTarget) autoguided by the frozen `guide`."""

    def __init__(self, inner, guide, dev, scale: float, threshold: float):
        self.inner, self.guide, self.dev, self.scale, self.threshold = inner, guide, dev, scale, threshold

    def __call__(self, x, x0, eps, sigma, ids) -> torch.Tensor:
        target = self.inner(x, x0, eps, sigma, ids)  # [B, C, K, h, w]
        return autoguided(target, self.guide, x, ids, self.dev, self.scale, self.threshold)
