"""Starting from an exported model directory (config.json + safetensors, e.g. models/builtin): its DiT config, its
weights as a run's starting point, or a frozen copy as a teacher or guide."""
import os

from safetensors.torch import load_file

from reference.dit import DiT, DiTConfig
from reference.text_encoder import TextEncoder

from .builtin import builtin_text_encoder_config
from .common import export_config


def export_dit_config(directory: str) -> dict:
    """The DiT config an exported model directory was written with (a grown export has more layers than
    BUILTIN_DIT), as DiTConfig.to_dict() gives it."""
    return DiTConfig.from_dict(export_config(directory)["dit"]).to_dict()


def load_export_weights(directory: str, modules) -> dict:
    """Loads an exported model directory's DiT and text-encoder weights into each (dit, te) pair of `modules`
    (each DiT built with the export's own config, export_dit_config); returns its config.json."""
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
    """A frozen (DiT, text encoder) from an exported model directory: a distillation teacher or an autoguidance
    guide."""
    dit = DiT(DiTConfig.from_dict(export_dit_config(directory))).to(dev).eval()
    te = TextEncoder(builtin_text_encoder_config(vocab_size)).to(dev).eval()
    load_export_weights(directory, [(dit, te)])
    for p in list(dit.parameters()) + list(te.parameters()):
        p.requires_grad_(False)
    return dit, te
