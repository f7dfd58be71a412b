"""Parity dumps of the end-to-end pipeline (reference/pipeline.py) for the Swift TextToVideoPipeline tests.

    PYTHONPATH=tools python3 -m reference.dump_pipeline            # tiny random models -> Fixtures/pipeline/tiny*/
    PYTHONPATH=tools python3 -m reference.dump_pipeline --builtin  # models/builtin -> Fixtures/pipeline/builtin.safetensors

tiny/: a complete random model directory (config.json, dit/text_encoder/vae_decoder safetensors, tokenizer.json) at
64x32 pixels, plus generation.safetensors: text [L, text_in], chunk{k}.latent [C, K, h, w], chunk{k}.pixels
[3, F_k, H, W] and rgb8 [N, H, W, 3] (uint8 values as F32) of `generate(PROMPT, SEED, DURATION)`, and
generation.json with the request. tiny_guided/ is the same model with pipeline.autoguidance by a second random DiT
and text encoder (guide_*.safetensors), dumped to generation_guided.*. The noise comes from the NoiseGenerator twin,
so nothing is injected: the Swift pipeline must reproduce the same numbers from the same seed.
"""
from __future__ import annotations

import argparse
import json
import os

import torch
from safetensors.torch import save_file

from reference.dit import DiT, DiTConfig
from reference.pipeline import generate, load_model
from reference.text_encoder import TextEncoder, WordTokenizer
from reference.vae import VideoDecoder

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
FIXTURES = os.path.join(ROOT, "Tests", "HappyHorseTests", "Fixtures", "pipeline")

PROMPT = "A grey horse gallops to the left on a snowy field, at dusk on Mars"
SEED = 7
DURATION = 0.84  # 21 frames at 25 fps -> T = 6 latent frames -> 2 chunks of 4 (context 1)

TINY = {
    "format": "happyhorse-model/1",
    "name": "tiny-random",
    "dit": {"weights": "dit.safetensors", "hidden_size": 32, "num_layers": 3, "num_heads_q": 4, "num_heads_kv": 2,
            "head_dim": 8, "mm_layers": [0], "gelu7_layers": [0], "video_in_channels": 16, "audio_in_channels": 4,
            "text_in_channels": 24, "gelu7_intermediate_size": 40, "swiglu7_intermediate_size": 24,
            "norm_eps": 1e-6, "rope_theta": 10000.0, "rope_style": "v2", "latent_channels": 4, "patch_size": [1, 2, 2]},
    "text_encoder": {"weights": "text_encoder.safetensors", "tokenizer": "tokenizer.json", "hidden_size": 24,
                     "num_layers": 2, "num_heads": 2, "num_kv_heads": 1, "head_dim": 12, "intermediate_size": 40,
                     "norm_eps": 1e-6, "rope_theta": 10000.0, "attn_logit_softcap": 50.0, "max_tokens": 16},
    "vae": {"weights": "vae_decoder.safetensors", "latent_channels": 4, "out_channels": 3, "patch_size": 2,
            "block_out_channels": [8, 6, 4, 4], "layers_per_block": [1, 1, 0, 0, 1],
            "upsample": ["3d", "3d", "2d", "none"], "temporal_kernel": [3, 1, 1, 1]},
    "pipeline": {"fps": 25, "width": 32, "height": 64, "sampler": "distilled", "num_inference_steps": 3,
                 "shift": 5.0, "sigmas": None, "chunk_latent_frames": 4, "context_latent_frames": 1,
                 "default_duration_s": 1.0},
}

WORDS = ["a", "the", "grey", "bay", "horse", "gallops", "walks", "to", "left", "right", "on", "snowy", "field",
         "at", "dusk", ","]


def builtin_sized_config() -> dict:
    """The built-in model's starting-point sizes (docs/design.md), for benchmarks before a trained model exists."""
    from reference.text_encoder import DEFAULT_TEXT_ENCODER_CONFIG
    from reference.vae import DEFAULT_VAE_CONFIG
    dit = {"weights": "dit.safetensors", "hidden_size": 256, "num_layers": 8, "num_heads_q": 4, "num_heads_kv": 2,
           "head_dim": 64, "mm_layers": [0, 1, 6, 7], "gelu7_layers": [0, 1], "video_in_channels": 64,
           "audio_in_channels": 16, "text_in_channels": 128, "gelu7_intermediate_size": 1024,
           "swiglu7_intermediate_size": 680, "norm_eps": 1e-6, "rope_theta": 10000.0, "rope_style": "v2",
           "latent_channels": 16, "patch_size": [1, 2, 2]}
    vae = {k: v for k, v in DEFAULT_VAE_CONFIG.items() if not k.startswith("encoder_")}
    return {"format": "happyhorse-model/1", "name": "random-builtin-sized", "dit": dit,
            "text_encoder": dict(DEFAULT_TEXT_ENCODER_CONFIG), "vae": vae,
            "pipeline": {"fps": 25, "width": 256, "height": 256, "sampler": "distilled", "num_inference_steps": 8,
                         "shift": 5.0, "sigmas": None, "chunk_latent_frames": 4, "context_latent_frames": 1,
                         "default_duration_s": 5.0}}


def random_dit(cfg: dict) -> DiT:
    dit = DiT(DiTConfig.from_dict(cfg))
    dit.reset_parameters(std=0.2)
    with torch.no_grad():
        for name, p in dit.named_parameters():
            if p.dim() == 1 and "bands" not in name:
                p.copy_(0.1 * torch.randn_like(p))
    return dit


