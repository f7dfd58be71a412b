"""Train the analyser's colour reader (world.colour_reader) on rendered ground truth made soft.

    PYTHONPATH=tools python3 -m world.train_colour_reader [--clips 1800] [--workers 2]
        [--out tools/world/colour_reader.npz]

Each training-split clip (13 frames, fixed seeds, never the validation draws of world.validate) is rendered and
read four ways: crisp; pooled like the latent (time groups {0}, {1..4}, ...; 8x8-pixel block means) and drawn
back bilinearly; Gaussian blur (sigma 1.5-5 px) after a time smear of 2-4 frames; and the pooled form with
colour noise. None of these uses a model's decoder, so the reader does not learn one decoder's habits; it is
checked on ground truth through a decoder with `world.validate --decoder DIR`. The analyser's own masks,
background and time of day feed the features, as when it reads a generated clip. Softmax regression, L2 1e-3,
full-batch Adam; every draw (specs, render seeds, degradations, initialisation) has a fixed seed.
"""
import argparse
import multiprocessing as mp
import time

import numpy as np
import torch
import torch.nn.functional as F

from .analyser import Analyser
from .colour_reader import BINS, WEIGHTS, class_names, colour_features
from .scene import render_clip
from .spec import sample_spec

FRAMES = 13  # 4 latent frames: the evaluation reads 25, but the colour mix of 13 is the same and reads twice as fast
SEED_BASE = 900_000  # render seeds far from world.validate's (0..N) and the evaluation's (0..3)


class _Capture(Analyser):
    """The analyser, keeping the inputs of its colour step instead of reading it (no reader needed to train one)."""

    def __init__(self):
        super().__init__(colour_method="palette")

    def colour(self, frames, masks, rowbg, time, kind):
        self.captured = (frames, masks, rowbg, time, kind)
        return None


def latent_pooled(x: torch.Tensor) -> torch.Tensor:
    """[3, F, H, W] in 0..255 -> the same shape, pooled the way the latent pools (time groups {0}, {1..4}, ...,
    8x8 blocks) and drawn back with linear interpolation."""
    groups = [x[:, :1]] + [x[:, i:i + 4] for i in range(1, x.shape[1], 4)]
    pooled = torch.cat([g.mean(1, keepdim=True) for g in groups], 1)  # [3, T, H, W]
    small = F.avg_pool2d(pooled.transpose(0, 1), 8)  # [T, 3, H/8, W/8]
    big = F.interpolate(small, scale_factor=8, mode="bilinear", align_corners=False)  # [T, 3, H, W]
    lens = [g.shape[1] for g in groups]
    return torch.repeat_interleave(big, torch.tensor(lens), dim=0).transpose(0, 1)  # [3, F, H, W]


def blurred(x: torch.Tensor, sigma: float, smear: int) -> torch.Tensor:
    """[3, F, H, W] -> time box-smeared over `smear` frames, then Gaussian-blurred in space."""
    H, W = x.shape[-2:]
    if smear > 1:
        x = F.avg_pool1d(x.permute(0, 2, 3, 1).reshape(-1, 1, x.shape[1]), smear, 1, padding=0,
                         count_include_pad=False)  # [3*H*W, 1, F-smear+1]
        x = x.reshape(3, H, W, -1).permute(0, 3, 1, 2)  # [3, F', H, W]
    r = int(3 * sigma) + 1
    t = torch.arange(-r, r + 1, dtype=torch.float32)
    k = torch.exp(-0.5 * (t / sigma) ** 2)
    k = k / k.sum()
    y = x.reshape(-1, 1, H, W)  # [3F, 1, H, W]
    y = F.conv2d(F.pad(y, (r, r, 0, 0), mode="replicate"), k.view(1, 1, 1, -1))
    y = F.conv2d(F.pad(y, (0, 0, r, r), mode="replicate"), k.view(1, 1, -1, 1))
    return y.reshape(3, -1, H, W)


def degraded_versions(frames: np.ndarray, rng: np.random.Generator):
    """uint8 [F, H, W, 3] -> a list of uint8 clips: crisp, latent-pooled, blurred + smeared, pooled + noise."""
    x = torch.from_numpy(frames).permute(3, 0, 1, 2).float()  # [3, F, H, W]
    pooled = latent_pooled(x)
    soft = blurred(x, float(rng.uniform(1.5, 5.0)), int(rng.integers(2, 5)))
    noise = torch.from_numpy(rng.normal(0, 6.0, pooled.shape).astype(np.float32))
    out = [x, pooled, soft, pooled + noise]
    return [torch.clamp(v, 0, 255).round().to(torch.uint8).permute(1, 2, 3, 0).numpy() for v in out]


_analyser = None  # one per worker process: building the reference backgrounds costs more than reading a clip


def _work(index: int):
    """Features and labels of clip `index`: ([n, D] float32, [n] int)."""
    global _analyser
    if _analyser is None:
        _analyser = _Capture()
    an = _analyser
    rng = np.random.default_rng([SEED_BASE, index])
    spec = sample_spec(rng, "train")
    frames, _ = render_clip(spec, FRAMES, seed=SEED_BASE + index)
    names = class_names()
    xs, ys = [], []
    for clip in degraded_versions(frames, rng):
        an.captured = None
        an.analyse(clip)
        if an.captured is None:
            continue
        fr, masks, rowbg, tod, _ = an.captured
        feat = colour_features(fr, masks, rowbg, tod)
        if feat is not None:
            xs.append(feat)
            ys.append(names.index(spec.colour))
    return np.array(xs, np.float32).reshape(-1, 2 * BINS ** 3), np.array(ys, np.int64)


def fit(x: np.ndarray, y: np.ndarray, classes: int, l2: float = 1e-3, steps: int = 3000, lr: float = 0.05, log=print):
    """Softmax regression, full-batch Adam: x [N, D], y [N] -> weight [D, K], bias [K]."""
    torch.manual_seed(0)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    w = torch.zeros(x.shape[1], classes, requires_grad=True)
    b = torch.zeros(classes, requires_grad=True)
    opt = torch.optim.Adam([w, b], lr=lr)
    for step in range(steps):
        opt.zero_grad()
        logits = xt @ w + b  # [N, D] @ [D, K] -> [N, K]
        loss = F.cross_entropy(logits, yt) + l2 * (w * w).sum()
        loss.backward()
        opt.step()
        if step % 500 == 0 or step == steps - 1:
            acc = (logits.argmax(1) == yt).float().mean().item()
            log(f"step {step}: loss {loss.item():.4f}, training accuracy {100 * acc:.1f}%")
    return w.detach().numpy(), b.detach().numpy()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=1800)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default=WEIGHTS)
    a = ap.parse_args()
    torch.set_num_threads(1)
    t0 = time.time()
    with mp.Pool(a.workers) as pool:
        parts = pool.map(_work, range(a.clips), chunksize=8)
    x = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    print(f"{len(y)} examples from {a.clips} clips in {time.time() - t0:.0f} s")
    names = class_names()
    w, b = fit(x, y, len(names))
    np.savez(a.out, weight=w.astype(np.float32), bias=b.astype(np.float32), names=np.array(names),
             clips=a.clips, seed_base=SEED_BASE)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
