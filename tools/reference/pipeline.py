"""Reference end-to-end text-to-video generation: the exact procedure of the engine's TextToVideoPipeline
(Sources/HappyHorse/Pipeline), in PyTorch, over a model directory (docs/design.md "Model directory").
The evaluation tool uses it; the Swift pipeline parity test compares against a dump of it.

    PYTHONPATH=tools python3 -m reference.pipeline models/builtin "a grey horse gallops left on a beach" \
        --seed 42 --duration 2 --out /tmp/clip.npy

Procedure (one generation):
  1. Prompt -> tokenizer (unknown words dropped and reported) -> text encoder -> [L, text_in], trimmed to
     text_encoder.max_tokens rows. With guidance_scale > 1 the negative prompt is encoded the same way (CFG,
     spec §3.3: v = v_u + s (v_c - v_u), two DiT evaluations per step).
  2. Frames: N = max(1, round(duration * fps)); latent frames T = ceil((N - 1) / 4) + 1 (so 4(T-1)+1 >= N);
     the decoded clip is trimmed to exactly N frames.
  3. Chunks of K = chunk_latent_frames latent frames; chunk 0 is K new frames, every later chunk re-uses the last
     c = context_latent_frames latent frames of the previous chunk as its first c frames (spec §2.8 continuation:
     overwritten before every DiT call and after the last step) and adds K - c new ones. Chunks are generated
     until they cover T latent frames (the last one is full size; its extra latent frames are not decoded).
  4. Per chunk: noise [C, K, h, w] from the NoiseGenerator, the sampler of the `pipeline` section (distilled: one
     fresh noise tensor [C, K, h, w] per step whose next sigma is > 0, drawn after the initial noise, in step order;
     euler: none), the static hold when pipeline.static_hold_threshold > 0 (static_hold: the held latents are also
     the next chunk's context), then the decode of every clip latent frame not decoded yet except the last D =
     pipeline.decode_lookahead (default 1) ones, which wait for the next chunk so that every decoded frame has D
     latent frames of right context (the last chunk decodes up to T). Windows have one latent frame of left context
     and D of right context whose pixel frames are cropped (VideoDecoder.decode_window; the first-chunk rule only at
     clip frame 0).
  5. RGB8: trunc(clamp(0.5 y + 0.5, 0, 1) * 255).
Autoguidance (pipeline.autoguidance: guide DiT and text-encoder weights, scale w, threshold lambda): the prompt is
also encoded by the guide's text encoder, and every DiT velocity v is combined with the guide DiT's v_g on the same
input by sampler.autoguidance_combine (per latent pixel gate on |v - v_g|), before CFG.
Noise: one NoiseGenerator(seed) per generation, drawn in the order above (chunk by chunk), float32 values. With
pipeline.noise_correlation rho > 0 every one of those tensors is a mixed draw (mixed_noise): its own [C, K, h, w],
then a shared [C, 1, h, w], combined as sqrt(rho) shared + sqrt(1 - rho) own (Sampling/MixedNoise.swift).
"""
from __future__ import annotations

import argparse
import json
import math
import os
from dataclasses import dataclass, field

import torch
from safetensors.torch import load_file

from reference.dit import DiT, DiTConfig
from reference import sampler as samplers
from reference.text_encoder import TextEncoder, WordTokenizer, text_encoder_config
from reference.vae import VideoDecoder, vae_config

MASK64 = (1 << 64) - 1


class NoiseGenerator:
    """Twin of Sources/HappyHorse/Sampling/NoiseGenerator.swift: SplitMix64 seeding, xoshiro256**, Box-Muller in
    double precision (pairs: r cos, r sin; the spare of an odd count dropped), rounded to float32."""

    def __init__(self, seed: int):
        x = seed & MASK64
        s = []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & MASK64
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
            s.append(z ^ (z >> 31))
        self.s = s

    @staticmethod
    def _rotl(x: int, k: int) -> int:
        return ((x << k) | (x >> (64 - k))) & MASK64

    def next(self) -> int:
        s0, s1, s2, s3 = self.s
        result = (self._rotl((s1 * 5) & MASK64, 7) * 9) & MASK64
        t = (s1 << 17) & MASK64
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = self._rotl(s3, 45)
        self.s = [s0, s1, s2, s3]
        return result

    def normals(self, count: int) -> torch.Tensor:
        out = [0.0] * count
        i = 0
        while i < count:
            a, b = self.next(), self.next()
            u1 = ((a >> 11) + 1) * 2.0 ** -53
            u2 = (b >> 11) * 2.0 ** -53
            r = math.sqrt(-2.0 * math.log(u1))
            out[i] = r * math.cos(2.0 * math.pi * u2)
            if i + 1 < count:
                out[i + 1] = r * math.sin(2.0 * math.pi * u2)
            i += 2
        return torch.tensor(out, dtype=torch.float32)

    def normal_tensor(self, shape) -> torch.Tensor:
        return self.normals(math.prod(shape)).reshape(shape)


