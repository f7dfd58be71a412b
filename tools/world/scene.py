"""Renders clips of the world: background panoramas, animated subjects, camera, time-of-day tints.

`render_clip(spec, frames, seed)` -> (uint8 [F, 256, 256, 3], info). `info` carries per-frame ground truth:
subject coverage masks, screen positions, scale, gait phase and hoof strikes (for audio later: a hoof beat is
emitted at every frame index listed in info["hoof_strikes"]; wind/surf can follow info["setting"]).
"""
import math

import numpy as np

from . import palette as P
from .raster import Canvas
from .spec import ClipSpec

SIZE = 256
FPS = 25

# Gait table: frequency (Hz), leg swing amplitude (rad), knee bend (rad), leg phase offsets
# (front-near, front-far, rear-near, rear-far), body bob (fraction of L), speed (px/frame at L=90).
GAITS = {
    "stand":  dict(freq=0.4, swing=0.0, bend=0.0, offsets=(0, 0, 0, 0), bob=0.004, speed=0.0),
    "graze":  dict(freq=0.5, swing=0.0, bend=0.0, offsets=(0, 0, 0, 0), bob=0.0, speed=0.0),
    "walk":   dict(freq=1.1, swing=0.38, bend=0.7, offsets=(0.0, 0.5, 0.75, 0.25), bob=0.012, speed=1.3),
    "trot":   dict(freq=1.6, swing=0.48, bend=0.95, offsets=(0.0, 0.5, 0.5, 0.0), bob=0.03, speed=2.6),
    "gallop": dict(freq=2.3, swing=0.72, bend=1.1, offsets=(0.0, 0.12, 0.5, 0.62), bob=0.05, speed=4.6),
    "jump":   dict(freq=2.0, swing=0.6, bend=1.0, offsets=(0.0, 0.12, 0.5, 0.62), bob=0.03, speed=4.4),
}
# Scale change per frame for towards/away.
ZOOM_RATE = {"walk": 0.010, "trot": 0.018, "gallop": 0.028, "jump": 0.032}
BIRD_SPEED = {"walk": 2.4, "gallop": 5.2}
JUMP_HZ = 1.25


# ----------------------------------------------------------------------------------------------- background

def _gradient(top, bottom, rows):
    t = np.linspace(0.0, 1.0, max(rows, 1), dtype=np.float32)[:, None]
    return np.asarray(top, np.float32) * (1 - t) + np.asarray(bottom, np.float32) * t


def _sky_colours(setting, time):
    if time == "day" and setting == "snow":
        return (150, 170, 202), (212, 222, 234)
    if time == "day" and setting == "desert":
        return (108, 168, 228), (214, 214, 206)
    return P.SKY[time]


