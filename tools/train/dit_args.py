"""train.dit's command line: every flag, its default and its meaning (the arms' modules say more)."""
import argparse


def parse_args(description: str, argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
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
    args = ap.parse_args(argv)
    unknown = set(args.swap_factors) - {"direction", "colour", "count"}
    if unknown:
        ap.error(f"--swap-factors: unknown {sorted(unknown)}; expected a comma list of direction, colour, count")
    return args
