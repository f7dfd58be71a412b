"""What a bigger built-in DiT would cost to train on this machine: one training step (forward, backward, AdamW) of
the shipped DiT config and of larger variants, on a batch like train.dit's (8 windows of 4 latent frames, 14 text
tokens), median of 5 steps after one warm-up.

    PYTHONPATH=tools python3 -m train.step_cost [--threads 2]

Prints per variant the parameter count and the seconds per step. Only the DiT is timed (no text encoder, no
teacher passes), so a real run with a teacher is slower by the teacher's forward passes.
"""
import argparse
import statistics
import time

import torch

from reference.dit import DiT, DiTConfig

from .builtin import BUILTIN_DIT
from .grow import grown_config

VARIANTS = {
    "shipped (patch 1x2x2: 256 video tokens)": BUILTIN_DIT,
    "patch 1x1x1 (1024 video tokens)": dict(BUILTIN_DIT, patch_size=[1, 1, 1], video_in_channels=16),
    "twice the width (hidden 384)": dict(BUILTIN_DIT, hidden_size=384, num_heads_q=6, num_heads_kv=2,
                                         gelu7_intermediate_size=1536, swiglu7_intermediate_size=1024),
    "10 layers (train.dit --grow-layers 4)": grown_config(BUILTIN_DIT, 4),
    "12 layers (train.dit --grow-layers 6)": grown_config(BUILTIN_DIT, 6),
}


def step_seconds(cfg: dict, repeats: int = 5) -> tuple[int, float]:
    torch.manual_seed(0)
    dit = DiT(DiTConfig.from_dict(cfg))
    opt = torch.optim.AdamW(dit.parameters(), lr=1e-4)
    video = torch.randn(8, cfg["latent_channels"], 4, 16, 16)  # [B, C, K, h, w]
    audio = torch.zeros(8, 0, cfg["audio_in_channels"])  # [B, 0, audio_in]
    text = torch.randn(8, 14, cfg["text_in_channels"])  # [B, L, text_in]
    times = []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        v, _ = dit(video, audio, text)
        loss = v.pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - start)
    return sum(p.numel() for p in dit.parameters()), statistics.median(times[1:])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    for name, cfg in VARIANTS.items():
        params, seconds = step_seconds(cfg)
        print(f"{name:42s} {params / 1e6:6.2f} M parameters  {seconds:5.2f} s per step", flush=True)


if __name__ == "__main__":
    main()
