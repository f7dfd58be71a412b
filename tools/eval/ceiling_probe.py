"""Where the VAE ceiling loses a coat: ground truth through the latent space and a model's decoder, by action.

    PYTHONPATH=tools python3 -m eval.ceiling_probe models/builtin [--colour black] [--seeds 4]
    PYTHONPATH=tools python3 -m eval.ceiling_probe models/builtin --eval-prompts [--decoder runs/vae_fg]

For one coat colour, each subject (horse, two horses) on each ground (desert at dusk, snow, beach, meadow) at each
speed (stand, walk, gallop), renders `--seeds` clips, passes them through the latent space and the model's decoder
(eval.evaluate.reconstruct, what a perfect DiT would show) and prints the analyser's colour / subject reading of
each. A reading that is right at stand and walk but wrong at gallop is lost to the latent's time average (one
latent frame is the mean of 4 video frames), not to the DiT.

--eval-prompts instead scores the evaluation's prompt sets (eval.prompts, both splits): colour and subject of
`--seeds` ground-truth clips per prompt through the latent and the decoder, with each miss named. --decoder RUN swaps
in the decoder of a train.vae run (its EMA weights) or of another exported model, to compare decoders with no DiT.
"""
import argparse
import os

import torch

from reference.decoder_files import saved_decoder
from reference.latent_encoder import reconstruct
from world.analyser import Analyser
from world.scene import render_clip
from world.spec import ClipSpec

from .evaluate import load_model, truth_of
from .prompts import HELD_OUT, IN_DISTRIBUTION

GROUNDS = (("desert", "dusk"), ("snow", "day"), ("beach", "day"), ("meadow", "day"))
ACTIONS = ("stand", "walk", "gallop")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", nargs="?", default="models/builtin")
    ap.add_argument("--colour", default="black")
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--frames", type=int, default=25)
    ap.add_argument("--eval-prompts", action="store_true", help="score the evaluation's prompts instead")
    ap.add_argument("--decoder", default="", help="a train.vae run or exported model whose decoder to use")
    ap.add_argument("--palette-colour", action="store_true", help="the analyser's palette vote, not its colour reader")
    a = ap.parse_args()
    torch.set_num_threads(1)
    model = load_model(a.model)
    analyser = Analyser(colour_method="palette" if a.palette_colour else "learned")
    if a.decoder:
        if not any(os.path.exists(os.path.join(a.decoder, f)) for f in ("config.json", "state.pt")):
            raise SystemExit(f"--decoder {a.decoder}: neither an exported model (config.json) nor a train.vae run "
                             "(state.pt)")
        model.vae = saved_decoder(a.decoder)
    if a.eval_prompts:
        return eval_prompts(model, analyser, a.seeds, a.frames)
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


def eval_prompts(model, analyser, seeds: int, frames: int):
    """Colour and subject accuracy of ground truth through the latent and the decoder, per split."""
    for split, prompts in (("held_out", HELD_OUT), ("in_distribution", IN_DISTRIBUTION)):
        right = {"colour": 0, "subject": 0}
        for spec, prompt in prompts:
            truth, misses = truth_of(spec), []
            for seed in range(seeds):
                r = analyser.analyse(reconstruct(model, render_clip(spec, frames, seed=seed)[0]))
                for m in right:
                    right[m] += r[m] == truth[m]
                misses += [f"seed {seed} {m} {r[m]}" for m in right if r[m] != truth[m]]
            if misses:
                print(f"[{split}] {prompt!r}: {', '.join(misses)}", flush=True)
        n = seeds * len(prompts)
        print(f"{split}: colour {100 * right['colour'] / n:.1f}%, subject {100 * right['subject'] / n:.1f}% "
              f"({n} clips)", flush=True)


if __name__ == "__main__":
    main()