def build_background(setting: str, time: str, width: int, rng: np.random.Generator):
    """A panorama [256, width, 3] float32 (already tinted) plus the static description used per frame."""
    st = P.SETTINGS[setting]
    hz = st["horizon"]
    H = SIZE
    lit = np.zeros((H, width, 3), np.float32)
    sky = np.zeros((H, width), bool)
    sky[:hz] = True
    # Ground.
    lit[hz:] = _gradient(st["ground"][0], st["ground"][1], H - hz)[:, None, :]
    xs = np.arange(width, dtype=np.float32)
    ph = rng.uniform(0, 2 * np.pi, 4)
    if setting == "meadow":
        _band(lit, sky, hz - 12, hz, (92, 140, 96))
        _strokes(lit, rng, hz + 4, H, width, n=int(width * 0.35), colour_delta=(-22, -26, -16), length=(3, 7))
    elif setting == "beach":
        sea_bottom = hz + 30
        lit[hz:sea_bottom] = np.asarray(st["sea"], np.float32)
        rows = np.arange(hz, sea_bottom)
        lit[hz:sea_bottom] += (6 * np.sin(rows / 3.0 + ph[0]))[:, None, None]
        lit[sea_bottom:sea_bottom + 10] = lit[sea_bottom:sea_bottom + 10] * 0.86
    elif setting == "snow":
        _band(lit, sky, hz - 22, hz, (190, 200, 220))
        for _ in range(int(width / 40)):
            y = rng.uniform(hz + 10, H)
            _soft_blob(lit, rng.uniform(0, width), y, rng.uniform(14, 30), rng.uniform(4, 8), (-12, -8, 0))
    elif setting == "desert":
        _band(lit, sky, hz - 8, hz, (228, 174, 110))
        ys = np.arange(hz, H, dtype=np.float32)[:, None]
        shade = 1.0 + 0.035 * np.sin(xs[None, :] / 34 + ys / 9 + ph[1]) + 0.015 * np.sin(xs[None, :] / 13 - ys / 5)
        lit[hz:] *= shade[..., None]
    elif setting == "forest":
        top = 30
        sky[:] = False
        sky[:top] = True
        canopy = np.asarray(st["canopy"], np.float32)
        lit[top:hz] = canopy
        yy = np.arange(top, hz, dtype=np.float32)[:, None]
        lit[top:hz] += (10 * np.sin(xs[None, :] / 9 + ph[0]) * np.sin(yy / 7 + ph[1]))[..., None]
        trunk = np.asarray(st["trunk"], np.float32)
        for x0 in np.cumsum(rng.uniform(26, 60, size=int(width / 26) + 2)):
            w = rng.uniform(5, 11)
            a, b = int(x0), int(x0 + w)
            if a < width:
                lit[top + 20:hz, a:min(b, width)] = trunk
        _strokes(lit, rng, hz + 4, H, width, n=int(width * 0.2), colour_delta=(16, 10, 2), length=(2, 5))
    elif setting == "stable":
        wall = np.asarray(st["wall"], np.float32)
        sky[:] = False
        lit[:hz] = wall
        for y in range(12, hz, 18):
            lit[y:y + 2, :] = wall - 24
        for x0 in range(int(rng.uniform(0, 90)), width, 90):
            lit[:hz, x0:x0 + 8] = wall - 14
        _strokes(lit, rng, hz + 2, H, width, n=int(width * 0.5), colour_delta=(-24, -22, -12), length=(3, 8),
                 horizontal=True)
    img = P.tint(lit, time, "bg")
    sky_top, sky_bottom = _sky_colours(setting, time)
    sky_img = np.broadcast_to(_gradient(sky_top, sky_bottom, hz)[:, None, :], (hz, width, 3))
    img[:hz] = np.where(sky[:hz, :, None], sky_img, img[:hz])
    if time == "night":
        for _ in range(int(width * 0.25)):
            x, y = int(rng.uniform(0, width)), int(rng.uniform(0, hz))
            if sky[y, x]:
                img[y, x] = rng.uniform(150, 240)
    clouds = []
    if time != "night" and setting not in ("stable", "forest"):
        for _ in range(int(width / 90) + 1):
            clouds.append((rng.uniform(-40, width), rng.uniform(12, hz - 30), rng.uniform(18, 34)))
    return img, {"horizon": hz, "clouds": clouds, "setting": setting, "time": time,
                 "foam_phase": float(ph[3])}


def _band(lit, sky, y0, y1, colour):
    """Distant scenery (hills, mountains, dunes) as a flat band just above the horizon."""
    lit[y0:y1] = np.asarray(colour, np.float32)
    sky[y0:y1] = False


def _strokes(lit, rng, y0, y1, width, n, colour_delta, length, horizontal=False):
    ys = rng.uniform(y0, y1, n).astype(int)
    xs = rng.uniform(0, width, n).astype(int)
    ls = rng.uniform(length[0], length[1], n).astype(int)
    d = np.asarray(colour_delta, np.float32)
    for y, x, l in zip(ys, xs, ls):
        if horizontal:
            lit[y, x:min(x + 2 * l, width)] += d
        else:
            lit[max(y - l, y0):y, x:x + 1] += d


