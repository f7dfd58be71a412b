"""World clips by number: `world_clip(seed, frames, split)` draws clip `seed`'s spec and renders it."""
import numpy as np

from .scene import render_clip
from .spec import sample_spec


def world_clip(seed: int, frames: int, split: str = "train"):
    """(spec, uint8 frames [F, 256, 256, 3], info, the rng that drew the spec) of the world clip number `seed`."""
    rng = np.random.default_rng(seed)
    spec = sample_spec(rng, split)
    fr, info = render_clip(spec, frames, seed=seed)
    return spec, fr, info, rng
