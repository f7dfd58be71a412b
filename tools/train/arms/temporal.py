"""--temporal-weight W adds W x temporal_difference_loss, a loss on the error's frame-to-frame differences."""
import torch


def temporal_difference_loss(v: torch.Tensor, target: torch.Tensor, px: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
    """Weighted MSE of the error's frame-to-frame differences: mean over pairs (t, t+1) of
    |(v - target)_{t+1} - (v - target)_t|^2, weighted per latent pixel by max(px_t, px_{t+1}) (the subject in either
    frame), pairs that touch a clean conditioning frame 0 left out.
    v, target [B, C, K, h, w]; px [B, 1, K, h, w]; cond [B] bool -> scalar.
    An error that is the same in every frame (a consistently wrong colour) costs nothing here; one that changes
    between frames (a subject that does not move with the data, background that flickers) costs twice its energy.
    With uniform weights its minimiser is the plain MSE's (the posterior mean), so it shifts the training's emphasis
    towards temporal consistency and motion rather than the target."""
    err = v - target
    d = (err[:, :, 1:] - err[:, :, :-1]).pow(2)  # [B, C, K-1, h, w]
    w = torch.maximum(px[:, :, 1:], px[:, :, :-1])  # [B, 1, K-1, h, w]
    per_pair = (d * w).mean(dim=(1, 3, 4)) / w.mean(dim=(1, 3, 4))  # [B, K-1]
    keep = torch.ones_like(per_pair)
    keep[cond, 0] = 0.0
    return ((per_pair * keep).sum(1) / keep.sum(1)).mean()


class TemporalLoss:
    columns = []

    def __init__(self, weight: float):
        self.weight = weight

    def __call__(self, s):
        return temporal_difference_loss(s.v, s.target, s.px, s.cond), {}
