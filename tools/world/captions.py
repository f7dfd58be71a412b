"""Caption grammar: synonyms and varied word order for a ClipSpec.

`caption(spec, rng)` draws one caption; `vocabulary()` lists every word the grammar can emit (plus a few
common extras) for the tokenizer. Words are lower-case; punctuation "," ":" "." are separate tokens under a
Whitespace pre-tokenizer.
"""
import re

import numpy as np

from .spec import ClipSpec

COLOUR_WORDS = {
    "bay": ["bay"], "chestnut": ["chestnut", "sorrel"], "grey": ["grey", "gray", "dapple grey"],
    "palomino": ["palomino", "golden"], "black": ["black"], "white": ["white"], "brown": ["brown", "dark brown"],
    "red": ["red"], "blue": ["blue"], "yellow": ["yellow"],
}
HORSE_NOUNS = ["horse", "horse", "horse", "stallion", "mare", "pony"]

# Verb forms per subject kind and action: (third person, -ing).
HORSE_VERBS = {
    "stand": [("stands", "standing"), ("stands still", "standing still"), ("waits", "waiting")],
    "graze": [("grazes", "grazing"), ("eats grass", "eating grass"), ("grazes quietly", "grazing quietly")],
    "walk": [("walks", "walking"), ("strolls", "strolling"), ("ambles", "ambling"), ("walks slowly", "walking slowly")],
    "trot": [("trots", "trotting"), ("jogs", "jogging")],
    "gallop": [("gallops", "galloping"), ("runs", "running"), ("races", "racing"), ("runs fast", "running fast")],
    "jump": [("jumps", "jumping"), ("leaps", "leaping"), ("bounds", "bounding")],
}
BALL_VERBS = {
    "stand": [("rests", "resting"), ("lies still", "lying still")],
    "walk": [("rolls", "rolling"), ("rolls slowly", "rolling slowly")],
    "gallop": [("rolls fast", "rolling fast"), ("speeds", "speeding"), ("races", "racing")],
    "jump": [("bounces", "bouncing"), ("hops", "hopping")],
}
BIRD_VERBS = {
    "walk": [("flies", "flying"), ("glides", "gliding")],
    "gallop": [("darts", "darting"), ("flies fast", "flying fast"), ("swoops", "swooping")],
}
MOVING_DIR = {
    "left": ["to the left", "left", "leftwards", "from right to left"],
    "right": ["to the right", "right", "rightwards", "from left to right"],
    "towards": ["towards the camera", "toward the camera", "towards us", "toward the viewer"],
    "away": ["away from the camera", "away", "into the distance", "away from us"],
}
FACING_DIR = {
    "left": ["facing left", "turned to the left"], "right": ["facing right", "turned to the right"],
    "towards": ["facing the camera", "facing us"], "away": ["facing away", "with its back to us"],
}
SETTING_PLACE = {  # prepositional phrase, noun phrase (for captions that start with the place)
    "meadow": [("in a meadow", "meadow"), ("on a green meadow", "green meadow"), ("in a grassy field", "grassy field"),
               ("on the grass", "grass field")],
    "beach": [("on a beach", "beach"), ("along the shore", "sandy shore"), ("on the sand by the sea", "seaside beach")],
    "snow": [("on a snowy field", "snowy field"), ("in the snow", "snow"), ("across a snowfield", "snowfield"),
             ("in a winter landscape", "winter landscape")],
    "desert": [("in the desert", "desert"), ("across the sand dunes", "sand dunes"), ("in a dry desert", "dry desert")],
    "forest": [("in a forest", "forest"), ("through the woods", "woods"), ("among the trees", "forest clearing")],
    "stable": [("in a stable", "stable"), ("inside the barn", "barn"), ("in the stable", "wooden stable")],
}
TIME_WORDS = {
    "day": ["", "", "during the day", "in daylight", "on a sunny day"],
    "dusk": ["at dusk", "at sunset", "in the evening light", "at twilight"],
    "night": ["at night", "under the night sky", "by moonlight", "under the stars"],
}
CAMERA_WORDS = {"static": ["", "", "", "static camera", "fixed shot"],
                "pan": ["panning shot", "the camera pans", "tracking shot", "camera follows"]}