def _soft_blob(lit, cx, cy, a, b, delta):
    h, w = lit.shape[:2]
    x0, x1 = max(int(cx - a), 0), min(int(cx + a) + 1, w)
    y0, y1 = max(int(cy - b), 0), min(int(cy + b) + 1, h)
    if x0 >= x1 or y0 >= y1:
        return
    ys = np.arange(y0, y1, dtype=np.float32)[:, None]
    xs = np.arange(x0, x1, dtype=np.float32)[None, :]
    q = np.clip(1 - ((xs - cx) / a) ** 2 - ((ys - cy) / b) ** 2, 0, 1)
    lit[y0:y1, x0:x1] += q[..., None] * np.asarray(delta, np.float32)


def _frame_background(pano, desc, cam_x, frame):
    """Crop the panorama at sub-pixel camera offset and draw the animated parts (clouds drift, surf)."""
    i = int(math.floor(cam_x))
    a = cam_x - i
    img = pano[:, i:i + SIZE] * (1 - a) + pano[:, i + 1:i + 1 + SIZE] * a
    img = np.ascontiguousarray(img)
    cv = Canvas(img)
    sky_top, sky_bottom = _sky_colours(desc["setting"], desc["time"])
    for (x, y, r) in desc["clouds"]:
        cx = x + 0.25 * frame - cam_x
        _soft_blob(img, cx, y, r * 1.6, r * 0.45, (12, 12, 10))
    if desc["setting"] == "beach":
        hz = desc["horizon"]
        y = hz + 27 + 3.0 * math.sin(2 * math.pi * 0.45 * frame / FPS + desc["foam_phase"])
        yi = int(y)
        foam = P.tint((238, 240, 236), desc["time"], "bg")
        img[yi:yi + 3] = img[yi:yi + 3] * 0.3 + foam * 0.7
    return img


# ------------------------------------------------------------------------------------------------- subjects

def _shade(c, k):
    return tuple(np.clip(np.asarray(c, np.float32) * k, 0, 255))


class Painter:
    """Paints subject parts with a dark outline pass then the fill pass (silhouettes read better)."""

    def __init__(self, canvas: Canvas, time: str):
        self.cv, self.time = canvas, time
        self.parts = []  # (kind, args, colour)

    def add(self, kind, *args, colour):
        self.parts.append((kind, args, colour))

    def flush(self, outline=True):
        if outline:
            for kind, args, colour in self.parts:
                dark = P.tint(_shade(colour, 0.45), self.time, "subject")
                getattr(self.cv, kind)(*args, colour=dark, grow=1.0)
        for kind, args, colour in self.parts:
            getattr(self.cv, kind)(*args, colour=P.tint(colour, self.time, "subject"))
        self.parts = []


def _leg(p, top, upper, lower, theta, knee, f, colour_upper, colour_lower):
    kx = top[0] + f * upper * math.sin(theta)
    ky = top[1] + upper * math.cos(theta)
    th2 = theta + knee
    fx = kx + f * lower * math.sin(th2)
    fy = ky + lower * math.cos(th2)
    p.add("capsule", top, (kx, ky), upper * 0.22, upper * 0.15, colour=colour_upper)
    p.add("capsule", (kx, ky), (fx, fy), lower * 0.12, lower * 0.1, colour=colour_lower)
    p.add("capsule", (fx - f * 1.0, fy - 1.5), (fx + f * 1.5, fy), lower * 0.11, colour=_shade(colour_lower, 0.5))


