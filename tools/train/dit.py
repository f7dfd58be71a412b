"""Train the built-in DiT and text encoder jointly with rectified flow on cached VAE latents of world clips.

    PYTHONPATH=tools nohup nice -n 10 python3 -m train.dit --run runs/dit --latents runs/latents --minutes 100 &

Rerunning the same command resumes from runs/<name>/state.pt (saved atomically every --save-minutes).
Per step (batch B, fixed seeds: step s uses numpy/torch generators seeded with s):
  * a window of K=4 consecutive latent frames from a cached 7-frame clip latent (start 0 = a first chunk,
    start >= 1 = a later chunk, exactly what chunked generation produces);
  * a fresh caption of the clip's spec from the grammar (10% empty captions: unconditional, for CFG); the batch
    runs as one DiT call with captions padded and masked out of attention (padded_forward; until step 7063
    captions were length-matched and the batch split into groups of equal text length, 2.5 calls per step);
  * sigma = shift*s/(1+(shift-1)*s), s ~ U(0,1) (--shift, default 5; a fine-tune for a sampler with another
    schedule shift uses that one), x = (1-sigma) x0 + sigma eps,
    target v = eps - x0, MSE over the video latent, weighted 1 + fg_weight on subject pixels (foreground_weight);
  * continuation: with probability 0.5 latent frame 0 is the clean x0 frame (as the engine overwrites it) and is
    excluded from the loss.
The text encoder (reference/text_encoder.py) runs on the caption ids and feeds the DiT's text tokens.
Guidance distillation (--distill-guidance G --teacher DIR, e.g. G = 3 and the exported models/builtin): the target is
the frozen teacher's classifier-free guided velocity v_u + G (v_c - v_u) on the same noisy input (v_u with an empty
caption) instead of eps - x0, so one student pass does what two teacher passes did; start the student from the
teacher (--init DIR) and export it with --guidance 1 --distilled-guidance G.
Data-anchored guidance (--teacher DIR --distill-guidance 1 --guidance-delta K): target = eps - x0 + K (v_c - v_u) of
the teacher, whose MSE minimiser is the guided velocity v_c + K (v_c - v_u) of the data's own conditional velocity v_c;
with a teacher that was itself guidance-distilled at G (its v_c - v_u is G times the undistilled one), K = (G-1)/G
keeps guidance G while the data, not the teacher, decides everything else. Used with --noise-correlation RHO (a mixed
noise prior: every window's noise is sqrt(RHO) of one tensor shared by its frames plus sqrt(1-RHO) of its own), so
the DiT learns inputs whose noise is correlated across frames, which the teacher never saw.
Low-noise fine-tune (--teacher DIR --distill-guidance 1 --data-below S, e.g. --shift 1 and S = 0.4): rows with
sigma <= S learn the data, the others keep the frozen teacher's (already guidance-distilled) conditional velocity;
for a model whose high-noise steps are right and whose low-noise denoising is not (docs/builtin-model.md).
Autoguidance (--teacher DIR --distill-guidance 1 --guide DIR2 --guide-scale W): the target built as above (the
teacher's velocity, or the data-anchored one) is pushed away from a weaker model's conditional velocity v_g (DIR2, an
earlier export with its own text encoder, run on the same noisy input and caption): v_g + W (target - v_g), the
autoguidance of Karras et al. 2024 ("Guiding a diffusion model with a bad version of itself") distilled into one pass;
--guide-threshold L gates it per latent pixel like the engine's pipeline.autoguidance (reference.sampler
autoguidance_combine: where target and v_g agree to well under L the target is kept).
Optional --temporal-weight W adds W x temporal_difference_loss (the error's frame-to-frame differences; an experiment
of 2026-12-03 that did not change the clips, docs/builtin-model.md "Motion").
Optional --direction-weight W adds W x the cross-entropy of a DirectionProbe on the text encoder's output (captions of
moving subjects), so that the text keeps left and right apart (docs/builtin-model.md "Motion").
Optional --swap-weight W adds W x caption_swap_loss: for rows of moving subjects the DiT also runs on the same noisy
input with the direction-swapped caption, and a cross-entropy rewards the right caption's lower flow loss (a
diffusion classifier), so that the DiT uses the caption's direction rather than only what x_t shows (one more
forward pass over those rows, about 1.6x the step time). --swap-factors direction,colour also draws, per row, a
swap of the colour for a confusable one (bay/brown/chestnut, black/grey...), and count one horse for a pair or a pair
for one horse. With --distill-guidance both captions' losses are taken against the data (eps - x0), not the teacher's
target.
AdamW, warm-up 200 steps, optional linear cooldown (--decay-start/--decay-end), gradient clip 1, EMA min(0.999, (1+s)/(10+s)) (exported); matmuls in bf16 autocast (fp32 weights) where
the device has fast bf16 (CUDA, AVX512-BF16/AMX CPUs; --bf16 on|off overrides).
"""
import argparse
import copy
import dataclasses
import math
import os
import signal

import numpy as np
import torch

from reference.dit import DiT, DiTConfig
from reference.sampler import autoguidance_combine
from reference.text_encoder import TextEncoder, WordTokenizer, text_encoder_config
from world.captions import caption
from world.spec import (ACTION_CLASS, HORSE_LIKE, PLAIN_COLOURS, SUBJECT_ACTIONS, SUBJECT_DIRECTIONS, ClipSpec,
                        is_legal, load_heldout)

