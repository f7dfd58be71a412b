"""Binary mask operations shared by the analyser and its colour reader (boolean [..., H, W] masks, 3x3 window)."""
import numpy as np


def _shift_and(m, op):
    out = m.copy()
    pad = np.pad(m, [(0, 0)] * (m.ndim - 2) + [(1, 1), (1, 1)], constant_values=(op == "erode"))
    H, W = m.shape[-2:]
    for dy in (0, 1, 2):
        for dx in (0, 1, 2):
            v = pad[..., dy:dy + H, dx:dx + W]
            out = (out & v) if op == "erode" else (out | v)
    return out


def erode(m):
    return _shift_and(m, "erode")


def dilate(m):
    return _shift_and(m, "dilate")


def interior(masks, erosions: int, min_px: int = 40):
    """The mask eroded up to `erosions` times, stopping before fewer than `min_px` pixels would be left."""
    inner = masks
    for _ in range(erosions):
        eroded = erode(inner)
        if eroded.sum() < min_px:
            break
        inner = eroded
    return inner
