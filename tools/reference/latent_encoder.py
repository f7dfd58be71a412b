"""The built-in model's analytic latent encoder (the latent space is defined by it; train/latent.py constructs the
decoder that inverts it) and ground truth passed through it and a model's decoder.

    to_tensor(frames)          uint8 [F, H, W, 3] -> float [3, F, H, W] in [-1, 1]
    time_groups(video)         frame 0, then the means of frames {1..4}, {5..8}, ...
    encode(video)              video [B, 3, 4(T-1)+1, H, W] -> latent mu [B, 16, T, H/16, W/16]
    reconstruct(model, frames) ground truth through the latent space and the model's VAE decoder
"""
import numpy as np
import torch
import torch.nn.functional as F

CHANNELS = 16
BLOCK = 16


def to_tensor(frames: np.ndarray) -> torch.Tensor:
    """uint8 [F, H, W, 3] -> float [3, F, H, W] in [-1, 1]."""
    return torch.from_numpy(frames).permute(3, 0, 1, 2).float().div(127.5).sub(1.0)  # [F, H, W, 3] -> [3, F, H, W]


def time_groups(video: torch.Tensor) -> torch.Tensor:
    """video [B, C, 4(T-1)+1, H, W] -> [B, C, T, H, W]: frame 0, then the means of frames {1..4}, {5..8}, ..."""
    f = video.shape[2]
    assert (f - 1) % 4 == 0, "frames must be 4(T-1)+1"
    groups = [video[:, :, :1]] + [video[:, :, 1 + 4 * k:5 + 4 * k].mean(dim=2, keepdim=True)
                                   for k in range((f - 1) // 4)]
    return torch.cat(groups, dim=2)


def encode(video: torch.Tensor) -> torch.Tensor:
    """video [B, 3, 4(T-1)+1, H, W] in [-1, 1] -> latent mu [B, 16, T, H/16, W/16] (not normalised)."""
    b = video.shape[0]
    g = time_groups(video)  # [B, 3, T, H, W]
    mean = F.avg_pool3d(g, (1, BLOCK, BLOCK))  # [B, 3, T, h, w]
    sub = F.avg_pool3d(g, (1, BLOCK // 2, BLOCK // 2))  # [B, 3, T, 2h, 2w]
    t, hh, ww = mean.shape[2:]
    sub = sub.reshape(b, 3, t, hh, 2, ww, 2).permute(0, 1, 4, 6, 2, 3, 5)  # [B, 3, dy, dx, T, h, w]
    detail = (sub - mean[:, :, None, None]).reshape(b, 12, t, hh, ww)  # [B, 3 x dy x dx = 12, T, h, w]
    const = torch.ones(b, 1, t, hh, ww, dtype=video.dtype, device=video.device)
    return torch.cat([mean, detail, const], dim=1)


@torch.no_grad()
def reconstruct(model, frames: np.ndarray) -> np.ndarray:
    """Ground truth uint8 [F, H, W, 3] through the latent space and `model`'s decoder (reference.pipeline.load_model):
    the ceiling of what the DiT can show, uint8 [F, H, W, 3]."""
    x = to_tensor(frames)[None]  # [1, 3, F, H, W]
    d = model.vae
    z = (encode(x) - d.latent_mean.view(1, -1, 1, 1, 1)) / d.latent_std.view(1, -1, 1, 1, 1)  # [1, 16, T, h, w]
    y = d(z, first_chunk=True)[0]  # [3, F, H, W]
    rgb = torch.clamp(0.5 * y + 0.5, 0.0, 1.0)
    return torch.floor(rgb * 255.0).to(torch.uint8).permute(1, 2, 3, 0).numpy()  # [3, F, H, W] -> [F, H, W, 3]
