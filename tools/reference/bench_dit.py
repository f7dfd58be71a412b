"""Times one DiT forward of the PyTorch reference on the SAME weights and inputs as the Swift benchmark.

Invoked by `happyhorse-bench dit` (Sources/HappyHorseBench/DiTBench.swift) in the same run:

    PYTHONPATH=tools python3 -m reference.bench_dit --config cfg.json --weights w.safetensors \
        --inputs in.safetensors --threads 2 --repeats 3 [--output out.safetensors]

config: the `dit` section; weights: MagiHuman keys (loaded strictly); inputs: "in.video" [C,T,h,w], "in.audio"
[A,audio_in], "in.text" [L,text_in]. Prints one JSON line {"ms_median": .., "ms_all": [..], "threads": ..,
"torch": version}; with --output it also writes the velocities ("out.video", "out.audio") so the caller can
check that both engines computed the same thing.
"""
from __future__ import annotations

import argparse
import json
import time

import torch
from safetensors.torch import load_file, save_file

from reference.dit import DiT, DiTConfig


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--output")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    with open(args.config) as f:
        cfg = DiTConfig.from_dict(json.load(f))
    with torch.device("meta"):
        model = DiT(cfg)
    model = model.to_empty(device="cpu")
    model.load_state_dict(load_file(args.weights), strict=True)
    model.eval()
    inputs = load_file(args.inputs)
    video, audio, text = inputs["in.video"], inputs["in.audio"], inputs["in.text"]

    times = []
    with torch.inference_mode():
        out = model(video, audio, text)  # warm-up
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            out = model(video, audio, text)
            times.append((time.perf_counter() - t0) * 1e3)
    if args.output:
        save_file({"out.video": out[0].contiguous(), "out.audio": out[1].contiguous()}, args.output)
    times_sorted = sorted(times)
    print(json.dumps({"ms_median": times_sorted[len(times) // 2], "ms_all": times, "threads": torch.get_num_threads(),
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
