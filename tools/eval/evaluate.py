"""Evaluate a model directory on the fixed prompt set with the world's analyser.

    PYTHONPATH=tools python3 -m eval.evaluate models/builtin [--sampler euler] [--steps 8] [--shift 5] [--duration 1.0]
        [--static-hold TAU] [--autoguidance W LAMBDA] [--guide DIR --guide-scale W --guide-threshold LAMBDA]
        [--sheet docs/contact-sheet.png] [--json runs/eval/latest.json]

For every prompt of eval/prompts.py (in-distribution and held-out) it generates a clip with the PyTorch reference
pipeline (reference/pipeline.py: tokenizer -> text encoder -> DiT sampler in chunks -> VAE decode), runs
world.analyser on it and compares with the prompt's spec: subject colour, setting, motion direction (moving
subjects), action class (still / slow / fast by motion energy), subject type, and background flicker against the
same measure on rendered ground-truth clips of the same spec (3 seeds; the ratio of the means, and the means over
"still scenes", the clips whose ground-truth background does not move, where ground truth is ~0); speed/gt is the median, over prompts whose
subject moves sideways, of the generated clip's sideways speed over ground truth's (1 = moves as fast as the world). Prints per-prompt rows and the totals,
writes the JSON summary and a contact sheet (rows = prompts, columns = frames 0, 6, 12, 18, 24).
--ceiling also scores the ground truth passed through the latent space and the model's decoder (what a perfect
DiT would show): one ground-truth clip per sample (world seeds 0, 1, ...), so --samples 4 gives 4 per prompt.
--static-hold 0 scores the DiT's latents as sampled, without the model's static hold.
--palette-colour reads colours with the analyser's per-pixel palette vote instead of its learned colour reader
(world.colour_reader), for figures comparable with those before 2026-12-05's ninth session.
"""
import argparse
import json
import os
import time

import numpy as np
import torch

from reference.latent_encoder import reconstruct
from reference.pipeline import generate, load_model, resolved_guidance
from reference.sampler import sigma_list
from world.analyser import Analyser
from world.pngio import downscale, grid, write_png
from world.scene import render_clip
from world.spec import ACTION_CLASS

from .prompts import HELD_OUT, IN_DISTRIBUTION

METRICS = ["colour", "setting", "direction", "action", "subject"]
PALETTE = "colour_palette"  # the palette vote's colour, scored beside the learned reader's
EACH = "colour_each"  # colour with a pair of horses right only when each side of the pair reads the colour
STILL_SCENE = 0.01  # ground-truth flicker below this: nothing in the background moves (every setting but the beach)


def truth_of(spec):
    t = {"colour": spec.colour, "setting": spec.setting, "subject": spec.subject,
         "action": ACTION_CLASS[spec.action]}
    if ACTION_CLASS[spec.action] != "still":
        t["direction"] = spec.direction
    return t


def score(analysis, truth):
    """(scores {metric: 0 or 1}, what was read). With the learned colour reader the palette vote is scored beside
    it as PALETTE (the measure before 2026-12-05's ninth session), so one run gives both."""
    got = {"colour": analysis.get("colour"), "setting": analysis.get("setting"),
           "subject": analysis.get("subject"), "action": analysis.get("action_class"),
           "direction": analysis.get("direction")}
    scores = {k: float(got[k] == v) for k, v in truth.items()}
    if PALETTE in analysis:
        got[PALETTE] = analysis[PALETTE]
        scores[PALETTE] = float(got[PALETTE] == truth["colour"])
    if "colour_halves" in analysis:  # a pair is two horses of the caption's colour, not one and a muddle
        got[EACH] = list(analysis["colour_halves"]) if truth["subject"] == "two_horses" else got["colour"]
        scores[EACH] = (float(all(c == truth["colour"] for c in got[EACH])) if truth["subject"] == "two_horses"
                        else scores["colour"])
    return scores, got


