"""VAE decoders saved on disk: an exported model directory's (config.json + weights) or a train.vae run's state.pt.

    exported_decoder(model_dir)      the decoder of an exported model directory, float32
    trained_decoder(state, which)    the decoder of a train.vae state.pt ("ema" or "model" weights)
    saved_decoder(path)              either, by what `path` holds
"""
import json
import os

import torch
from safetensors.torch import load_file

from reference.vae import VideoDecoder, vae_config


def exported_decoder(model_dir: str) -> VideoDecoder:
    """The VAE decoder of an exported model directory, in float32."""
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = vae_config(json.load(f)["vae"])
    dec = VideoDecoder(cfg)
    dec.load_state_dict({k: v.float() for k, v in load_file(os.path.join(model_dir, cfg["weights"])).items()})
    return dec.eval()


def trained_decoder(state_path: str, which: str = "ema") -> VideoDecoder:
    """The decoder of a train.vae run's state.pt, in the architecture it was trained with."""
    st = torch.load(state_path, map_location="cpu")
    dec = VideoDecoder(st["cfg"])
    dec.load_state_dict(st[which])
    return dec.eval()


def saved_decoder(path: str) -> VideoDecoder:
    """The decoder of an exported model directory (it holds config.json), else of the train.vae run `path`."""
    if os.path.exists(os.path.join(path, "config.json")):
        return exported_decoder(path)
    return trained_decoder(os.path.join(path, "state.pt"))
