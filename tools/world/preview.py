"""Preview the world: `PYTHONPATH=tools python3 -m world.preview [out.png] [n] [seed]`.

Renders n random training clips (13 frames), prints their captions and writes a grid PNG
(rows = clips, columns = frames 0, 4, 8, 12).
"""
import sys

import numpy as np

from .captions import caption
from .pngio import downscale, grid, write_png
from .scene import render_clip
from .spec import sample_spec


def main(out="world_preview.png", n=8, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        spec = sample_spec(rng, "train")
        frames, info = render_clip(spec, 13, seed=seed * 1000 + i)
        print(f"{i}: {caption(spec, rng)}    [{spec}] hoof strikes at {info['hoof_strikes']}")
        rows.append([downscale(frames[j], 2) for j in (0, 4, 8, 12)])
    write_png(out, grid(rows))
    print("wrote", out)


if __name__ == "__main__":
    a = sys.argv[1:]
    main(a[0] if a else "world_preview.png", int(a[1]) if len(a) > 1 else 8, int(a[2]) if len(a) > 2 else 0)
