"""Parity dumps of the text encoder, tokenizer and VAE decoder for the Swift tests (CI never runs torch).

    PYTHONPATH=tools python3 -m reference.dump_te_vae          # writes Tests/HappyHorseTests/Fixtures/{te,vae}/

Tiny random configs with odd sizes. Files (all tensors F32; token ids are stored as F32 values):
  te/config.json              {"text_encoder": {...}}
  te/text_encoder.safetensors checkpoint keys exactly as a model directory holds them
  te/tokenizer.json           WordLevel / Lowercase / Whitespace
  te/tokenizer_cases.json     [{"text", "ids", "unknown"}] golden tokenizations
  te/io.safetensors           ids [L], embeddings [L, H], layers.{i}.attention [L, H], layers.{i} [L, H], output [L, H]
  vae/config.json             {"vae": {...}}
  vae/vae_decoder.safetensors
  vae/first.safetensors       z [C, T, h, w] (normalised latent), the named intermediates of VideoDecoder.forward
                              (batch dim dropped, [C, T, H, W]) with first_chunk=True, pixels [3, F, H, W],
                              rgb8 [F, H, W, 3] (uint8 values as F32)
  vae/later.safetensors       the same with first_chunk=False on other latents
  vae/window.safetensors      z [C, 6, h, w]; window_{a}_{b}_{l}_{r} = decode_window(z, a, b, l, r) pixels
"""
from __future__ import annotations

import json
import os

import torch
from safetensors.torch import save_file

from reference.text_encoder import TextEncoder, WordTokenizer
from reference.vae import VideoDecoder, vae_config

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "HappyHorseTests", "Fixtures")

WORDS = ["a", "the", "chestnut", "bay", "grey", "horse", "horses", "gallops", "walks", "to", "left", "right", "on",
         "snowy", "field", "at", "dusk", "beach", "café", "2", ",", "!", "'", "t", "don", "-"]

TOKENIZER_CASES = [
    "A chestnut horse gallops to the left on a snowy field at dusk",
    "Snowy field at dusk, chestnut horse galloping left!",
    "  the\tGREY horse\nwalks   right  ",
    "don't gallop-walk on the moon!!",
    "café 2 horses, 22 zebras",
    "",
    "?!",
]

TE_CONFIG = {
    "hidden_size": 40, "num_layers": 2, "num_heads": 4, "num_kv_heads": 2, "head_dim": 10,
    "intermediate_size": 56, "norm_eps": 1e-6, "rope_theta": 10000.0, "attn_logit_softcap": 50.0,
}

VAE_CONFIG = {
    "latent_channels": 5, "out_channels": 3, "patch_size": 2,
    "block_out_channels": [12, 8, 6, 6], "layers_per_block": [1, 1, 1, 0, 1],
    "upsample": ["3d", "3d", "2d", "none"], "temporal_kernel": [3, 3, 1, 1],
    "spatial_upsample": ["nearest", "shuffle", "shuffle", "nearest"],  # both forms, in a "3d" and a "2d" upsampler
}


def contiguous(d: dict) -> dict:
    return {k: v.detach().float().contiguous() for k, v in d.items()}


def to_rgb8(pixels: torch.Tensor) -> torch.Tensor:
    """[3, F, H, W] in [-1, 1] -> uint8 values [F, H, W, 3] (as F32): trunc(clamp(0.5y+0.5, 0, 1) * 255)."""
    rgb = torch.clamp(0.5 * pixels + 0.5, 0.0, 1.0)
    return torch.floor(rgb * 255.0).permute(1, 2, 3, 0)


