"""The built-in model's latent space: an analytic encoder (reference/latent_encoder.py) and an analytically
initialised decoder.

Why: on this shared 2-core CPU the Turbo-VAED-shaped decoder (reference/vae.py) learns far too slowly from a
random start (after ~200 steps it still outputs the dataset's mean colour). So the latent is *defined*
analytically and the decoder's weights are *constructed* to invert it, then (optionally) fine-tuned:

Latent of a clip of 4(T-1)+1 frames: [16, T, H/16, W/16], time groups {0}, {1..4}, {5..8}, ... (the VAE's
first-chunk rule), per 16x16 block and group, in pixel units (rgb in [-1, 1]):
    ch 0..2   mean colour of the block
    ch 3..14  colour of its four 8x8 sub-blocks minus the block mean (detail; usable by a fine-tuned decoder)
    ch 15     constant 1 (carries the scale through the decoder's channel RMS norms)
The DiT sees it normalised with per-channel mean/std (the `vae` section's latent_mean / latent_std).

Constructed decoder (same module, same keys as any trained one): every ResNet's conv2 is zero (identity
blocks); conv_in routes [S*rgb, -S*rgb, K*const, S*detail] (S=40, K=1000); each upsampler is trilinear interpolation (time_conv taps
[1/4, 3/4, 0] / [0, 3/4, 1/4] for the even/odd halves, spatial taps [1/4, 1/2, 1/4] after nearest x2); channel-
changing shortcuts copy; the head's RMS norm divides by the constant channel (so colour/constant ratios survive
zero padding) and conv_out uses silu(u) - silu(-u) = u on the (rgb, -rgb) pairs to undo SiLU exactly, with
bilinear sub-pixel taps for the final unpatchify x2. The result is a smooth (trilinear) reconstruction of the
block colours. When the first upsampler is the depth-to-space form (BUILTIN_DECODER), its conv writes child
(dy, dx) = block mean + that sub-block's detail instead, so the reconstruction is smooth over 8x8 sub-block colours.
"""
import math

import torch

from reference.latent_encoder import CHANNELS, encode
from reference.vae import ResNet, VideoDecoder, vae_config

K = 1000.0  # scale of the constant channel in the residual streams
S = 40.0  # scale of colour/detail channels (large next to a fine-tuning step's perturbation)


# The built-in decoder's depth: one ResNet in the mid block and none in the up blocks. The constructed decoder is
# an identity through every ResNet anyway; dropping them cuts decoding from 0.935 to 0.378 GFLOP per 256x256 frame
# (reference.vae.decoder_flops_per_frame), which decoding a 5 s clip needs to fit in real time on 2 cores.
# The first upsampler is the depth-to-space form (since 2026-12-04): it puts each 8x8 sub-block's colour (block
# mean + its detail channels) in place, which a nearest upsample followed by a shared conv cannot; the constructed
# decoder then reconstructs at 8-pixel rather than 16-pixel resolution (same FLOPs).
BUILTIN_DECODER = {"layers_per_block": [1, 0, 0, 0, 0], "spatial_upsample": ["shuffle", "nearest", "nearest", "nearest"]}


def latent_config(mean=None, std=None, overrides: dict | None = None) -> dict:
    """The `vae` section used by the built-in model (reference/vae.py defaults + BUILTIN_DECODER)."""
    cfg = vae_config(BUILTIN_DECODER if overrides is None else overrides)
    cfg["latent_mean"] = [0.0] * CHANNELS if mean is None else [float(v) for v in mean]
    cfg["latent_std"] = [1.0] * CHANNELS if std is None else [float(v) for v in std]
    return cfg


def _zero_resnet_branches(module):
    for m in module.modules():
        if isinstance(m, ResNet):
            m.conv2.weight.data.zero_()
            m.conv2.bias.data.zero_()


