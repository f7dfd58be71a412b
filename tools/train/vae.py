"""The built-in model's VAE decoder: constructed (train/latent.py), then fine-tuned on world clips.

    PYTHONPATH=tools HH_THREADS=1 nohup nice -n 10 python3 -m train.vae --run runs/vae --latents runs/latents \
        --minutes 60 &                                            # fine-tune / resume
    PYTHONPATH=tools python3 -m train.vae --run runs/vae --latents runs/latents --preview   # recon.png

The latent is train/latent.py's analytic encoding (block colours + sub-block detail + constant), normalised with
runs/latents/stats.json. The decoder (reference/vae.py VideoDecoder, default widths) starts from the constructed
weights (a trilinear decoder of the block colours) and is fine-tuned to reconstruct the frames, learning to use
the detail channels: data = world clips of 13 frames (train split), random 128x128 crops (half centred on the
subject), latent noise N(0, 0.05^2) in normalised units (robustness to DiT output); loss = L1 (--fg-weight W: a
subject pixel counts 1 + W) + 0.5 * L1 of spatial/temporal differences; Adam 2e-4; EMA 0.99 (exported). --init DIR
starts a new run from an exported model's decoder (e.g. models/builtin) instead of the constructed one. Resumable
from runs/<name>/state.pt (saved atomically every --save-minutes and on SIGTERM). Step s uses world clips
1e6 + s*B + i.
"""
import argparse
import copy
import os
import signal

import numpy as np
import torch

from flow.latent_cache import load_stats
from reference.decoder_files import exported_decoder, trained_decoder
from reference.latent_encoder import encode, to_tensor
from reference.vae import VideoDecoder
from world.clips import world_clip
from world.pngio import downscale, grid, write_png

from .common import CsvLog, Timer, pick_device, save_atomic, to_uint8
from .latent import BUILTIN_DECODER, constructed_decoder, latent_config
from . import fastconv


