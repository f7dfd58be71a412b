"""The same clip with one factor changed to a value that is easy to confuse with it: the negatives of the trainer's
caption-swap loss (train/arms/caption_swap.py) and of eval.caption_swap.

    opposite_direction(spec)      moving the other way (None for a subject that stands still)
    neighbour_colour(spec, rng)   a confusable coat or plain colour
    other_count(spec)             one horse for a pair, a pair for one horse (None where the world has no pair)
"""
import dataclasses

from .spec import ACTION_CLASS, HORSE_LIKE, PLAIN_COLOURS, SUBJECT_ACTIONS, SUBJECT_DIRECTIONS, ClipSpec

OPPOSITE = {"left": "right", "right": "left", "towards": "away", "away": "towards"}

# The coats the analyser most often confuses on blurred subjects (docs/archive/builtin-model-history.md "What is weak").
NEIGHBOUR_COATS = {"bay": ["brown", "chestnut"], "chestnut": ["bay", "palomino"], "brown": ["bay", "black"],
                   "black": ["brown", "grey"], "grey": ["white", "black"], "white": ["grey", "palomino"],
                   "palomino": ["chestnut", "white"]}


def opposite_direction(spec: ClipSpec):
    """The spec of the same clip moving the other way, or None for a subject that stands still (its caption's
    direction is a facing, which the latent hardly resolves)."""
    if ACTION_CLASS[spec.action] == "still" or spec.direction not in OPPOSITE:
        return None
    return dataclasses.replace(spec, direction=OPPOSITE[spec.direction])


def neighbour_colour(spec: ClipSpec, rng):
    """The spec with a confusable colour: a neighbouring coat for horses, another plain colour for balls/birds."""
    if spec.subject in HORSE_LIKE:
        choices = NEIGHBOUR_COATS[spec.colour]
    else:
        choices = [c for c in PLAIN_COLOURS if c != spec.colour]
    return dataclasses.replace(spec, colour=str(rng.choice(choices)))


def other_count(spec: ClipSpec):
    """The spec with one horse for a pair, or a pair for a lone horse where the world has pairs (moving or facing
    left/right, no jump); None otherwise (riders, balls, birds)."""
    if spec.subject == "two_horses":
        return dataclasses.replace(spec, subject="horse")
    if (spec.subject == "horse" and spec.direction in SUBJECT_DIRECTIONS["two_horses"]
            and spec.action in SUBJECT_ACTIONS["two_horses"]):
        return dataclasses.replace(spec, subject="two_horses")
    return None
