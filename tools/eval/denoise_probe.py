"""How well a model's DiT denoises at each noise level: one x0 prediction x0_hat = x - sigma v from data latents
noised to sigma, scored against the data (no sampler, no decoder).

    PYTHONPATH=tools python3 -m eval.denoise_probe models/builtin [--latents runs/latents] [--rows 48]
        [--noise-correlation RHO]   (default: the model's pipeline.noise_correlation)

Rows are later-chunk windows (latent frames 1..4) of cached training clips with a fresh grammar caption each,
the same draws for every model. Columns, on the block-mean colour channels 0..2 (normalised latent units):
  bg step    mean |x0_hat_t - x0_hat_{t-1}| over background latent pixels: what becomes background flicker
             (the data's own value is printed first; the world's static backgrounds make it small)
  bg |err|   mean |x0_hat - x0| over background pixels
  fg |err|   the same over subject pixels (flow.objective.foreground_weight)
  fg bias    mean signed x0_hat - x0 over subject pixels (negative: subjects drawn darker than the data)
The distilled sampler's last step returns x0_hat at its last non-zero sigma, so that row is what a clip shows.
"""
import argparse

import numpy as np
import torch

from flow.latent_cache import load_latents
from flow.objective import foreground_weight, mixed_noise
from reference.padded import padded_forward
from reference.pipeline import load_model
from world.captions import caption
from world.spec import ClipSpec

SIGMAS = [0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 1.0]


def masked_mean(x: torch.Tensor, mask: torch.Tensor) -> float:
    """Mean of x [B, 3, T, h, w] over the pixels where mask [B, 1, T, h, w] is True (all three channels)."""
    m = mask.expand_as(x).float()
    return (x * m).sum().item() / m.sum().clamp_min(1).item()


def frame_steps(x: torch.Tensor) -> torch.Tensor:
    """|x_t - x_{t-1}| of the colour channels: [B, C, T, h, w] -> [B, 3, T-1, h, w]."""
    return (x[:, :3, 1:] - x[:, :3, :-1]).abs()


@torch.no_grad()
def probe(model_dir: str, latents: str, rows: int, rho=None, log=print) -> list:
    model = load_model(model_dir)
    rho = model.pipeline["noise_correlation"] if rho is None else rho
    lat, specs = load_latents(latents)
    rng = np.random.default_rng(0)
    idx = rng.integers(0, lat.shape[0], rows)
    x0 = torch.stack([lat[i, :, 1:5] for i in idx]).float()  # [B, C, 4, h, w]: later-chunk windows
    ids = [model.tokenizer.encode(caption(ClipSpec(**specs[i]), rng))[0] for i in idx]
    fg = foreground_weight(x0, 1.0) > 1.5  # [B, 1, 4, h, w]
    bg = ~fg
    log(f"data: bg step {masked_mean(frame_steps(x0), bg[:, :, 1:]):.4f}; noise correlation {rho}")
    log(f"{'sigma':>6s} {'bg step':>8s} {'bg |err|':>9s} {'fg |err|':>9s} {'fg bias':>8s}")
    gen = torch.Generator().manual_seed(0)
    out = []
    for sigma in SIGMAS:
        eps = torch.randn(x0.shape, generator=gen)
        if rho:
            eps = mixed_noise(eps, rho, gen)  # [B, C, 4, h, w], frames correlated by rho
        x = (1 - sigma) * x0 + sigma * eps
        v = padded_forward(model.dit, model.text_encoder, x, ids, "cpu").float()  # [B, C, 4, h, w]
        x0_hat = x - sigma * v  # [B, C, 4, h, w]
        err = x0_hat - x0
        row = dict(sigma=sigma, bg_step=masked_mean(frame_steps(x0_hat), bg[:, :, 1:]),
                   bg_err=masked_mean(err[:, :3].abs(), bg), fg_err=masked_mean(err[:, :3].abs(), fg),
                   fg_bias=masked_mean(err[:, :3], fg))
        log(f"{sigma:6.2f} {row['bg_step']:8.4f} {row['bg_err']:9.4f} {row['fg_err']:9.3f} {row['fg_bias']:+8.3f}")
        out.append(row)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", nargs="?", default="models/builtin")
    ap.add_argument("--latents", default="runs/latents")
    ap.add_argument("--rows", type=int, default=48)
    ap.add_argument("--noise-correlation", type=float, default=None)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    probe(args.model, args.latents, args.rows, args.noise_correlation)


if __name__ == "__main__":
    main()
