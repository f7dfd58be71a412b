"""How far apart the model's text conditioning puts captions that differ in one factor.

    PYTHONPATH=tools python3 -m eval.text_separation models/builtin [--pairs 200]

For random horse clips that move sideways (the world's grammar, training split), each factor in turn (direction
left <-> right, coat colour, setting, action) is changed in a copy of the spec, both specs are captioned with the
same random draws (same word order and synonyms where the grammar allows), encoded by the model's text encoder and
projected by the DiT's text embedder (what the DiT's attention sees). Prints per factor the mean relative L2
distance |a - b| / |a| of the projected tokens (token by token when the captions have the same length, else of the
token means). A factor the DiT is to follow needs the text to separate it: a distance near 0 means the DiT cannot
tell the two captions apart.
"""
import argparse
import dataclasses

import numpy as np
import torch

from reference.pipeline import encode_prompt, load_model
from world.captions import caption
from world.spec import COAT_COLOURS, SETTINGS, sample_spec

FACTORS = {
    "direction": lambda s, r: dataclasses.replace(s, direction="right" if s.direction == "left" else "left"),
    "colour": lambda s, r: dataclasses.replace(s, colour=r.choice([c for c in COAT_COLOURS if c != s.colour])),
    "setting": lambda s, r: dataclasses.replace(s, setting=r.choice([x for x in SETTINGS if x != s.setting])),
    "action": lambda s, r: dataclasses.replace(s, action="walk" if s.action != "walk" else "gallop"),
}


def projected_text(model, prompt: str) -> torch.Tensor:
    """[L, hidden] text tokens after the DiT's text embedder."""
    text, _ = encode_prompt(model, prompt)  # [L, text_in]
    return model.dit.adapter.text_embedder(text)  # [L, text_in] x [text_in, hidden] + b -> [L, hidden]


def distance(a: torch.Tensor, b: torch.Tensor) -> float:
    if a.shape != b.shape:
        a, b = a.mean(0), b.mean(0)
    return float((a - b).norm() / a.norm())


@torch.no_grad()
def separation(model, pairs: int = 200, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    out = {name: [] for name in FACTORS}
    while min(len(v) for v in out.values()) < pairs:
        spec = sample_spec(rng, "train")
        if spec.subject != "horse" or spec.direction not in ("left", "right") or spec.action in ("stand", "graze"):
            continue
        for name, change in FACTORS.items():
            other = change(spec, rng)
            k = int(rng.integers(1 << 30))
            a = caption(spec, np.random.default_rng(k))
            b = caption(other, np.random.default_rng(k))
            out[name].append(distance(projected_text(model, a), projected_text(model, b)))
    return {name: float(np.mean(v)) for name, v in out.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", nargs="?", default="models/builtin")
    ap.add_argument("--pairs", type=int, default=200)
    args = ap.parse_args()
    torch.set_num_threads(1)
    for name, d in separation(load_model(args.model), args.pairs).items():
        print(f"{name:10s} {d:.3f}")


if __name__ == "__main__":
    main()
