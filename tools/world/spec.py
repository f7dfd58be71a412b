"""The factors of a clip, their legal combinations, random sampling and the held-out list.

A `ClipSpec` fully determines a clip together with a seed (which only varies placement, scale, textures and
phase). The held-out combinations (subject x colour x action x setting, see heldout.json) are never sampled
for training (`sample_spec(..., split="train")`).
"""
import json
import os
from dataclasses import asdict, dataclass

import numpy as np

from .palette import COATS, PLAIN

SUBJECTS = ["horse", "rider", "two_horses", "ball", "bird"]
HORSE_LIKE = {"horse", "rider", "two_horses"}
COAT_COLOURS = list(COATS)
PLAIN_COLOURS = list(PLAIN)
ACTIONS = ["stand", "graze", "walk", "trot", "gallop", "jump"]
DIRECTIONS = ["left", "right", "towards", "away"]
SETTINGS = ["meadow", "beach", "snow", "desert", "forest", "stable"]
TIMES = ["day", "dusk", "night"]
CAMERAS = ["static", "pan"]

# Coarse motion classes the analyser measures (by motion energy).
ACTION_CLASS = {"stand": "still", "graze": "still", "walk": "slow", "trot": "slow", "gallop": "fast",
                "jump": "fast"}

# Which actions/directions each subject can do.
SUBJECT_ACTIONS = {
    "horse": ACTIONS,
    "rider": ["stand", "walk", "trot", "gallop", "jump"],
    "two_horses": ["stand", "graze", "walk", "trot", "gallop"],
    "ball": ["stand", "walk", "gallop", "jump"],  # rests, rolls, rolls fast, bounces
    "bird": ["walk", "gallop"],                    # flies, darts
}
SUBJECT_DIRECTIONS = {
    "horse": DIRECTIONS, "rider": DIRECTIONS, "two_horses": ["left", "right"],
    "ball": ["left", "right"], "bird": ["left", "right"],
}

# Subject frequencies when sampling (horses first).
SUBJECT_WEIGHTS = {"horse": 0.55, "rider": 0.12, "two_horses": 0.11, "ball": 0.11, "bird": 0.11}

HELDOUT_PATH = os.path.join(os.path.dirname(__file__), "heldout.json")


@dataclass(frozen=True)
class ClipSpec:
    subject: str
    colour: str
    action: str
    direction: str
    setting: str
    time: str = "day"
    camera: str = "static"

    def combo(self):
        """The held-out key: subject x colour x action x setting."""
        return (self.subject, self.colour, self.action, self.setting)

    def to_dict(self):
        return asdict(self)


def colours_for(subject: str):
    return COAT_COLOURS if subject in HORSE_LIKE else PLAIN_COLOURS


def is_legal(s: ClipSpec) -> bool:
    """World rules: the factors must exist for the subject; a white coat is never shown on snow (invisible);
    standing subjects never pan; towards/away clips are static shots."""
    if s.subject not in SUBJECTS or s.colour not in colours_for(s.subject):
        return False
    if s.action not in SUBJECT_ACTIONS[s.subject] or s.direction not in SUBJECT_DIRECTIONS[s.subject]:
        return False
    if s.setting not in SETTINGS or s.time not in TIMES or s.camera not in CAMERAS:
        return False
    if s.colour == "white" and s.setting == "snow":
        return False
    if s.camera == "pan" and (ACTION_CLASS[s.action] == "still" or s.direction in ("towards", "away")):
        return False
    if s.subject == "bird" and s.setting == "stable":
        return False
    return True


def load_heldout():
    """Set of held-out (subject, colour, action, setting) tuples."""
    with open(HELDOUT_PATH) as f:
        return {tuple(c) for c in json.load(f)["combinations"]}


def sample_spec(rng: np.random.Generator, split: str = "train", heldout=None) -> ClipSpec:
    """Draw a legal spec; split "train" rejects held-out combinations, "heldout" draws only from them."""
    heldout = load_heldout() if heldout is None else heldout
    if split == "heldout":
        combos = sorted(heldout)
        while True:
            subject, colour, action, setting = combos[rng.integers(len(combos))]
            s = ClipSpec(subject, colour, action, _pick(rng, SUBJECT_DIRECTIONS[subject]), setting,
                         _pick(rng, TIMES, [0.6, 0.2, 0.2]), "static")
            if is_legal(s):
                return s
    names = list(SUBJECT_WEIGHTS)
    probs = np.array([SUBJECT_WEIGHTS[n] for n in names])
    while True:
        subject = names[rng.choice(len(names), p=probs / probs.sum())]
        s = ClipSpec(subject, _pick(rng, colours_for(subject)), _pick(rng, SUBJECT_ACTIONS[subject]),
                     _pick(rng, SUBJECT_DIRECTIONS[subject]), _pick(rng, SETTINGS),
                     _pick(rng, TIMES, [0.6, 0.2, 0.2]), _pick(rng, CAMERAS, [0.75, 0.25]))
        if is_legal(s) and s.combo() not in heldout:
            return s


def _pick(rng, items, p=None):
    if p is None:
        return items[rng.integers(len(items))]
    return items[rng.choice(len(items), p=np.asarray(p) / np.sum(p))]