def draw_horse_side(p: Painter, x, gy, L, f, coat, action, t, phase0, rider=False):
    """Side view of a horse facing f (+1 right, -1 left); gy = hoof line. Returns the gait phase (cycles)."""
    body, mane, legs = P.COATS[coat]
    g = GAITS[action]
    phase = g["freq"] * t + phase0
    lift, tuck = 0.0, 0.0
    if action == "jump":
        hop = (JUMP_HZ * t + phase0) % 1.0
        if hop < 0.6:
            lift = 0.42 * L * math.sin(math.pi * hop / 0.6)
            tuck = math.sin(math.pi * hop / 0.6)
    bob = g["bob"] * L * math.sin(2 * math.pi * 2 * phase)
    upper, lower = 0.27 * L, 0.30 * L
    cx, cy = x, gy - (upper + lower) - 0.12 * L - bob - lift
    pitch = 0.06 * math.sin(2 * math.pi * phase) if action == "gallop" else 0.0
    shoulder = (cx + 0.30 * L * f, cy + 0.08 * L - pitch * 0.3 * L)
    hip = (cx - 0.32 * L * f, cy + 0.06 * L + pitch * 0.3 * L)
    tops = [shoulder, (shoulder[0] - 0.04 * L * f, shoulder[1]), hip, (hip[0] + 0.04 * L * f, hip[1])]

    def leg_angles(i):
        if g["swing"] == 0.0:
            return (0.04 if i < 2 else -0.03), 0.0
        s = math.sin(2 * math.pi * (phase + g["offsets"][i]))
        c = math.cos(2 * math.pi * (phase + g["offsets"][i]))
        th = g["swing"] * s
        knee = g["bend"] * max(0.0, c) * (-1 if i < 2 else 1)
        if tuck > 0:
            th = th * (1 - tuck) + (0.9 if i < 2 else -0.7) * tuck
            knee = knee * (1 - tuck) + (-1.8 if i < 2 else 1.4) * tuck
        return th, knee

    far = _shade(body, 0.78)
    far_l = _shade(legs, 0.78)
    for i in (1, 3):
        th, kn = leg_angles(i)
        _leg(p, tops[i], upper, lower, th, kn, f, far, far_l)
    # Tail.
    stream = 0.6 if action in ("gallop", "jump") else (0.25 if action == "trot" else 0.0)
    sway = 0.03 * L * math.sin(2 * math.pi * phase * 0.5)
    tail0 = (cx - 0.44 * L * f, cy - 0.08 * L)
    tail1 = (cx - (0.56 + 0.18 * stream) * L * f, cy + (0.30 - 0.25 * stream) * L + sway)
    p.add("capsule", tail0, tail1, 0.05 * L, 0.03 * L, colour=mane)
    p.add("ellipse", (cx, cy), 0.46 * L, 0.17 * L, pitch * f, colour=body)
    for i in (0, 2):
        th, kn = leg_angles(i)
        _leg(p, tops[i], upper, lower, th, kn, f, body, legs)
    # Neck and head.
    if action == "graze":
        nod = 0.02 * L * math.sin(2 * math.pi * phase)
        base = (cx + 0.60 * L * f, cy + 0.12 * L + nod)
        nose = (cx + 0.70 * L * f, gy - 0.04 * L + nod)
        ear = (base[0] - 0.02 * L * f, base[1] - 0.06 * L)
    else:
        nod = 0.02 * L * math.sin(2 * math.pi * phase) + (0.04 * L if action == "gallop" else 0.0)
        base = (cx + 0.56 * L * f, cy - 0.46 * L + nod)
        nose = (cx + 0.78 * L * f, cy - 0.30 * L + nod)
        ear = (base[0] - 0.03 * L * f, base[1] - 0.12 * L)
    neck0 = (cx + 0.33 * L * f, cy - 0.04 * L)
    p.add("capsule", neck0, base, 0.12 * L, 0.075 * L, colour=body)
    p.add("capsule", (neck0[0] - 0.04 * L * f, neck0[1] - 0.07 * L),
          (base[0] - 0.04 * L * f, base[1] - 0.02 * L), 0.045 * L, 0.035 * L, colour=mane)
    p.add("capsule", base, ear, 0.028 * L, 0.012 * L, colour=body)
    p.add("capsule", base, nose, 0.075 * L, 0.05 * L, colour=body)
    if rider:
        _draw_rider_side(p, cx, cy, L, f)
    return phase


def _draw_rider_side(p, cx, cy, L, f):
    seat = (cx - 0.02 * L * f, cy - 0.17 * L)
    shoulder = (cx + 0.04 * L * f, cy - 0.50 * L)
    knee = (cx + 0.12 * L * f, cy - 0.04 * L)
    foot = (cx + 0.07 * L * f, cy + 0.14 * L)
    p.add("capsule", seat, knee, 0.05 * L, 0.04 * L, colour=P.RIDER_TROUSERS)
    p.add("capsule", knee, foot, 0.04 * L, colour=P.RIDER_HELMET)
    p.add("capsule", seat, shoulder, 0.08 * L, 0.07 * L, colour=P.RIDER_SHIRT)
    p.add("capsule", shoulder, (cx + 0.22 * L * f, cy - 0.30 * L), 0.03 * L, colour=P.RIDER_SHIRT)
    p.add("disc", (cx + 0.06 * L * f, cy - 0.61 * L), 0.065 * L, colour=P.RIDER_SKIN)
    p.add("capsule", (cx + 0.02 * L * f, cy - 0.65 * L), (cx + 0.10 * L * f, cy - 0.65 * L), 0.045 * L,
          colour=P.RIDER_HELMET)