def dump_text_encoder(out: str):
    os.makedirs(out, exist_ok=True)
    tok = WordTokenizer.build(WORDS)
    tok.save(os.path.join(out, "tokenizer.json"))
    cases = []
    for text in TOKENIZER_CASES:
        ids, unknown = tok.encode(text)
        cases.append({"text": text, "ids": ids, "unknown": unknown})
    with open(os.path.join(out, "tokenizer_cases.json"), "w", encoding="utf-8") as f:
        json.dump(cases, f, indent=1, ensure_ascii=False)

    section = dict(TE_CONFIG, vocab_size=len(tok.vocab))
    torch.manual_seed(4)
    te = TextEncoder(section)
    with torch.no_grad():
        for name, p in te.named_parameters():
            if name.endswith("norm.weight") or "layernorm" in name:
                p.copy_(0.3 * torch.randn_like(p))  # exercise the (1 + w) scale
            elif "q_proj" in name or "k_proj" in name:
                p.mul_(6.0)  # logits of tens, so the soft-cap matters
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump({"text_encoder": te.cfg}, f, indent=1)
    save_file(contiguous(te.state_dict()), os.path.join(out, "text_encoder.safetensors"))

    ids = torch.tensor([cases[0]["ids"]], dtype=torch.long)  # [1, L]
    trace: dict = {}
    with torch.no_grad():
        te(ids, trace=trace)
    io = {k: v[0] for k, v in trace.items()}
    io["ids"] = ids[0].float()
    save_file(contiguous(io), os.path.join(out, "io.safetensors"))
    print(f"te: vocab {len(tok.vocab)}, L {ids.shape[1]}, keys {len(te.state_dict())}, "
          f"max |logit| {max_logit(te, ids):.1f}")


def max_logit(te: TextEncoder, ids: torch.Tensor) -> float:
    """Largest pre-cap attention logit of layer 0 (to show the soft-cap is exercised)."""
    from reference.text_encoder import rope_cos_sin, rotate_half
    layer = te.encoder.layers[0]
    a = layer.self_attn
    with torch.no_grad():
        x = te.encoder.embed_tokens(ids) * te.cfg["hidden_size"] ** 0.5
        h = layer.pre_self_attn_layernorm(x)
        b, n, _ = h.shape
        cos, sin = rope_cos_sin(n, a.d, te.cfg["rope_theta"])
        q = a.q_proj(h).view(b, n, a.nh, a.d).transpose(1, 2)
        k = a.k_proj(h).view(b, n, a.nkv, a.d).transpose(1, 2).repeat_interleave(a.nh // a.nkv, dim=1)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        return float(((q @ k.transpose(-1, -2)) * a.d ** -0.5).abs().max())


def dump_vae(out: str):
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(5)
    c = VAE_CONFIG["latent_channels"]
    section = dict(VAE_CONFIG, latent_mean=(0.3 * torch.randn(c)).tolist(),
                   latent_std=(0.5 + torch.rand(c)).tolist())
    dec = VideoDecoder(section)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump({"vae": vae_config(section)}, f, indent=1)
    save_file(contiguous(dec.state_dict()), os.path.join(out, "vae_decoder.safetensors"))

    for name, first, t in (("first", True, 3), ("later", False, 2)):
        z = torch.randn(1, c, t, 2, 3)  # [B, C, T, h, w]
        trace: dict = {}
        with torch.no_grad():
            pixels = dec(z, first_chunk=first, trace=trace)
        io = {k: v[0] for k, v in trace.items()}
        io["z"] = z[0]
        io["rgb8"] = to_rgb8(pixels[0])
        save_file(contiguous(io), os.path.join(out, f"{name}.safetensors"))
        print(f"vae {name}: z {tuple(z.shape[1:])} -> pixels {tuple(pixels.shape[1:])}")

    z = torch.randn(1, c, 6, 2, 3)
    io = {"z": z[0]}
    with torch.no_grad():
        for a, b, lft, rgt in ((0, 3, 1, 1), (3, 6, 1, 0), (1, 3, 1, 0)):
            io[f"window_{a}_{b}_{lft}_{rgt}"] = dec.decode_window(z, a, b, lft, rgt)[0]
    save_file(contiguous(io), os.path.join(out, "window.safetensors"))
    print("vae windows:", {k: tuple(v.shape) for k, v in io.items()})


def main():
    dump_text_encoder(os.path.join(ROOT, "te"))
    dump_vae(os.path.join(ROOT, "vae"))


if __name__ == "__main__":
    main()