def write_tiny(directory: str, config: dict | None = None, guided: bool = False):
    """A random model directory; `guided`: plus a second random DiT and text encoder as its autoguidance guide."""
    os.makedirs(directory, exist_ok=True)
    torch.manual_seed(11)
    cfg = json.loads(json.dumps(config or TINY))
    tok = WordTokenizer.build(WORDS)
    tok.save(os.path.join(directory, "tokenizer.json"))
    cfg["text_encoder"]["vocab_size"] = len(tok.vocab)
    c = cfg["vae"]["latent_channels"]
    cfg["vae"]["latent_mean"] = (0.2 * torch.randn(c)).tolist()
    cfg["vae"]["latent_std"] = (0.6 + 0.5 * torch.rand(c)).tolist()

    dit = random_dit(cfg["dit"])
    te = TextEncoder(cfg["text_encoder"])
    vae = VideoDecoder(cfg["vae"])
    modules = [("dit", dit), ("text_encoder", te), ("vae_decoder", vae)]
    if guided:  # drawn after the model's weights, which stay those of the unguided tiny model
        modules += [("guide_dit", random_dit(cfg["dit"])), ("guide_text_encoder", TextEncoder(cfg["text_encoder"]))]
        cfg["pipeline"]["autoguidance"] = {"dit_weights": "guide_dit.safetensors",
                                           "text_encoder_weights": "guide_text_encoder.safetensors",
                                           "scale": 2.5, "threshold": 0.3}
    for name, module in modules:
        sd = {k: v.detach().float().contiguous() for k, v in module.state_dict().items()}
        save_file(sd, os.path.join(directory, f"{name}.safetensors"))
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump(cfg, f, indent=1)


MODEL_FILES = ["config.json", "tokenizer.json", "dit.safetensors", "text_encoder.safetensors", "vae_decoder.safetensors"]


def fingerprint(model_dir: str) -> list:
    """Per model file: [name, size, sum of its little-endian uint32 words mod 2^64] (zero-padded to 4 bytes); the
    Swift test recomputes it to tell whether the dump still belongs to the model directory."""
    import numpy as np
    out = []
    with open(os.path.join(model_dir, "config.json")) as f:
        autoguidance = json.load(f).get("pipeline", {}).get("autoguidance")
    guide_files = [autoguidance["dit_weights"], autoguidance["text_encoder_weights"]] if autoguidance else []
    for name in MODEL_FILES + guide_files:
        with open(os.path.join(model_dir, name), "rb") as f:
            data = f.read()
        padded = data + b"\0" * (-len(data) % 4)
        words = np.frombuffer(padded, dtype="<u4").astype(np.uint64)
        out.append([name, len(data), int(words.sum(dtype=np.uint64))])
    return out


def dump(model_dir: str, out_file: str, prompt: str, seed: int, duration: float, keep_pixels: bool = True,
         rgb_frames: list | None = None):
    """rgb_frames: store only these frames of rgb8 (as F16, exact for 0...255) under rgb8.{index}; default all, F32."""
    model = load_model(model_dir)
    trace: dict = {}
    rgb = generate(model, prompt, seed, duration, trace=trace, log=lambda s: print("  log:", s))
    io = {k: v.float().contiguous() for k, v in trace.items() if keep_pixels or not k.endswith(".pixels")}
    if rgb_frames is None:
        io["rgb8"] = rgb.float().contiguous()
    else:
        for i in rgb_frames:
            io[f"rgb8.{i}"] = rgb[i].to(torch.float16).contiguous()  # [H, W, 3]
    save_file(io, out_file)
    with open(os.path.splitext(out_file)[0] + ".json", "w") as f:
        json.dump({"prompt": prompt, "seed": seed, "duration_s": duration, "frames": rgb.shape[0],
                   "model": os.path.relpath(model_dir, ROOT), "fingerprint": fingerprint(model_dir)}, f, indent=1)
    print(f"{out_file}: {rgb.shape[0]} frames {tuple(rgb.shape[1:3])}, keys {sorted(io)}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--builtin", action="store_true")
    ap.add_argument("--random-builtin-sized", metavar="DIR", help="write a random model at the built-in sizes to DIR")
    args = ap.parse_args()
    torch.set_grad_enabled(False)
    if args.random_builtin_sized:
        write_tiny(args.random_builtin_sized, builtin_sized_config())
    elif args.builtin:
        # 15 frames: T = 5 latent frames, 2 chunks (continuation); first, seam-side and last frames stored
        dump(os.path.join(ROOT, "models", "builtin"), os.path.join(FIXTURES, "builtin.safetensors"),
             "a chestnut horse gallops to the right on a beach", 3, 0.6, keep_pixels=False, rgb_frames=[0, 8, 9, 14])
    else:
        tiny = os.path.join(FIXTURES, "tiny")
        write_tiny(tiny)
        dump(tiny, os.path.join(FIXTURES, "generation.safetensors"), PROMPT, SEED, DURATION)
        guided = os.path.join(FIXTURES, "tiny_guided")
        write_tiny(guided, guided=True)
        dump(guided, os.path.join(FIXTURES, "generation_guided.safetensors"), PROMPT, SEED, DURATION)


if __name__ == "__main__":
    main()