from .build_tokenizer import tokenizer_json
from .grow import grown_config, grown_state
from .cache_latents import load_latents
from .common import CsvLog, Timer, export_config, fast_bf16, pick_device, save_atomic
from world.captions import vocabulary

# The DiT a fresh run builds: the design's plan shrunk for this CPU (docs/builtin-model.md): hidden 192, 6 layers
# (sandwich: MM layers 0,1 and 4,5; shared 2,3; GELU7 in 0,1, SwiGLU7 elsewhere), GQA 3 q heads / 1 kv head x 64,
# per-head gates. 2.4 M active parameters per token (5.5 M stored: MM layers hold 3 experts). The shipped export
# was grown from it to 10 layers (--grow-layers 4: mm_layers [0, 1, 8, 9]); --init from an export keeps its config.
BUILTIN_DIT = dict(hidden_size=192, num_layers=6, num_heads_q=3, num_heads_kv=1, head_dim=64,
                   mm_layers=[0, 1, 4, 5], gelu7_layers=[0, 1], video_in_channels=64, audio_in_channels=16,
                   text_in_channels=128, gelu7_intermediate_size=768, swiglu7_intermediate_size=512,
                   norm_eps=1e-6, rope_theta=10000.0, rope_style="v2", latent_channels=16, patch_size=[1, 2, 2])
K = 4


def builtin_tokenizer() -> WordTokenizer:
    return WordTokenizer.from_json(tokenizer_json(vocabulary()))


def builtin_text_encoder_config(vocab_size: int) -> dict:
    return text_encoder_config({"vocab_size": vocab_size})


def clip_weights(specs, alpha: float):
    """Sampling probability per clip [N]: proportional to (its subject's clip count) ** -alpha, so alpha 0 is
    uniform over clips and 1 draws every subject equally often (horses are ~54% of the cached clips)."""
    subjects = [s["subject"] for s in specs]
    count = {name: subjects.count(name) for name in set(subjects)}
    w = np.array([count[name] ** -alpha for name in subjects], np.float64)
    return w / w.sum()


def make_batch(step, latents, specs, tok, args, gen, weights=None):
    rng = np.random.default_rng(step)
    n, c, t, h, w = latents.shape
    idx = rng.integers(0, n, args.batch) if weights is None else rng.choice(n, args.batch, p=weights)
    starts = rng.integers(0, t - K + 1, args.batch)
    x0 = torch.stack([latents[i, :, s:s + K] for i, s in zip(idx, starts)]).float()
    ids, swapped = [], []
    for i in idx:
        spec = ClipSpec(**specs[i])
        if rng.random() < args.uncond:
            ids.append([]), swapped.append(None)
        elif not args.swap_weight:
            ids.append(tok.encode(caption(spec, rng))[0]), swapped.append(None)
        else:  # the caption and its swapped twin from the same draws (same words apart from the swapped factor)
            k = int(rng.integers(1 << 30))
            ids.append(tok.encode(caption(spec, np.random.default_rng(k)))[0])
            other = swapped_spec(spec, args.swap_factors, rng)
            swapped.append(None if other is None else tok.encode(caption(other, np.random.default_rng(k)))[0])
    s = torch.rand(args.batch, generator=gen)
    sigma = args.shift * s / (1 + (args.shift - 1) * s)
    eps = torch.randn(x0.shape, generator=gen)
    if args.noise_correlation:
        eps = mixed_noise(eps, args.noise_correlation, gen)
    cond = torch.from_numpy(rng.random(args.batch) < args.cond_prob)
    return x0, ids, sigma, eps, cond, idx, swapped


def mixed_noise(eps: torch.Tensor, rho: float, gen) -> torch.Tensor:
    """Noise shared across a window's latent frames to the fraction rho (a mixed noise prior):
    sqrt(rho) shared + sqrt(1 - rho) eps, shared [B, C, 1, h, w] drawn after eps [B, C, K, h, w] and broadcast over K.
    Still unit variance per element; frames correlate by rho. The sampler draws the same way
    (reference.pipeline.mixed_noise) when config.json's pipeline.noise_correlation is rho."""
    shared = torch.randn(eps.shape[:2] + (1,) + eps.shape[3:], generator=gen)  # [B, C, 1, h, w]
    return math.sqrt(rho) * shared + math.sqrt(1.0 - rho) * eps  # [B, C, K, h, w]


OPPOSITE = {"left": "right", "right": "left", "towards": "away", "away": "towards"}


def opposite_direction(spec: ClipSpec):
    """The spec of the same clip moving the other way, or None for a subject that stands still (its caption's
    direction is a facing, which the latent hardly resolves)."""
    if ACTION_CLASS[spec.action] == "still" or spec.direction not in OPPOSITE:
        return None
    return dataclasses.replace(spec, direction=OPPOSITE[spec.direction])


# The coats the analyser most often confuses on blurred subjects (docs/builtin-model.md "What is weak").
NEIGHBOUR_COATS = {"bay": ["brown", "chestnut"], "chestnut": ["bay", "palomino"], "brown": ["bay", "black"],
                   "black": ["brown", "grey"], "grey": ["white", "black"], "white": ["grey", "palomino"],
                   "palomino": ["chestnut", "white"]}


