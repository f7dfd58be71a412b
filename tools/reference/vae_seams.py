"""How much chunked decoding (the engine's schedule, reference/pipeline.py step 4) differs from decoding a whole clip
at once, per decode_lookahead, on world clips encoded by a trained VAE.

    PYTHONPATH=tools python3 -m reference.vae_seams runs/vae/state.pt [--clips 4] [--latent-frames 11]
    PYTHONPATH=tools python3 -m reference.vae_seams models/builtin     # a model directory: its decoder, with the
                                                                       # analytic encoder of reference/latent_encoder.py

Prints, per lookahead: mean |chunked - whole| in 8-bit levels over all frames and on both sides of the seams between
decode windows, and the temporal flicker (mean |frame_t - frame_t-1|) at the seams (next to the whole decode's at
the same transitions) and elsewhere, with the whole decode's and the ground truth's flicker.
"""
from __future__ import annotations

import argparse

import torch

from reference.pipeline import chunk_count
from reference.vae import VideoVAE


def chunked_decode(dec, z: torch.Tensor, k: int, c: int, lookahead: int) -> tuple[torch.Tensor, list]:
    """The engine's decode schedule over a given clip latent z [1, C, T, h, w]; returns pixels and the pixel index
    of the first frame of every decode window after the first (the seams)."""
    t = z.shape[2]
    n = chunk_count(t, k, c)
    decoded, outs, seams = 0, [], []
    for chunk in range(n):
        covered = min(t, k + chunk * (k - c))
        end = t if chunk == n - 1 else max(0, min(t, covered - lookahead))
        if end > decoded:
            lo = max(0, decoded - 1)
            hi = min(covered, end + lookahead)
            if decoded > 0:
                seams.append(1 + 4 * (decoded - 1))
            outs.append(dec.decode_window(z[:, :, lo:hi], decoded - lo, end - lo, 1, lookahead, offset=lo))
            decoded = end
    return torch.cat(outs, dim=2), seams


def levels(x: torch.Tensor) -> torch.Tensor:
    return torch.floor(torch.clamp(0.5 * x + 0.5, 0, 1) * 255.0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("state")
    ap.add_argument("--clips", type=int, default=4)
    ap.add_argument("--latent-frames", type=int, default=11)
    ap.add_argument("--chunk", type=int, default=4)
    ap.add_argument("--context", type=int, default=1)
    args = ap.parse_args()
    torch.set_grad_enabled(False)
    from reference.latent_encoder import encode as analytic_encode, to_tensor
    from world.clips import world_clip
    import os
    if os.path.isdir(args.state):
        import json
        from safetensors.torch import load_file
        with open(os.path.join(args.state, "config.json")) as f:
            cfg = json.load(f)["vae"]
        vae = VideoVAE(cfg)
        vae.decoder.load_state_dict(load_file(os.path.join(args.state, cfg["weights"])))
        vae.encode = lambda x: vae.normalize(analytic_encode(x))
    else:
        state = torch.load(args.state, map_location="cpu", weights_only=False)
        vae = VideoVAE(state.get("cfg"))
        vae.load_state_dict(state.get("ema", state.get("model")), strict=False)
    vae.eval()
    frames = 4 * (args.latent_frames - 1) + 1
    rows = {la: [] for la in (0, 1, 2, 3)}
    base = []
    for i in range(args.clips):
        _, fr, _, _ = world_clip(2_000_000 + i, frames, split="train")
        x = to_tensor(fr)[None]  # [1, 3, F, H, W]
        z = vae.encode(x)
        whole = levels(vae.decoder(z, first_chunk=True))
        gt = levels(x)
        flick = lambda v: (v[:, :, 1:] - v[:, :, :-1]).abs().mean(dim=(0, 1, 3, 4))  # per transition t-1 -> t
        fw_clip = flick(whole)
        base.append((fw_clip, flick(gt), (whole - gt).abs().mean()))
        for la in rows:
            y, seams = chunked_decode(vae.decoder, z, args.chunk, args.context, la)
            y = levels(y)
            diff = (y - whole).abs().mean(dim=(0, 1, 3, 4))  # per frame
            f = flick(y)
            seam_t = [s - 1 for s in seams]  # transition index (s-1 -> s)
            other = [j for j in range(f.shape[0]) if j not in seam_t]
            rows[la].append((diff.mean(), diff[[s - 1 for s in seams] + seams].mean(), f[seam_t].mean(),
                             fw_clip[seam_t].mean(), f[other].mean()))
    fw = torch.stack([torch.stack([b[0].mean(), b[1].mean(), b[2]]) for b in base]).mean(0)
    print(f"{args.clips} clips of {frames} frames; whole decode: flicker {fw[0]:.3f}, ground truth flicker "
          f"{fw[1]:.3f}, |whole - gt| {fw[2]:.2f} (8-bit levels)")
    for la, r in rows.items():
        m = torch.tensor([[float(v) for v in row] for row in r]).mean(0)
        print(f"lookahead {la}: |chunked - whole| all {m[0]:.3f}, on both sides of seams {m[1]:.3f}; flicker at seams "
              f"{m[2]:.3f} (whole decode there {m[3]:.3f}), elsewhere {m[4]:.3f}")


if __name__ == "__main__":
    main()