@torch.no_grad()
def constructed_decoder(cfg: dict) -> VideoDecoder:
    """A VideoDecoder whose weights trilinearly decode `encode`'s block colours (see module docstring)."""
    dec = VideoDecoder(cfg)
    for p in dec.parameters():
        p.data.mul_(0.1)  # small random weights where the construction does not care (conv1 of ResNets)
    _zero_resnet_branches(dec)
    c0 = cfg["block_out_channels"][0]
    w = torch.zeros_like(dec.conv_in.weight)  # [C0, 16, 3, 3, 3]
    for c in range(3):
        w[c, c, 1, 1, 1] = S
        w[3 + c, c, 1, 1, 1] = -S
    w[6, 15, 1, 1, 1] = K
    shuffle_first = cfg.get("spatial_upsample", ["nearest"])[0] == "shuffle"
    for j in range(12 if shuffle_first else 9):  # detail channels (the nearest construction lets 9 ride along unused)
        w[7 + j, 3 + j, 1, 1, 1] = S
    dec.conv_in.weight.copy_(w)
    dec.conv_in.bias.zero_()
    lin = torch.tensor([0.25, 0.5, 0.25])
    for block in dec.up_blocks:
        if block.entry is not None:
            sc = block.entry.conv_shortcut
            cin = sc.weight.shape[1]
            ws = torch.zeros_like(sc.weight)
            for c in range(min(16, ws.shape[0])):
                ws[c, c, 0, 0, 0] = K / math.sqrt(cin)
            sc.weight.copy_(ws)
            sc.bias.zero_()
        up = block.upsampler
        if up is None:
            continue
        ch = up.conv.weight.shape[1]
        wc = torch.zeros_like(up.conv.weight)
        if up.spatial == "shuffle":  # child (dy, dx) = the block's mean + its (dy, dx) sub-block detail
            assert block is dec.up_blocks[0], "the construction places the detail channels in up block 0 only"
            for dy in range(2):
                for dx in range(2):
                    o = (dy * 2 + dx) * ch
                    for c in range(3):
                        d = 7 + c * 4 + dy * 2 + dx  # encode(): detail channel c*4 + dy*2 + dx, routed to 7 + it
                        wc[o + c, c, 0, 1, 1] = 1.0
                        wc[o + c, d, 0, 1, 1] = 1.0
                        wc[o + 3 + c, 3 + c, 0, 1, 1] = 1.0
                        wc[o + 3 + c, d, 0, 1, 1] = -1.0
                    wc[o + 6, 6, 0, 1, 1] = 1.0
        else:
            for c in range(ch):
                wc[c, c, 0] = torch.outer(lin, lin)
        up.conv.weight.copy_(wc)
        up.conv.bias.zero_()
        if up.time_conv is not None:
            wt = torch.zeros_like(up.time_conv.weight)  # [2C, C, 3, 1, 1]
            for c in range(ch):
                wt[c, c, :, 0, 0] = torch.tensor([0.25, 0.75, 0.0])
                wt[ch + c, c, :, 0, 0] = torch.tensor([0.0, 0.75, 0.25])
            up.time_conv.weight.copy_(wt)
            up.time_conv.bias.zero_()
    cl = dec.conv_out.weight.shape[1]
    wo = torch.zeros_like(dec.conv_out.weight)  # [12, C_last, kt, 3, 3]
    taps = {0: torch.tensor([0.25, 0.75, 0.0]), 1: torch.tensor([0.0, 0.75, 0.25])}
    scale = K / (math.sqrt(cl) * S)
    kt = wo.shape[2] // 2
    for c in range(3):
        for w_off in range(2):
            for h_off in range(2):
                o = c * 4 + w_off * 2 + h_off
                k2 = torch.outer(taps[h_off], taps[w_off]) * scale
                wo[o, c, kt] = k2
                wo[o, 3 + c, kt] = -k2
    dec.conv_out.weight.copy_(wo)
    dec.conv_out.bias.zero_()
    return dec


@torch.no_grad()
def balance_time_phases(dec: VideoDecoder) -> float:
    """Makes every time upsampler of `dec` draw a still latent as still frames, in place; returns the largest
    difference it removed (Frobenius norm of the two phases' tap-sum difference).

    A "3d" upsampler's time_conv [2C, C, 3, 1, 1] writes the even output frames with its first C filters and the odd
    ones with the other C. On a latent that does not change in time (replicate padding keeps it constant) each phase
    outputs (sum over taps of its weights) x + bias, and every other layer is the same at every frame, so a still
    background decodes to still frames exactly when both phases have the same tap sums and biases. Fine-tuning
    drifts them apart (0.26 and 0.13 against sums of norm ~11 in the shipped decoder: a 4-frame-periodic change of
    ~0.03 grey levels per frame on a still latent). This is the smallest change (least squares) that makes them
    equal: each phase's taps move by (mean sum - its sum) / taps, the biases to their mean. Export keeps these
    weights in F32: F16 rounding of the taps would make the sums differ again."""
    removed = 0.0
    for up in (b.upsampler for b in dec.up_blocks if b.upsampler is not None):
        conv = up.time_conv
        if conv is None:
            continue
        w, b = conv.weight, conv.bias  # [2C, C, kt, 1, 1], [2C]
        c, taps = w.shape[0] // 2, w.shape[2]
        s0, s1 = w[:c].sum(dim=2, keepdim=True), w[c:].sum(dim=2, keepdim=True)  # [C, C, 1, 1, 1] each
        if float((s0 - s1).abs().max()) <= 1e-6 and torch.equal(b[:c], b[c:]):
            continue  # already balanced (an exported decoder): keep its bits, so a re-export is byte-identical
        removed = max(removed, float((s0 - s1).norm()))
        mean = 0.5 * (s0 + s1)
        w[:c] += (mean - s0) / taps
        w[c:] += (mean - s1) / taps
        mean_b = 0.5 * (b[:c] + b[c:])  # [C]
        b.copy_(torch.cat([mean_b, mean_b]))
    return removed


if __name__ == "__main__":
    from reference.latent_encoder import to_tensor
    from world.scene import render_clip
    from world.spec import ClipSpec
    torch.set_num_threads(2)
    fr, _ = render_clip(ClipSpec("horse", "chestnut", "gallop", "left", "snow", "dusk"), 13, 1)
    x = to_tensor(fr)[None]
    mu = encode(x)
    dec = constructed_decoder(latent_config())
    with torch.no_grad():
        y = dec(mu)
    print("latent", tuple(mu.shape), "decoded", tuple(y.shape), "L1", (y - x).abs().mean().item())

