"""Video VAE of the built-in model: a Turbo-VAED-shaped decoder (spec §1.5) at tiny width, plus an encoder used
only for training. THE definition: training (tools/train) trains this module, the engine (Sources/HappyHorse/VAE)
ports the decoder, and the parity dumps (reference/dump_te_vae.py) come from it.

Layout of every activation: [B, C, T, H, W] (batch, channels, time, height, width).

Compression: 4x in time, 16x in space (patch 2 x three 2x upsamplers), `latent_channels` channels.
Frames for T latent frames: 4(T-1)+1 (first-chunk rule: each upsample3d drops its first output frame on the
first chunk). Later chunks: 4 frames per latent frame.

Decoder (decoding order; `block_out_channels[b]` is the width of up block b, `layers_per_block[0]` is mid):
    z (normalised) -> mu = z*std_c + mean_c
    conv_in      Conv3d(latent -> C0, k (3,3,3))
    mid.resnets  layers_per_block[0] ResNets at C0 (SiLU)
    up_blocks.b  entry ResNet C_{b-1} -> C_b (SiLU, only when the width changes, before the upsampler)
                 upsampler "3d" | "2d" | "none"
                 layers_per_block[b+1] ResNets at C_b (ReLU after an upsampler, else SiLU)
    head         channel RMS norm (eps 1e-8) -> SiLU -> conv_out(C_last -> 3*p*p) -> unpatchify p
All convs are Conv3d weights [Cout, Cin, kt, kh, kw]; temporal padding replicates the edge frame (kt-1)/2 times
on each side, spatial padding is zeros kh//2. `temporal_kernel[b]` (3 or 1) is the kt of up block b's ResNets
(and of conv_out for the last block); 1 = spatial-only 3x3 convs, used at the high-resolution levels.
ResNet: x -> norm -> act -> conv1 -> norm -> SiLU -> conv2, plus x (or, when channels change,
norm(eps 1e-6) -> conv_shortcut 1x1x1). All norms are channel RMS norms without weight: x / sqrt(mean_c x^2 + eps).
upsample3d: time_conv Conv3d(C -> 2C, k (3,1,1)); halves interleaved in time (first half at even t);
drop the first frame on the first chunk; then the spatial x2 below.
upsample2d: the spatial x2 only. Its form is `spatial_upsample[b]`:
    "nearest" (default): nearest x2 in space, then conv Conv3d(C -> C, k (1,3,3));
    "shuffle": conv Conv3d(C -> 4C, k (1,3,3)) at the low resolution, then depth-to-space x2 (channel
               (dy*2 + dx)*C + c goes to pixel (2h+dy, 2w+dx) of channel c). It can place what a latent position
               says about its own sub-blocks, which a nearest upsample followed by a shared conv cannot.
Unpatchify: channel ch = c*p*p + wOff*p + hOff of conv_out's output goes to pixel (h*p+hOff, w*p+wOff) of RGB c.

Run `PYTHONPATH=tools python3 -m reference.vae` to print parameter counts and FLOPs per output frame.
"""
from __future__ import annotations

import copy
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

NORM_EPS = 1e-8
SHORTCUT_NORM_EPS = 1e-6

# Starting point of the built-in model's `vae` section of config.json (training may retune widths; the
# latent statistics are replaced by the measured ones at export).
DEFAULT_VAE_CONFIG: dict = {
    "weights": "vae_decoder.safetensors",
    "latent_channels": 16,
    "out_channels": 3,
    "patch_size": 2,
    "block_out_channels": [64, 32, 16, 16],
    "layers_per_block": [2, 1, 1, 0, 1],
    "upsample": ["3d", "3d", "2d", "none"],
    "temporal_kernel": [3, 1, 1, 1],
    "latent_mean": [0.0] * 16,
    "latent_std": [1.0] * 16,
    # encoder (training only; mirrors the decoder)
    "encoder_layers_per_block": [1, 1, 1, 1, 1],
}


