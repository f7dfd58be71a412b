"""PyTorch reference of the daVinci-MagiHuman / HappyHorse single-stream "sandwich" DiT.

Written from docs/spec.md (the spec), sections 2.1-2.8 and 4.2, not from the Swift
code, so it can catch a mistake there. It is also THE model definition the built-in model is trained with:
everything is autograd-friendly, fp32, and takes an optional batch dimension.

    from reference.dit import DiT, DiTConfig
    cfg = DiTConfig.from_dict(json.load(open("config.json"))["dit"])
    model = DiT(cfg)
    v_video, v_audio = model(video_latent, audio_tokens, text_tokens)

Shapes (B = optional batch dimension; every input either has it or none does):
    video_latent  [B?, C, T, h, w]     C = latent_channels, h and w multiples of the patch (1, 2, 2)
    audio         [B?, A, audio_in]    A may be 0
    text          [B?, L, text_in]     L may be 0 (only real tokens; no padding enters the DiT)
    coords        optional [B?, N, 3]  effective RoPE coordinates (t, y, x) per token, N = Nv + A + L;
                                       default: `build_coords` (spec 2.3) for cfg.rope_style
returns
    video velocity [B?, C, T, h, w], audio velocity [B?, A, audio_in]   (text outputs are discarded, spec 2.7)

State-dict keys are exactly the MagiHuman checkpoint keys (spec 4.2):
    adapter.{video,audio,text}_embedder.{weight,bias}, adapter.rope.bands,
    block.layers.{i}.attention.{pre_norm,linear_qkv,q_norm,k_norm,linear_proj}.weight,
    block.layers.{i}.mlp.{pre_norm,up_gate_proj,down_proj}.weight,
    final_norm_{video,audio}.weight, final_linear_{video,audio}.weight.
Multimodal-expert (mm) layers stack the 3 experts (video=0, audio=1, text=2) as row blocks of one tensor.

Named intermediates (for parity dumps): pass `capture={}`; it is filled with
    "rope.angles"          [B?, N, 3*bands]  angles t|y|x
    "adapter"              [B?, N, hidden]   residual stream after the embedders
    "layers.{i}.attention" [B?, N, hidden]   after the attention residual of layer i
    "layers.{i}"           [B?, N, hidden]   after layer i
    "head.video"           [B?, Nv, video_in] video head output tokens (before unpatchify)
    "head.audio"           [B?, A, audio_in]
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

VIDEO, AUDIO, TEXT = 0, 1, 2
NUM_EXPERTS = 3


@dataclass
class DiTConfig:
    """The `dit` section of config.json (snake_case keys, docs/design.md). Defaults = the full MagiHuman model."""
    hidden_size: int = 5120
    num_layers: int = 40
    num_heads_q: int = 40
    num_heads_kv: int = 8
    head_dim: int = 128
    mm_layers: list = field(default_factory=lambda: [0, 1, 2, 3, 36, 37, 38, 39])
    gelu7_layers: list = field(default_factory=lambda: [0, 1, 2, 3])
    video_in_channels: int = 192
    audio_in_channels: int = 64
    text_in_channels: int = 3584
    gelu7_intermediate_size: int = 20480
    swiglu7_intermediate_size: int = 13652
    norm_eps: float = 1e-6
    rope_theta: float = 10000.0
    rope_style: str = "v2"
    latent_channels: int = 48
    patch_size: list = field(default_factory=lambda: [1, 2, 2])

    @classmethod
    def from_dict(cls, d: dict) -> "DiTConfig":
        """Reads the known keys; ignores others (e.g. "weights")."""
        names = {f.name for f in fields(cls)}
        cfg = cls(**{k: v for k, v in d.items() if k in names})
        cfg.validate()
        return cfg

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def rope_bands(self) -> int:
        return self.head_dim // 8

    @property
    def patch_volume(self) -> int:
        pt, ph, pw = self.patch_size
        return pt * ph * pw

    def validate(self) -> None:
        assert self.hidden_size > 0 and self.num_layers > 0 and self.head_dim > 0
        assert self.num_heads_q > 0 and self.num_heads_kv > 0 and self.num_heads_q % self.num_heads_kv == 0
        assert self.head_dim % 8 == 0, "head_dim must be a multiple of 8 (3 RoPE axes x head_dim/8 bands x 2)"
        assert all(0 <= i < self.num_layers for i in self.mm_layers + self.gelu7_layers)
        assert self.video_in_channels == self.latent_channels * self.patch_volume
        assert self.rope_style in ("v1", "v2")


class RMSNorm(nn.Module):
    """y = x / sqrt(mean(x^2) + eps) * (1 + w); `w` holds E stacked offsets of `dim` (zero-init), spec 2.1."""

    def __init__(self, dim: int, eps: float, experts: int = 1):
        super().__init__()
        self.dim, self.eps = dim, eps
        self.weight = nn.Parameter(torch.zeros(experts * dim))

    def scale(self, e: int) -> torch.Tensor:
        return 1.0 + self.weight[e * self.dim:(e + 1) * self.dim]  # [dim]

    def forward(self, x: torch.Tensor, e: int = 0) -> torch.Tensor:
        x = x.float()
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.scale(e)


class ExpertLinear(nn.Module):
    """y = x W_e^T without bias; weight [experts*out, in], expert e owns rows [e*out, (e+1)*out) (spec 4.2)."""

    def __init__(self, in_features: int, out_features: int, experts: int = 1):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = nn.Parameter(torch.empty(experts * out_features, in_features))

    def forward(self, x: torch.Tensor, e: int = 0) -> torch.Tensor:
        w = self.weight[e * self.out_features:(e + 1) * self.out_features]  # [out, in]
        return x @ w.t()  # [..., in] x [in, out] -> [..., out]


def split_by_modality(x: torch.Tensor, counts: list) -> list:
    """Splits the token axis (-2) into the video / audio / text row blocks."""
    return list(torch.split(x, counts, dim=-2))


def per_expert(x: torch.Tensor, counts: list, experts: int, fn) -> torch.Tensor:
    """Applies fn(block, e) per modality block (expert e = modality) in mm layers, or fn(x, 0) once in shared ones."""
    if experts == 1:
        return fn(x, 0)
    parts = [fn(part, e) for e, part in enumerate(split_by_modality(x, counts))]
    return torch.cat(parts, dim=-2)


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Split-half rotation (spec 2.3): with R = number of angles, pair (d_i, d_{i+R}) for i < R is rotated by phi_i;
    dims >= 2R pass through. x [B, H, N, D]; cos/sin [B, 1, N, R]."""
    r = cos.shape[-1]
    x1, x2, rest = x[..., :r], x[..., r:2 * r], x[..., 2 * r:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin, rest], dim=-1)


