"""Render world clips and store their latents (reference/latent_encoder.py's analytic encoder) for DiT training.

    PYTHONPATH=tools nice -n 10 python3 -m train.cache_latents --out runs/latents --clips 4000

Clip i = world clip 5e6 + i (train split: held-out combinations never appear), 25 frames -> latent mu
[16, 7, 16, 16] (unnormalised, float16), in shards of 250 clips (runs/latents/shard_XXXX.pt, with the specs),
written atomically; an interrupted run resumes at the next missing shard. After the first shard, the
per-channel latent mean/std (stats.json) is computed from it (the constant channel gets std 1). flow/latent_cache.py
reads the cache back.
"""
import argparse
import json
import os

import torch

from reference.latent_encoder import encode, to_tensor
from world.clips import world_clip

from .common import save_atomic

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


if __name__ == "__main__":
    main()