def vae_config(section: dict | None = None) -> dict:
    """The `vae` section with defaults filled in and checked."""
    cfg = copy.deepcopy(DEFAULT_VAE_CONFIG)
    if section:
        cfg.update(copy.deepcopy(section))
    n = len(cfg["block_out_channels"])
    cfg.setdefault("spatial_upsample", ["nearest"] * n)  # per up block: "nearest" | "shuffle"
    assert len(cfg["upsample"]) == n and len(cfg["temporal_kernel"]) == n, "per-block lists differ in length"
    assert len(cfg["layers_per_block"]) == n + 1, "layers_per_block = [mid] + one per up block"
    assert len(cfg["latent_mean"]) == cfg["latent_channels"] == len(cfg["latent_std"])
    assert all(u in ("3d", "2d", "none") for u in cfg["upsample"])
    assert all(k in (1, 3) for k in cfg["temporal_kernel"])
    assert len(cfg["spatial_upsample"]) == n and all(m in ("nearest", "shuffle") for m in cfg["spatial_upsample"])
    return cfg


def temporal_factor(cfg: dict) -> int:
    return 2 ** sum(u == "3d" for u in cfg["upsample"])


def spatial_factor(cfg: dict) -> int:
    return cfg["patch_size"] * 2 ** sum(u != "none" for u in cfg["upsample"])


def frames_for_latent(t_latent: int, cfg: dict | None = None) -> int:
    """Pixel frames of a first chunk of t_latent latent frames: 4(T-1)+1."""
    tf = temporal_factor(cfg or DEFAULT_VAE_CONFIG)
    return tf * (t_latent - 1) + 1


# ----------------------------------------------------------------------------------------------------------------
# building blocks


def channel_rms_norm(x: torch.Tensor, eps: float) -> torch.Tensor:
    """x / sqrt(mean over channels of x^2 + eps); x: [B, C, T, H, W]; no weight."""
    return x * torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + eps)


