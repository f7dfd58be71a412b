"""Shared training utilities: device choice, atomic resumable state, CSV logging, 8-bit frames."""
import csv
import json
import os
import time

import numpy as np
import torch


def export_config(directory: str) -> dict:
    """An exported model directory's config.json."""
    with open(os.path.join(directory, "config.json")) as f:
        return json.load(f)


def pick_device(prefer: str = "auto") -> torch.device:
    """CUDA when present (never required), else CPU with 2 threads (shared machine)."""
    if prefer in ("auto", "cuda") and torch.cuda.is_available():
        return torch.device("cuda")
    torch.set_num_threads(int(os.environ.get("HH_THREADS", "2")))
    return torch.device("cpu")


def fast_bf16(dev: torch.device) -> bool:
    """Whether bf16 autocast speeds up matmuls on `dev`: CUDA, or a CPU with native bf16 (AVX512-BF16 or AMX-BF16).
    On an AVX2-only CPU PyTorch emulates bf16 and a DiT training step took 15 s instead of 1.8 s in fp32."""
    if dev.type == "cuda":
        return True
    try:
        with open("/proc/cpuinfo") as f:
            flags = f.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def save_atomic(obj, path: str) -> None:
    """torch.save to a temp file in the same folder, then rename over `path` (never a half-written state)."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


class CsvLog:
    """Appends rows to runs/<name>/log.csv (header written once)."""

    def __init__(self, path: str, fields):
        self.path, self.fields = path, list(fields)
        new = not os.path.exists(path)
        self.f = open(path, "a", newline="")
        self.w = csv.DictWriter(self.f, fieldnames=self.fields)
        if new:
            self.w.writeheader()

    def row(self, **kw):
        self.w.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in kw.items()})
        self.f.flush()


class Timer:
    """Wall time accumulated across resumes (elapsed_before + time since start)."""

    def __init__(self, before: float = 0.0):
        self.before, self.t0 = before, time.time()

    def elapsed(self) -> float:
        return self.before + time.time() - self.t0


def to_uint8(video: torch.Tensor) -> np.ndarray:
    """[3, F, H, W] in [-1, 1] -> uint8 [F, H, W, 3] (rgb = clamp(0.5 y + 0.5), trunc(rgb * 255))."""
    x = (video.detach().float().cpu() * 0.5 + 0.5).clamp(0, 1) * 255.0
    return x.permute(1, 2, 3, 0).to(torch.uint8).numpy()