def draw_horse_front(p: Painter, x, gy, S, coat, action, t, phase0, towards, rider=False):
    """Front (towards) or rear (away) view; S is the same scale as L of the side view."""
    body, mane, legs = P.COATS[coat]
    g = GAITS[action]
    phase = g["freq"] * t + phase0
    lift = 0.0
    if action == "jump":
        hop = (JUMP_HZ * t + phase0) % 1.0
        lift = 0.3 * S * math.sin(math.pi * hop / 0.6) if hop < 0.6 else 0.0
    bob = g["bob"] * S * math.sin(2 * math.pi * 2 * phase)
    cy = gy - 0.64 * S - bob - lift

    def foot_lift(i):
        if g["swing"] == 0.0:
            return 0.0
        return 0.12 * S * max(0.0, math.sin(2 * math.pi * (phase + g["offsets"][i]))) * g["swing"] / 0.5

    far_l = _shade(legs, 0.75)
    # Far legs (rear legs when coming towards us, front legs when going away).
    for i, dx in ((2, -0.13), (3, 0.13)):
        p.add("capsule", (x + dx * S, cy + 0.05 * S), (x + dx * S, gy - 0.05 * S - lift - foot_lift(i)),
              0.045 * S, 0.035 * S, colour=far_l)
    if not towards:
        p.add("ellipse", (x, cy - 0.34 * S), 0.07 * S, 0.09 * S, 0.0, colour=body)  # head seen behind
        p.add("capsule", (x - 0.04 * S, cy - 0.40 * S), (x - 0.06 * S, cy - 0.48 * S), 0.02 * S, colour=body)
        p.add("capsule", (x + 0.04 * S, cy - 0.40 * S), (x + 0.06 * S, cy - 0.48 * S), 0.02 * S, colour=body)
    p.add("ellipse", (x, cy), 0.22 * S, 0.22 * S, 0.0, colour=body)
    for i, dx in ((0, -0.11), (1, 0.11)):
        top = (x + dx * S, cy + 0.08 * S)
        foot = (x + dx * S, gy - lift - foot_lift(i))
        mid = (top[0], (top[1] + foot[1]) / 2)
        p.add("capsule", top, mid, 0.06 * S, 0.045 * S, colour=body)
        p.add("capsule", mid, foot, 0.045 * S, 0.04 * S, colour=legs)
    if rider and not towards:
        _draw_rider_front(p, x, cy, S)
    if towards:
        if rider:
            _draw_rider_front(p, x, cy - 0.2 * S, S)
        p.add("capsule", (x, cy - 0.10 * S), (x, cy - 0.30 * S), 0.10 * S, 0.08 * S, colour=body)
        p.add("capsule", (x - 0.05 * S, cy - 0.42 * S), (x - 0.08 * S, cy - 0.52 * S), 0.022 * S, colour=body)
        p.add("capsule", (x + 0.05 * S, cy - 0.42 * S), (x + 0.08 * S, cy - 0.52 * S), 0.022 * S, colour=body)
        p.add("ellipse", (x, cy - 0.30 * S), 0.075 * S, 0.15 * S, 0.0, colour=body)
        p.add("capsule", (x, cy - 0.44 * S), (x, cy - 0.36 * S), 0.03 * S, colour=mane)
    else:
        sway = 0.03 * S * math.sin(2 * math.pi * phase)
        p.add("capsule", (x, cy - 0.12 * S), (x + sway, cy + 0.24 * S), 0.045 * S, 0.03 * S, colour=mane)
    return phase


