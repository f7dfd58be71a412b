"""Validate the analyser on rendered ground truth: `PYTHONPATH=tools python3 -m world.validate [N]`.

Prints per-factor accuracy (must be ~100%) and the confusions. `--plain-rows`: the analyser with plain per-row
median backgrounds (before 2026-12-02), for comparison. `--decoder DIR`: every clip goes through the latent
space and DIR's VAE decoder first (ground truth as soft as a generated clip can be; the "VAE ceiling" pictures),
so the analyser is also measured on the pictures it scores. `--seed S`: another draw of clips (12345 by default;
tune on one draw, report on another). `--frames F` (13 by default; the evaluation's clips have 25).
`--palette-colour`: colours by the palette vote instead of the learned colour reader. `--split heldout`: only the
held-out combinations (world/heldout.json).
"""
import argparse
from collections import Counter

import numpy as np

from .analyser import Analyser
from .scene import render_clip
from .spec import ACTION_CLASS, sample_spec


def main(n=200, frames=13, camera=None, verbose=False, robust_rows=True, decoder=None, seed=12345,
         colour_method="learned", split="train", subject=None):
    an = Analyser(robust_rows=robust_rows, colour_method=colour_method)
    rng = np.random.default_rng(seed)
    model = None
    if decoder:  # imported here: the plain validation needs numpy only
        import torch

        from reference.latent_encoder import reconstruct
        from reference.pipeline import load_model
        torch.set_num_threads(1)
        model = load_model(decoder)
    hits, errs = Counter(), Counter()
    total = Counter()
    for i in range(n):
        spec = sample_spec(rng, split)
        while subject and spec.subject != subject:  # only this subject (e.g. two_horses)
            spec = sample_spec(rng, split)
        if camera:
            spec = spec.__class__(**{**spec.to_dict(), "camera": camera}) if not (
                camera == "pan") else spec
        fr, info = render_clip(spec, frames, seed=i)
        if model is not None:
            fr = reconstruct(model, fr)
        r = an.analyse(fr)
        truth = {"setting": spec.setting, "time": spec.time, "colour": spec.colour, "subject": spec.subject,
                 "action_class": ACTION_CLASS[spec.action]}
        if ACTION_CLASS[spec.action] != "still":
            truth["direction"] = spec.direction
        elif spec.direction in ("left", "right") and spec.action == "stand" and spec.subject in ("horse", "rider"):
            truth["facing"] = spec.direction
        if spec.subject == "two_horses":  # each side of the pair read on its own (evaluate's colour_each)
            truth["colour_each"] = spec.colour
            r["colour_each"] = spec.colour if all(c == spec.colour for c in r.get("colour_halves", ())) else \
                "/".join(str(c) for c in r.get("colour_halves", ()))
        for k, v in truth.items():
            if k == "action_class" and spec.camera == "pan":
                continue
            total[k] += 1
            if r.get(k) == v:
                hits[k] += 1
            else:
                errs[(k, v, r.get(k))] += 1
                if verbose:
                    print("  miss", k, spec, r.get(k))
    for k in total:
        print(f"{k:13s} {hits[k] / total[k] * 100:6.1f}%  ({hits[k]}/{total[k]})")
    for (k, v, got), c in errs.most_common(25):
        print(f"  {k}: truth {v} -> {got}  x{c}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=200)
    ap.add_argument("-v", action="store_true", help="print every miss")
    ap.add_argument("--plain-rows", action="store_true")
    ap.add_argument("--decoder", default=None, help="model dir whose latent space + VAE decoder each clip goes through")
    ap.add_argument("--seed", type=int, default=12345)
    ap.add_argument("--frames", type=int, default=13)
    ap.add_argument("--palette-colour", action="store_true", help="the palette vote instead of the colour reader")
    ap.add_argument("--subject", default=None, help="only clips of this subject (e.g. two_horses)")
    ap.add_argument("--split", choices=["train", "heldout"], default="train",
                    help="draw training-split clips, or only the held-out combinations")
    a = ap.parse_args()
    main(a.n, frames=a.frames, verbose=a.v, robust_rows=not a.plain_rows, decoder=a.decoder, seed=a.seed,
         colour_method="palette" if a.palette_colour else "learned", split=a.split, subject=a.subject)
