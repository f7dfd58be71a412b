"""Export the trained built-in model to the engine's model directory (docs/design.md "Model directory").

    PYTHONPATH=tools python3 -m train.export --vae runs/vae --latents runs/latents --dit runs/dit \
        --out models/builtin [--check]

Writes config.json, dit.safetensors, text_encoder.safetensors, tokenizer.json, vae_decoder.safetensors, and with
--autoguide DIR (a weaker export of the same shapes, e.g. an earlier checkpoint's) guide_dit.safetensors and
guide_text_encoder.safetensors, copied from DIR, with pipeline.autoguidance (--autoguide-scale, --autoguide-threshold);
--keep-model adds or replaces only the guide of the model already in --out.
Matrices/convolution kernels are stored as F16 (--dtype bf16 for BF16); 1-D tensors (norm offsets, biases,
RoPE bands) stay F32. The engine converts to F32 on load. Weights are the EMA weights (--weights raw for the
raw ones). --check reloads the directory with reference.pipeline and generates a 1 s clip.
"""
import argparse
import json
import os
import shutil

import torch
from safetensors.torch import save_file

from reference.dit import DiT, DiTConfig
from reference.sampler import sigma_list
from reference.text_encoder import TextEncoder

from .build_tokenizer import write as write_tokenizer
from .common import export_config
from .latent import balance_time_phases
from .vae import load_decoder

DTYPES = {"f16": torch.float16, "bf16": torch.bfloat16}


def teacher_autoguidance_rounds(teacher: str | None) -> list:
    """The autoguidance rounds a distillation teacher's export records (config.json training.autoguidance_distilled:
    one round as a dict, several as a list), or [] (no teacher recorded, or a teacher that was not such a student)."""
    if not teacher or not os.path.exists(os.path.join(teacher, "config.json")):
        return []
    rounds = export_config(teacher).get("training", {}).get("autoguidance_distilled")
    return [] if rounds is None else list(rounds) if isinstance(rounds, list) else [rounds]


def pipeline_section(sampler: str, steps: int, shift: float, guidance: float, sigmas=None,
                     noise_correlation: float = 0.0, static_hold_threshold: float = 0.0) -> dict:
    """config.json's pipeline section; an explicit `sigmas` schedule (ending in 0) sets the step count;
    noise_correlation: the mixed noise prior the DiT was trained with (train.dit --noise-correlation);
    static_hold_threshold: the sampler's static hold (reference.pipeline.static_hold; 0 = off)."""
    if sigmas:
        steps = len(sigmas) - 1
    return {"fps": 25, "width": 256, "height": 256, "sampler": sampler, "num_inference_steps": steps,
            "shift": shift, "guidance_scale": guidance, "sigmas": sigmas or None, "chunk_latent_frames": 4,
            "context_latent_frames": 1,
            "default_duration_s": 5.0, "noise_correlation": noise_correlation,
            "static_hold_threshold": static_hold_threshold}


def add_autoguide(out: str, config: dict, guide_dir: str, scale: float, threshold: float) -> None:
    """Copies the guide export's DiT and text encoder next to the model's as guide_*.safetensors and sets
    pipeline.autoguidance; the guide must have the model's DiT and text-encoder configuration (same shapes)."""
    with open(os.path.join(guide_dir, "config.json")) as f:
        guide = json.load(f)
    for section in ("dit", "text_encoder"):
        mine = {k: v for k, v in config[section].items() if k not in ("weights", "tokenizer")}
        theirs = {k: v for k, v in guide[section].items() if k not in ("weights", "tokenizer")}
        if mine != theirs:
            raise SystemExit(f"--autoguide {guide_dir}: its {section} configuration differs from the model's")
    shutil.copyfile(os.path.join(guide_dir, guide["dit"].get("weights", "dit.safetensors")),
                    os.path.join(out, "guide_dit.safetensors"))
    shutil.copyfile(os.path.join(guide_dir, guide["text_encoder"]["weights"]),
                    os.path.join(out, "guide_text_encoder.safetensors"))
    config["pipeline"]["autoguidance"] = {"dit_weights": "guide_dit.safetensors",
                                          "text_encoder_weights": "guide_text_encoder.safetensors",
                                          "scale": scale, "threshold": threshold}
    config["training"]["autoguidance_guide"] = {k: guide.get("training", {}).get(k) for k in ("dit_steps", "dit_minutes")}