EXTRA_WORDS = ["a", "an", "the", "is", "and", "of", "with", "in", "on", "at", "its", "one", "video", "scene",
               "shot", "slow", "fast", "quickly", "slowly", "big", "small", "young", "beautiful", "wild", "field",
               "sky", "sun", "moon", "camera", "two", "horses", "ball", "bird", "rider", "riding", "person", "man",
               "woman", "girl", "boy", "dog", "day", "night", "evening", "morning", "sunrise", "canter", "canters",
               "cantering", "towards", "toward", "away", "left", "right", "gallop", "walk", "trot", "stand", "graze",
               "jump", "run", "race", "stroll", "fly", "roll", "bounce", ",", ".", ":"]


def _p(rng, items):
    return items[rng.integers(len(items))]


def _subject_np(spec: ClipSpec, rng):
    """(noun phrase with article, plural?) for the subject."""
    colour = _p(rng, COLOUR_WORDS[spec.colour])
    if spec.subject == "horse":
        return f"a {colour} {_p(rng, HORSE_NOUNS)}", False
    if spec.subject == "rider":
        return _p(rng, [f"a rider on a {colour} horse", f"a {colour} horse with a rider",
                        f"a horseman riding a {colour} horse", f"a jockey on a {colour} horse"]), False
    if spec.subject == "two_horses":
        return _p(rng, [f"two {colour} horses", f"a pair of {colour} horses"]), True
    if spec.subject == "ball":
        return f"a {colour} ball", False
    return f"a {colour} bird", False


def _verb(spec: ClipSpec, rng, plural: bool):
    table = {"ball": BALL_VERBS, "bird": BIRD_VERBS}.get(spec.subject, HORSE_VERBS)
    third, ing = _p(rng, table[spec.action])
    if plural:
        third = _plural_verb(third)
    return third, ing


def _plural_verb(third: str) -> str:
    first, *rest = third.split(" ")
    if first.endswith("es") and first[:-2].endswith(("ch", "sh", "x", "ss")):
        first = first[:-2]
    elif first.endswith("s"):
        first = first[:-1]
    return " ".join([first] + rest)


def caption(spec: ClipSpec, rng: np.random.Generator) -> str:
    """One caption for the spec, drawn from the grammar."""
    np_, plural = _subject_np(spec, rng)
    third, ing = _verb(spec, rng, plural)
    still = spec.action in ("stand", "graze") or (spec.subject == "ball" and spec.action == "stand")
    direction = _p(rng, FACING_DIR[spec.direction] if still else MOVING_DIR[spec.direction])
    place, place_np = _p(rng, SETTING_PLACE[spec.setting])
    when = _p(rng, TIME_WORDS[spec.time])
    cam = _p(rng, CAMERA_WORDS[spec.camera])
    bare = np_.split(" ", 1)[1] if np_.startswith("a ") else np_
    form = rng.integers(5)
    if form == 0:
        parts = [np_, third, direction, place, when]
    elif form == 1:
        parts = [f"{place_np} {when}".strip() + ",", bare, ing, direction]
    elif form == 2:
        parts = [(when + ",") if when else "", np_, third, direction, place]
    elif form == 3:
        parts = [np_, ing, direction, place, when]
    else:
        parts = [place_np + (f" {when}" if when else "") + ":", np_, third, direction]
    text = " ".join(p for p in parts if p)
    if cam:
        text += ", " + cam
    text = re.sub(r"\s+", " ", text).strip()
    text = text.replace(" ,", ",")
    return text


def tokenize_words(text: str):
    """Lower-case words and punctuation, as the tokenizer's Whitespace pre-tokenizer splits them."""
    return re.findall(r"\w+|[^\w\s]+", text.lower())


def vocabulary():
    """Sorted list of every word the grammar can produce plus common extras."""
    words = set(EXTRA_WORDS)
    tables = [COLOUR_WORDS, MOVING_DIR, FACING_DIR, TIME_WORDS, CAMERA_WORDS]
    for t in tables:
        for v in t.values():
            for phrase in v:
                words.update(tokenize_words(phrase))
    for v in SETTING_PLACE.values():
        for a, b in v:
            words.update(tokenize_words(a + " " + b))
    for table in (HORSE_VERBS, BALL_VERBS, BIRD_VERBS):
        for v in table.values():
            for a, b in v:
                words.update(tokenize_words(a + " " + b + " " + _plural_verb(a)))
    words.update(HORSE_NOUNS)
    for phrase in ["a rider on a horse with a rider a horseman riding a jockey on two horses a pair of horses"]:
        words.update(tokenize_words(phrase))
    return sorted(words)