@dataclass
class Guide:
    """pipeline.autoguidance: a weaker DiT and text encoder of the same shapes (an earlier training checkpoint; the
    tokenizer is the model's), and the gated combination's scale and threshold (samplers.autoguidance_combine)."""
    dit: DiT
    text_encoder: TextEncoder
    scale: float
    threshold: float


@dataclass
class Model:
    config: dict
    dit: DiT
    text_encoder: TextEncoder
    tokenizer: WordTokenizer
    vae: VideoDecoder
    pipeline: dict = field(default_factory=dict)
    guide: Guide | None = None


PIPELINE_DEFAULTS = {"fps": 25, "width": 256, "height": 256, "sampler": "distilled", "num_inference_steps": 8,
                     "shift": 5.0, "sigmas": None, "chunk_latent_frames": 4, "context_latent_frames": 1,
                     "default_duration_s": 5.0, "supports_cfg": True, "decode_lookahead": 1, "noise_correlation": 0.0,
                     "static_hold_threshold": 0.0}


def load_model(directory: str) -> Model:
    with open(os.path.join(directory, "config.json")) as f:
        config = json.load(f)
    dit = DiT(DiTConfig.from_dict(config["dit"]))
    dit.load_state_dict(load_file(os.path.join(directory, config["dit"].get("weights", "dit.safetensors"))), strict=True)
    te_cfg = text_encoder_config(config["text_encoder"])
    te = TextEncoder(te_cfg)
    te.load_state_dict(load_file(os.path.join(directory, te_cfg["weights"])), strict=True)
    tok = WordTokenizer.from_file(os.path.join(directory, te_cfg["tokenizer"]))
    v_cfg = vae_config(config["vae"])
    vae = VideoDecoder(v_cfg)
    vae.load_state_dict(load_file(os.path.join(directory, v_cfg["weights"])), strict=True)
    pipe = dict(PIPELINE_DEFAULTS, **config.get("pipeline", {}))
    guide = None
    if pipe.get("autoguidance"):
        ag = pipe["autoguidance"]
        g_dit = DiT(DiTConfig.from_dict(config["dit"]))
        g_dit.load_state_dict(load_file(os.path.join(directory, ag["dit_weights"])), strict=True)
        g_te = TextEncoder(te_cfg)
        g_te.load_state_dict(load_file(os.path.join(directory, ag["text_encoder_weights"])), strict=True)
        g_dit.eval()
        g_te.eval()
        guide = Guide(g_dit, g_te, float(ag.get("scale", 1.0)), float(ag.get("threshold", 0.0)))
    for m in (dit, te, vae):
        m.eval()
    return Model(config, dit, te, tok, vae, pipe, guide)


def mixed_noise(rng: NoiseGenerator, shape, rho: float) -> torch.Tensor:
    """A chunk's noise [C, K, h, w] whose frames share the fraction rho: own [C, K, h, w] drawn first, then shared
    [C, 1, h, w]; sqrt(rho) shared + sqrt(1 - rho) own in float32 (rho = 0: own alone, no second draw)."""
    own = rng.normal_tensor(shape)  # [C, K, h, w]
    if rho <= 0:
        return own
    shared = rng.normal_tensor((shape[0], 1) + tuple(shape[2:]))  # [C, 1, h, w]
    a = torch.tensor(math.sqrt(rho), dtype=torch.float32)
    b = torch.tensor(math.sqrt(1.0 - rho), dtype=torch.float32)
    return a * shared + b * own  # [C, K, h, w] (shared broadcast over K)