def decoder_provenance(vae_run: str) -> str:
    """What `load_decoder(vae_run)` returned: a fine-tune run's decoder, an exported one (its own record), or the
    constructed one."""
    if os.path.exists(os.path.join(vae_run, "config.json")):
        with open(os.path.join(vae_run, "config.json")) as f:
            return json.load(f).get("training", {}).get("vae_decoder", "exported")
    return "fine-tuned" if os.path.exists(os.path.join(vae_run, "state.pt")) else "constructed"


def _store(state: dict, dtype, keep_f32: tuple = ()) -> dict:
    """Matrices in `dtype`, vectors and keys ending in one of `keep_f32` in F32."""
    out = {}
    for k, v in state.items():
        v = v.detach().cpu().contiguous()
        out[k] = v.to(dtype) if v.dim() >= 2 and not k.endswith(keep_f32) else v.float()
    return out


def export(vae_run: str, latents: str, dit_run: str, out: str, dtype: str = "f16", weights: str = "ema",
           sampler: str = "distilled", steps: int = 8, shift: float = 5.0, guidance: float = 3.0, name: str = "happyhorse-builtin",
           distilled_guidance: float = 0.0, sigmas=None, noise_correlation=None, static_hold_threshold: float = 0.0,
           autoguide: str | None = None, autoguide_scale: float = 3.0, autoguide_threshold: float = 0.0) -> dict:
    os.makedirs(out, exist_ok=True)
    dt = DTYPES[dtype]
    decoder = load_decoder(vae_run, latents)  # fine-tuned if runs/vae/state.pt exists, else constructed
    st = torch.load(os.path.join(dit_run, "state.pt"), map_location="cpu")
    if noise_correlation is None:  # the DiT samples best with the noise it was trained on
        noise_correlation = float(st.get("noise_correlation", 0.0))
    dit = DiT(DiTConfig.from_dict(st["dit_config"]))
    dit.load_state_dict(st["ema_dit" if weights == "ema" else "dit"])
    te = TextEncoder(st["te_config"])
    te.load_state_dict(st["ema_te" if weights == "ema" else "te"])
    write_tokenizer(os.path.join(out, "tokenizer.json"))
    save_file(_store(dit.state_dict(), dt), os.path.join(out, "dit.safetensors"))
    save_file(_store(te.state_dict(), dt), os.path.join(out, "text_encoder.safetensors"))
    removed = balance_time_phases(decoder)  # a still latent decodes to still frames (kept exact by F32 time_conv weights)
    print(f"decoder time phases balanced (largest tap-sum difference removed: {removed:.4f})")
    save_file(_store(decoder.state_dict(), dt, keep_f32=("time_conv.weight",)), os.path.join(out, "vae_decoder.safetensors"))
    vae_cfg = {k: v for k, v in decoder.cfg.items() if not k.startswith("encoder_")}
    vae_cfg["weights"] = "vae_decoder.safetensors"
    te_cfg = dict(te.cfg, weights="text_encoder.safetensors", tokenizer="tokenizer.json")
    config = {
        "format": "happyhorse-model/1",
        "name": name,
        "dit": dict(weights="dit.safetensors", **st["dit_config"]),
        "text_encoder": te_cfg,
        "vae": vae_cfg,
        "pipeline": pipeline_section(sampler, steps, shift, guidance, sigmas, noise_correlation,
                                     static_hold_threshold),
        "training": {"dit_steps": st["step"], "dit_minutes": round(st["elapsed"] / 60, 1), "weights": weights,
                     "storage": dtype, "vae_decoder": decoder_provenance(vae_run), "vae_time_phases": "balanced"},
    }
    if distilled_guidance:
        # the DiT was distilled to give, in one pass, the teacher's guided velocity at this scale
        config["training"]["guidance_distilled"] = distilled_guidance
    if st.get("guide"):
        # train.dit --guide: the DiT was distilled towards v_g + scale (target - v_g), v_g of this weaker export
        guide_steps = export_config(st["guide"]).get("training", {}).get("dit_steps")
        this_round = {"scale": st["guide_scale"], "guide_dit_steps": guide_steps,
                      "threshold": st.get("guide_threshold", 0.0)}
        # a teacher that was itself an autoguidance student: its rounds first, then this one (a list of rounds)
        earlier = teacher_autoguidance_rounds(st.get("teacher"))
        config["training"]["autoguidance_distilled"] = earlier + [this_round] if earlier else this_round
    for stale in ("guide_dit.safetensors", "guide_text_encoder.safetensors"):  # a re-export without --autoguide
        if os.path.exists(os.path.join(out, stale)):
            os.remove(os.path.join(out, stale))
    if autoguide:
        add_autoguide(out, config, autoguide, autoguide_scale, autoguide_threshold)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(out, n)) for n in os.listdir(out))
    print(f"exported {out}: {total / 1e6:.1f} MB (DiT step {st['step']}, {weights} weights, {dtype})")
    return config


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vae", default="runs/vae",
                    help="decoder source: a train.vae run folder, or a model directory (e.g. models/builtin) to keep its decoder")
    ap.add_argument("--latents", default="runs/latents")
    ap.add_argument("--dit", default="runs/dit")
    ap.add_argument("--out", default="models/builtin")
    ap.add_argument("--dtype", default="f16", choices=list(DTYPES))
    ap.add_argument("--weights", default="ema", choices=["ema", "raw"])
    ap.add_argument("--sampler", default="distilled", choices=["distilled", "euler"])
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--shift", type=float, default=5.0)
    ap.add_argument("--sigmas", type=sigma_list, default=None,
                    help="explicit sigma schedule, comma list ending in 0 (pipeline.sigmas; sets the step count)")
    ap.add_argument("--guidance", type=float, default=3.0,
                    help="the model's default classifier-free guidance scale (pipeline.guidance_scale; 1 = none)")
    ap.add_argument("--distilled-guidance", type=float, default=0.0,
                    help="record that the DiT was guidance-distilled at this scale (train.dit --distill-guidance)")
    ap.add_argument("--noise-correlation", type=float, default=None,
                    help="pipeline.noise_correlation (default: what the DiT run trained with, 0 before it was recorded)")
    ap.add_argument("--static-hold", type=float, default=None,
                    help="pipeline.static_hold_threshold: the static hold's threshold (normalised latent RMS "
                         "change per latent pixel; 0 or not given = off; with --keep-model: replaced only when given; "
                         "the built-in model's value: docs/builtin-model.md; how it was chosen: docs/archive/builtin-model-history.md)")
    ap.add_argument("--autoguide", default=None, metavar="DIR",
                    help="a weaker export of the same shapes whose DiT and text encoder guide the model at every step "
                         "(pipeline.autoguidance; two DiT passes per step)")
    ap.add_argument("--autoguide-scale", type=float, default=3.0, help="w: v_g + w (v - v_g) where the models disagree")
    ap.add_argument("--autoguide-threshold", type=float, default=0.0,
                    help="lambda of the gate r^4 / (r^4 + lambda^4) on the RMS disagreement per latent pixel (0 = none)")
    ap.add_argument("--keep-model", action="store_true",
                    help="with --autoguide: keep the model already in --out (its config and weights) and only add or "
                         "replace its guide (and, when given, --noise-correlation and --static-hold)")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    if args.keep_model:
        if not args.autoguide:
            raise SystemExit("--keep-model needs --autoguide DIR")
        with open(os.path.join(args.out, "config.json")) as f:
            config = json.load(f)
        add_autoguide(args.out, config, args.autoguide, args.autoguide_scale, args.autoguide_threshold)
        if args.noise_correlation is not None:  # the guided sampler's noise prior
            config["pipeline"]["noise_correlation"] = args.noise_correlation
        if args.static_hold is not None:  # the guided sampler's hold
            config["pipeline"]["static_hold_threshold"] = args.static_hold
        with open(os.path.join(args.out, "config.json"), "w") as f:
            json.dump(config, f, indent=1)
            f.write("\n")
        print(f"{args.out}: guide from {args.autoguide}, pipeline.autoguidance {config['pipeline']['autoguidance']}")
        return
    export(args.vae, args.latents, args.dit, args.out, args.dtype, args.weights, args.sampler, args.steps, args.shift,
           args.guidance, distilled_guidance=args.distilled_guidance, sigmas=args.sigmas,
           noise_correlation=args.noise_correlation, static_hold_threshold=args.static_hold or 0.0,
           autoguide=args.autoguide, autoguide_scale=args.autoguide_scale, autoguide_threshold=args.autoguide_threshold)
    if args.check:
        from reference.pipeline import generate, load_model
        torch.set_num_threads(2)
        model = load_model(args.out)
        frames = generate(model, "a chestnut horse gallops to the left on a snowy field at dusk", seed=1, duration=1.0)
        print("check: generated", tuple(frames.shape), frames.dtype)


if __name__ == "__main__":
    main()
