"""What the latent space can show: ground truth pooled the way reference/latent_encoder.py pools it, drawn back
without a decoder, and through a model's decoder, scored by the world's analyser (colour, direction, flicker).

    PYTHONPATH=tools python3 -m eval.latent_probe models/builtin

For every prompt of eval/prompts.py one rendered clip (seed 0, 25 frames) is reduced to
  block16       16x16 block mean colours per time group (the old decoder's reach: it drew only these)
  block8        8x8 sub-block colours per time group (what the latent holds: block mean + detail channels)
  block8-near   the same, drawn back nearest instead of bilinear
  block8-frames 8x8 sub-block colours of every frame (no time pooling)
  decoder       the analytic latent (reference/latent_encoder.py) through the model's decoder (evaluate --ceiling)
Time groups are the latent's ({0}, {1..4}, {5..8}, ...); a group's colours are shown on each of its frames.
"""
import argparse
import sys

import numpy as np
import torch
import torch.nn.functional as F

from reference.latent_encoder import reconstruct, time_groups
from reference.pipeline import load_model
from world.analyser import Analyser
from world.scene import render_clip


from .evaluate import score, truth_of
from .prompts import HELD_OUT, IN_DISTRIBUTION

PROBES = {"block16": (16, True, "bilinear"), "block8": (8, True, "bilinear"), "block8-near": (8, True, "nearest"),
          "block8-frames": (8, False, "bilinear")}


def pooled(frames: np.ndarray, block: int, group_time: bool, draw: str) -> np.ndarray:
    """uint8 [F, H, W, 3] -> the same clip keeping only `block`-pixel mean colours (per latent time group)."""
    x = torch.from_numpy(frames).permute(3, 0, 1, 2).float()[None]  # [1, 3, F, H, W]
    f, h, w = x.shape[2:]
    if group_time:
        x = time_groups(x)  # [1, 3, T, H, W]
    means = F.avg_pool3d(x, (1, block, block))  # [1, 3, T, H/block, W/block]
    if draw == "nearest":
        up = F.interpolate(means, scale_factor=(1, block, block), mode="nearest")  # [1, 3, T, H, W]
    else:
        up = F.interpolate(means, size=(means.shape[2], h, w), mode="trilinear", align_corners=False)
    if group_time:
        up = up[:, :, [0] + [1 + (j - 1) // 4 for j in range(1, f)]]  # [1, 3, F, H, W]: group k on its frames
    return up[0].permute(1, 2, 3, 0).round().clamp(0, 255).to(torch.uint8).numpy()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", nargs="?", default="models/builtin", help="model directory whose decoder is probed")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    model, an = load_model(args.model), Analyser()
    print(f"{'split':16s} {'probe':14s} {'colour':>7s} {'direction':>9s} {'flicker':>8s}")
    for split, prompts in (("in_distribution", IN_DISTRIBUTION), ("held_out", HELD_OUT)):
        tally = {name: ([], [], []) for name in list(PROBES) + ["decoder"]}
        for spec, _ in prompts:
            frames = render_clip(spec, 25, seed=0)[0]
            for name in tally:
                clip = reconstruct(model, frames) if name == "decoder" else pooled(frames, *PROBES[name])
                a = an.analyse(clip)
                sc = score(a, truth_of(spec))[0]
                tally[name][0].append(sc["colour"])
                if "direction" in sc:
                    tally[name][1].append(sc["direction"])
                tally[name][2].append(a["flicker"])
        for name, (col, dirs, fl) in tally.items():
            print(f"{split:16s} {name:14s} {100 * np.mean(col):6.0f}% {100 * np.mean(dirs):8.0f}% {np.nanmean(fl):8.3f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
