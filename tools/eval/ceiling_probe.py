"""Where the VAE ceiling loses a coat: ground truth through the latent space and a model's decoder, by action.

    PYTHONPATH=tools python3 -m eval.ceiling_probe models/builtin [--colour black] [--seeds 4]

For one coat colour, each subject (horse, two horses) on each ground (desert at dusk, snow, beach, meadow) at each
speed (stand, walk, gallop), renders `--seeds` clips, passes them through the latent space and the model's decoder
(eval.evaluate.reconstruct, what a perfect DiT would show) and prints the analyser's colour / subject reading of
each. A reading that is right at stand and walk but wrong at gallop is lost to the latent's time average (one
latent frame is the mean of 4 video frames), not to the DiT.
"""
import argparse

import torch

from world.analyser import Analyser
from world.scene import render_clip
from world.spec import ClipSpec

from .evaluate import load_model, reconstruct

GROUNDS = (("desert", "dusk"), ("snow", "day"), ("beach", "day"), ("meadow", "day"))
ACTIONS = ("stand", "walk", "gallop")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", nargs="?", default="models/builtin")
    ap.add_argument("--colour", default="black")
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--frames", type=int, default=25)
    a = ap.parse_args()
    torch.set_num_threads(1)
    model, analyser = load_model(a.model), Analyser()
    for subject in ("horse", "two_horses"):
        for setting, time in GROUNDS:
            cells = []
            for action in ACTIONS:
                spec = ClipSpec(subject, a.colour, action, "right", setting, time)
                reads = []
                for seed in range(a.seeds):
                    r = analyser.analyse(reconstruct(model, render_clip(spec, a.frames, seed=seed)[0]))
                    reads.append(f"{r['colour']}/{r['subject']}")
                right = sum(x == f"{a.colour}/{subject}" for x in reads)
                cells.append(f"{action} {right}/{a.seeds} ({', '.join(sorted(set(reads)))})")
            print(f"{subject:10s} {setting:6s} {time:4s} | " + " | ".join(cells), flush=True)


if __name__ == "__main__":
    main()
