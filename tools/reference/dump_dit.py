"""Writes the DiT and sampler parity fixtures read by Tests/HappyHorseTests/{Model,Sampling}.

    PYTHONPATH=tools python3 -m reference.dump_dit [--out Tests/HappyHorseTests/Fixtures/dit]

Per case <out>/<case>/:
    config.json           the `dit` section (snake_case, as in a model directory)
    weights.safetensors   random weights under the MagiHuman keys (F32, or BF16 for cases marked so; the reference
                          runs on exactly the stored values)
    forward.safetensors   inputs "in.video" [C,T,h,w], "in.audio" [A,audio_in], "in.text" [L,text_in],
                          "in.coords" [N,3]; every named intermediate of reference.dit ("rope.angles", "adapter",
                          "layers.{i}.attention", "layers.{i}", "head.video", "head.audio"); outputs "out.video",
                          "out.audio"
    sampler.safetensors   (cases with a sampler run) "sigmas.distilled" [9], "sigmas.euler" [n+1], "init.video",
                          "init.audio", "cond.video" [C,K,h,w], "noise.{i}.video"/"noise.{i}.audio" (distilled step
                          noise), "distilled.{i}.video/audio" (state after step i), "euler.{i}.video/audio",
                          "neg.text", "unipc.{i}.video/audio" (UniPC bh2 + CFG, 8 steps shift 5, conditioning frame)
Everything is float32. Deterministic (fixed torch seeds).
"""
from __future__ import annotations

import argparse
import json
import math
import os

import torch
from safetensors.torch import save_file

from reference.dit import DiT, DiTConfig
from reference import sampler as S

CASES = [
    # hidden 64, 2 MM + 2 shared + 2 MM, GQA 4/2 x 16, v2, all modalities, odd counts (27 + 9 + 5 tokens).
    dict(name="h64_222_v2", seed=1, bf16=False, sampler=True,
         cfg=dict(hidden_size=64, num_layers=6, num_heads_q=4, num_heads_kv=2, head_dim=16, mm_layers=[0, 1, 4, 5],
                  gelu7_layers=[0, 1], video_in_channels=16, audio_in_channels=8, text_in_channels=24,
                  gelu7_intermediate_size=96, swiglu7_intermediate_size=40, norm_eps=1e-6, rope_theta=10000.0,
                  rope_style="v2", latent_channels=4, patch_size=[1, 2, 2]),
         video=(4, 3, 6, 6), audio=9, text=5),
    # hidden 128, 1 MM + 3 shared + 1 MM, GQA 8/2 x 16, v1 (text angles non-zero), BF16-stored weights.
    dict(name="h128_131_v1", seed=2, bf16=True, sampler=False,
         cfg=dict(hidden_size=128, num_layers=5, num_heads_q=8, num_heads_kv=2, head_dim=16, mm_layers=[0, 4],
                  gelu7_layers=[0], video_in_channels=32, audio_in_channels=12, text_in_channels=40,
                  gelu7_intermediate_size=200, swiglu7_intermediate_size=84, norm_eps=1e-6, rope_theta=10000.0,
                  rope_style="v1", latent_channels=8, patch_size=[1, 2, 2]),
         video=(8, 3, 6, 4), audio=7, text=11),
    # hidden 64, head_dim 32 (4 bands), layout 1+2+1 with gelu7 in an MM and a shared layer, no audio tokens (A=0).
    dict(name="h64_121_noaudio", seed=3, bf16=False, sampler=True,
         cfg=dict(hidden_size=64, num_layers=4, num_heads_q=2, num_heads_kv=1, head_dim=32, mm_layers=[0, 3],
                  gelu7_layers=[0, 1], video_in_channels=16, audio_in_channels=8, text_in_channels=24,
                  gelu7_intermediate_size=72, swiglu7_intermediate_size=48, norm_eps=1e-5, rope_theta=10000.0,
                  rope_style="v2", latent_channels=4, patch_size=[1, 2, 2]),
         video=(4, 2, 4, 6), audio=0, text=3),
    # long sequence (637 tokens > one 512-key attention block), GQA group 4 (8 q / 2 kv heads), 1 MM + 1 shared layer;
    # SwiGLU7 width 200 so the activation kernel splits its rows over 2 workers.
    dict(name="h64_11_long", seed=4, bf16=False, sampler=False,
         cfg=dict(hidden_size=64, num_layers=2, num_heads_q=8, num_heads_kv=2, head_dim=16, mm_layers=[0],
                  gelu7_layers=[0], video_in_channels=16, audio_in_channels=8, text_in_channels=24,
                  gelu7_intermediate_size=64, swiglu7_intermediate_size=200, norm_eps=1e-6, rope_theta=10000.0,
                  rope_style="v2", latent_channels=4, patch_size=[1, 2, 2]),
         video=(4, 5, 16, 16), audio=17, text=300),
]