def _draw_rider_front(p, x, cy, S):
    p.add("capsule", (x - 0.17 * S, cy - 0.05 * S), (x - 0.2 * S, cy + 0.15 * S), 0.035 * S, colour=P.RIDER_HELMET)
    p.add("capsule", (x + 0.17 * S, cy - 0.05 * S), (x + 0.2 * S, cy + 0.15 * S), 0.035 * S, colour=P.RIDER_HELMET)
    p.add("capsule", (x, cy - 0.20 * S), (x, cy - 0.46 * S), 0.09 * S, 0.08 * S, colour=P.RIDER_SHIRT)
    p.add("disc", (x, cy - 0.56 * S), 0.065 * S, colour=P.RIDER_SKIN)
    p.add("capsule", (x - 0.04 * S, cy - 0.60 * S), (x + 0.04 * S, cy - 0.60 * S), 0.05 * S, colour=P.RIDER_HELMET)


def draw_ball(p, x, gy, R, colour, action, t, phase0):
    bounce = 0.0
    if action == "jump":
        bounce = 1.6 * R * abs(math.sin(math.pi * (JUMP_HZ * t + phase0)))
    c = (x, gy - R - bounce)
    roll = -x / R
    p.add("disc", c, R, colour=colour)
    dx, dy = 0.8 * R * math.cos(roll), 0.8 * R * math.sin(roll)
    p.add("capsule", (c[0] - dx, c[1] - dy), (c[0] + dx, c[1] + dy), 0.16 * R, colour=_shade(colour, 0.7))
    p.add("disc", (c[0] - 0.35 * R, c[1] - 0.4 * R), 0.18 * R,
          colour=tuple(np.minimum(np.asarray(colour, np.float32) * 0.6 + 110, 255)))
    return JUMP_HZ * t + phase0


def draw_bird(p, x, y, Lb, f, colour, action, t, phase0):
    hz = 4.0 if action == "walk" else 6.0
    phase = hz * t + phase0
    flap = math.cos(2 * math.pi * phase)
    p.add("capsule", (x - 0.4 * Lb * f, y), (x - 0.8 * Lb * f, y + 0.04 * Lb), 0.1 * Lb, 0.05 * Lb,
          colour=_shade(colour, 0.85))
    p.add("ellipse", (x, y), 0.5 * Lb, 0.2 * Lb, 0.0, colour=colour)
    p.add("disc", (x + 0.48 * Lb * f, y - 0.1 * Lb), 0.17 * Lb, colour=colour)
    p.add("capsule", (x + 0.6 * Lb * f, y - 0.08 * Lb), (x + 0.84 * Lb * f, y - 0.04 * Lb), 0.06 * Lb,
          0.015 * Lb, colour=(240, 170, 40))
    p.add("capsule", (x - 0.05 * Lb * f, y - 0.04 * Lb), (x - 0.2 * Lb * f, y - 0.04 * Lb - 0.75 * Lb * flap),
          0.15 * Lb, 0.06 * Lb, colour=_shade(colour, 0.9))
    return phase


# --------------------------------------------------------------------------------------------------- clips

def ground_y(horizon, L):
    """Hoof line of a subject of scale L (bigger = nearer = lower)."""
    return horizon + (L / 100.0) * (232 - horizon)


