"""train.dit's batches: which cached clips a step draws, their windows, captions, noise levels and noise.

Step s draws with numpy/torch generators seeded with s (and the run's torch generator), so a resumed run replays
the same batches.
"""
import numpy as np
import torch

from flow.objective import K, mixed_noise
from world.captions import caption
from world.spec import ClipSpec


def clip_weights(specs, alpha: float):
    """Sampling probability per clip [N]: proportional to (its subject's clip count) ** -alpha, so alpha 0 is
    uniform over clips and 1 draws every subject equally often (horses are ~54% of the cached clips)."""
    subjects = [s["subject"] for s in specs]
    count = {name: subjects.count(name) for name in set(subjects)}
    w = np.array([count[name] ** -alpha for name in subjects], np.float64)
    return w / w.sum()


def make_batch(step, latents, specs, tok, args, gen, weights=None, negative=None):
    """One step's batch of --batch rows: (x0 [B, C, K, h, w], caption ids per row, sigma [B], eps [B, C, K, h, w],
    cond [B] bool, clip indices, the negative's caption ids per row or None).
      * a window of K=4 consecutive latent frames from a cached clip latent (start 0 = a first chunk, start >= 1 =
        a later chunk, exactly what chunked generation produces);
      * a fresh caption of the clip's spec from the grammar (--uncond of them empty: unconditional, for CFG); with
        `negative` (the caption-swap arm) also the caption of the negative spec from the same draws;
      * sigma = shift*s/(1+(shift-1)*s), s ~ U(0,1) (--shift); eps ~ N(0, 1), mixed across the window's frames
        with --noise-correlation;
      * cond: with probability --cond-prob latent frame 0 is given clean (continuation)."""
    rng = np.random.default_rng(step)
    n, c, t, h, w = latents.shape
    idx = rng.integers(0, n, args.batch) if weights is None else rng.choice(n, args.batch, p=weights)
    starts = rng.integers(0, t - K + 1, args.batch)
    x0 = torch.stack([latents[i, :, s:s + K] for i, s in zip(idx, starts)]).float()  # [B, C, K, h, w]
    ids, swapped = [], []
    for i in idx:
        spec = ClipSpec(**specs[i])
        if rng.random() < args.uncond:
            ids.append([]), swapped.append(None)
        elif negative is None:
            ids.append(tok.encode(caption(spec, rng))[0]), swapped.append(None)
        else:  # the caption and its swapped twin from the same draws (same words apart from the swapped factor)
            k = int(rng.integers(1 << 30))
            ids.append(tok.encode(caption(spec, np.random.default_rng(k)))[0])
            other = negative(spec, rng)
            swapped.append(None if other is None else tok.encode(caption(other, np.random.default_rng(k)))[0])
    s = torch.rand(args.batch, generator=gen)
    sigma = args.shift * s / (1 + (args.shift - 1) * s)
    eps = torch.randn(x0.shape, generator=gen)
    if args.noise_correlation:
        eps = mixed_noise(eps, args.noise_correlation, gen)
    cond = torch.from_numpy(rng.random(args.batch) < args.cond_prob)
    return x0, ids, sigma, eps, cond, idx, swapped
