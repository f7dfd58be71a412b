"""Depth growth of a trained DiT: more shared layers in the middle of the sandwich, starting as identities.

    grown_config(cfg, extra) -> the config with `extra` more layers
    grown_state(state, cfg, extra) -> a state dict of the grown DiT that computes exactly what `state` computed

The new layers are inserted after the last shared (single-expert) layer of the middle, so the modality-specific
(MM) layers stay at both ends. Each new layer starts as a copy of a middle shared layer (cycled) with its two output
projections (attention linear_proj, MLP down_proj) zeroed: its residual branches add 0, so the grown model's output
is the trained model's, and training can use the copied features from the first step (rather than random ones).
"""
import torch


def _insertion(cfg: dict) -> tuple[int, list]:
    """(index the new layers go at, the middle shared layers they copy)."""
    mm = set(cfg["mm_layers"])
    shared = [i for i in range(cfg["num_layers"]) if i not in mm]
    if not shared:
        raise ValueError("no shared (single-expert) layer to grow from: every layer is in mm_layers")
    return shared[-1] + 1, shared


def grown_config(cfg: dict, extra: int) -> dict:
    at, _ = _insertion(cfg)
    shift = lambda idx: [i if i < at else i + extra for i in idx]  # noqa: E731
    return dict(cfg, num_layers=cfg["num_layers"] + extra, mm_layers=shift(cfg["mm_layers"]),
                gelu7_layers=shift(cfg["gelu7_layers"]))


def source_layer(cfg: dict, extra: int, j: int) -> tuple[int, bool]:
    """(layer of the trained DiT that layer j of the grown one copies, whether j is new)."""
    at, shared = _insertion(cfg)
    if j < at:
        return j, False
    if j < at + extra:
        return shared[(j - at) % len(shared)], True
    return j - extra, False


def grown_state(state: dict, cfg: dict, extra: int) -> dict:
    out = {}
    for key, value in state.items():
        if not key.startswith("block.layers."):
            out[key] = value.clone()
    for j in range(cfg["num_layers"] + extra):
        src, new = source_layer(cfg, extra, j)
        prefix = f"block.layers.{src}."
        for key, value in state.items():
            if key.startswith(prefix):
                rest = key[len(prefix):]
                zero = new and rest in ("attention.linear_proj.weight", "mlp.down_proj.weight")
                out[f"block.layers.{j}.{rest}"] = torch.zeros_like(value) if zero else value.clone()
    return out