def batch(step: int, size: int, frames: int, crop: int):
    """(clips [B, 3, F, crop, crop] in [-1, 1], their subject masks [B, 1, F, crop, crop] as 0/1 floats)."""
    xs, ms = [], []
    for i in range(size):
        seed = 1_000_000 + step * size + i
        spec, fr, info, rng = world_clip(seed, frames)
        if crop < 256:
            if rng.random() < 0.5 and info["masks"].any():
                ys, xs_ = np.nonzero(info["masks"][frames // 2])
                cy, cx = (int(ys.mean()), int(xs_.mean())) if len(ys) else (128, 128)
            else:
                cy, cx = rng.integers(0, 256), rng.integers(0, 256)
            y0 = int(np.clip(cy - crop // 2 + rng.integers(-16, 17), 0, 256 - crop)) // 16 * 16
            x0 = int(np.clip(cx - crop // 2 + rng.integers(-16, 17), 0, 256 - crop)) // 16 * 16
            fr = fr[:, y0:y0 + crop, x0:x0 + crop]
            masks = info["masks"][:, y0:y0 + crop, x0:x0 + crop]
        else:
            masks = info["masks"]
        xs.append(to_tensor(np.ascontiguousarray(fr)))
        ms.append(torch.from_numpy(np.ascontiguousarray(masks)).float()[None])  # [1, F, crop, crop]
    return torch.stack(xs), torch.stack(ms)


def normalise(dec: VideoDecoder, mu: torch.Tensor) -> torch.Tensor:
    return (mu - dec.latent_mean.view(1, -1, 1, 1, 1)) / dec.latent_std.view(1, -1, 1, 1, 1)


def losses(dec, x, noise, mask=None, fg_weight=0.0):
    """L1 (each subject pixel weighted 1 + fg_weight, mask [B, 1, F, H, W], normalised by the mean weight) + 0.5 x
    the L1 of spatial and temporal differences; also the plain L1 and the L1 over subject pixels alone."""
    z = normalise(dec, encode(x))
    if noise > 0:
        z = z + noise * torch.randn_like(z)
    y = dec(z, first_chunk=True)
    err = (y - x).abs()  # [B, 3, F, H, W]
    l1 = err.mean()
    fit = l1
    l1_fg = float("nan")
    if mask is not None:
        l1_fg = ((err * mask).sum() / (3 * mask.sum()).clamp(min=1)).item()
        if fg_weight > 0:
            w = 1.0 + fg_weight * mask  # [B, 1, F, H, W], broadcast over colour
            fit = (err * w).mean() / w.mean()
    edge = sum((y.diff(dim=d) - x.diff(dim=d)).abs().mean() for d in (3, 4))
    temporal = (y.diff(dim=2) - x.diff(dim=2)).abs().mean()
    return fit + 0.5 * (edge + temporal), dict(l1=l1.item(), l1_fg=l1_fg, edge=edge.item(), temporal=temporal.item())


def new_decoder(latents: str, overrides: dict | None = None) -> VideoDecoder:
    st = load_stats(latents)
    return constructed_decoder(latent_config(st["latent_mean"], st["latent_std"], overrides))


def decoder_overrides(spatial_upsample: str) -> dict | None:
    """BUILTIN_DECODER with another `spatial_upsample` ("nearest,nearest,nearest,nearest": the decoder shipped
    before 2026-12-04, which reconstructs 16x16 block colours only); None (BUILTIN_DECODER) when empty."""
    if not spatial_upsample:
        return None
    return dict(BUILTIN_DECODER, spatial_upsample=spatial_upsample.split(","))


def load_decoder(run: str, latents: str, which: str = "ema") -> VideoDecoder:
    """The fine-tuned decoder of `run` if it exists (in the architecture it was trained with), the decoder of an
    exported model directory when `run` is one (it holds config.json, e.g. models/builtin: the shipped decoder,
    whose training state is not kept), else the constructed one (BUILTIN_DECODER)."""
    if run and os.path.exists(os.path.join(run, "config.json")):
        return exported_decoder(run)
    path = os.path.join(run, "state.pt") if run else ""
    if not (path and os.path.exists(path)):
        return new_decoder(latents).eval()
    return trained_decoder(path, which)


def train(args):
    dev = pick_device(args.device)
    fastconv.enable()
    torch.manual_seed(0)
    if args.init:  # a new run starts from an exported model's decoder (e.g. models/builtin's fine-tuned one)
        dec = exported_decoder(args.init).train().to(dev)
    else:
        dec = new_decoder(args.latents, decoder_overrides(args.spatial_upsample)).to(dev)
    ema = copy.deepcopy(dec).eval()
    opt = torch.optim.Adam(dec.parameters(), lr=args.lr)
    path = os.path.join(args.run, "state.pt")
    step, before = 0, 0.0
    if os.path.exists(path):
        st = torch.load(path, map_location=dev)
        dec.load_state_dict(st["model"]), ema.load_state_dict(st["ema"]), opt.load_state_dict(st["opt"])
        step, before = st["step"], st["elapsed"]
        print(f"resumed at step {step} ({before / 60:.1f} min)")
    os.makedirs(args.run, exist_ok=True)
    log = CsvLog(os.path.join(args.run, "log.csv"), ["step", "elapsed_s", "loss", "l1", "l1_fg", "edge", "temporal"])

    def snapshot():
        return {"model": dec.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(), "step": step,
                "elapsed": timer.elapsed(), "cfg": dec.cfg}

    timer, last_save = Timer(before), Timer(0)
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))  # `kill PID` saves and exits after the step
    while timer.elapsed() < args.minutes * 60 and not stop:
        x, mask = batch(step, args.batch, args.frames, args.crop)
        loss, parts = losses(dec, x.to(dev), args.noise, mask.to(dev), args.fg_weight)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(dec.parameters(), 1.0)
        opt.step()
        with torch.no_grad():
            for pe, p in zip(ema.parameters(), dec.parameters()):
                pe.lerp_(p, 1 - args.ema)
        step += 1
        log.row(step=step, elapsed_s=round(timer.elapsed(), 1), loss=loss.item(), **parts)
        if step % 10 == 0:
            print(f"step {step} {timer.elapsed() / 60:.1f} min loss {loss.item():.4f} l1 {parts['l1']:.4f} "
                  f"subject l1 {parts['l1_fg']:.4f}", flush=True)
        if last_save.elapsed() > args.save_minutes * 60:
            save_atomic(snapshot(), path)
            last_save = Timer(0)
    save_atomic(snapshot(), path)
    print(f"done: step {step}, {timer.elapsed() / 60:.1f} min")


@torch.no_grad()
def preview(args):
    fastconv.enable()
    dec = load_decoder(args.run, args.latents)
    base = new_decoder(args.latents, decoder_overrides(args.spatial_upsample)).eval()
    rows, e_ft, e_base = [], [], []
    for i in range(6):
        spec, fr, info, _ = world_clip(9_000_000 + i, 13)
        z = normalise(dec, encode(to_tensor(fr)[None]))
        rec, rec0 = to_uint8(dec(z)[0]), to_uint8(base(z)[0])
        e_ft.append(np.abs(rec.astype(np.float32) - fr).mean())
        e_base.append(np.abs(rec0.astype(np.float32) - fr).mean())
        rows.append([downscale(im, 2) for j in (0, 6, 12) for im in (fr[j], rec0[j], rec[j])])
    write_png(os.path.join(args.run, "recon.png"), grid(rows))
    print(f"reconstruction MAE (0..255): constructed {np.mean(e_base):.2f}, fine-tuned {np.mean(e_ft):.2f}; "
          f"wrote {args.run}/recon.png (original | constructed | fine-tuned)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", default="runs/vae")
    ap.add_argument("--latents", default="runs/latents")
    ap.add_argument("--minutes", type=float, default=60.0, help="total training wall time (across resumes)")
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--frames", type=int, default=13)
    ap.add_argument("--crop", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--noise", type=float, default=0.05)
    ap.add_argument("--ema", type=float, default=0.99)
    ap.add_argument("--save-minutes", type=float, default=3.0)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--preview", action="store_true")
    ap.add_argument("--init", default="",
                    help="a new run starts from this exported model directory's decoder (default: the constructed one)")
    ap.add_argument("--fg-weight", type=float, default=0.0,
                    help="each subject pixel's L1 counts 1 + this (the subject is a few %% of the pixels)")
    ap.add_argument("--spatial-upsample", default="",
                    help="per up block, comma-separated: nearest | shuffle (a new run's decoder form; "
                         "default: BUILTIN_DECODER's, shuffle,nearest,nearest,nearest)")
    args = ap.parse_args()
    preview(args) if args.preview else train(args)


if __name__ == "__main__":
    main()