def static_hold(lat: torch.Tensor, threshold: float) -> torch.Tensor:
    """A chunk's latents [C, K, h, w] after the static hold (a motion-adaptive recursive filter over its frames):
    y_0 = x_0 and, for t >= 1, per latent pixel, d = x_t - y_{t-1}, a2 = mean over C of d^2 (the RMS change a,
    squared), g = a2^2 / (a2^2 + tau^4) (= a^4 / (a^4 + tau^4)), y_t = y_{t-1} + g d, in float32 (tau = threshold).
    A latent pixel whose change is well below tau (the DiT's frame-to-frame jitter on a still background) keeps its
    previous value; one that changes by well above tau
    (a moving subject) passes almost unchanged; a slow drift builds up against the held value until it passes.
    Frame 0 is the continuation context of a later chunk (the previous chunk's held last frame), so holding
    carries across chunks. threshold <= 0: lat itself."""
    if threshold <= 0:
        return lat
    tau4 = torch.tensor(threshold ** 4, dtype=torch.float32)
    y = lat.clone()
    for t in range(1, lat.shape[1]):
        d = lat[:, t] - y[:, t - 1]  # [C, h, w]
        a2 = d.pow(2).mean(dim=0, keepdim=True)  # [1, h, w]
        a4 = a2 * a2
        y[:, t] = y[:, t - 1] + (a4 / (a4 + tau4)) * d
    return y


def frame_count(duration: float, fps: int) -> int:
    """Frames of a clip: max(1, round(duration * fps)) (round half to even, like Swift's .toNearestOrEven)."""
    return max(1, round(duration * fps))


def latent_frames_for(frames: int, temporal_factor: int = 4) -> int:
    """Smallest T with temporal_factor (T-1) + 1 >= frames."""
    return (frames - 1 + temporal_factor - 1) // temporal_factor + 1


def chunk_count(t_latent: int, k: int, c: int) -> int:
    """Chunks of k latent frames, c of them carried over, needed to cover t_latent latent frames."""
    if t_latent <= k:
        return 1
    return 1 + (t_latent - k + (k - c) - 1) // (k - c)


def encode_prompt(model: Model, text: str, encoder: TextEncoder | None = None) -> tuple[torch.Tensor, list[str]]:
    """[L, text_in] (L <= max_tokens; L may be 0) and the unknown words; `encoder` (default the model's: the
    guide's for autoguidance) encodes the tokenizer's ids."""
    encoder = encoder or model.text_encoder
    ids, unknown = model.tokenizer.encode(text)
    hidden = encoder.cfg["hidden_size"]
    if not ids:
        return torch.zeros(0, hidden), unknown
    with torch.no_grad():
        out = encoder(torch.tensor([ids], dtype=torch.long))[0]
    return out[: encoder.cfg["max_tokens"]], unknown


def sigma_schedule(pipe: dict, steps: int) -> list:
    if pipe.get("sigmas") and steps == pipe["num_inference_steps"]:
        return [float(s) for s in pipe["sigmas"]]
    return samplers.sigmas(steps, pipe["shift"])


def resolved_guidance(pipe: dict, requested: float | None) -> float:
    """None or 0: the model's default (pipeline.guidance_scale, 1.0 = none when absent); else `requested`
    (the engine's TextToVideoEngine.resolve)."""
    return requested if requested else pipe.get("guidance_scale", 1.0)