def gelu7(z: torch.Tensor) -> torch.Tensor:
    """s * sigmoid(1.702 s) with s = min(z, 7) (spec 2.5 step 9)."""
    s = torch.clamp(z, max=7.0)
    return s * torch.sigmoid(1.702 * s)


def swiglu7(z: torch.Tensor) -> torch.Tensor:
    """Interleaved rows: gate = z[..., 0::2], lin = z[..., 1::2]; gelu7(gate) * (clamp(lin, -7, 7) + 1) (spec 2.5)."""
    gate, lin = z[..., 0::2], z[..., 1::2]
    return gelu7(gate) * (torch.clamp(lin, -7.0, 7.0) + 1.0)


class Attention(nn.Module):
    """Pre-norm gated GQA self-attention over the whole [video | audio | text] sequence (spec 2.5 steps 1-7)."""

    def __init__(self, cfg: DiTConfig, experts: int):
        super().__init__()
        self.cfg, self.experts = cfg, experts
        hq, hkv, d = cfg.num_heads_q, cfg.num_heads_kv, cfg.head_dim
        self.pre_norm = RMSNorm(cfg.hidden_size, cfg.norm_eps, experts)
        # rows: q [hq*d] | k [hkv*d] | v [hkv*d] | gate [hq]   (gate LAST, spec 4.2)
        self.linear_qkv = ExpertLinear(cfg.hidden_size, hq * d + 2 * hkv * d + hq, experts)
        self.q_norm = RMSNorm(d, cfg.norm_eps, experts)
        self.k_norm = RMSNorm(d, cfg.norm_eps, experts)
        self.linear_proj = ExpertLinear(hq * d, cfg.hidden_size, experts)

    def forward(self, h, counts, cos, sin, key_mask=None):
        """key_mask: None (every token is a key) or bool [B, 1, 1, N], True = real token (training pads text)."""
        cfg = self.cfg
        hq, hkv, d = cfg.num_heads_q, cfg.num_heads_kv, cfg.head_dim
        b, n = h.shape[0], h.shape[1]

        def qkv_of(block, e):
            a = self.pre_norm(block, e)  # [B, n_e, hidden]
            u = self.linear_qkv(a, e)  # [B, n_e, hidden] x [hidden, hq*d+2hkv*d+hq]
            q, k, v, g = torch.split(u, [hq * d, hkv * d, hkv * d, hq], dim=-1)
            q = self.q_norm(q.reshape(*q.shape[:-1], hq, d), e)  # [B, n_e, hq, d], one weight shared by all heads
            k = self.k_norm(k.reshape(*k.shape[:-1], hkv, d), e)  # [B, n_e, hkv, d]
            v = v.reshape(*v.shape[:-1], hkv, d)  # [B, n_e, hkv, d]
            return torch.cat([q.flatten(-2), k.flatten(-2), v.flatten(-2), g], dim=-1)

        u = per_expert(h, counts, self.experts, qkv_of)  # [B, N, hq*d + 2hkv*d + hq]
        q, k, v, g = torch.split(u, [hq * d, hkv * d, hkv * d, hq], dim=-1)
        q = q.reshape(b, n, hq, d).transpose(1, 2)  # [B, hq, N, d]
        k = k.reshape(b, n, hkv, d).transpose(1, 2)  # [B, hkv, N, d]
        v = v.reshape(b, n, hkv, d).transpose(1, 2)  # [B, hkv, N, d]
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        group = hq // hkv  # query head i uses kv head i // group
        k = k.repeat_interleave(group, dim=1)  # [B, hq, N, d]
        v = v.repeat_interleave(group, dim=1)  # [B, hq, N, d]
        o = F.scaled_dot_product_attention(q, k, v, attn_mask=key_mask, scale=1.0 / math.sqrt(d))  # [B, hq, N, d]
        o = o * torch.sigmoid(g).transpose(1, 2).unsqueeze(-1)  # per (token, head) gate; [B, hq, N, 1]
        o = o.transpose(1, 2).reshape(b, n, hq * d)  # [B, N, hq*d]
        return per_expert(o, counts, self.experts, self.linear_proj)  # [B, N, hq*d] x [hq*d, hidden]


