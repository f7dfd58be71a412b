"""Reading the clip-latent cache that train.cache_latents writes: shard_XXXX.pt files (latents, specs) and
stats.json (per-channel latent mean/std)."""
import json
import os

import torch


def load_stats(folder: str) -> dict:
    with open(os.path.join(folder, "stats.json")) as f:
        return json.load(f)


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
        m = torch.tensor(st["latent_mean"]).view(1, -1, 1, 1, 1)  # [1, C, 1, 1, 1]
        s = torch.tensor(st["latent_std"]).view(1, -1, 1, 1, 1)  # [1, C, 1, 1, 1]
        lat = ((lat.float() - m) / s).half()
    return lat, specs