def ground_truth_measures(an, spec, frames):
    """(flicker, sideways speed) of rendered ground truth of `spec`, means over 3 seeds (speed: the analyser's
    size-normalised sideways speed, the measure its action class thresholds)."""
    flick, speed = [], []
    for seed in range(3):
        fr, _ = render_clip(spec, frames, seed=seed)
        a = an.analyse(fr)
        flick.append(a["flicker"])
        speed.append(a.get("speed") if a.get("speed") is not None else float("nan"))
    return float(np.nanmean(flick)), float(np.nanmean(speed))


def sideways_mover(spec) -> bool:
    return ACTION_CLASS[spec.action] != "still" and spec.direction in ("left", "right")


def summarise(per: list, scored: list, ceiling: bool = False) -> dict:
    """A split's summary from its per-clip entries: the mean of each scored measure, background flicker (the ratio of
    means against ground truth, and the means over still scenes), the median sideways speed over ground truth's,
    and with `ceiling` the VAE ceiling's scores. Shared with eval.pool, which pools several evaluations' clips."""
    summary = {}
    for m in scored:
        vals = [p["scores"][m] for p in per if m in p["scores"]]
        summary[m] = float(np.mean(vals)) if vals else float("nan")
    fl = float(np.nanmean([p["flicker"] for p in per]))
    fl_gt = float(np.nanmean([p["flicker_gt"] for p in per]))
    summary.update(flicker=fl, flicker_gt=fl_gt, flicker_ratio=fl / max(fl_gt, 1e-6))
    # The ratio of means is dominated by the beach prompts, whose ground truth has moving surf; over the clips
    # whose ground-truth background is still (flicker < STILL_SCENE), ground truth is ~0 and only levels compare.
    still = [p for p in per if p["flicker_gt"] < STILL_SCENE]
    summary.update(still_clips=len(still),
                   flicker_still=float(np.nanmean([p["flicker"] for p in still])) if still else float("nan"),
                   flicker_still_gt=float(np.nanmean([p["flicker_gt"] for p in still])) if still else float("nan"))
    ratios = [p["speed_ratio"] for p in per if "speed_ratio" in p]
    summary["speed_ratio"] = float(np.median(ratios)) if ratios else float("nan")
    if ceiling:
        summary["ceiling"] = {m: float(np.mean([p["ceiling_scores"][m] for p in per if m in p.get("ceiling_scores", {})]))
                              for m in scored}
        summary["flicker_vae"] = float(np.nanmean([p["flicker_vae"] for p in per if "flicker_vae" in p]))
    return summary