class MLP(nn.Module):
    """Pre-norm MLP: GELU7 (non-gated) or SwiGLU7 (interleaved gate/linear rows), spec 2.5 steps 8-10."""

    def __init__(self, cfg: DiTConfig, experts: int, gelu7_layer: bool):
        super().__init__()
        self.experts, self.gelu7_layer = experts, gelu7_layer
        inner = cfg.gelu7_intermediate_size if gelu7_layer else cfg.swiglu7_intermediate_size
        self.pre_norm = RMSNorm(cfg.hidden_size, cfg.norm_eps, experts)
        self.up_gate_proj = ExpertLinear(cfg.hidden_size, inner if gelu7_layer else 2 * inner, experts)
        self.down_proj = ExpertLinear(inner, cfg.hidden_size, experts)

    def forward(self, h, counts):
        def mlp_of(block, e):
            z = self.up_gate_proj(self.pre_norm(block, e), e)  # [B, n_e, hidden] x [hidden, inner or 2*inner]
            y = gelu7(z) if self.gelu7_layer else swiglu7(z)  # [B, n_e, inner]
            return self.down_proj(y, e)  # [B, n_e, inner] x [inner, hidden]

        return per_expert(h, counts, self.experts, mlp_of)


class TransformerLayer(nn.Module):
    def __init__(self, cfg: DiTConfig, index: int):
        super().__init__()
        experts = NUM_EXPERTS if index in cfg.mm_layers else 1
        self.attention = Attention(cfg, experts)
        self.mlp = MLP(cfg, experts, index in cfg.gelu7_layers)

    def forward(self, h, counts, cos, sin, capture=None, name="", key_mask=None):
        h = h + self.attention(h, counts, cos, sin, key_mask)
        if capture is not None:
            capture[name + ".attention"] = h
        return h + self.mlp(h, counts)


class Block(nn.Module):
    def __init__(self, cfg: DiTConfig):
        super().__init__()
        self.layers = nn.ModuleList([TransformerLayer(cfg, i) for i in range(cfg.num_layers)])


