"""Validate the analyser on rendered ground truth: `PYTHONPATH=tools python3 -m world.validate [N]`.

Prints per-factor accuracy (must be ~100%) and the confusions. `--plain-rows`: the analyser with plain per-row
median backgrounds (before 2026-12-02), for comparison.
"""
import sys
from collections import Counter

import numpy as np

from .analyser import Analyser
from .scene import render_clip
from .spec import ACTION_CLASS, sample_spec


def main(n=200, frames=13, camera=None, verbose=False, robust_rows=True):
    an = Analyser(robust_rows=robust_rows)
    rng = np.random.default_rng(12345)
    hits, errs = Counter(), Counter()
    total = Counter()
    for i in range(n):
        spec = sample_spec(rng, "train")
        if camera:
            spec = spec.__class__(**{**spec.to_dict(), "camera": camera}) if not (
                camera == "pan") else spec
        fr, info = render_clip(spec, frames, seed=i)
        r = an.analyse(fr)
        truth = {"setting": spec.setting, "time": spec.time, "colour": spec.colour, "subject": spec.subject,
                 "action_class": ACTION_CLASS[spec.action]}
        if ACTION_CLASS[spec.action] != "still":
            truth["direction"] = spec.direction
        elif spec.direction in ("left", "right") and spec.action == "stand" and spec.subject in ("horse", "rider"):
            truth["facing"] = spec.direction
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
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    main(int(args[0]) if args else 200, verbose="-v" in sys.argv, robust_rows="--plain-rows" not in sys.argv)
