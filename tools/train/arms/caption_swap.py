"""--swap-weight W adds W x caption_swap_loss: for rows of moving subjects the DiT also runs on the same noisy input
with a swapped caption (the direction reversed; --swap-factors direction,colour,count also draws, per row, a
confusable colour or one horse for a pair and a pair for one horse), and a cross-entropy rewards the right caption's
lower flow loss (a diffusion classifier), so that the DiT uses the caption rather than only what x_t shows. One more
forward pass over those rows (about 1.6x the step time). With --distill-guidance both captions' losses are taken
against the data (eps - x0), not the teacher's target.
"""
import torch

from flow.objective import row_error
from reference.padded import padded_forward
from world.confusable import neighbour_colour, opposite_direction, other_count
from world.spec import ClipSpec, is_legal, load_heldout

HELDOUT = load_heldout()


def swapped_spec(spec: ClipSpec, factors: list, rng):
    """The caption-swap negative of a training row: the direction swapped (moving subjects only), with "colour" in
    factors the colour swapped for a confusable one, with "count" one horse for two or two for one (other_count);
    one applicable factor drawn per row. None if no factor applies, or if the negative is not a legal clip or is a
    held-out combination (a held-out caption must not reach training, not even as a negative).
    Direction-only draws no random numbers, so runs made before --swap-factors replay the same batches."""
    if factors == ["direction"]:
        other = opposite_direction(spec)
    else:
        fixed = {"direction": opposite_direction(spec), "count": other_count(spec)}  # the colour is drawn when picked
        options = [f for f in factors if f == "colour" or fixed[f] is not None]
        if not options:
            return None
        factor = options[int(rng.integers(len(options)))]
        other = neighbour_colour(spec, rng) if factor == "colour" else fixed[factor]
    if other is None or not is_legal(other) or other.combo() in HELDOUT:
        return None
    return other


def negative_drawer(factors: list):
    """swapped_spec with these factors: (spec, rng) -> the negative spec or None, what train.dit_batch draws."""
    return lambda spec, rng: swapped_spec(spec, factors, rng)


def caption_swap_loss(loss_right: torch.Tensor, loss_wrong: torch.Tensor, temperature: float) -> torch.Tensor:
    """Diffusion-classifier cross-entropy of picking the right caption over its direction-swapped twin by their
    flow losses on the same noisy input: softplus(-d / T), d = (L_wrong - L_right) / L_right (relative, so rows of
    every noise level count alike; L_right's scale is detached). Both [R] -> scalar. The plain loss lets the DiT
    ignore a factor that the noisy input itself already shows (mid noise: the trajectory is visible in x_t), which
    is what eval.caption_swap measured for left/right; this term rewards using the caption for it. Saturates once
    the wrong caption costs a few T more, so it cannot push the wrong-caption prediction away without bound."""
    d = (loss_wrong - loss_right) / loss_right.detach().clamp_min(1e-6)  # [R]
    return torch.nn.functional.softplus(-d / temperature).mean()


class CaptionSwapLoss:
    columns = ["swap_ce", "swap_prefer"]

    def __init__(self, weight: float, temperature: float, dit, te, dev, use_bf16: bool, against_data: bool):
        self.weight, self.temperature = weight, temperature
        self.dit, self.te, self.dev, self.use_bf16 = dit, te, dev, use_bf16
        self.against_data = against_data  # a teacher's target: score both captions against eps - x0 instead

    def __call__(self, s):
        rows = [j for j, seq in enumerate(s.swapped) if seq]
        if not rows:
            return None, {}
        with torch.autocast(self.dev.type, dtype=torch.bfloat16, enabled=self.use_bf16):
            v_wrong = padded_forward(self.dit, self.te, s.x[rows], [s.swapped[j] for j in rows], self.dev)
            v_wrong = v_wrong.float()  # [R, C, K, h, w]
        # the classifier scores both captions against the data (eps - x0), also when distilling: the teacher's
        # guided target is itself built from the right caption, and is only as sharp as the teacher
        data = (s.eps - s.x0)[rows] if self.against_data else s.target[rows]  # [R, C, K, h, w]
        per_right = (row_error(s.v[rows], data, s.px[rows], s.weight[rows]) if self.against_data
                     else s.per[rows])  # [R]
        per_wrong = row_error(v_wrong, data, s.px[rows], s.weight[rows])  # [R]
        ce = caption_swap_loss(per_right, per_wrong, self.temperature)
        return ce, {"swap_ce": ce.item(), "swap_prefer": (per_wrong > per_right).float().mean().item()}
