"""The fixed evaluation prompt set: (spec, prompt) pairs, in-distribution and held-out.

In-distribution specs are legal training combinations; held-out specs are combinations from
world/heldout.json (never trained on). Prompts are fixed strings written in the grammar's styles.
All use a static camera (the analyser's action class assumes one).
"""
from world.spec import ClipSpec

IN_DISTRIBUTION = [
    (ClipSpec("horse", "chestnut", "gallop", "left", "snow", "dusk"),
     "a chestnut horse gallops to the left on a snowy field at dusk"),
    (ClipSpec("horse", "bay", "walk", "right", "meadow"), "a bay horse walks to the right in a meadow"),
    (ClipSpec("horse", "grey", "gallop", "right", "beach"), "beach, grey horse galloping to the right"),
    (ClipSpec("horse", "black", "stand", "left", "desert"), "a black horse stands facing left in the desert"),
    (ClipSpec("horse", "white", "trot", "left", "forest"), "a white horse trots left through the woods"),
    (ClipSpec("horse", "palomino", "gallop", "left", "meadow", "night"),
     "a palomino horse gallops to the left in a meadow at night"),
    (ClipSpec("horse", "brown", "walk", "towards", "beach"), "a brown horse walks towards the camera on a beach"),
    (ClipSpec("horse", "chestnut", "graze", "right", "stable"), "a chestnut horse grazes in a stable"),
    (ClipSpec("rider", "bay", "gallop", "right", "desert"), "a rider on a bay horse gallops right in the desert"),
    (ClipSpec("two_horses", "grey", "walk", "left", "meadow"), "two grey horses walk to the left in a meadow"),
    (ClipSpec("ball", "red", "walk", "right", "beach"), "a red ball rolls to the right on a beach"),
    (ClipSpec("bird", "black", "gallop", "left", "snow"), "a black bird flies fast to the left in the snow"),
]

HELD_OUT = [
    (ClipSpec("horse", "palomino", "gallop", "right", "snow"), "a palomino horse gallops to the right in the snow"),
    (ClipSpec("horse", "black", "walk", "left", "beach"), "a black horse walks left on a beach"),
    (ClipSpec("horse", "grey", "jump", "right", "forest"), "a grey horse jumps to the right in a forest"),
    (ClipSpec("horse", "chestnut", "stand", "right", "desert"), "a chestnut horse stands in the desert, facing right"),
    (ClipSpec("horse", "white", "trot", "right", "meadow"), "a white horse trots to the right in a meadow"),
    (ClipSpec("horse", "bay", "graze", "left", "stable"), "a bay horse grazes in the stable"),
    (ClipSpec("horse", "brown", "gallop", "left", "beach"), "a brown horse gallops left along the shore"),
    (ClipSpec("horse", "black", "gallop", "right", "desert", "dusk"), "desert at dusk, black horse galloping right"),
    (ClipSpec("horse", "grey", "walk", "right", "snow"), "a grey horse walks to the right in the snow"),
    (ClipSpec("horse", "chestnut", "walk", "left", "snow", "night"),
     "a chestnut horse walks left on a snowy field at night"),
    (ClipSpec("rider", "bay", "gallop", "left", "beach"), "a rider on a bay horse gallops left on a beach"),
    (ClipSpec("two_horses", "black", "gallop", "right", "snow"), "two black horses gallop to the right in the snow"),
]
