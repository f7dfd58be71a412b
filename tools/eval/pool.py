"""Pool several evaluations of one model (blocks of samples) into one score, with counts and a per-prompt table.

    for k in 8 12 16 20; do
        PYTHONPATH=tools HH_THREADS=1 python3 -m eval.evaluate models/builtin --samples 4 --sample-offset $k \
            --split held_out --json runs/eval/ship_k$k.json
    done
    PYTHONPATH=tools python3 -m eval.pool held_out runs/eval/ship_k*.json [--json runs/eval/ship_pooled.json]

Each block's clips are pooled as if one evaluation had made them all: the same summary as eval.evaluate (its
`summarise`), over every clip, printed with the counts behind each percentage (a pooled figure is only as good as
its number of clips: one clip of 288 is 0.35 points). The blocks must be of the same model and sampler settings
(everything in their `meta` but the sample range and the run time), and their sample ranges must not overlap, so
no clip counts twice.
"""
import argparse
import json
import os
from collections import OrderedDict

from .evaluate import EACH, METRICS, PALETTE, summarise

VARYING = {"sample_offset", "samples_per_prompt", "seconds"}  # meta fields that differ between blocks of one setting


def load_blocks(paths: list, split: str) -> list:
    """[(path, meta, per-clip entries)] of each evaluation JSON that has `split`."""
    blocks = []
    for path in paths:
        with open(path) as f:
            data = json.load(f)
        if split not in data:
            raise SystemExit(f"{path}: no {split!r} split (it has {sorted(k for k in data if k != 'meta')})")
        blocks.append((path, data["meta"], data[split]["prompts"]))
    return blocks


def check_compatible(blocks: list) -> None:
    """Raise SystemExit when two blocks differ in model or sampler settings or their sample ranges overlap."""
    (first_path, first_meta, _), seen = blocks[0], []
    setting = {k: v for k, v in first_meta.items() if k not in VARYING}
    for path, meta, _ in blocks:
        other = {k: v for k, v in meta.items() if k not in VARYING}
        if other != setting:
            differ = sorted(k for k in set(setting) | set(other) if setting.get(k) != other.get(k))
            raise SystemExit(f"{path}: evaluated with other settings than {first_path} ({', '.join(differ)}); "
                             "pool only blocks of one model and sampler")
        lo = meta["sample_offset"]
        hi = lo + meta["samples_per_prompt"]
        for other_path, other_lo, other_hi in seen:
            if lo < other_hi and other_lo < hi:
                raise SystemExit(f"{path}: samples k {lo}-{hi - 1} overlap {other_path}'s k {other_lo}-{other_hi - 1}")
        seen.append((path, lo, hi))


def count(per: list, measure: str) -> tuple:
    """(right, scored) clips for one measure."""
    vals = [p["scores"][measure] for p in per if measure in p["scores"]]
    return int(round(sum(vals))), len(vals)


def pool(paths: list, split: str) -> dict:
    blocks = load_blocks(paths, split)
    check_compatible(blocks)
    per = [entry for _, _, entries in blocks for entry in entries]
    scored = [m for m in METRICS + [PALETTE, EACH] if any(m in p["scores"] for p in per)]
    samples = sorted(k for _, meta, _ in blocks
                     for k in range(meta["sample_offset"], meta["sample_offset"] + meta["samples_per_prompt"]))
    return {"summary": summarise(per, scored), "counts": {m: count(per, m) for m in scored}, "prompts": per,
            "samples": samples, "meta": blocks[0][1]}


def report(pooled: dict, split: str) -> None:
    per, counts, s = pooled["prompts"], pooled["counts"], pooled["summary"]
    print(f"{split}: {len(per)} clips, samples k {pooled['samples'][0]}-{pooled['samples'][-1]} "
          f"({len(pooled['samples'])} per prompt), model {pooled['meta']['model']}")
    for m, (right, n) in counts.items():
        print(f"  {m:14s} {right:4d}/{n:<4d} = {100 * right / n:5.1f}%")
    print(f"  {'flicker':14s} {s['flicker']:.4f} (ground truth {s['flicker_gt']:.4f}) = {s['flicker_ratio']:.2f}x; "
          f"still scenes {s['flicker_still']:.3f} ({s['still_clips']} clips); speed/gt {s['speed_ratio']:.2f}")
    by_prompt = OrderedDict()
    for p in per:
        by_prompt.setdefault(p["prompt"], []).append(p)
    shown = [m for m in ("colour", EACH, "direction", "subject") if m in counts]
    print(f"  {'prompt':56s} " + " ".join(f"{m:>11s}" for m in shown))
    for prompt, clips in by_prompt.items():
        cells = []
        for m in shown:
            right, n = count(clips, m)
            cells.append(f"{right:>5d}/{n:<5d}" if n else f"{'-':>11s}")
        print(f"  {prompt[:56]:56s} " + " ".join(cells))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("split", choices=["in_distribution", "held_out"])
    ap.add_argument("evaluations", nargs="+", help="eval.evaluate --json files of one model, disjoint sample ranges")
    ap.add_argument("--json", default=None, help="also write the pooled summary, counts and clips here")
    a = ap.parse_args()
    pooled = pool(a.evaluations, a.split)
    report(pooled, a.split)
    if a.json:
        os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
        with open(a.json, "w") as f:
            json.dump(pooled, f, indent=1)


if __name__ == "__main__":
    main()