def evaluate(model_dir, sampler=None, steps=0, shift=None, duration=1.0, samples=1, sheet=None, json_path=None, log=print,
             ceiling=False, guidance=None, splits=("in_distribution", "held_out"), robust_rows=True, sigmas=None,
             static_hold=None, guide=None, guide_scale=1.0, colour_method="learned", guide_threshold=0.0,
             autoguidance=None, sample_offset=0):
    torch.set_num_threads(int(os.environ.get("HH_THREADS", "2")))
    model = load_model(model_dir)
    guide_model = load_model(guide) if guide else None
    if sigmas:  # an explicit schedule (the config's pipeline.sigmas form): steps = len - 1
        model.pipeline["sigmas"], model.pipeline["num_inference_steps"] = sigmas, len(sigmas) - 1
        steps = len(sigmas) - 1
    if autoguidance is not None and model.guide is not None:  # (scale, threshold) instead of the config's; scale 1 = off
        model.guide.scale, model.guide.threshold = autoguidance
        if autoguidance[0] <= 1:
            model.guide = None
    if static_hold is not None:  # 0 = the DiT's latents as sampled
        model.pipeline["static_hold_threshold"] = static_hold
    if sampler:
        model.pipeline["sampler"] = sampler
    if shift:
        model.pipeline["shift"] = shift
    an = Analyser(robust_rows=robust_rows, colour_method=colour_method)
    results, rows = {}, []
    t0 = time.time()
    guidance = resolved_guidance(model.pipeline, guidance)
    sets = {"in_distribution": IN_DISTRIBUTION, "held_out": HELD_OUT}
    for split in splits:
        prompts = sets[split]
        per = []
        for i, (spec, prompt) in enumerate(prompts):
            for k in range(sample_offset, sample_offset + samples):
                frames = generate(model, prompt, seed=1000 + 37 * i + k, duration=duration, steps=steps,
                                  guidance_scale=guidance, log=lambda s: None, guide=guide_model,
                                  guide_scale=guide_scale, guide_threshold=guide_threshold).numpy()
                a = an.analyse(frames)
                sc, got = score(a, truth_of(spec))
                gt_fl, gt_speed = ground_truth_measures(an, spec, len(frames))
                entry = {"prompt": prompt, "spec": spec.to_dict(), "scores": sc, "got": got,
                         "flicker": a["flicker"], "flicker_gt": gt_fl}
                if sideways_mover(spec):
                    entry["speed_ratio"] = (a.get("speed") or 0.0) / max(gt_speed, 1e-6)
                if ceiling:  # ground truth of world seed k through the latent space and the decoder
                    rec = reconstruct(model, render_clip(spec, len(frames), seed=k)[0])
                    ra = an.analyse(rec)
                    entry["ceiling_scores"] = score(ra, truth_of(spec))[0]
                    entry["flicker_vae"] = ra["flicker"]
                per.append(entry)
                miss = {m: got[m] for m, v in sc.items() if not v and m in METRICS}
                log(f"[{split}] {prompt!r}: {'ok' if not miss else 'miss ' + str(miss)} flicker {a['flicker']:.2f} (gt {gt_fl:.2f})")
                if k == sample_offset and i < 4:
                    rows.append([downscale(frames[j], 2) for j in range(0, len(frames), 6)])
        scored = METRICS + ([PALETTE] if colour_method == "learned" else []) + [EACH]
        summary = summarise(per, scored, ceiling)
        results[split] = {"summary": summary, "prompts": per}
    meta = {"model": model_dir, "sampler": model.pipeline["sampler"], "steps": steps or model.pipeline["num_inference_steps"],
            "shift": model.pipeline["shift"],
            "guidance_scale": guidance, "static_hold_threshold": model.pipeline["static_hold_threshold"],
            "sigmas": model.pipeline.get("sigmas"), "guide": guide, "guide_scale": guide_scale if guide else None,
            "guide_threshold": guide_threshold if guide else None,
            "autoguidance": ({"scale": model.guide.scale, "threshold": model.guide.threshold}
                             if model.guide is not None and not guide else None),
            "duration_s": duration, "samples_per_prompt": samples, "sample_offset": sample_offset, "robust_rows": robust_rows,
            "colour_method": colour_method, "seconds": round(time.time() - t0, 1),
            "training": model.config.get("training")}
    results["meta"] = meta
    log("")
    log(f"{'split':16s} " + " ".join(f"{m:>9s}" for m in METRICS) + "   flicker (gt)  ratio   speed/gt")
    for split in splits:
        s = results[split]["summary"]
        log(f"{split:16s} " + " ".join(f"{100 * s[m]:8.0f}%" for m in METRICS)
            + f"   {s['flicker']:.2f} ({s['flicker_gt']:.2f})  {s['flicker_ratio']:.1f}x   {s['speed_ratio']:.2f}")
        log(f"{'  still scenes':16s} {s['still_clips']} clips whose ground-truth background is still "
            f"(flicker < {STILL_SCENE}): flicker {s['flicker_still']:.3f} (ground truth {s['flicker_still_gt']:.3f})")
        if "ceiling" in s:
            log(f"{'  VAE ceiling':16s} " + " ".join(f"{100 * s['ceiling'][m]:8.0f}%" for m in METRICS)
                + f"   {s['flicker_vae']:.2f} (reconstructed ground truth)")
        if EACH in s:
            ceil = f" (VAE ceiling {100 * s['ceiling'][EACH]:.0f}%)" if "ceiling" in s else ""
            log(f"{'  pairs per horse':16s} colour {100 * s[EACH]:.0f}%{ceil}: a pair of horses counted right only "
                "when each side of it reads the caption's colour")
        if PALETTE in s:  # the learned reader ran, and the palette vote beside it
            ceil = f" (VAE ceiling {100 * s['ceiling'][PALETTE]:.0f}%)" if "ceiling" in s else ""
            log(f"{'  palette vote':16s} colour {100 * s[PALETTE]:.0f}%{ceil}: "
                "the colour measure before 2026-12-05's ninth session")
    if sheet:
        os.makedirs(os.path.dirname(os.path.abspath(sheet)), exist_ok=True)
        write_png(sheet, grid(rows))
        log(f"wrote {sheet}")
    if json_path:
        os.makedirs(os.path.dirname(os.path.abspath(json_path)), exist_ok=True)
        with open(json_path, "w") as f:
            json.dump(results, f, indent=1)
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", nargs="?", default="models/builtin")
    ap.add_argument("--sampler", choices=["distilled", "euler"])
    ap.add_argument("--steps", type=int, default=0)
    ap.add_argument("--shift", type=float, default=None, help="sigma schedule shift (default: the model's)")
    ap.add_argument("--sigmas", type=sigma_list, default=None,
                    help="explicit sigma schedule, comma list ending in 0 (e.g. 1,0.8,0.5,0.2,0); overrides --steps/--shift")
    ap.add_argument("--duration", type=float, default=1.0)
    ap.add_argument("--samples", type=int, default=1)
    ap.add_argument("--sample-offset", type=int, default=0,
                    help="first sample index (seeds 1000 + 37 i + k for k from it): fresh clips for a confirmation")
    ap.add_argument("--sheet", default=None)
    ap.add_argument("--json", default="runs/eval/latest.json")
    ap.add_argument("--ceiling", action="store_true",
                    help="also score ground truth (one clip per sample) passed through the latent space and decoder")
    ap.add_argument("--guidance", type=float, default=None,
                    help="classifier-free guidance scale (default: the model's pipeline guidance_scale, else 1)")
    ap.add_argument("--plain-rows", action="store_true",
                    help="score with the analyser's plain per-row median backgrounds (before 2026-12-02)")
    ap.add_argument("--palette-colour", action="store_true",
                    help="read colours with the analyser's per-pixel palette vote (before 2026-12-05's ninth session)")
    ap.add_argument("--static-hold", type=float, default=None,
                    help="pipeline.static_hold_threshold to sample with (default: the model's; 0 = off)")
    ap.add_argument("--guide", default=None,
                    help="research: autoguidance by this weaker model directory (an earlier export) instead of the "
                         "model's pipeline.autoguidance, at --guide-scale and --guide-threshold, two DiT passes per step")
    ap.add_argument("--guide-scale", type=float, default=2.0)
    ap.add_argument("--guide-threshold", type=float, default=0.0,
                    help="lambda of the autoguidance gate for --guide (0 = guide every latent pixel)")
    ap.add_argument("--autoguidance", type=float, nargs=2, default=None, metavar=("SCALE", "THRESHOLD"),
                    help="the model's own pipeline.autoguidance at this scale and threshold (scale 1 = off)")
    ap.add_argument("--split", choices=["in_distribution", "held_out"], default=None, help="only this prompt set")
    a = ap.parse_args()
    evaluate(a.model, a.sampler, a.steps, a.shift, a.duration, a.samples, a.sheet, a.json, ceiling=a.ceiling,
             guidance=a.guidance, splits=(a.split,) if a.split else ("in_distribution", "held_out"),
             robust_rows=not a.plain_rows, sigmas=a.sigmas, static_hold=a.static_hold, guide=a.guide,
             guide_scale=a.guide_scale, colour_method="palette" if a.palette_colour else "learned",
             guide_threshold=a.guide_threshold, autoguidance=a.autoguidance, sample_offset=a.sample_offset)


if __name__ == "__main__":
    main()
