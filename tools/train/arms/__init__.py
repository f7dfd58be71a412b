"""The experiment arms of train.dit, each in a module of its own, chosen once before the training loop.

  teacher.py          targets from a frozen exported teacher: guidance distillation, data-anchored guidance,
                      low-noise fine-tune (--teacher, --distill-guidance, --guidance-delta, --data-below)
  autoguidance.py     the teacher's target pushed away from a weaker guide model (--guide, --guide-scale,
                      --guide-threshold)
  temporal.py         loss on the error's frame-to-frame differences (--temporal-weight)
  direction_probe.py  a direction classifier on the text encoder's output (--direction-weight)
  caption_swap.py     the right caption against a swapped one, a diffusion classifier (--swap-weight,
                      --swap-factors, --swap-temperature)

The plain arm's target is the data's velocity eps - x0 (data_target). The noise prior (--noise-correlation,
flow.objective.mixed_noise) and the clip draw (--subject-balance) are the batch's (train/dit_batch.py).
"""
from ..from_export import load_teacher
from .autoguidance import AutoguidedTarget
from .caption_swap import CaptionSwapLoss, negative_drawer
from .direction_probe import DirectionLoss
from .teacher import TeacherTarget
from .temporal import TemporalLoss


def data_target(x, x0, eps, sigma, ids):
    """The plain rectified-flow target v = eps - x0 [B, C, K, h, w]."""
    return eps - x0


def training_target(args, vocab_size: int, dev):
    """The target function (x, x0, eps, sigma, ids) -> [B, C, K, h, w] of this run; loads its teacher and guide."""
    if args.guidance_delta and args.data_below:
        raise SystemExit("--guidance-delta and --data-below are two different targets; give one of them")
    if (args.guidance_delta or args.data_below) and not args.distill_guidance:
        raise SystemExit("--guidance-delta and --data-below shape a teacher's target: give --teacher <model dir> and "
                         "--distill-guidance (1 for a teacher that is already guidance-distilled)")
    target = data_target
    if args.distill_guidance:
        if not args.teacher:
            raise SystemExit("--distill-guidance needs --teacher <model dir>")
        target = TeacherTarget(load_teacher(args.teacher, vocab_size, dev), dev, args)
        if args.guidance_delta:
            print(f"data-anchored guidance: target = eps - x0 + {args.guidance_delta} (v_c - v_u) of {args.teacher}")
        else:
            print(f"guidance distillation: target = teacher {args.teacher} with classifier-free guidance {args.distill_guidance}")
    if args.guide:
        if target is data_target:
            raise SystemExit("--guide shapes a teacher's target: give --teacher <model dir> and --distill-guidance")
        guide = load_teacher(args.guide, vocab_size, dev)
        target = AutoguidedTarget(target, guide, dev, args.guide_scale, args.guide_threshold)
        print(f"autoguidance: target = v_g + {args.guide_scale} (target - v_g), v_g of {args.guide}")
    return target


def extra_losses(args, dit, te, probe, dev, use_bf16: bool) -> list:
    """This run's auxiliary losses, in the order they are added to the plain loss. Each is called with the step's
    StepTensors and returns (its value or None, {log column: value}); the loop adds weight x value."""
    losses = []
    if args.temporal_weight:
        losses.append(TemporalLoss(args.temporal_weight))
    if args.swap_weight:
        losses.append(CaptionSwapLoss(args.swap_weight, args.swap_temperature, dit, te, dev, use_bf16,
                                      against_data=bool(args.distill_guidance)))
    if probe is not None:
        losses.append(DirectionLoss(args.direction_weight, probe, dev))
    return losses


def batch_negative(args):
    """The caption-swap negative drawn per batch row ((spec, rng) -> spec or None), or None without --swap-weight."""
    return negative_drawer(args.swap_factors) if args.swap_weight else None
