"""Analyser that knows the world: estimates a clip's factors back from its frames.

Steps (all numpy):
  1. background per frame = per-row median colour;
  2. setting and time = nearest reference row profile among rendered empty backgrounds; then the row background
     is re-taken from the pixels near that setting's reference row colour (a blurred or smeared subject of a
     generated clip can cover more than half a row, which the plain median takes for background);
  3. subject mask = pixels far from their row's background (threshold per setting/time from reference
     residuals), cleaned by a 3x3 opening;
  4. colour = the learned colour reader (world.colour_reader) on the mask interior's colour histogram (time tint
     removed); or, with colour_method="palette", a majority vote of mask-interior pixels over the palette;
  5. direction = centroid track (left/right) or growth of the mask (towards/away); facing for still subjects;
  6. action class (still/slow/fast) = motion energy: speed or zoom rate relative to subject size, plus the
     vertical bounce amplitude (jumps);
  7. subject type = position (sky: bird), roundness (ball), two separated masses (two horses), rider's shirt;
  8. flicker = mean |frame_t - frame_{t-1}| over pixels never near the subject (0..255 units).
"""
import numpy as np

from . import palette as P
from .colour_reader import ColourReader
from .mask_ops import dilate as _dilate, erode as _erode, interior
from .scene import SIZE, _frame_background, build_background
from .spec import SETTINGS, TIMES

PROFILE_ROWS = 64


def _row_background(frames: np.ndarray) -> np.ndarray:
    """[F, H, 3] per-row median colour."""
    return np.median(frames.astype(np.float32), axis=2)


def _row_background_near(frames: np.ndarray, ref_rows: np.ndarray, tol: float = 60.0, min_px: int = 24) -> np.ndarray:
    """[F, H, 3] per-row background that survives a subject covering most of a row (a blurred, smeared subject
    of a generated clip can): the median of the row's pixels within `tol` (L1, 0..255 per channel summed) of
    the classified setting's empty-background row colour `ref_rows` [H, 3]; rows with fewer than `min_px` such
    pixels in a frame keep the plain row median. On crisp ground truth it equals the plain median."""
    fr = frames.astype(np.float32)
    close = np.abs(fr - ref_rows[None, :, None, :]).sum(-1) < tol  # [F, H, W]
    near = np.where(close[..., None], fr, np.nan)  # [F, H, W, 3]
    enough = close.sum(2) >= min_px  # [F, H]
    plain = np.median(fr, axis=2)  # [F, H, 3]
    with np.errstate(all="ignore"):
        robust = np.nanmedian(np.where(enough[:, :, None, None], near, 0.0), axis=2)  # [F, H, 3]
    return np.where(enough[..., None], robust, plain)


def _profile(rowbg: np.ndarray) -> np.ndarray:
    """Mean row profile over frames, pooled to PROFILE_ROWS rows: [PROFILE_ROWS, 3]."""
    p = rowbg.mean(axis=0)
    return p.reshape(PROFILE_ROWS, -1, 3).mean(axis=1)


