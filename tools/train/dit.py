"""Train the built-in DiT and text encoder jointly with rectified flow on cached VAE latents of world clips.

    PYTHONPATH=tools nohup nice -n 10 python3 -m train.dit --run runs/dit --latents runs/latents --minutes 100 &

Rerunning the same command resumes from runs/<name>/state.pt, saved atomically every --save-minutes and when the run
stops (--minutes of training in all, --max-steps, or SIGTERM); a resume keeps the run's arms (train/dit_resume.py).
--init DIR starts a new run from an exported model directory instead of BUILTIN_DIT (its step and minutes carry on;
--grow-layers N first inserts N layers that start as identities, train/grow.py).

The flow of this file: data (train/dit_batch.py: windows of K=4 latent frames of cached clips, fresh captions, noise
levels), model (DiT + text encoder, with EMA copies), loss (one padded DiT call; subject-weighted MSE to the target,
flow/objective.py, plus the auxiliary losses), optimizer (AdamW, warm-up 200 steps, optional linear cooldown
--decay-start/--decay-end, gradient clip 1, EMA min(0.999, (1+s)/(10+s)), exported), loop, save/resume. Matmuls run in
bf16 autocast (fp32 weights) where the device has fast bf16 (CUDA, AVX512-BF16/AMX CPUs; --bf16 on|off overrides).
The target is the data's velocity eps - x0 or a teacher's; the experiment arms (teacher targets, autoguidance,
auxiliary losses) live in train/arms/, one module each, and are chosen once before the loop.

The built-in model's recipe: docs/builtin-model.md; the history of each arm: docs/archive/builtin-model-history.md.
"""
import copy
import os
import signal

import torch

from flow.latent_cache import load_latents
from flow.objective import K, foreground_weight, row_error
from reference.dit import DiT, DiTConfig
from reference.padded import padded_forward
from reference.text_encoder import TextEncoder

from .arms import batch_negative, extra_losses, training_target
from .arms.direction_probe import DirectionProbe
from .arms.step import StepTensors
from .builtin import BUILTIN_DIT, builtin_text_encoder_config, builtin_tokenizer
from .common import CsvLog, Timer, fast_bf16, pick_device, save_atomic
from .dit_args import parse_args
from .dit_batch import clip_weights, make_batch
from .dit_resume import arm_settings, check_resumable
from .from_export import export_dit_config, init_from_export
from .grow import grown_config, grown_state

LOG_COLUMNS = ["step", "elapsed_s", "loss", "loss_hi", "loss_lo", "lr", "tokens"]
ALWAYS_LOGGED = ["direction_ce"]  # an arm's column that every run's log has (nan without --direction-weight)


def learning_rate(step: int, args, warmup_start: int = 0) -> float:
    """Warm-up over the 200 steps after `warmup_start` (the first step of this optimiser: 0, or the step of the
    export a run was initialised from), constant, then (with --decay-start/--decay-end) a linear cooldown to
    --decay-floor x lr between those steps, held at the floor after them."""
    lr = args.lr * min(1.0, (step - warmup_start + 1) / 200)
    if args.decay_end > args.decay_start >= 0 and step >= args.decay_start:
        frac = min(1.0, (step - args.decay_start) / (args.decay_end - args.decay_start))
        lr *= 1.0 - (1.0 - args.decay_floor) * frac
    return lr


@torch.no_grad()
def update_ema(pairs, decay: float) -> None:
    """Each (model, ema) pair: ema <- decay ema + (1 - decay) model, parameter by parameter."""
    for m, e in pairs:
        for pe, p in zip(e.parameters(), m.parameters()):
            pe.lerp_(p, 1 - decay)