class RopeBands(nn.Module):
    """Holds the persistent buffer `adapter.rope.bands` = theta^(-j/bands), j = 0..bands-1 (spec 2.3)."""

    def __init__(self, cfg: DiTConfig):
        super().__init__()
        j = torch.arange(cfg.rope_bands, dtype=torch.float64)
        self.register_buffer("bands", (cfg.rope_theta ** (-j / cfg.rope_bands)).float(), persistent=True)


class Adapter(nn.Module):
    """Input embedders with bias, one per modality (spec 2.4), plus the RoPE band buffer."""

    def __init__(self, cfg: DiTConfig):
        super().__init__()
        self.video_embedder = nn.Linear(cfg.video_in_channels, cfg.hidden_size)
        self.audio_embedder = nn.Linear(cfg.audio_in_channels, cfg.hidden_size)
        self.text_embedder = nn.Linear(cfg.text_in_channels, cfg.hidden_size)
        self.rope = RopeBands(cfg)


def patchify(latent: torch.Tensor, patch) -> torch.Tensor:
    """[B, C, T, h, w] -> [B, T'*H'*W', C*pt*ph*pw]; tokens raster (T', H', W'); features CHANNEL-major:
    index = c*pt*ph*pw + (kt*ph + kh)*pw + kw (spec 2.2, UnfoldNd order)."""
    b, c, t, h, w = latent.shape
    pt, ph, pw = patch
    x = latent.reshape(b, c, t // pt, pt, h // ph, ph, w // pw, pw)  # [B, C, T', pt, H', ph, W', pw]
    x = x.permute(0, 2, 4, 6, 1, 3, 5, 7)  # [B, T', H', W', C, pt, ph, pw]
    return x.reshape(b, (t // pt) * (h // ph) * (w // pw), c * pt * ph * pw)


def unpatchify(tokens: torch.Tensor, channels: int, grid, patch) -> torch.Tensor:
    """[B, T'*H'*W', pt*ph*pw*C] -> [B, C, T, h, w]; output features SPATIAL-major:
    index = ((kt*ph + kh)*pw + kw)*C + c (spec 2.2)."""
    b = tokens.shape[0]
    tp, hp, wp = grid
    pt, ph, pw = patch
    x = tokens.reshape(b, tp, hp, wp, pt, ph, pw, channels)  # [B, T', H', W', pt, ph, pw, C]
    x = x.permute(0, 7, 1, 4, 2, 5, 3, 6)  # [B, C, T', pt, H', ph, W', pw]
    return x.reshape(b, channels, tp * pt, hp * ph, wp * pw)


def build_coords(grid, audio_len: int, text_len: int, style: str = "v2") -> torch.Tensor:
    """Effective RoPE coordinates (t, y, x) per token, spec 2.3 -> [Nv + A + L, 3] float64.
    Video: t = latent frame, y = row - (H'-1)/2, x = col - (W'-1)/2.
    Audio: t = a * k, k = floor((A-1)/4)/(A-1) (v2) or (T'-1)/(A-1) (v1); k = 0 when A = 1; y = x = 0.
    Text: v2 all zero; v1 t = i/(L-1) (0 when L = 1), y = x = 0."""
    tp, hp, wp = grid
    t = torch.arange(tp, dtype=torch.float64).view(tp, 1, 1).expand(tp, hp, wp)
    y = (torch.arange(hp, dtype=torch.float64) - (hp - 1) / 2).view(1, hp, 1).expand(tp, hp, wp)
    x = (torch.arange(wp, dtype=torch.float64) - (wp - 1) / 2).view(1, 1, wp).expand(tp, hp, wp)
    video = torch.stack([t, y, x], dim=-1).reshape(tp * hp * wp, 3)
    audio = torch.zeros(audio_len, 3, dtype=torch.float64)
    if audio_len > 1:
        k = ((audio_len - 1) // 4) / (audio_len - 1) if style == "v2" else (tp - 1) / (audio_len - 1)
        audio[:, 0] = torch.arange(audio_len, dtype=torch.float64) * k
    text = torch.zeros(text_len, 3, dtype=torch.float64)
    if style == "v1" and text_len > 1:
        text[:, 0] = torch.arange(text_len, dtype=torch.float64) / (text_len - 1)
    return torch.cat([video, audio, text], dim=0)


class DiT(nn.Module):
    """The DiT of spec section 2. See the module docstring for shapes, keys and captured intermediates."""

    def __init__(self, cfg: DiTConfig):
        super().__init__()
        cfg.validate()
        self.cfg = cfg
        self.adapter = Adapter(cfg)
        self.block = Block(cfg)
        self.final_norm_video = RMSNorm(cfg.hidden_size, cfg.norm_eps)
        self.final_norm_audio = RMSNorm(cfg.hidden_size, cfg.norm_eps)
        self.final_linear_video = ExpertLinear(cfg.hidden_size, cfg.video_in_channels)
        self.final_linear_audio = ExpertLinear(cfg.hidden_size, cfg.audio_in_channels)
        self.reset_parameters()

    def reset_parameters(self, std: float = 0.02) -> None:
        """Linears N(0, std), biases 0, norm offsets 0 (scale 1)."""
        for name, p in self.named_parameters():
            if name.endswith("bias") or p.dim() == 1:
                nn.init.zeros_(p)
            else:
                nn.init.normal_(p, std=std)

    def rope_angles(self, coords: torch.Tensor) -> torch.Tensor:
        """coords [..., N, 3] -> angles [..., N, 3*bands] laid out [t*w | y*w | x*w]."""
        bands = self.adapter.rope.bands.to(torch.float64)
        ang = coords.to(torch.float64).unsqueeze(-1) * bands  # [..., N, 3, bands]
        return ang.flatten(-2).float()

    def forward(self, video: torch.Tensor, audio: torch.Tensor, text: torch.Tensor,
                coords: Optional[torch.Tensor] = None, capture: Optional[dict] = None,
                text_mask: Optional[torch.Tensor] = None):
        """text_mask (training only): bool [B, L], True = real text token; padded text rows are not attended to
        (their own outputs are meaningless). None = every text row is real, as in the engine."""
        cfg = self.cfg
        batched = video.dim() == 5
        if not batched:
            video, audio, text = video.unsqueeze(0), audio.unsqueeze(0), text.unsqueeze(0)
            if coords is not None:
                coords = coords.unsqueeze(0)
        b, c, t, h, w = video.shape
        pt, ph, pw = cfg.patch_size
        grid = (t // pt, h // ph, w // pw)
        xv = patchify(video.float(), cfg.patch_size)  # [B, Nv, video_in]
        counts = [xv.shape[1], audio.shape[1], text.shape[1]]
        if coords is None:
            coords = build_coords(grid, counts[1], counts[2], cfg.rope_style).unsqueeze(0).expand(b, -1, -1)
        angles = self.rope_angles(coords)  # [B, N, 3*bands]
        cos, sin = angles.cos().unsqueeze(1), angles.sin().unsqueeze(1)  # [B, 1, N, 3*bands]

        hs = torch.cat([self.adapter.video_embedder(xv),  # [B, Nv, video_in] x [video_in, hidden] + b
                        self.adapter.audio_embedder(audio.float()),  # [B, A, audio_in] x [audio_in, hidden] + b
                        self.adapter.text_embedder(text.float())], dim=1)  # [B, L, text_in] x [text_in, hidden] + b
        if capture is not None:
            capture["rope.angles"] = angles
            capture["adapter"] = hs
        key_mask = None
        if text_mask is not None:
            real = torch.ones(b, counts[0] + counts[1], dtype=torch.bool, device=text_mask.device)
            key_mask = torch.cat([real, text_mask], dim=1)[:, None, None, :]  # [B, 1, 1, N]
        for i, layer in enumerate(self.block.layers):
            hs = layer(hs, counts, cos, sin, capture, f"layers.{i}", key_mask)
            if capture is not None:
                capture[f"layers.{i}"] = hs
        hv, ha, _ = split_by_modality(hs, counts)
        ov = self.final_linear_video(self.final_norm_video(hv))  # [B, Nv, hidden] x [hidden, video_in]
        oa = self.final_linear_audio(self.final_norm_audio(ha))  # [B, A, hidden] x [hidden, audio_in]
        if capture is not None:
            capture["head.video"] = ov
            capture["head.audio"] = oa
        vel = unpatchify(ov, cfg.latent_channels, grid, cfg.patch_size)  # [B, C, T, h, w]
        if not batched:
            if capture is not None:
                for k in list(capture):
                    capture[k] = capture[k][0]
            return vel[0], oa[0]
        return vel, oa
