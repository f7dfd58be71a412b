"""Soft shape rasteriser: paints anti-aliased capsules, ellipses and discs into float32 images.

Every `paint_*` call touches only the bounding box of the shape, so a frame of ~30 shapes costs a few ms.
Coverage (alpha) is max(0, min(1, 0.5 - signed_distance)), a one-pixel linear edge.
"""
import numpy as np


class Canvas:
    """A float32 RGB image plus a coverage mask of everything painted as subject."""

    def __init__(self, image: np.ndarray):
        self.image = image  # [H, W, 3] float32, modified in place
        self.h, self.w = image.shape[:2]
        self.mask = np.zeros((self.h, self.w), np.float32)

    def _box(self, x0, y0, x1, y1):
        ix0, iy0 = max(int(np.floor(x0)) - 1, 0), max(int(np.floor(y0)) - 1, 0)
        ix1, iy1 = min(int(np.ceil(x1)) + 2, self.w), min(int(np.ceil(y1)) + 2, self.h)
        if ix0 >= ix1 or iy0 >= iy1:
            return None
        ys = np.arange(iy0, iy1, dtype=np.float32)[:, None] + 0.5
        xs = np.arange(ix0, ix1, dtype=np.float32)[None, :] + 0.5
        return (slice(iy0, iy1), slice(ix0, ix1)), xs, ys

    def _blend(self, sl, alpha, colour, subject=True):
        if alpha is None:
            return
        a = alpha[..., None]
        region = self.image[sl]
        region *= 1.0 - a
        region += a * np.asarray(colour, np.float32)
        if subject:
            m = self.mask[sl]
            np.maximum(m, alpha, out=m)

    def capsule(self, p0, p1, r0, r1=None, colour=(0, 0, 0), subject=True, grow=0.0):
        """Tapered capsule from p0 (radius r0) to p1 (radius r1)."""
        r1 = r0 if r1 is None else r1
        r0, r1 = r0 + grow, r1 + grow
        rmax = max(r0, r1)
        box = self._box(min(p0[0], p1[0]) - rmax, min(p0[1], p1[1]) - rmax,
                        max(p0[0], p1[0]) + rmax, max(p0[1], p1[1]) + rmax)
        if box is None:
            return
        sl, xs, ys = box
        dx, dy = p1[0] - p0[0], p1[1] - p0[1]
        ll = dx * dx + dy * dy + 1e-6
        t = np.clip(((xs - p0[0]) * dx + (ys - p0[1]) * dy) / ll, 0.0, 1.0)
        px, py = xs - (p0[0] + t * dx), ys - (p0[1] + t * dy)
        d = np.sqrt(px * px + py * py) - (r0 + t * (r1 - r0))
        self._blend(sl, np.clip(0.5 - d, 0.0, 1.0), colour, subject)

    def ellipse(self, c, a, b, angle=0.0, colour=(0, 0, 0), subject=True, grow=0.0):
        """Ellipse centred at c with semi-axes a (along `angle`, radians) and b."""
        a, b = a + grow, b + grow
        r = max(a, b)
        box = self._box(c[0] - r, c[1] - r, c[0] + r, c[1] + r)
        if box is None:
            return
        sl, xs, ys = box
        ca, sa = np.cos(angle), np.sin(angle)
        u = (xs - c[0]) * ca + (ys - c[1]) * sa
        v = -(xs - c[0]) * sa + (ys - c[1]) * ca
        q = np.sqrt((u / a) ** 2 + (v / b) ** 2)
        d = (q - 1.0) * min(a, b)
        self._blend(sl, np.clip(0.5 - d, 0.0, 1.0), colour, subject)

    def disc(self, c, r, colour=(0, 0, 0), subject=True, grow=0.0):
        self.ellipse(c, r, r, 0.0, colour, subject, grow)