def neighbour_colour(spec: ClipSpec, rng):
    """The spec with a confusable colour: a neighbouring coat for horses, another plain colour for balls/birds."""
    if spec.subject in HORSE_LIKE:
        choices = NEIGHBOUR_COATS[spec.colour]
    else:
        choices = [c for c in PLAIN_COLOURS if c != spec.colour]
    return dataclasses.replace(spec, colour=str(rng.choice(choices)))


def other_count(spec: ClipSpec):
    """The spec with one horse for a pair, or a pair for a lone horse where the world has pairs (moving or facing
    left/right, no jump); None otherwise (riders, balls, birds)."""
    if spec.subject == "two_horses":
        return dataclasses.replace(spec, subject="horse")
    if (spec.subject == "horse" and spec.direction in SUBJECT_DIRECTIONS["two_horses"]
            and spec.action in SUBJECT_ACTIONS["two_horses"]):
        return dataclasses.replace(spec, subject="two_horses")
    return None


HELDOUT = load_heldout()


def swapped_spec(spec: ClipSpec, factors: list, rng):
    """The caption-swap negative of a training row: the direction swapped (moving subjects only), with "colour" in
    factors the colour swapped for a confusable one, with "count" one horse for two or two for one (other_count);
    one applicable factor drawn per row. None if no factor applies, or if the negative is not a legal clip or is a
    held-out combination (a held-out caption must not reach training, not even as a negative).
    Direction-only draws no random numbers, so runs made before --swap-factors replay the same batches."""
    if factors == ["direction"]:
        other = opposite_direction(spec)
    else:
        fixed = {"direction": opposite_direction(spec), "count": other_count(spec)}  # the colour is drawn when picked
        options = [f for f in factors if f == "colour" or fixed[f] is not None]
        if not options:
            return None
        factor = options[int(rng.integers(len(options)))]
        other = neighbour_colour(spec, rng) if factor == "colour" else fixed[factor]
    if other is None or not is_legal(other) or other.combo() in HELDOUT:
        return None
    return other