def randomize(model: DiT, gen: torch.Generator, bf16: bool) -> None:
    """Weights N(0, (1.5/sqrt(fan_in))^2), biases and norm offsets N(0, 0.2^2) (non-zero, so (1+w) is tested)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 2:
                p.copy_(torch.randn(p.shape, generator=gen) * (1.5 / math.sqrt(p.shape[1])))
            else:
                p.copy_(torch.randn(p.shape, generator=gen) * 0.2)
            if bf16:
                p.copy_(p.to(torch.bfloat16).float())


def state_dict_for_file(model: DiT, bf16: bool) -> dict:
    out = {}
    for k, v in model.state_dict().items():
        v = v.detach().contiguous()
        # norm offsets, biases and the bands stay fp32 (as in the real checkpoints' small tensors); matrices BF16
        out[k] = v.to(torch.bfloat16) if (bf16 and v.dim() == 2) else v.float()
    return out


def dump_case(case: dict, out_dir: str) -> None:
    gen = torch.Generator().manual_seed(case["seed"])
    cfg = DiTConfig.from_dict(case["cfg"])
    model = DiT(cfg).eval()
    randomize(model, gen, case["bf16"])
    d = os.path.join(out_dir, case["name"])
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(dict(case["cfg"], weights="weights.safetensors"), f, indent=1)
    save_file(state_dict_for_file(model, case["bf16"]), os.path.join(d, "weights.safetensors"))

    c, t, h, w = case["video"]
    video = torch.randn(c, t, h, w, generator=gen)
    audio = torch.randn(case["audio"], cfg.audio_in_channels, generator=gen)
    text = torch.randn(case["text"], cfg.text_in_channels, generator=gen)
    cap = {}
    with torch.no_grad():
        ov, oa = model(video, audio, text, capture=cap)
    from reference.dit import build_coords
    pt, ph, pw = cfg.patch_size
    coords = build_coords((t // pt, h // ph, w // pw), case["audio"], case["text"], cfg.rope_style).float()
    tensors = {"in.video": video, "in.audio": audio, "in.text": text, "in.coords": coords,
               "out.video": ov, "out.audio": oa}
    tensors.update(cap)
    save_file({k: v.float().clone().contiguous() for k, v in tensors.items()}, os.path.join(d, "forward.safetensors"))
    print(f"{case['name']}: N={coords.shape[0]} |out.video|max={ov.abs().max():.3f} |out.audio|max="
          f"{(oa.abs().max() if oa.numel() else 0):.3f} |adapter|max={cap['adapter'].abs().max():.3f} "
          f"last layer |h|max={cap[f'layers.{cfg.num_layers - 1}'].abs().max():.3f}")

    if not case["sampler"]:
        return
    # Sampler runs on this model with injected noise; distilled: 8 steps shift 5 with 1 conditioning frame;
    # Euler: 6 steps shift 3, no conditioning.
    def denoise(v, a, i):
        with torch.no_grad():
            return model(v, a, text)

    sd = S.sigmas(8, 5.0)
    se = S.sigmas(6, 3.0)
    init_v = torch.randn(c, t, h, w, generator=gen)
    init_a = torch.randn(case["audio"], cfg.audio_in_channels, generator=gen)
    cond = torch.randn(c, 1, h, w, generator=gen)
    noise = [(torch.randn(c, t, h, w, generator=gen), torch.randn(case["audio"], cfg.audio_in_channels, generator=gen))
             for _ in range(len(sd) - 2)]
    fv, fa, trace_d = S.distilled(denoise, init_v, init_a, sd, noise, cond_video=cond)
    _, _, trace_e = S.euler(denoise, init_v, init_a, se)
    st = {"sigmas.distilled": torch.tensor(sd, dtype=torch.float32), "sigmas.euler": torch.tensor(se, dtype=torch.float32),
          "init.video": init_v, "init.audio": init_a, "cond.video": cond, "final.distilled.video": fv,
          "final.distilled.audio": fa}
    for i, (ev, ea) in enumerate(noise):
        st[f"noise.{i}.video"], st[f"noise.{i}.audio"] = ev, ea
    for i, (sv, sa) in enumerate(trace_d):
        st[f"distilled.{i}.video"], st[f"distilled.{i}.audio"] = sv, sa
    for i, (sv, sa) in enumerate(trace_e):
        st[f"euler.{i}.video"], st[f"euler.{i}.audio"] = sv, sa
    # UniPC bh2 (8 steps, shift 5) with CFG: negative text, video scale 5 while int(1000 sigma) > 500 then 2, audio 5.
    neg = torch.randn(case["text"] + 2, cfg.text_in_channels, generator=gen)

    def denoise_cfg(v, a, i):
        with torch.no_grad():
            cv, ca = model(v, a, text)
            uv, ua = model(v, a, neg)
        sv, sa = S.magi_cfg_scales(sd[i])
        return S.cfg_combine(uv, cv, sv), S.cfg_combine(ua, ca, sa)

    fu, fua, trace_u = S.unipc(denoise_cfg, init_v, init_a, sd, cond_video=cond)
    st["neg.text"] = neg
    st["final.unipc.video"], st["final.unipc.audio"] = fu, fua
    for i, (sv, sa) in enumerate(trace_u):
        st[f"unipc.{i}.video"], st[f"unipc.{i}.audio"] = sv, sa
    save_file({k: v.float().clone().contiguous() for k, v in st.items()}, os.path.join(d, "sampler.safetensors"))
    print(f"  sampler: distilled final |v|max={fv.abs().max():.3f}, euler final |v|max={trace_e[-1][0].abs().max():.3f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="Tests/HappyHorseTests/Fixtures/dit")
    args = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(1)
    for case in CASES:
        dump_case(case, args.out)


if __name__ == "__main__":
    main()
