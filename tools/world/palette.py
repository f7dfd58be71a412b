"""Every colour of the world, in sRGB 0..255.

The analyser classifies against these same tables, so keep them distinct enough to be told apart after a
lossy VAE: coats differ by at least ~35 levels in some channel, and settings by their row profiles.
"""
import numpy as np

# Coat: body, mane/tail, lower legs.
COATS = {
    "bay":      ((150, 76, 36), (28, 22, 20), (38, 30, 26)),
    "chestnut": ((196, 100, 46), (172, 84, 38), (186, 94, 44)),
    "grey":     ((150, 152, 156), (100, 100, 106), (118, 118, 124)),
    "palomino": ((228, 188, 108), (246, 240, 222), (222, 182, 104)),
    "black":    ((34, 32, 34), (16, 16, 16), (26, 24, 26)),
    "white":    ((242, 240, 232), (252, 252, 250), (236, 234, 226)),
    "brown":    ((98, 62, 38), (58, 38, 26), (70, 46, 30)),
}

# Balls and birds use plain colours.
PLAIN = {
    "red":    (212, 38, 38),
    "blue":   (40, 82, 204),
    "yellow": (242, 212, 40),
    "white":  (242, 240, 232),
    "black":  (34, 32, 34),
}

RIDER_SHIRT = (40, 80, 196)
RIDER_TROUSERS = (235, 232, 220)
RIDER_SKIN = (232, 190, 160)
RIDER_HELMET = (24, 24, 28)

# Time-of-day tints: background (multiply, add) and subject (multiply, add).
TIMES = {
    "day":   {"bg": ((1.0, 1.0, 1.0), (0, 0, 0)),       "subject": ((1.0, 1.0, 1.0), (0, 0, 0))},
    "dusk":  {"bg": ((1.0, 0.78, 0.66), (14, 0, 12)),   "subject": ((0.96, 0.82, 0.72), (10, 0, 6))},
    "night": {"bg": ((0.30, 0.36, 0.56), (0, 2, 8)),    "subject": ((0.58, 0.62, 0.78), (12, 12, 20))},
}

# Sky gradients (top, horizon) per time of day; settings may override for day.
SKY = {
    "day":   ((96, 160, 232), (178, 212, 242)),
    "dusk":  ((72, 58, 124), (246, 150, 88)),
    "night": ((8, 12, 36), (30, 40, 82)),
}

# Settings: horizon row, ground gradient (near horizon, bottom), texture colour offsets.
SETTINGS = {
    "meadow": {"horizon": 104, "ground": ((96, 160, 70), (70, 136, 48))},
    "beach":  {"horizon": 100, "ground": ((226, 206, 152), (214, 192, 140)), "sea": (46, 116, 176)},
    "snow":   {"horizon": 106, "ground": ((222, 232, 246), (206, 220, 240))},
    "desert": {"horizon": 110, "ground": ((218, 152, 82), (198, 130, 64))},
    "forest": {"horizon": 124, "ground": ((74, 102, 50), (62, 88, 42)), "canopy": (36, 80, 42),
               "trunk": (46, 68, 38)},
    "stable": {"horizon": 150, "ground": ((204, 174, 96), (188, 158, 84)), "wall": (128, 86, 54)},
}


def tint(rgb, time: str, part: str) -> np.ndarray:
    """Apply the time-of-day tint of `part` ("bg" or "subject") to colours (..., 3)."""
    mul, add = TIMES[time][part]
    return np.asarray(rgb, np.float32) * np.asarray(mul, np.float32) + np.asarray(add, np.float32)


def untint(rgb, time: str, part: str) -> np.ndarray:
    """Invert `tint`."""
    mul, add = TIMES[time][part]
    return (np.asarray(rgb, np.float32) - np.asarray(add, np.float32)) / np.asarray(mul, np.float32)


def subject_colour_table():
    """(name, body rgb) pairs a subject's dominant colour is classified against."""
    table = [(name, c[0]) for name, c in COATS.items()]
    table += [(name, c) for name, c in PLAIN.items() if name not in COATS]
    return table
