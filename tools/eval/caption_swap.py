"""Does the DiT use a factor of the caption? Its flow loss with the right caption against a caption with that factor
changed (a diffusion classifier), in a minute instead of a full evaluation.

    PYTHONPATH=tools python3 -m eval.caption_swap models/builtin [--latents runs/latents --clips 48]

For cached training clips of a horse moving sideways (first chunk: K=4 latent frames from frame 0, no conditioning
frame, as training's first-chunk rows; --continuation: frames 1..4 with the first given clean), each factor in turn
(direction left <-> right, coat colour, setting, a neighbouring coat) is changed in a copy of the spec; both specs
are captioned with the same random draws, and the model's velocity loss (training's subject-weighted MSE) is
computed on the same noisy input for both captions at several noise levels.
Prints per factor and sigma: `prefer`, the share of clips whose right caption gives the lower loss (0.5 = the DiT
ignores the factor; a model that follows it is near 1 at the sigmas where that factor is decided), and `gap`, the
mean relative loss increase the wrong caption causes; `loss` is the right caption's mean loss (the plain training
loss on these clips, to see what a fine-tune costs). The sigmas are the sampler's, where the first steps decide
layout and motion.
"""
import argparse

import numpy as np
import torch

from flow.latent_cache import load_latents
from flow.objective import K, foreground_weight
from reference.pipeline import encode_prompt, load_model
from world.captions import caption
from world.confusable import neighbour_colour
from world.spec import ClipSpec

from .text_separation import FACTORS as SEPARATION_FACTORS

FACTORS = {name: SEPARATION_FACTORS[name] for name in ("direction", "colour", "setting")}
# "neighbour": the coat swapped for a confusable one (bay -> brown/chestnut, ...), as train.dit's colour swap does;
# drawn from a per-clip generator so the three factors above keep their draws (and their published figures).
FACTORS["neighbour"] = neighbour_colour
OWN_DRAWS = {"neighbour"}
SIGMAS = (0.95, 0.8, 0.6, 0.3)


def sideways_movers(specs: list, count: int, rng) -> list:
    """Indices of up to `count` cached clips of a horse moving left or right, drawn at random."""
    ok = [i for i, s in enumerate(specs) if s["subject"] == "horse" and s["direction"] in ("left", "right")
          and s["action"] not in ("stand", "graze")]
    return list(rng.choice(ok, size=min(count, len(ok)), replace=False))


@torch.no_grad()
def flow_loss(model, x0: torch.Tensor, eps: torch.Tensor, sigma: float, text: torch.Tensor, weight: torch.Tensor,
              continuation: bool = False) -> float:
    """Subject-weighted MSE of the velocity for one clip window x0 [C, K, h, w] at one sigma; continuation: latent
    frame 0 is the clean x0 frame (as the engine overwrites it) and is left out of the loss, as in training."""
    x = (1 - sigma) * x0 + sigma * eps  # [C, K, h, w]
    if continuation:
        x[:, 0] = x0[:, 0]
        weight = weight.clone()
        weight[:, 0] = 0.0
    audio = torch.zeros(0, model.dit.cfg.audio_in_channels)
    v = model.dit(x, audio, text)[0]  # [C, K, h, w]
    return float(((v - (eps - x0)).pow(2) * weight).mean() / weight.mean())


def caption_swap(model, latents, specs, clips: int = 48, seed: int = 0, continuation: bool = False) -> dict:
    """{factor: {sigma: (prefer, gap)}} over `clips` sideways movers, and "loss": {sigma: right caption's loss}."""
    rng = np.random.default_rng(seed)
    gen = torch.Generator().manual_seed(seed)
    rows = {f: {s: [] for s in SIGMAS} for f in FACTORS}
    for i in sideways_movers(specs, clips, rng):
        spec = ClipSpec(**specs[i])
        start = 1 if continuation else 0  # a later chunk starts where the previous one's last frame is
        x0 = latents[i, :, start:start + K].float()  # [C, K, h, w]
        weight = foreground_weight(x0.unsqueeze(0), 8.0)[0]  # [1, K, h, w]
        eps = torch.randn(x0.shape, generator=gen)
        k = int(rng.integers(1 << 30))
        right = encode_prompt(model, caption(spec, np.random.default_rng(k)))[0]  # [L, text_in]
        loss_right = {sigma: flow_loss(model, x0, eps, sigma, right, weight, continuation) for sigma in SIGMAS}
        for name, change in FACTORS.items():
            draws = np.random.default_rng([k, 1]) if name in OWN_DRAWS else rng
            wrong = encode_prompt(model, caption(change(spec, draws), np.random.default_rng(k)))[0]
            for sigma in SIGMAS:
                a = loss_right[sigma]
                b = flow_loss(model, x0, eps, sigma, wrong, weight, continuation)
                rows[name][sigma].append((a < b, (b - a) / a, a))
    out = {f: {s: (float(np.mean([p for p, _, _ in r])), float(np.mean([g for _, g, _ in r]))) for s, r in by.items()}
           for f, by in rows.items()}
    out["loss"] = {s: float(np.mean([a for _, _, a in r])) for s, r in rows["direction"].items()}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", nargs="?", default="models/builtin")
    ap.add_argument("--latents", default="runs/latents")
    ap.add_argument("--clips", type=int, default=48)
    ap.add_argument("--continuation", action="store_true",
                    help="later-chunk rows: latent frames 1..K with frame 1 given clean (the engine's continuation)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    latents, specs = load_latents(args.latents)
    result = caption_swap(load_model(args.model), latents, specs, args.clips,
                          continuation=args.continuation)
    loss = result.pop("loss")
    print(f"{'factor':10s} " + " ".join(f"sigma {s:4.2f} prefer/gap" for s in SIGMAS))
    for name, by in result.items():
        print(f"{name:10s} " + " ".join(f"      {p:5.2f} {100 * g:+5.1f}%   " for p, g in by.values()))
    print(f"{'loss':10s} " + " ".join(f"      {a:6.3f}          " for a in loss.values()))


if __name__ == "__main__":
    main()
