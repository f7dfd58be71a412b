"""A learned reader of a subject's colour that stays right on soft pictures.

The analyser's palette vote (Analyser.colour_by_palette) is exact on crisp frames but reads soft ones by their
mean pixel: a bay horse seen from behind, its black tail in the middle of a narrow body, blurs to the brown coat's
colour, and a black horse smeared over a bright ground reads brown. What tells them apart is the mix of colours (a
bay has red sides and black points, a brown horse has neither), so this reader classifies the subject's colour
histogram.

Features: the subject's interior pixels (mask eroded up to twice), time tint removed, in an 8x8x8 RGB histogram,
twice: all of them, and the half least mixed with the background; each histogram normalised and square-rooted (the
Hellinger map). Classifier: multinomial logistic regression over the palette names (world.palette), trained by
`world.train_colour_reader` on rendered ground truth with decoder-independent degradations (the latent's own
pooling, blur, time smear), and checked on ground truth through a model's latent space and decoder
(`world.validate --decoder DIR`). Weights: colour_reader.npz beside this file (about 40 KB).
"""
import os

import numpy as np

from . import palette as P
from .mask_ops import interior

BINS = 8
WEIGHTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "colour_reader.npz")


def class_names():
    """Every colour name the analyser can answer, in the classifier's class order."""
    return [name for name, _ in P.subject_colour_table()]


def allowed_names(kind):
    """The names a subject of `kind` can have (coats for horse-like subjects, plain colours otherwise)."""
    horse_like = kind in ("horse", "rider", "two_horses")
    return [n for n in class_names() if (n in P.COATS) == horse_like or (not horse_like and n in P.PLAIN)]


def _histogram(px: np.ndarray) -> np.ndarray:
    """[N, 3] colours (0..255) -> [BINS^3] normalised, square-rooted histogram."""
    q = np.clip(px / (256.0 / BINS), 0, BINS - 1).astype(np.int64)  # [N, 3] bin per channel
    h = np.bincount((q[:, 0] * BINS + q[:, 1]) * BINS + q[:, 2], minlength=BINS ** 3).astype(np.float32)
    return np.sqrt(h / max(h.sum(), 1.0))


def colour_features(frames: np.ndarray, masks: np.ndarray, rowbg: np.ndarray, time: str):
    """frames uint8 [F, H, W, 3], masks bool [F, H, W], rowbg [F, H, 3] -> features [2 * BINS^3], or None
    when the subject has no pixels."""
    inner = interior(masks, 2)
    if inner.sum() == 0:
        return None
    f, y, _ = np.nonzero(inner)
    px = frames[inner].astype(np.float32)  # [N, 3]
    strength = np.abs(px - rowbg[f, y]).sum(-1)  # [N]: distance from the row's background
    untinted = P.untint(px, time, "subject")
    least_mixed = untinted[strength >= np.median(strength)]
    return np.concatenate([_histogram(untinted), _histogram(least_mixed)])


class ColourReader:
    """Multinomial logistic regression over colour_features; load() reads the shipped weights."""

    def __init__(self, weight: np.ndarray, bias: np.ndarray, names):
        self.weight, self.bias, self.names = weight, bias, list(names)  # weight [D, K], bias [K]

    @classmethod
    def load(cls, path: str = WEIGHTS):
        with np.load(path) as z:
            names = [str(n) for n in z["names"]]
            if names != class_names():
                raise ValueError(f"{path}: classes {names} differ from the palette's {class_names()}; "
                                 "retrain with `PYTHONPATH=tools python3 -m world.train_colour_reader`")
            return cls(z["weight"], z["bias"], names)

    def scores(self, features: np.ndarray) -> np.ndarray:
        """[D] or [N, D] features -> logits [K] or [N, K]."""
        return features @ self.weight + self.bias  # [N, D] @ [D, K] -> [N, K]

    def read(self, frames, masks, rowbg, time, kind):
        """The subject's colour name among those its kind allows, or None without subject pixels."""
        x = colour_features(frames, masks, rowbg, time)
        if x is None:
            return None
        logits = self.scores(x)
        allowed = set(allowed_names(kind))
        order = np.argsort(-logits)
        return next(self.names[k] for k in order if self.names[k] in allowed)