def resume(st: dict, path: str, args, dit, te, ema_dit, ema_te, probe, opt, gen):
    """Loads a run's state.pt; returns (step, seconds trained, warm-up start)."""
    dit.load_state_dict(st["dit"]), te.load_state_dict(st["te"])
    ema_dit.load_state_dict(st["ema_dit"]), ema_te.load_state_dict(st["ema_te"])
    check_resumable(st, args, path)
    if probe is not None:
        probe.load_state_dict(st["probe"])
    opt.load_state_dict(st["opt"])
    gen.set_state(st["gen"])
    print(f"resumed at step {st['step']} ({st['elapsed'] / 60:.1f} min)")
    return st["step"], st["elapsed"], st.get("warmup_start", 0)


def start_from_export(args, base_config: dict, dit_config: dict, dit, te, ema_dit, ema_te):
    """Loads --init's export into a new run (grown by --grow-layers); returns (step, seconds, warm-up start)."""
    if args.grow_layers:
        small = DiT(DiTConfig.from_dict(base_config))
        step, before = init_from_export(args.init, small, te, copy.deepcopy(small), ema_te)
        grown = grown_state(small.state_dict(), base_config, args.grow_layers)
        dit.load_state_dict(grown), ema_dit.load_state_dict(grown)
        print(f"initialised from the export {args.init} grown to {dit_config['num_layers']} layers (mm_layers "
              f"{dit_config['mm_layers']}; the new ones start as identities): step {step}, fresh optimiser state")
    else:
        step, before = init_from_export(args.init, dit, te, ema_dit, ema_te)
        print(f"initialised from the export {args.init}: step {step} ({before / 60:.1f} min), fresh optimiser state")
    return step, before, step


def step_loss(dit, te, batch, target_of, losses, arm_columns, args, dev, use_bf16):
    """(the batch's loss: plain + weight x each auxiliary loss, the plain loss per row [B], the arms' log values)."""
    x0, ids, sigma, eps, cond, idx, swapped, specs = batch
    sv = sigma.view(-1, 1, 1, 1, 1)  # [B, 1, 1, 1, 1]
    x = (1 - sv) * x0 + sv * eps  # [B, C, K, h, w]
    x[cond, :, 0] = x0[cond, :, 0]  # continuation rows: latent frame 0 is the clean x0 frame, as the engine has it
    with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=use_bf16):
        target = target_of(x, x0, eps, sigma, ids)  # [B, C, K, h, w]
        v, text, text_mask = padded_forward(dit, te, x, ids, dev, with_text=True)
        v = v.float()  # [B, C, K, h, w]
    px = foreground_weight(x0, args.fg_weight)  # [B, 1, K, h, w]
    weight = torch.ones(v.shape[0], v.shape[2], device=v.device)  # [B, K]
    weight[cond, 0] = 0.0  # a clean context frame is not scored
    per = row_error(v, target, px, weight)  # [B]
    loss = per.mean()
    logged = dict.fromkeys(arm_columns, float("nan"))
    tensors = StepTensors(x=x, x0=x0, eps=eps, cond=cond, target=target, v=v, text=text, text_mask=text_mask, px=px,
                          weight=weight, per=per, ids=ids, swapped=swapped, specs=specs, idx=idx)
    for extra in losses:
        value, values = extra(tensors)
        if value is not None:
            loss = loss + extra.weight * value
        logged.update(values)
    return loss, per, logged


