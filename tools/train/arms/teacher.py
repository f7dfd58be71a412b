"""Teacher targets: the velocity a run with --teacher DIR trains towards, from the frozen exported teacher.

Guidance distillation (--distill-guidance G, e.g. G = 3 and the exported models/builtin): the target is the teacher's
classifier-free guided velocity v_u + G (v_c - v_u) on the same noisy input (v_u with an empty caption) instead of
eps - x0, so one student pass does what two teacher passes did; start the student from the teacher (--init DIR) and
export it with --guidance 1 --distilled-guidance G.
Data-anchored guidance (--distill-guidance 1 --guidance-delta K): target = eps - x0 + K (v_c - v_u) of the teacher,
whose MSE minimiser is the guided velocity v_c + K (v_c - v_u) of the data's own conditional velocity v_c; with a
teacher that was itself guidance-distilled at G (its v_c - v_u is G times the undistilled one), K = (G-1)/G keeps
guidance G while the data, not the teacher, decides everything else.
Low-noise fine-tune (--distill-guidance 1 --data-below S, e.g. --shift 1 and S = 0.4): rows with sigma <= S learn the
data, the others keep the frozen teacher's (already guidance-distilled) conditional velocity.
"""
import torch

from reference.padded import padded_forward


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


class TeacherTarget:
    """The target of a run with --teacher: distillation_target with this run's settings."""

    def __init__(self, teacher, dev, args):
        self.teacher, self.dev, self.args = teacher, dev, args

    def __call__(self, x, x0, eps, sigma, ids) -> torch.Tensor:
        return distillation_target(self.teacher, x, x0, eps, sigma, ids, self.dev, self.args)