def row_error(v: torch.Tensor, target: torch.Tensor, px: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Foreground-weighted MSE per row: v, target [R, C, K, h, w], px [R, 1, K, h, w], weight [R, K] -> [R]."""
    err = ((v - target).pow(2) * px).mean(dim=(1, 3, 4)) / px.mean(dim=(1, 3, 4))  # [R, K]
    return (err * weight).sum(1) / weight.sum(1)


def caption_swap_loss(loss_right: torch.Tensor, loss_wrong: torch.Tensor, temperature: float) -> torch.Tensor:
    """Diffusion-classifier cross-entropy of picking the right caption over its direction-swapped twin by their
    flow losses on the same noisy input: softplus(-d / T), d = (L_wrong - L_right) / L_right (relative, so rows of
    every noise level count alike; L_right's scale is detached). Both [R] -> scalar. The plain loss lets the DiT
    ignore a factor that the noisy input itself already shows (mid noise: the trajectory is visible in x_t), which
    is what eval.caption_swap measured for left/right; this term rewards using the caption for it. Saturates once
    the wrong caption costs a few T more, so it cannot push the wrong-caption prediction away without bound."""
    d = (loss_wrong - loss_right) / loss_right.detach().clamp_min(1e-6)  # [R]
    return torch.nn.functional.softplus(-d / temperature).mean()


def learning_rate(step: int, args, warmup_start: int = 0) -> float:
    """Warm-up over the 200 steps after `warmup_start` (the first step of this optimiser: 0, or the step of the
    export a run was initialised from), constant, then (with --decay-start/--decay-end) a linear cooldown to
    --decay-floor x lr between those steps, held at the floor after them."""
    lr = args.lr * min(1.0, (step - warmup_start + 1) / 200)
    if args.decay_end > args.decay_start >= 0 and step >= args.decay_start:
        frac = min(1.0, (step - args.decay_start) / (args.decay_end - args.decay_start))
        lr *= 1.0 - (1.0 - args.decay_floor) * frac
    return lr


def foreground_weight(x0: torch.Tensor, extra: float, threshold: float = 0.5) -> torch.Tensor:
    """Per latent pixel loss weight [B, 1, K, h, w]: 1 + extra where the block colour (channels 0..2, normalised)
    stands out from its row's median (the world's backgrounds are row-wise nearly uniform), i.e. on the subject.
    About 5% of latent pixels are foreground; extra=8 gives them ~30% of the loss instead of ~5%."""
    rgb = x0[:, :3]  # [B, 3, K, h, w]
    dev = (rgb - rgb.median(dim=-1, keepdim=True).values).pow(2).sum(1, keepdim=True).sqrt()  # [B, 1, K, h, w]
    return 1.0 + extra * (dev > threshold).float()


def temporal_difference_loss(v: torch.Tensor, target: torch.Tensor, px: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
    """Weighted MSE of the error's frame-to-frame differences: mean over pairs (t, t+1) of
    |(v - target)_{t+1} - (v - target)_t|^2, weighted per latent pixel by max(px_t, px_{t+1}) (the subject in either
    frame), pairs that touch a clean conditioning frame 0 left out.
    v, target [B, C, K, h, w]; px [B, 1, K, h, w]; cond [B] bool -> scalar.
    An error that is the same in every frame (a consistently wrong colour) costs nothing here; one that changes
    between frames (a subject that does not move with the data, background that flickers) costs twice its energy.
    With uniform weights its minimiser is the plain MSE's (the posterior mean), so it shifts the training's emphasis
    towards temporal consistency and motion rather than the target."""
    err = v - target
    d = (err[:, :, 1:] - err[:, :, :-1]).pow(2)  # [B, C, K-1, h, w]
    w = torch.maximum(px[:, :, 1:], px[:, :, :-1])  # [B, 1, K-1, h, w]
    per_pair = (d * w).mean(dim=(1, 3, 4)) / w.mean(dim=(1, 3, 4))  # [B, K-1]
    keep = torch.ones_like(per_pair)
    keep[cond, 0] = 0.0
    return ((per_pair * keep).sum(1) / keep.sum(1)).mean()


def padded_forward(dit, te, x, ids, dev, with_text: bool = False):
    """One DiT call for the whole batch: captions padded to the longest with [PAD] (id 0), padded rows masked out
    of both the text encoder's and the DiT's attention (exact for rope_style v2, whose text coordinates are all
    zero, so padding moves no real token). Empty captions (unconditional rows) attend to video keys only.
    Returns velocity [B, C, K, h, w]; with_text: (velocity, text [B, Lmax, text_in], mask [B, Lmax])."""
    b = x.shape[0]
    lmax = max(len(seq) for seq in ids)
    audio = torch.zeros(b, 0, dit.cfg.audio_in_channels, device=dev)
    if lmax == 0:
        v = dit(x, audio, torch.zeros(b, 0, dit.cfg.text_in_channels, device=dev))[0]
        return (v, None, None) if with_text else v
    ids_t = torch.zeros(b, lmax, dtype=torch.long, device=dev)  # [B, Lmax]
    mask = torch.zeros(b, lmax, dtype=torch.bool, device=dev)  # [B, Lmax], True = real token
    for j, seq in enumerate(ids):
        ids_t[j, :len(seq)] = torch.tensor(seq, dtype=torch.long)
        mask[j, :len(seq)] = True
    te_mask = mask.clone()
    te_mask[:, 0] = True  # an empty caption's encoder rows attend to something (no 0/0); the DiT ignores them
    text = te(ids_t, te_mask)  # [B, Lmax, text_in]
    v = dit(x, audio, text, text_mask=mask)[0]
    return (v, text, mask) if with_text else v


DIRECTION_LABELS = ["left", "right", "towards", "away"]


class DirectionProbe(torch.nn.Module):
    """Linear classifier of a caption's motion direction from the text encoder's output, mean-pooled over the real
    tokens: text [B, L, text_in], mask [B, L] -> logits [B, 4] (DIRECTION_LABELS). Trained jointly (--direction-weight)
    so that the text encoder keeps left and right apart; the DiT can only follow a direction the text separates
    (eval.text_separation: 0.10 for left/right against 0.52 for a coat colour without it). Not exported."""

    def __init__(self, text_in: int):
        super().__init__()
        self.linear = torch.nn.Linear(text_in, len(DIRECTION_LABELS))

    def forward(self, text: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        m = mask.unsqueeze(-1).to(text.dtype)  # [B, L, 1]
        pooled = (text * m).sum(1) / m.sum(1).clamp_min(1.0)  # [B, text_in]
        return self.linear(pooled)  # [B, text_in] x [text_in, 4] -> [B, 4]


def direction_targets(specs_of_batch, ids) -> torch.Tensor:
    """[B] direction label index of rows whose caption names a motion direction (a moving subject: the grammar
    always says which way it goes), -100 (ignored) for still subjects and empty captions."""
    out = []
    for spec, seq in zip(specs_of_batch, ids):
        moving = ACTION_CLASS[spec["action"]] != "still"
        out.append(DIRECTION_LABELS.index(spec["direction"]) if moving and seq else -100)
    return torch.tensor(out, dtype=torch.long)


def export_dit_config(directory: str) -> dict:
    """The DiT config an exported model directory was written with (a grown export has more layers than
    BUILTIN_DIT), as DiTConfig.to_dict() gives it."""
    return DiTConfig.from_dict(export_config(directory)["dit"]).to_dict()


def load_export_weights(directory: str, modules) -> dict:
    """Loads an exported model directory's DiT and text-encoder weights into each (dit, te) pair of `modules`
    (each DiT built with the export's own config, export_dit_config); returns its config.json."""
    from safetensors.torch import load_file
    config = export_config(directory)
    theirs = DiTConfig.from_dict(config["dit"]).to_dict()  # export_dit_config, without reading the file again
    for dit, _ in modules:
        if dit.cfg.to_dict() != theirs:
            diff = {k: (v, theirs.get(k)) for k, v in dit.cfg.to_dict().items() if theirs.get(k) != v}
            raise SystemExit(f"{directory}: its DiT config differs from the one being loaded (ours, theirs): {diff}")
    dit_w = {k: v.float() for k, v in load_file(os.path.join(directory, config["dit"]["weights"])).items()}
    te_w = {k: v.float() for k, v in load_file(os.path.join(directory, config["text_encoder"]["weights"])).items()}
    for dit, te in modules:
        dit.load_state_dict(dit_w, strict=True)
        te.load_state_dict(te_w, strict=True)
    return config


def init_from_export(directory: str, dit, te, ema_dit, ema_te):
    """Start from an exported model directory (e.g. models/builtin) when no training state exists: its (EMA)
    weights become both the raw and the EMA weights; the step and minutes recorded in its config.json carry on,
    so the log and the batch seeds continue the shipped run. The optimiser starts afresh (warm-up included)."""
    config = load_export_weights(directory, [(dit, te), (ema_dit, ema_te)])
    training = config.get("training", {})
    return int(training.get("dit_steps", 0)), 60.0 * float(training.get("dit_minutes", 0.0))


def load_teacher(directory: str, vocab_size: int, dev):
    """The frozen teacher (DiT, text encoder) of guidance distillation, from an exported model directory."""
    dit = DiT(DiTConfig.from_dict(export_dit_config(directory))).to(dev).eval()
    te = TextEncoder(builtin_text_encoder_config(vocab_size)).to(dev).eval()
    load_export_weights(directory, [(dit, te)])
    for p in list(dit.parameters()) + list(te.parameters()):
        p.requires_grad_(False)
    return dit, te


def conditional_and_unconditional(teacher, x, ids, dev):
    """The teacher's v_c and v_u, each [B, C, K, h, w]: one padded call on the batch twice, with its captions and
    with empty ones (an empty caption's row gives v_c = v_u)."""
    dit, te = teacher
    b = x.shape[0]
    v = padded_forward(dit, te, torch.cat([x, x]), list(ids) + [[]] * b, dev).float()  # [2B, C, K, h, w]
    return v[:b], v[b:]


@torch.no_grad()
def guided_target(teacher, x, ids, dev, scale: float) -> torch.Tensor:
    """Teacher's classifier-free guided velocity v_u + scale (v_c - v_u) [B, C, K, h, w]."""
    if scale == 1.0:  # v_u + 1 (v_c - v_u) = v_c: the conditional pass alone
        dit, te = teacher
        return padded_forward(dit, te, x, list(ids), dev).float()
    v_cond, v_uncond = conditional_and_unconditional(teacher, x, ids, dev)
    return v_uncond + scale * (v_cond - v_uncond)


@torch.no_grad()
def guidance_delta(teacher, x, ids, dev) -> torch.Tensor:
    """The teacher's caption effect v_c - v_u [B, C, K, h, w] (zero on rows with an empty caption)."""
    v_cond, v_uncond = conditional_and_unconditional(teacher, x, ids, dev)
    return v_cond - v_uncond


def distillation_target(teacher, x, x0, eps, sigma, ids, dev, args) -> torch.Tensor:
    """Target [B, C, K, h, w] of a run with a teacher. With --guidance-delta K: the data's eps - x0 plus K x the
    teacher's v_c - v_u (data-anchored guidance). Otherwise the teacher's guided velocity (guided_target), except for
    rows with sigma <= --data-below, which take eps - x0 (the teacher is not run on them); with --distill-guidance 1
    that is a low-noise fine-tune that holds the high-noise behaviour to the frozen teacher."""
    target = eps - x0  # [B, C, K, h, w]
    if args.guidance_delta:
        return target + args.guidance_delta * guidance_delta(teacher, x, ids, dev)
    taught = (sigma > args.data_below).nonzero().flatten().tolist()
    if taught:
        target[taught] = guided_target(teacher, x[taught], [ids[j] for j in taught], dev, args.distill_guidance)
    return target


@torch.no_grad()
def autoguided(target: torch.Tensor, guide, x, ids, dev, scale: float, threshold: float = 0.0) -> torch.Tensor:
    """v_g + scale (target - v_g) [B, C, K, h, w], v_g = the weaker guide model's conditional velocity on x;
    threshold > 0: gated per latent pixel over C (autoguidance_combine, as the engine samples)."""
    v_guide = guided_target(guide, x, ids, dev, 1.0)  # [B, C, K, h, w]
    if threshold > 0:
        return autoguidance_combine(v_guide, target, scale, threshold, channel_dim=1)
    return v_guide + scale * (target - v_guide)


def train(args):
    dev = pick_device(args.device)
    use_bf16 = args.bf16 == "on" or (args.bf16 == "auto" and fast_bf16(dev))
    print(f"device {dev}; bf16 autocast {'on' if use_bf16 else 'off'}")
    assert BUILTIN_DIT["rope_style"] == "v2", "padded_forward relies on v2's position-free text tokens"
    torch.manual_seed(0)
    tok = builtin_tokenizer()
    path = os.path.join(args.run, "state.pt")
    st = torch.load(path, map_location=dev) if os.path.exists(path) else None  # a run to resume
    base_config = export_dit_config(args.init) if args.init and not st else BUILTIN_DIT  # what --init starts from
    dit_config = st["dit_config"] if st else (grown_config(base_config, args.grow_layers) if args.grow_layers
                                             else base_config)
    dit = DiT(DiTConfig.from_dict(dit_config)).to(dev)
    te = TextEncoder(builtin_text_encoder_config(len(tok.vocab))).to(dev)
    probe = DirectionProbe(te.cfg["hidden_size"]).to(dev) if args.direction_weight else None
    params = list(dit.parameters()) + list(te.parameters()) + (list(probe.parameters()) if probe else [])
    print(f"DiT params {sum(p.numel() for p in dit.parameters()):,}; text encoder {sum(p.numel() for p in te.parameters()):,}")
    ema_dit, ema_te = copy.deepcopy(dit).eval(), copy.deepcopy(te).eval()
    opt = torch.optim.AdamW(params, lr=args.lr, betas=(0.9, 0.98), weight_decay=0.01)
    latents, specs = load_latents(args.latents)
    weights = clip_weights(specs, args.subject_balance) if args.subject_balance else None
    print(f"latents {tuple(latents.shape)}")
    step, before, warmup_start = 0, 0.0, 0
    gen = torch.Generator().manual_seed(1234)
    if st is not None:
        dit.load_state_dict(st["dit"]), te.load_state_dict(st["te"])
        ema_dit.load_state_dict(st["ema_dit"]), ema_te.load_state_dict(st["ema_te"])
        if (probe is not None) != (st.get("probe") is not None):
            raise SystemExit(f"{path}: saved {'with' if st.get('probe') is not None else 'without'} a direction probe; "
                             "resume it with the same --direction-weight setting (0 or not), or start a new --run")
        if bool(args.swap_weight) != bool(st.get("swap_weight", 0.0)):
            raise SystemExit(f"{path}: saved {'with' if st.get('swap_weight') else 'without'} --swap-weight (its log has "
                             "other columns); resume it with the same setting (0 or not), or start a new --run")
        if st.get("swap_factors") not in (None, args.swap_factors):
            raise SystemExit(f"{path}: saved with --swap-factors {','.join(st['swap_factors'])}; resume it with the same "
                             "factors, or start a new --run")
        if st.get("noise_correlation", 0.0) != args.noise_correlation:
            raise SystemExit(f"{path}: saved with --noise-correlation {st.get('noise_correlation', 0.0)}; resume it with "
                             "the same value, or start a new --run (e.g. --init from its export)")
        if st.get("guide_threshold", 0.0) != (args.guide_threshold if args.guide else 0.0):
            raise SystemExit(f"{path}: saved with --guide-threshold {st.get('guide_threshold', 0.0)}; resume it with "
                             "the same value, or start a new --run")
        if (st.get("guide"), st.get("guide_scale")) not in ((None, None), (args.guide, args.guide_scale if args.guide else None)):
            raise SystemExit(f"{path}: saved with --guide {st['guide']} --guide-scale {st['guide_scale']}; resume it with "
                             "the same autoguidance, or start a new --run")
        if probe is not None:
            probe.load_state_dict(st["probe"])
        opt.load_state_dict(st["opt"])
        step, before = st["step"], st["elapsed"]
        warmup_start = st.get("warmup_start", 0)
        gen.set_state(st["gen"])
        print(f"resumed at step {step} ({before / 60:.1f} min)")
    elif args.init and args.grow_layers:
        small = DiT(DiTConfig.from_dict(base_config))
        step, before = init_from_export(args.init, small, te, copy.deepcopy(small), ema_te)
        grown = grown_state(small.state_dict(), base_config, args.grow_layers)
        dit.load_state_dict(grown), ema_dit.load_state_dict(grown)
        warmup_start = step
        print(f"initialised from the export {args.init} grown to {dit_config['num_layers']} layers (mm_layers "
              f"{dit_config['mm_layers']}; the new ones start as identities): step {step}, fresh optimiser state")
    elif args.init:
        step, before = init_from_export(args.init, dit, te, ema_dit, ema_te)
        warmup_start = step
        print(f"initialised from the export {args.init}: step {step} ({before / 60:.1f} min), fresh optimiser state")
    teacher = None
    if args.guidance_delta and args.data_below:
        raise SystemExit("--guidance-delta and --data-below are two different targets; give one of them")
    if (args.guidance_delta or args.data_below) and not args.distill_guidance:
        raise SystemExit("--guidance-delta and --data-below shape a teacher's target: give --teacher <model dir> and "
                         "--distill-guidance (1 for a teacher that is already guidance-distilled)")
    if args.distill_guidance:
        if not args.teacher:
            raise SystemExit("--distill-guidance needs --teacher <model dir>")
        teacher = load_teacher(args.teacher, len(tok.vocab), dev)
        if args.guidance_delta:
            print(f"data-anchored guidance: target = eps - x0 + {args.guidance_delta} (v_c - v_u) of {args.teacher}")
        else:
            print(f"guidance distillation: target = teacher {args.teacher} with classifier-free guidance {args.distill_guidance}")
    guide = None
    if args.guide:
        if teacher is None:
            raise SystemExit("--guide shapes a teacher's target: give --teacher <model dir> and --distill-guidance")
        guide = load_teacher(args.guide, len(tok.vocab), dev)
        print(f"autoguidance: target = v_g + {args.guide_scale} (target - v_g), v_g of {args.guide}")
    os.makedirs(args.run, exist_ok=True)
    log = CsvLog(os.path.join(args.run, "log.csv"),
                 ["step", "elapsed_s", "loss", "loss_hi", "loss_lo", "lr", "tokens", "direction_ce"]
                 + (["swap_ce", "swap_prefer"] if args.swap_weight else []))

    def snapshot():
        return {"dit": dit.state_dict(), "te": te.state_dict(), "ema_dit": ema_dit.state_dict(),
                "ema_te": ema_te.state_dict(), "opt": opt.state_dict(), "step": step, "elapsed": timer.elapsed(),
                "gen": gen.get_state(), "warmup_start": warmup_start, "dit_config": dit_config, "te_config": te.cfg, "vocab": tok.vocab,
                "latents": args.latents, "probe": probe.state_dict() if probe else None,
                "swap_weight": args.swap_weight, "swap_factors": args.swap_factors,
                "noise_correlation": args.noise_correlation,
                "teacher": args.teacher,
                "guide": args.guide, "guide_scale": args.guide_scale if args.guide else None,
                "guide_threshold": args.guide_threshold if args.guide else 0.0}

    timer, last_save = Timer(before), Timer(0)
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    while timer.elapsed() < args.minutes * 60 and not stop and (args.max_steps < 0 or step < args.max_steps):
        lr = learning_rate(step, args, warmup_start)
        for g in opt.param_groups:
            g["lr"] = lr
        x0, ids, sigma, eps, cond, idx, swapped = make_batch(step, latents, specs, tok, args, gen, weights)
        x0, sigma, eps, cond = x0.to(dev), sigma.to(dev), eps.to(dev), cond.to(dev)
        sv = sigma.view(-1, 1, 1, 1, 1)
        x = (1 - sv) * x0 + sv * eps
        x[cond, :, 0] = x0[cond, :, 0]
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=use_bf16):
            target = eps - x0 if teacher is None else distillation_target(teacher, x, x0, eps, sigma, ids, dev, args)
            if guide is not None:
                target = autoguided(target, guide, x, ids, dev, args.guide_scale, args.guide_threshold)
            v, text, text_mask = padded_forward(dit, te, x, ids, dev, with_text=True)
            v = v.float()
        px = foreground_weight(x0, args.fg_weight)  # [B, 1, K, h, w]
        weight = torch.ones(v.shape[0], v.shape[2], device=v.device)  # [B, K]
        weight[cond, 0] = 0.0  # a clean context frame is not scored
        per = row_error(v, target, px, weight)  # [B]
        loss = per.mean()
        if args.temporal_weight:
            loss = loss + args.temporal_weight * temporal_difference_loss(v, target, px, cond)
        swap_ce, swap_prefer = float("nan"), float("nan")
        rows = [j for j, seq in enumerate(swapped) if seq]
        if args.swap_weight and rows:
            with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=use_bf16):
                v_wrong = padded_forward(dit, te, x[rows], [swapped[j] for j in rows], dev).float()  # [R, C, K, h, w]
            # the classifier scores both captions against the data (eps - x0), also when distilling: the teacher's
            # guided target is itself built from the right caption, and is only as sharp as the teacher
            data = target[rows] if teacher is None else (eps - x0)[rows]  # [R, C, K, h, w]
            per_right = per[rows] if teacher is None else row_error(v[rows], data, px[rows], weight[rows])  # [R]
            per_wrong = row_error(v_wrong, data, px[rows], weight[rows])  # [R]
            ce = caption_swap_loss(per_right, per_wrong, args.swap_temperature)
            loss = loss + args.swap_weight * ce
            swap_ce, swap_prefer = ce.item(), (per_wrong > per_right).float().mean().item()
        probe_loss = float("nan")
        if probe is not None and text is not None:
            labels = direction_targets([specs[i] for i in idx], ids).to(dev)
            if (labels >= 0).any():
                ce = torch.nn.functional.cross_entropy(probe(text.float(), text_mask), labels, ignore_index=-100)
                loss = loss + args.direction_weight * ce
                probe_loss = ce.item()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        decay = min(args.ema, (1 + step) / (10 + step))  # EMA warm-up: usable early, 0.999 later
        with torch.no_grad():
            for m, e in ((dit, ema_dit), (te, ema_te)):
                for pe, p in zip(e.parameters(), m.parameters()):
                    pe.lerp_(p, 1 - decay)
        step += 1
        hi = per[sigma > 0.7].mean().item() if (sigma > 0.7).any() else float("nan")
        lo = per[sigma <= 0.7].mean().item() if (sigma <= 0.7).any() else float("nan")
        ntok = x0.shape[0] * K * 64 + sum(len(s) for s in ids)
        log.row(step=step, elapsed_s=round(timer.elapsed(), 1), loss=loss.item(), loss_hi=hi, loss_lo=lo, lr=lr,
                tokens=ntok, direction_ce=probe_loss,
                **({"swap_ce": swap_ce, "swap_prefer": swap_prefer} if args.swap_weight else {}))
        if step % 20 == 0:
            print(f"step {step} {timer.elapsed() / 60:.1f} min loss {loss.item():.4f}", flush=True)
        if last_save.elapsed() > args.save_minutes * 60:
            save_atomic(snapshot(), path)
            last_save = Timer(0)
            n_before = len(specs)
            latents, specs = load_latents(args.latents)  # a concurrent cache_latents run may have added shards
            weights = clip_weights(specs, args.subject_balance) if args.subject_balance else None
            if len(specs) != n_before:
                print(f"latents reloaded: {len(specs)} clips", flush=True)
    save_atomic(snapshot(), path)
    print(f"done: step {step}, {timer.elapsed() / 60:.1f} min")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", default="runs/dit")
    ap.add_argument("--latents", default="runs/latents")
    ap.add_argument("--minutes", type=float, default=100.0, help="total training wall time (across resumes)")
    ap.add_argument("--max-steps", type=int, default=-1,
                    help="stop (and save) at this step too, e.g. the end of a cooldown; -1 = only --minutes")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=6e-4)
    ap.add_argument("--ema", type=float, default=0.999)
    ap.add_argument("--uncond", type=float, default=0.1)
    ap.add_argument("--shift", type=float, default=5.0,
                    help="training sigma distribution shift*s/(1+(shift-1)*s), s ~ U(0,1) (5 until step 35527)")
    ap.add_argument("--cond-prob", type=float, default=0.5)
    ap.add_argument("--fg-weight", type=float, default=8.0,
                    help="extra loss weight on subject latent pixels (0 = plain MSE; the first 1353 steps used 0)")
    ap.add_argument("--decay-start", type=int, default=-1,
                    help="step where a linear learning-rate cooldown starts (-1: constant lr; the shipped run: 8343)")
    ap.add_argument("--decay-end", type=int, default=-1, help="step where the cooldown reaches --decay-floor")
    ap.add_argument("--decay-floor", type=float, default=0.05, help="final lr as a fraction of --lr")
    ap.add_argument("--init", default=None,
                    help="model directory to start from when runs/<name>/state.pt does not exist (e.g. models/builtin)")
    ap.add_argument("--distill-guidance", type=float, default=0.0,
                    help="guidance distillation: train towards the teacher's guided velocity at this scale (0 = off)")
    ap.add_argument("--teacher", default=None, help="exported model directory of the distillation teacher")
    ap.add_argument("--guidance-delta", type=float, default=0.0,
                    help="with --teacher: data-anchored guidance, target = eps - x0 + this x the teacher's v_c - v_u "
                         "(its minimiser is v_c + this x (v_c - v_u)); for a teacher distilled at G, (G-1)/G keeps G")
    ap.add_argument("--guide", default=None,
                    help="with --teacher: exported model directory of a weaker model (e.g. an earlier export); the "
                         "target becomes v_g + --guide-scale (target - v_g) of its velocity v_g (autoguidance)")
    ap.add_argument("--guide-scale", type=float, default=2.0, help="autoguidance scale with --guide (1 = no effect)")
    ap.add_argument("--guide-threshold", type=float, default=0.0,
                    help="gate the autoguidance per latent pixel at this RMS disagreement (0 = plain; the engine's "
                         "pipeline.autoguidance.threshold)")
    ap.add_argument("--noise-correlation", type=float, default=0.0,
                    help="fraction of the noise shared across a window's latent frames (mixed_noise; 0 = independent)")
    ap.add_argument("--data-below", type=float, default=0.0,
                    help="with --teacher: rows with sigma <= this train against the data (eps - x0) instead of the "
                         "teacher (0 = every row against the teacher)")
    ap.add_argument("--temporal-weight", type=float, default=0.0,
                    help="extra loss on the error's frame-to-frame differences (temporal_difference_loss; 0 = off)")
    ap.add_argument("--direction-weight", type=float, default=0.0,
                    help="weight of the DirectionProbe cross-entropy on the text encoder's output (0 = off)")
    ap.add_argument("--swap-weight", type=float, default=0.0,
                    help="weight of caption_swap_loss (right caption against its direction-swapped twin; 0 = off)")
    ap.add_argument("--swap-factors", type=lambda v: v.split(","), default=["direction"],
                    help="comma list of what the swapped caption changes: direction (moving subjects), colour "
                         "(a confusable coat or plain colour), count (one horse / two horses); one drawn per row")
    ap.add_argument("--swap-temperature", type=float, default=0.05,
                    help="relative loss gap that counts as one logit in caption_swap_loss")
    ap.add_argument("--subject-balance", type=float, default=0.0,
                    help="draw clips with probability ~ (their subject's clip count) ** -ALPHA: 0 uniform (default), "
                         "0.5 gives horses ~35%% of draws instead of ~54%%, 1 every subject equally")
    ap.add_argument("--grow-layers", type=int, default=0,
                    help="with --init and a new --run: insert this many shared layers in the middle of the export's "
                         "DiT, starting as identities (train/grow.py); a resumed run keeps its saved config")
    ap.add_argument("--save-minutes", type=float, default=4.0)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--bf16", choices=["auto", "on", "off"], default="auto",
                    help="bf16 autocast of the matmuls (fp32 master weights either way); auto = where bf16 is fast")
    ap.add_argument("--no-bf16", dest="bf16", action="store_const", const="off", help="same as --bf16 off")
    args = ap.parse_args()
    unknown = set(args.swap_factors) - {"direction", "colour", "count"}
    if unknown:
        ap.error(f"--swap-factors: unknown {sorted(unknown)}; expected a comma list of direction, colour, count")
    train(args)


if __name__ == "__main__":
    main()