def train(args):
    dev = pick_device(args.device)
    use_bf16 = args.bf16 == "on" or (args.bf16 == "auto" and fast_bf16(dev))
    print(f"device {dev}; bf16 autocast {'on' if use_bf16 else 'off'}")
    assert BUILTIN_DIT["rope_style"] == "v2", "padded_forward relies on v2's position-free text tokens"
    torch.manual_seed(0)
    tok = builtin_tokenizer()
    path = os.path.join(args.run, "state.pt")
    st = torch.load(path, map_location=dev) if os.path.exists(path) else None  # a run to resume

    # model: the resumed run's config, else the export --init starts from (grown by --grow-layers), else BUILTIN_DIT
    base_config = export_dit_config(args.init) if args.init and not st else BUILTIN_DIT
    dit_config = st["dit_config"] if st else (grown_config(base_config, args.grow_layers) if args.grow_layers
                                             else base_config)
    dit = DiT(DiTConfig.from_dict(dit_config)).to(dev)
    te = TextEncoder(builtin_text_encoder_config(len(tok.vocab))).to(dev)
    probe = DirectionProbe(te.cfg["hidden_size"]).to(dev) if args.direction_weight else None
    params = list(dit.parameters()) + list(te.parameters()) + (list(probe.parameters()) if probe else [])
    print(f"DiT params {sum(p.numel() for p in dit.parameters()):,}; text encoder {sum(p.numel() for p in te.parameters()):,}")
    ema_dit, ema_te = copy.deepcopy(dit).eval(), copy.deepcopy(te).eval()
    opt = torch.optim.AdamW(params, lr=args.lr, betas=(0.9, 0.98), weight_decay=0.01)

    # data
    latents, specs = load_latents(args.latents)
    weights = clip_weights(specs, args.subject_balance) if args.subject_balance else None
    print(f"latents {tuple(latents.shape)}")

    step, before, warmup_start = 0, 0.0, 0
    gen = torch.Generator().manual_seed(1234)
    if st is not None:
        step, before, warmup_start = resume(st, path, args, dit, te, ema_dit, ema_te, probe, opt, gen)
    elif args.init:
        step, before, warmup_start = start_from_export(args, base_config, dit_config, dit, te, ema_dit, ema_te)

    # the experiment arms, chosen once
    target_of = training_target(args, len(tok.vocab), dev)
    losses = extra_losses(args, dit, te, probe, dev, use_bf16)
    negative = batch_negative(args)

    os.makedirs(args.run, exist_ok=True)
    arm_columns = ALWAYS_LOGGED + [c for extra in losses for c in extra.columns if c not in ALWAYS_LOGGED]
    log = CsvLog(os.path.join(args.run, "log.csv"), LOG_COLUMNS + arm_columns)

    def snapshot():
        return {"dit": dit.state_dict(), "te": te.state_dict(), "ema_dit": ema_dit.state_dict(),
                "ema_te": ema_te.state_dict(), "opt": opt.state_dict(), "step": step, "elapsed": timer.elapsed(),
                "gen": gen.get_state(), "warmup_start": warmup_start, "dit_config": dit_config, "te_config": te.cfg,
                "vocab": tok.vocab, "latents": args.latents, "probe": probe.state_dict() if probe else None,
                **arm_settings(args)}

    timer, last_save = Timer(before), Timer(0)
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    while timer.elapsed() < args.minutes * 60 and not stop and (args.max_steps < 0 or step < args.max_steps):
        lr = learning_rate(step, args, warmup_start)
        for g in opt.param_groups:
            g["lr"] = lr
        x0, ids, sigma, eps, cond, idx, swapped = make_batch(step, latents, specs, tok, args, gen, weights, negative)
        x0, sigma, eps, cond = x0.to(dev), sigma.to(dev), eps.to(dev), cond.to(dev)
        batch = (x0, ids, sigma, eps, cond, idx, swapped, specs)
        loss, per, logged = step_loss(dit, te, batch, target_of, losses, arm_columns, args, dev, use_bf16)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        update_ema(((dit, ema_dit), (te, ema_te)), min(args.ema, (1 + step) / (10 + step)))  # usable early, 0.999 later
        step += 1
        hi = per[sigma > 0.7].mean().item() if (sigma > 0.7).any() else float("nan")
        lo = per[sigma <= 0.7].mean().item() if (sigma <= 0.7).any() else float("nan")
        ntok = x0.shape[0] * K * 64 + sum(len(s) for s in ids)
        log.row(step=step, elapsed_s=round(timer.elapsed(), 1), loss=loss.item(), loss_hi=hi, loss_lo=lo, lr=lr,
                tokens=ntok, **logged)
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
    train(parse_args(__doc__))


if __name__ == "__main__":
    main()