def plan_motion(spec: ClipSpec, frames: int, rng: np.random.Generator, horizon: int):
    """Per-frame screen position (x), scale (L) and camera offset for the clip."""
    n = np.arange(frames, dtype=np.float32)
    mid = (frames - 1) / 2.0
    if spec.subject == "bird":
        L = np.full(frames, rng.uniform(70, 100), np.float32)
        v = BIRD_SPEED[spec.action] * (L[0] / 90.0)
    elif spec.direction in ("towards", "away"):
        rate = ZOOM_RATE.get(spec.action, 0.0) * (1 if spec.direction == "towards" else -1)
        Lmid = rng.uniform(58, 78)
        L = np.clip(Lmid * np.exp(rate * (n - mid)), 28, 125).astype(np.float32)
        v = 0.0
    else:
        lo_hi = (44, 58) if spec.subject == "two_horses" else (64, 94)
        L = np.full(frames, rng.uniform(*lo_hi), np.float32)
        v = GAITS[spec.action]["speed"] * (L[0] / 90.0)
    sign = -1.0 if spec.direction == "left" else 1.0
    if spec.direction in ("towards", "away"):
        sign = 0.0
    cam_v = 0.5 * v * sign if spec.camera == "pan" else 0.0
    screen_v = v * sign - cam_v
    span = abs(screen_v) * (frames - 1)
    if spec.subject == "horse" or spec.subject == "rider":
        margin = 0.82 * float(L.max()) if spec.direction in ("left", "right") else 0.3 * float(L.max())
    elif spec.subject == "two_horses":
        margin = 100
    else:
        margin = 40
    lo, hi = margin, SIZE - margin
    if span < hi - lo:
        x_mid = rng.uniform(lo + span / 2, hi - span / 2)
    else:
        x_mid = SIZE / 2
    if spec.subject == "two_horses":
        x_mid += 0.8 * L[0] * (-1.0 if spec.direction == "left" else 1.0)  # keep the pair centred
    x = x_mid + screen_v * (n - mid)
    cam = cam_v * n
    return x, L, cam - cam.min()


def render_clip(spec: ClipSpec, frames: int = 13, seed: int = 0):
    """Render a clip. Returns (uint8 [F, 256, 256, 3], info dict)."""
    rng = np.random.default_rng(seed)
    hz = P.SETTINGS[spec.setting]["horizon"]
    x, L, cam = plan_motion(spec, frames, rng, hz)
    width = SIZE + int(math.ceil(cam.max())) + 2
    pano, desc = build_background(spec.setting, spec.time, width, rng)
    phase0 = rng.uniform(0, 1)
    f = -1.0 if spec.direction == "left" else 1.0
    bird_y = rng.uniform(30, max(42, hz - 48))
    out = np.empty((frames, SIZE, SIZE, 3), np.uint8)
    masks = np.empty((frames, SIZE, SIZE), np.uint8)
    phases = np.zeros(frames, np.float32)
    for i in range(frames):
        t = i / FPS
        img = _frame_background(pano, desc, float(cam[i]), i)
        cv = Canvas(img)
        p = Painter(cv, spec.time)
        gy = ground_y(hz, float(L[i]))
        if spec.subject in ("horse", "rider", "two_horses"):
            rider = spec.subject == "rider"
            if spec.direction in ("towards", "away"):
                phases[i] = draw_horse_front(p, float(x[i]), gy, float(L[i]), spec.colour, spec.action, t, phase0,
                                             spec.direction == "towards", rider)
            else:
                if spec.subject == "two_horses":
                    draw_horse_side(p, float(x[i]) - 1.65 * float(L[i]) * f, gy, float(L[i]), f, spec.colour,
                                    spec.action, t, phase0 + 0.37)
                    p.flush()
                phases[i] = draw_horse_side(p, float(x[i]), gy, float(L[i]), f, spec.colour, spec.action, t,
                                            phase0, rider)
        elif spec.subject == "ball":
            phases[i] = draw_ball(p, float(x[i]), gy, 0.2 * float(L[i]), P.PLAIN[spec.colour], spec.action, t,
                                  phase0)
        elif spec.subject == "bird":
            phases[i] = draw_bird(p, float(x[i]), bird_y, 0.36 * float(L[i]), f, P.PLAIN[spec.colour], spec.action,
                                  t, phase0)
        p.flush()
        out[i] = np.clip(img + 0.5, 0, 255).astype(np.uint8)
        masks[i] = (cv.mask > 0.5)
    strikes = []
    if spec.subject in ("horse", "rider", "two_horses") and GAITS[spec.action]["swing"] > 0:
        offs = GAITS[spec.action]["offsets"]
        for leg in offs:
            ph = phases + leg
            crossed = np.nonzero(np.floor(ph[1:]) > np.floor(ph[:-1]))[0] + 1
            strikes += crossed.tolist()
    info = {"spec": spec.to_dict(), "seed": seed, "masks": masks, "x": x, "scale": L, "camera_x": cam,
            "gait_phase": phases, "hoof_strikes": sorted(strikes), "horizon": hz}
    return out, info