@torch.no_grad()
def generate(model: Model, prompt: str, seed: int = 42, duration: float | None = None, steps: int = 0,
             guidance_scale: float | None = None, negative_prompt: str = "", trace: dict | None = None,
             log=print, guide: "Model | None" = None, guide_scale: float = 1.0,
             guide_threshold: float = 0.0) -> torch.Tensor:
    """uint8 frames [N, H, W, 3]. `trace` (optional dict) receives per-chunk latents and pixels.
    Autoguidance comes from the model's pipeline.autoguidance (model.guide); `guide` (research) overrides it with
    another model directory's DiT and text encoder at `guide_scale` and `guide_threshold` (0: ungated,
    v = v_g + guide_scale (v - v_g))."""
    pipe = model.pipeline
    fps = pipe["fps"]
    duration = pipe["default_duration_s"] if duration is None else duration
    steps = steps or pipe["num_inference_steps"]
    sig = sigma_schedule(pipe, steps)
    text, unknown = encode_prompt(model, prompt)
    if unknown:
        log(f"unknown words ignored: {' '.join(unknown)}")
    guidance_scale = resolved_guidance(pipe, guidance_scale)
    use_cfg = guidance_scale > 1.0 and pipe.get("supports_cfg", True)
    neg = encode_prompt(model, negative_prompt)[0] if use_cfg else None
    if trace is not None:
        trace["text"] = text

    vcfg = model.vae.cfg
    tf = 2 ** sum(u == "3d" for u in vcfg["upsample"])
    sf = vcfg["patch_size"] * 2 ** sum(u != "none" for u in vcfg["upsample"])
    c_lat = vcfg["latent_channels"]
    h, w = pipe["height"] // sf, pipe["width"] // sf
    n_frames = frame_count(duration, fps)
    t_lat = latent_frames_for(n_frames, tf)
    k, ctx = pipe["chunk_latent_frames"], pipe["context_latent_frames"]
    n_chunks = chunk_count(t_lat, k, ctx)
    audio = torch.zeros(0, model.dit.cfg.audio_in_channels)
    rng = NoiseGenerator(seed)

    def velocity(x, text_rows):
        v, _ = model.dit(x, audio, text_rows)
        return v

    if guide is not None:  # research override: another export
        guide = Guide(guide.dit, guide.text_encoder, guide_scale, guide_threshold)
    else:
        guide = model.guide
    guide_text = encode_prompt(model, prompt, guide.text_encoder)[0] if guide is not None else None

    def denoise(video, aud, i):
        v = velocity(video, text)
        if guide is not None:  # pipeline.autoguidance: the weaker DiT on the same input, then the gated combination
            v = samplers.autoguidance_combine(guide.dit(video, audio, guide_text)[0], v, guide.scale,
                                              guide.threshold, channel_dim=0)
        if use_cfg:
            v = samplers.cfg_combine(velocity(video, neg), v, guidance_scale)
        return v, torch.zeros_like(aud)

    lookahead = pipe.get("decode_lookahead", 1)
    frames = []
    clip = None  # [C, n, h, w]: every latent frame of the clip generated so far
    decoded = 0  # clip latent frames decoded so far
    prev_chunk = None
    for chunk in range(n_chunks):
        shape = (c_lat, k, h, w)
        rho = pipe["noise_correlation"]
        x = mixed_noise(rng, shape, rho)
        cond = None if chunk == 0 or ctx == 0 else prev_chunk[:, k - ctx:]
        if pipe["sampler"] == "distilled":
            noise = [(mixed_noise(rng, shape, rho), audio) for i in range(len(sig) - 1) if sig[i + 1] > 0]
            noise += [None] * (len(sig) - 1 - len(noise))
            lat, _, _ = samplers.distilled(denoise, x, audio, sig, noise, cond)
        else:
            lat, _, _ = samplers.euler(denoise, x, audio, sig, cond)
        lat = static_hold(lat, pipe["static_hold_threshold"])
        new = lat if chunk == 0 else lat[:, ctx:]  # the chunk's new latent frames
        clip = new if clip is None else torch.cat([clip, new], dim=1)
        last = chunk == n_chunks - 1
        end = t_lat if last else min(t_lat, clip.shape[1] - lookahead)
        pixels = torch.zeros(3, 0, pipe["height"], pipe["width"])
        if end > decoded:
            lo = max(0, decoded - 1)  # one latent frame of left context
            hi = min(clip.shape[1], end + lookahead)  # `lookahead` frames of right context
            pixels = model.vae.decode_window(clip[None, :, lo:hi], decoded - lo, end - lo, 1, lookahead, offset=lo)[0]
            decoded = end
        if trace is not None:
            trace[f"chunk{chunk}.latent"] = lat.clone()
            trace[f"chunk{chunk}.pixels"] = pixels.clone()
        frames.append(pixels)
        prev_chunk = lat
    pixels = torch.cat(frames, dim=1)[:, :n_frames]  # [3, N, H, W]
    rgb = torch.clamp(0.5 * pixels + 0.5, 0.0, 1.0)
    return torch.floor(rgb * 255.0).to(torch.uint8).permute(1, 2, 3, 0).contiguous()  # [N, H, W, 3]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model_dir")
    ap.add_argument("prompt")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--duration", type=float, default=None)
    ap.add_argument("--steps", type=int, default=0)
    ap.add_argument("--guidance", type=float, default=0.0, help="0 = the model's default (pipeline.guidance_scale)")
    ap.add_argument("--negative", default="")
    ap.add_argument("--out", default="clip.npy", help=".npy of uint8 [N, H, W, 3]")
    args = ap.parse_args()
    torch.set_grad_enabled(False)
    model = load_model(args.model_dir)
    import time
    t0 = time.time()
    clip = generate(model, args.prompt, args.seed, args.duration, args.steps, args.guidance, args.negative)
    print(f"{tuple(clip.shape)} frames in {time.time() - t0:.1f} s")
    import numpy as np
    np.save(args.out, clip.numpy())


if __name__ == "__main__":
    main()