class Conv(nn.Conv3d):
    """Conv3d with replicate temporal padding ((kt-1)/2 each side) and zero spatial padding (k//2).
    Keys `<name>.weight` [Cout, Cin, kt, kh, kw] and `<name>.bias` [Cout]."""

    def __init__(self, cin: int, cout: int, kernel: tuple[int, int, int]):
        super().__init__(cin, cout, kernel, padding=(0, kernel[1] // 2, kernel[2] // 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [B, Cin, T, H, W] -> [B, Cout, T, H, W]
        p = (self.kernel_size[0] - 1) // 2
        if p:
            x = torch.cat([x[:, :, :1]] * p + [x] + [x[:, :, -1:]] * p, dim=2)  # [B, Cin, T+2p, H, W]
        return super().forward(x)


class ResNet(nn.Module):
    def __init__(self, cin: int, cout: int, kt: int, act: str):
        super().__init__()
        self.act = act
        self.conv1 = Conv(cin, cout, (kt, 3, 3))
        self.conv2 = Conv(cout, cout, (kt, 3, 3))
        self.conv_shortcut = Conv(cin, cout, (1, 1, 1)) if cin != cout else None

    def forward(self, x, trace: dict | None = None, name: str = ""):
        h = channel_rms_norm(x, NORM_EPS)
        h = F.relu(h) if self.act == "relu" else F.silu(h)
        h = self.conv1(h)
        h = F.silu(channel_rms_norm(h, NORM_EPS))
        h = self.conv2(h)
        if self.conv_shortcut is not None:
            x = self.conv_shortcut(channel_rms_norm(x, SHORTCUT_NORM_EPS))
        return x + h


class Upsample(nn.Module):
    """kind "3d": time x2 (first frame dropped on the first chunk) and space x2; "2d": space x2."""

    def __init__(self, channels: int, kind: str, spatial: str = "nearest"):
        super().__init__()
        self.kind = kind
        self.spatial = spatial
        self.time_conv = Conv(channels, 2 * channels, (3, 1, 1)) if kind == "3d" else None
        self.conv = Conv(channels, 4 * channels if spatial == "shuffle" else channels, (1, 3, 3))

    def forward(self, x, first_chunk: bool):
        if self.time_conv is not None:
            b, c, t, h, w = x.shape
            y = self.time_conv(x)  # [B, 2C, T, H, W]
            y = y.reshape(b, 2, c, t, h, w)  # [B, half, C, T, H, W]
            y = y.permute(0, 2, 3, 1, 4, 5).reshape(b, c, 2 * t, h, w)  # [B, C, 2T, H, W]: half 0 at even t
            x = y[:, :, 1:] if first_chunk else y  # [B, C, 2T-1 | 2T, H, W]
        if self.spatial == "shuffle":
            b, c, t, h, w = x.shape
            y = self.conv(x)  # [B, 4C, T', H, W]
            y = y.reshape(b, 2, 2, c, t, h, w)  # [B, dy, dx, C, T', H, W]
            y = y.permute(0, 3, 4, 5, 1, 6, 2)  # [B, C, T', H, dy, W, dx]
            return y.reshape(b, c, t, 2 * h, 2 * w)  # [B, C, T', 2H, 2W]
        x = x.repeat_interleave(2, dim=3).repeat_interleave(2, dim=4)  # [B, C, T', 2H, 2W] nearest
        return self.conv(x)


class UpBlock(nn.Module):
    def __init__(self, cin: int, cout: int, kind: str, kt: int, layers: int, spatial: str = "nearest"):
        super().__init__()
        self.entry = ResNet(cin, cout, kt, "silu") if cin != cout else None
        self.upsampler = Upsample(cout, kind, spatial) if kind != "none" else None
        act = "relu" if kind != "none" else "silu"
        self.resnets = nn.ModuleList([ResNet(cout, cout, kt, act) for _ in range(layers)])

    def forward(self, x, first_chunk: bool, trace: dict | None = None, name: str = ""):
        if self.entry is not None:
            x = self.entry(x)
            _put(trace, f"{name}.entry", x)
        if self.upsampler is not None:
            x = self.upsampler(x, first_chunk)
            _put(trace, f"{name}.upsampler", x)
        for r in self.resnets:
            x = r(x)
        return x


def _put(trace: dict | None, key: str, x: torch.Tensor):
    if trace is not None:
        trace[key] = x.detach().clone()


def unpatchify(x: torch.Tensor, p: int, out_channels: int) -> torch.Tensor:
    """[B, C*p*p, T, H, W] -> [B, C, T, H*p, W*p] with ch = c*p*p + wOff*p + hOff."""
    b, _, t, h, w = x.shape
    x = x.reshape(b, out_channels, p, p, t, h, w)  # [B, C, wOff, hOff, T, H, W]
    x = x.permute(0, 1, 4, 5, 3, 6, 2)  # [B, C, T, H, hOff, W, wOff]
    return x.reshape(b, out_channels, t, h * p, w * p)


def patchify(x: torch.Tensor, p: int) -> torch.Tensor:
    """Inverse of unpatchify: [B, C, T, H*p, W*p] -> [B, C*p*p, T, H, W]."""
    b, c, t, hp, wp = x.shape
    h, w = hp // p, wp // p
    x = x.reshape(b, c, t, h, p, w, p)  # [B, C, T, H, hOff, W, wOff]
    x = x.permute(0, 1, 6, 4, 2, 3, 5)  # [B, C, wOff, hOff, T, H, W]
    return x.reshape(b, c * p * p, t, h, w)


# ----------------------------------------------------------------------------------------------------------------
# decoder


class VideoDecoder(nn.Module):
    """State-dict keys are the checkpoint keys of vae_decoder.safetensors."""

    def __init__(self, section: dict | None = None):
        super().__init__()
        cfg = vae_config(section)
        self.cfg = cfg
        ch = cfg["block_out_channels"]
        layers = cfg["layers_per_block"]
        self.register_buffer("latent_mean", torch.tensor(cfg["latent_mean"], dtype=torch.float32), persistent=False)
        self.register_buffer("latent_std", torch.tensor(cfg["latent_std"], dtype=torch.float32), persistent=False)
        self.conv_in = Conv(cfg["latent_channels"], ch[0], (3, 3, 3))
        self.mid = nn.Module()
        self.mid.resnets = nn.ModuleList([ResNet(ch[0], ch[0], 3, "silu") for _ in range(layers[0])])
        blocks, cin = [], ch[0]
        for b, cout in enumerate(ch):
            blocks.append(UpBlock(cin, cout, cfg["upsample"][b], cfg["temporal_kernel"][b], layers[b + 1],
                                  cfg["spatial_upsample"][b]))
            cin = cout
        self.up_blocks = nn.ModuleList(blocks)
        p = cfg["patch_size"]
        self.conv_out = Conv(ch[-1], cfg["out_channels"] * p * p, (cfg["temporal_kernel"][-1], 3, 3))

    def denormalize(self, z: torch.Tensor) -> torch.Tensor:
        """mu = z * std_c + mean_c; z: [B, C, T, H, W]."""
        return z * self.latent_std.view(1, -1, 1, 1, 1) + self.latent_mean.view(1, -1, 1, 1, 1)

    def forward(self, z: torch.Tensor, first_chunk: bool = True, trace: dict | None = None) -> torch.Tensor:
        """Normalised latent [B, Cz, T, h, w] -> pixels in [-1, 1]-ish (unclamped) [B, 3, T', 16h, 16w],
        T' = 4(T-1)+1 on the first chunk, else 4T. `trace` collects named intermediates (parity dumps)."""
        x = self.denormalize(z)
        _put(trace, "denormalized", x)
        x = self.conv_in(x)
        _put(trace, "conv_in", x)
        for i, r in enumerate(self.mid.resnets):
            x = r(x)
            _put(trace, f"mid.resnets.{i}", x)
        for b, block in enumerate(self.up_blocks):
            x = block(x, first_chunk, trace, f"up_blocks.{b}")
            _put(trace, f"up_blocks.{b}", x)
        x = F.silu(channel_rms_norm(x, NORM_EPS))
        x = self.conv_out(x)  # [B, 3*p*p, T', H, W]
        _put(trace, "conv_out", x)
        x = unpatchify(x, self.cfg["patch_size"], self.cfg["out_channels"])  # [B, 3, T', H*p, W*p]
        _put(trace, "pixels", x)
        return x

    def decode_window(self, z: torch.Tensor, start: int, end: int, left: int = 1, right: int = 1,
                      offset: int = 0) -> torch.Tensor:
        """Pixel frames of latent frames [start, end) of z [B, C, T, h, w], decoded with up to `left`/`right`
        latent frames of context (fewer at the ends of z) whose pixel frames are cropped. `offset` is the clip
        index of z's frame 0 (z may be a piece of a longer clip): the first-chunk rule applies only when the window
        starts at clip frame 0. Clip latent frame 0 owns pixel frame 0; latent frame i >= 1 owns pixel frames
        4(i-1)+1 ... 4i."""
        tf = temporal_factor(self.cfg)
        lo = max(0, start - left)
        hi = min(z.shape[2], end + right)
        first = lo + offset == 0
        x = self.forward(z[:, :, lo:hi], first_chunk=first)
        crop_lo = tf * (start - lo)
        if first and start > 0:  # the window begins at clip frame 0, which owns a single pixel frame
            crop_lo = 1 + tf * (start - 1)
        crop_hi = tf * (hi - end)
        return x[:, :, crop_lo: x.shape[2] - crop_hi]

    def decode_sliding(self, z: torch.Tensor, chunk: int, left: int = 1, right: int = 1) -> torch.Tensor:
        """Decode a long latent in windows of `chunk` latent frames with context (spec §1.5 style)."""
        outs = [self.decode_window(z, s, min(s + chunk, z.shape[2]), left, right)
                for s in range(0, z.shape[2], chunk)]
        return torch.cat(outs, dim=2)


# ----------------------------------------------------------------------------------------------------------------
# encoder (training only)


class Downsample(nn.Module):
    """kind "3d": time /2 (T' = T//2 + 1 for odd frame counts 2T-1 -> T, first frame padded in front) and
    space /2; "2d": space /2. Spatial: zero pad right/bottom, conv k3 stride 2."""

    def __init__(self, channels: int, kind: str):
        super().__init__()
        self.kind = kind
        self.conv = nn.Conv3d(channels, channels, (1, 3, 3), stride=(1, 2, 2))
        self.time_conv = nn.Conv3d(channels, channels, (3, 1, 1), stride=(2, 1, 1)) if kind == "3d" else None

    def forward(self, x):
        x = F.pad(x, (0, 1, 0, 1))  # [B, C, T, H+1, W+1]
        x = self.conv(x)  # [B, C, T, H/2, W/2]
        if self.time_conv is not None:
            # frames 2T-1 -> replicate first twice in front -> 2T+1 -> k3 s2 -> T
            x = torch.cat([x[:, :, :1], x[:, :, :1], x], dim=2)
            x = self.time_conv(x)
        return x


class VideoEncoder(nn.Module):
    """Mirror of the decoder: patchify p -> conv_in -> per level (reversed): ResNets, downsample, exit ResNet
    -> mid ResNets -> norm -> SiLU -> conv_out to latent channels (the mean; deterministic)."""

    def __init__(self, section: dict | None = None):
        super().__init__()
        cfg = vae_config(section)
        self.cfg = cfg
        ch = list(reversed(cfg["block_out_channels"]))
        kinds = list(reversed(cfg["upsample"]))
        kts = list(reversed(cfg["temporal_kernel"]))
        layers = cfg["encoder_layers_per_block"]
        p = cfg["patch_size"]
        self.conv_in = Conv(cfg["out_channels"] * p * p, ch[0], (kts[0], 3, 3))
        blocks = nn.ModuleList()
        for b, c in enumerate(ch):
            blk = nn.Module()
            blk.resnets = nn.ModuleList([ResNet(c, c, kts[b], "silu") for _ in range(layers[len(ch) - b])])
            blk.downsampler = Downsample(c, kinds[b]) if kinds[b] != "none" else None
            nxt = ch[b + 1] if b + 1 < len(ch) else c
            blk.exit = ResNet(c, nxt, kts[b + 1] if b + 1 < len(ch) else 3, "silu") if nxt != c else None
            blocks.append(blk)
        self.down_blocks = blocks
        self.mid = nn.Module()
        self.mid.resnets = nn.ModuleList([ResNet(ch[-1], ch[-1], 3, "silu") for _ in range(layers[0])])
        self.conv_out = Conv(ch[-1], cfg["latent_channels"], (3, 3, 3))

    def forward(self, video: torch.Tensor) -> torch.Tensor:
        """video [B, 3, 4(T-1)+1, 16h, 16w] in [-1, 1] -> latent mean mu [B, Cz, T, h, w] (not normalised)."""
        x = patchify(video, self.cfg["patch_size"])
        x = self.conv_in(x)
        for blk in self.down_blocks:
            for r in blk.resnets:
                x = r(x)
            if blk.downsampler is not None:
                x = blk.downsampler(x)
            if blk.exit is not None:
                x = blk.exit(x)
        for r in self.mid.resnets:
            x = r(x)
        return self.conv_out(F.silu(channel_rms_norm(x, NORM_EPS)))


class VideoVAE(nn.Module):
    """Encoder + decoder for training. `decoder.state_dict()` is what gets exported."""

    def __init__(self, section: dict | None = None):
        super().__init__()
        self.cfg = vae_config(section)
        self.encoder = VideoEncoder(self.cfg)
        self.decoder = VideoDecoder(self.cfg)

    def normalize(self, mu: torch.Tensor) -> torch.Tensor:
        d = self.decoder
        return (mu - d.latent_mean.view(1, -1, 1, 1, 1)) / d.latent_std.view(1, -1, 1, 1, 1)

    def set_latent_stats(self, mean: torch.Tensor, std: torch.Tensor):
        """Sets the per-channel statistics (decoder buffers and the config export)."""
        self.decoder.latent_mean.copy_(mean)
        self.decoder.latent_std.copy_(std)
        self.cfg["latent_mean"] = [float(v) for v in mean]
        self.cfg["latent_std"] = [float(v) for v in std]
        self.decoder.cfg = self.cfg

    def encode(self, video: torch.Tensor, noise_std: float = 0.0) -> torch.Tensor:
        """video [B, 3, F, H, W] in [-1, 1] -> normalised latent z; optional Gaussian latent noise (training)."""
        z = self.normalize(self.encoder(video))
        if noise_std > 0:
            z = z + noise_std * torch.randn_like(z)
        return z

    def forward(self, video: torch.Tensor, noise_std: float = 0.0):
        z = self.encode(video, noise_std)
        return self.decoder(z, first_chunk=True), z


# ----------------------------------------------------------------------------------------------------------------
# cost accounting


def decoder_flops_per_frame(section: dict | None = None, height: int = 256, width: int = 256) -> float:
    """FLOPs (2 per multiply-add) of the decoder's convolutions per output pixel frame in steady state
    (non-first chunk: every latent frame gives temporal_factor frames)."""
    cfg = vae_config(section)
    tf = temporal_factor(cfg)
    sf = spatial_factor(cfg)
    h, w = height // sf, width // sf
    rate = 1.0 / tf  # frames at the current level per output frame
    total = 0.0

    def conv(cin, cout, k):
        return 2.0 * cin * cout * k[0] * k[1] * k[2] * h * w * rate

    def resnet(cin, cout, kt):
        f = conv(cin, cout, (kt, 3, 3)) + conv(cout, cout, (kt, 3, 3))
        return f + (conv(cin, cout, (1, 1, 1)) if cin != cout else 0.0)

    ch, layers = cfg["block_out_channels"], cfg["layers_per_block"]
    total += conv(cfg["latent_channels"], ch[0], (3, 3, 3))
    total += layers[0] * resnet(ch[0], ch[0], 3)
    cin = ch[0]
    for b, cout in enumerate(ch):
        kt, kind = cfg["temporal_kernel"][b], cfg["upsample"][b]
        if cin != cout:
            total += resnet(cin, cout, kt)
        if kind == "3d":
            total += conv(cout, 2 * cout, (3, 1, 1))
            rate *= 2
        if kind != "none":
            h, w = h * 2, w * 2
            total += conv(cout, cout, (1, 3, 3))
        total += layers[b + 1] * resnet(cout, cout, kt)
        cin = cout
    p = cfg["patch_size"]
    total += conv(cin, cfg["out_channels"] * p * p, (cfg["temporal_kernel"][-1], 3, 3))
    return total


def main():
    cfg = vae_config()
    vae = VideoVAE(cfg)
    n_dec = sum(p.numel() for p in vae.decoder.parameters())
    n_enc = sum(p.numel() for p in vae.encoder.parameters())
    gf = decoder_flops_per_frame(cfg) / 1e9
    print(f"decoder params {n_dec:,}  encoder params {n_enc:,}")
    print(f"decoder GFLOP per 256x256 output frame: {gf:.3f} (budget 1.0)")
    z = torch.randn(1, cfg["latent_channels"], 3, 16, 16)
    with torch.no_grad():
        y = vae.decoder(z)
        mu = vae.encoder(y.clamp(-1, 1))
    print("decode", tuple(z.shape), "->", tuple(y.shape), " encode ->", tuple(mu.shape))
    print("keys:", len(vae.decoder.state_dict()), list(vae.decoder.state_dict())[:6], "...")


if __name__ == "__main__":
    main()
