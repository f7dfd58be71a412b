"""Render world clips and store their latents (train/latent.py's analytic encoder) for DiT training.

    PYTHONPATH=tools nice -n 10 python3 -m train.cache_latents --out runs/latents --clips 4000

Clip i = world clip 5e6 + i (train split: held-out combinations never appear), 25 frames -> latent mu
[16, 7, 16, 16] (unnormalised, float16), in shards of 250 clips (runs/latents/shard_XXXX.pt, with the specs),
written atomically; an interrupted run resumes at the next missing shard. After the first shard, the
per-channel latent mean/std (stats.json) is computed from it (the constant channel gets std 1).
"""
import argparse
import json
import os

import torch

from .common import save_atomic, to_tensor, world_clip
from .latent import encode

SHARD = 250
FRAMES = 25
SEED_BASE = 5_000_000


def write_stats(folder: str, mu: torch.Tensor) -> dict:
    mu = mu.float()
    mean = mu.mean(dim=(0, 2, 3, 4))
    std = mu.std(dim=(0, 2, 3, 4))
    std = torch.where(std < 1e-3, torch.ones_like(std), std)
    stats = {"latent_mean": [round(float(v), 6) for v in mean], "latent_std": [round(float(v), 6) for v in std],
             "clips": int(mu.shape[0])}
    with open(os.path.join(folder, "stats.json"), "w") as f:
        json.dump(stats, f, indent=1)
    return stats


def load_stats(folder: str) -> dict:
    with open(os.path.join(folder, "stats.json")) as f:
        return json.load(f)


@torch.no_grad()
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="runs/latents")
    ap.add_argument("--clips", type=int, default=4000)
    args = ap.parse_args()
    torch.set_num_threads(1)
    os.makedirs(args.out, exist_ok=True)
    for shard in range((args.clips + SHARD - 1) // SHARD):
        path = os.path.join(args.out, f"shard_{shard:04d}.pt")
        if os.path.exists(path):
            continue
        lats, specs, seeds = [], [], []
        for i in range(shard * SHARD, min(args.clips, (shard + 1) * SHARD)):
            spec, fr, info, _ = world_clip(SEED_BASE + i, FRAMES)
            lats.append(encode(to_tensor(fr)[None])[0].half())
            specs.append(spec.to_dict())
            seeds.append(SEED_BASE + i)
        lat = torch.stack(lats)
        save_atomic({"latents": lat, "specs": specs, "seeds": seeds, "frames": FRAMES}, path)
        if not os.path.exists(os.path.join(args.out, "stats.json")):
            write_stats(args.out, lat)
        print(f"shard {shard}: {len(lats)} clips", flush=True)


def load_latents(folder: str, normalise: bool = True):
    """(float16 latents [N, C, T, h, w] normalised with stats.json, list of spec dicts) from every shard."""
    lats, specs = [], []
    for name in sorted(os.listdir(folder)):
        if name.startswith("shard_") and name.endswith(".pt"):
            d = torch.load(os.path.join(folder, name))
            lats.append(d["latents"])
            specs += d["specs"]
    lat = torch.cat(lats)
    if normalise:
        st = load_stats(folder)
        m = torch.tensor(st["latent_mean"]).view(1, -1, 1, 1, 1)
        s = torch.tensor(st["latent_std"]).view(1, -1, 1, 1, 1)
        lat = ((lat.float() - m) / s).half()
    return lat, specs


if __name__ == "__main__":
    main()