class Analyser:
    """Holds reference profiles and mask thresholds for every (setting, time)."""

    def __init__(self, seeds=(101, 202, 303), robust_rows: bool = True, colour_method: str = "learned"):
        """robust_rows: take each row's background from the pixels near the classified setting's reference row
        colour (_row_background_near) instead of the plain row median (False: the analyser before 2026-12-02,
        which a subject covering half a row defeats). colour_method: "learned" reads the subject's colour with
        world.colour_reader (trained on softened ground truth), "palette" with the per-pixel palette vote
        (colour_by_palette; the analyser before 2026-12-05's ninth session, which misreads soft pictures)."""
        if colour_method not in ("learned", "palette"):
            raise ValueError(f"colour_method {colour_method!r}: expected 'learned' or 'palette'")
        self.colour_reader = ColourReader.load() if colour_method == "learned" else None
        self.refs = {}
        self.ref_rows = {}
        self.thresholds = {}
        self.robust_rows = robust_rows
        for setting in SETTINGS:
            for time in TIMES:
                profs, resid, rows = [], [], []
                for s in seeds:
                    rng = np.random.default_rng(s)
                    pano, desc = build_background(setting, time, SIZE + 40, rng)
                    fr = np.stack([_frame_background(pano, desc, 0.0, 0), _frame_background(pano, desc, 20.0, 5)])
                    fr = np.clip(fr + 0.5, 0, 255).astype(np.uint8)
                    rb = _row_background(fr)
                    profs.append(_profile(rb))
                    rows.append(rb.mean(axis=0))
                    resid.append(np.abs(fr.astype(np.float32) - rb[:, :, None, :]).sum(-1).ravel())
                self.refs[(setting, time)] = np.mean(profs, axis=0)
                self.ref_rows[(setting, time)] = np.mean(rows, axis=0)  # [H, 3]
                r = np.concatenate(resid)
                self.thresholds[(setting, time)] = float(np.clip(np.percentile(r, 99.0) * 1.25 + 6, 22, 60))
        self.colour_table = P.subject_colour_table()
        self.colour_top, self.mix_penalty = 1.0, 0.1

    # -------------------------------------------------------------------------------------------- pieces
    def classify_background(self, rowbg):
        prof = _profile(rowbg)
        best, dist = None, 1e18
        for key, ref in self.refs.items():
            d = float(((prof - ref) ** 2).sum())
            if d < dist:
                best, dist = key, d
        return best

    def subject_masks(self, frames, rowbg, key, factor=1.0):
        diff = np.abs(frames.astype(np.float32) - rowbg[:, :, None, :]).sum(-1)
        m = diff > self.thresholds[key] * factor
        return _dilate(_erode(m))

    def colour(self, frames, masks, rowbg, time, kind):
        """The subject's colour name (None without subject pixels), by the method chosen at construction."""
        if self.colour_reader is not None:
            return self.colour_reader.read(frames, masks, rowbg, time, kind)
        return self.colour_by_palette(frames, masks, rowbg, time, kind)

    def colour_halves(self, frames, masks, rowbg, time, kind):
        """(left, right): the colour of each side of the subject, its mask split per frame at the median column of
        its pixels, each side read like a whole subject. For a pair of horses, the colour of each horse (mostly:
        horses that overlap share a side); the whole-mask reading says only what the pair reads as together."""
        cols = np.arange(masks.shape[2])[None, None, :]  # [1, 1, W]
        split = np.array([np.median(np.nonzero(m)[1]) if m.any() else 0.0 for m in masks])[:, None, None]  # [F, 1, 1]
        left, right = masks & (cols < split), masks & (cols >= split)
        return (self.colour(frames, left, rowbg, time, kind), self.colour(frames, right, rowbg, time, kind))

    def colour_by_palette(self, frames, masks, rowbg, time, kind):
        """Palette vote that allows for blur: each interior pixel p is explained as a mix
        b + a (c - b) of its row background b and a (tinted) palette colour c, a in [0.35, 1]; the colour with
        the smallest residual gets the pixel's vote (exact for crisp frames, robust to soft edges)."""
        inner = interior(masks, 4)  # the deepest interior left after up to 4 erosions: the body, not legs/mane/outline
        if inner.sum() == 0:
            return None
        f, y, _ = np.nonzero(inner)
        px = frames[inner].astype(np.float32)
        bg = rowbg[f, y]
        strength = np.abs(px - bg).sum(-1)
        keep = strength >= np.percentile(strength, 100 * (1 - self.colour_top))  # the least-mixed pixels
        px, bg = px[keep], bg[keep]
        if px.shape[0] > 20000:
            k = px.shape[0] // 20000 + 1
            px, bg = px[::k], bg[::k]
        horse_like = kind in ("horse", "rider", "two_horses")
        names = [n for n, _ in self.colour_table if (n in P.COATS) == horse_like or (not horse_like and n in P.PLAIN)]
        table = P.tint(np.array([c for n, c in self.colour_table if n in names], np.float32), time, "subject")
        d = table[None] - bg[:, None]  # [N, K, 3]
        a = np.clip(((px - bg)[:, None] * d).sum(-1) / ((d * d).sum(-1) + 1e-6), 0.35, 1.0)
        r = ((px[:, None] - bg[:, None] - a[..., None] * d) ** 2).sum(-1)
        r += self.mix_penalty * (1.0 - a) ** 2 * (d * d).sum(-1)  # prefer explanations needing little mixing
        votes = np.bincount(r.argmin(1), minlength=len(names))
        return names[int(votes.argmax())]

    # ------------------------------------------------------------------------------------------- analyse
    def analyse(self, frames: np.ndarray) -> dict:
        """Estimate the factors of a clip uint8 [F, 256, 256, 3]."""
        rowbg = _row_background(frames)
        setting, time = self.classify_background(rowbg)
        if self.robust_rows:
            rowbg = _row_background_near(frames, self.ref_rows[(setting, time)])
        masks = self.subject_masks(frames, rowbg, (setting, time))
        core = self.subject_masks(frames, rowbg, (setting, time), 2.0)  # the silhouette without blurred fringes
        F = len(frames)
        area = masks.reshape(F, -1).sum(1).astype(np.float32)
        core_area = core.reshape(F, -1).sum(1).astype(np.float32)
        ys, xs = np.mgrid[0:SIZE, 0:SIZE]
        cx = np.array([xs[m].mean() if a > 0 else np.nan for m, a in zip(masks, area)])
        cy = np.array([ys[m].mean() if a > 0 else np.nan for m, a in zip(masks, area)])
        ok = area > 30
        res = {"setting": setting, "time": time, "flicker": flicker(frames, masks)}
        if ok.sum() < max(2, F // 2):
            res.update(subject=None, colour=None, direction=None, action_class=None, facing=None)
            return res
        n = np.arange(F)[ok].astype(np.float32)
        size = float(np.sqrt(np.median(np.where(core_area[ok] > 30, core_area[ok], area[ok]))))
        vx = np.polyfit(n, cx[ok], 1)[0]
        zoom = np.polyfit(n, np.log(np.sqrt(area[ok])), 1)[0]
        yres = cy[ok] - np.polyval(np.polyfit(n, cy[ok], 1), n)
        bounce = float(yres.std() / size)
        kind = self.subject_type(frames, masks, ok, cy, size, setting, time)
        res["subject"] = kind
        res["colour"] = self.colour(frames, masks, rowbg, time, kind)
        res["colour_halves"] = self.colour_halves(frames, masks, rowbg, time, kind)
        if self.colour_reader is not None:  # the palette vote beside the reader: figures comparable with earlier ones
            res["colour_palette"] = self.colour_by_palette(frames, masks, rowbg, time, kind)
        # Reference size: a horse of L=90 has sqrt(area) ~ 0.5*90; normalise speeds to that.
        speed = abs(vx) / size * 45.0
        zspeed = abs(zoom)
        if kind in ("ball",):
            speed = abs(vx) / size * 45.0 * 0.55
        if kind == "two_horses":
            speed *= 1.41
        if kind == "bird":
            speed = abs(vx) / size * 45.0 * 0.45
        moving_side = speed > 0.35
        moving_zoom = zspeed > 0.004 and speed < 1.0
        if moving_side:
            res["direction"] = "right" if vx > 0 else "left"
        elif moving_zoom:
            res["direction"] = "towards" if zoom > 0 else "away"
        else:
            res["direction"] = self.facing(masks[ok])
        res["facing"] = self.facing(masks[ok])
        energy = speed if not moving_zoom else zspeed * 115.0
        jumpy = bounce > 0.07 and kind != "bird"
        if energy < 0.35 and not jumpy:
            res["action_class"] = "still"
        elif energy > 2.3 or jumpy:
            res["action_class"] = "fast"
        else:
            res["action_class"] = "slow"
        res.update(speed=float(speed), zoom=float(zoom), bounce=bounce, size=size)
        return res

    def subject_type(self, frames, masks, ok, cy, size, setting, time):
        hz = P.SETTINGS[setting]["horizon"]
        ymean = float(np.nanmedian(cy[ok]))
        if ymean < hz - 12 and size < 40:
            return "bird"
        fills, aspects, twos = [], [], []
        for m in masks[ok]:
            rows, cols = np.nonzero(m.any(1))[0], np.nonzero(m.any(0))[0]
            h, w = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
            fills.append(m.sum() / float(h * w))
            aspects.append(h / float(w))
            colmass = m.sum(0)[cols[0]:cols[-1] + 1]
            twos.append(_two_masses(colmass))
        if np.median(fills) > 0.62 and 0.75 < np.median(aspects) < 1.33:
            return "ball"
        if np.mean(twos) > 0.5:
            return "two_horses"
        px = P.untint(frames[_erode(masks)].astype(np.float32), time, "subject")
        if len(px):
            shirt = np.abs(px - np.asarray(P.RIDER_SHIRT, np.float32)).sum(-1) < 60
            if shirt.mean() > 0.03:
                return "rider"
        return "horse"

    @staticmethod
    def facing(masks):
        """Side of the mask where the upper mass (neck and head) sits."""
        votes = 0
        for m in masks:
            rows, cols = np.nonzero(m.any(1))[0], np.nonzero(m.any(0))[0]
            top = m[rows[0]:rows[0] + max(1, (rows[-1] - rows[0]) // 3)]
            tc = np.nonzero(top)[1]
            if len(tc):
                votes += 1 if tc.mean() > (cols[0] + cols[-1]) / 2 else -1
        return "right" if votes >= 0 else "left"


def _two_masses(colmass):
    """True when the column mass splits into two big runs separated by a gap."""
    occupied = colmass > 0
    runs, start = [], None
    for i, o in enumerate(np.append(occupied, False)):
        if o and start is None:
            start = i
        elif not o and start is not None:
            runs.append(colmass[start:i].sum())
            start = None
    if len(runs) < 2:
        return False
    runs = sorted(runs, reverse=True)
    return runs[1] > 0.25 * sum(runs)


def flicker(frames, masks, margin=4):
    """Mean absolute frame-to-frame change (0..255) over pixels never within `margin` of the subject."""
    if len(frames) < 2:
        return 0.0
    near = masks.any(0)
    for _ in range(margin):
        near = _dilate(near)
    static = ~near
    if static.sum() < 100:
        return float("nan")
    d = np.abs(np.diff(frames.astype(np.float32), axis=0)).mean(-1)
    return float(d[:, static].mean())
