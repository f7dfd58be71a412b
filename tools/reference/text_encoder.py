"""Text encoder of the built-in model: a tiny bidirectional T5Gemma-style encoder (spec §1.3 at tiny size), and a
pure-Python reader/writer of the Hugging Face `tokenizers` JSON format restricted to what we use (WordLevel model,
Lowercase normalizer, Whitespace pre-tokenizer). THE definition: training trains it, the engine
(Sources/HappyHorse/TextEncoder) ports it, reference/dump_te_vae.py dumps it.

Forward (per layer, HF T5Gemma encoder layer, fp32):
    x = embed_tokens[ids] * sqrt(hidden)
    h = pre_self_attn_layernorm(x); h = attention(h); x = x + post_self_attn_layernorm(h)
    h = pre_feedforward_layernorm(x); h = down(gelu_tanh(gate(h)) * up(h)); x = x + post_feedforward_layernorm(h)
    out = norm(x)                                   # last_hidden_state [B, L, hidden]
Named intermediates (pass trace={}): embeddings, layers.{i}.attention (after the attention residual), layers.{i},
output.
RMSNorm: x * rsqrt(mean(x^2) + eps) * (1 + w). Attention: bidirectional, GQA (kv heads repeated), RoPE theta over the
full head_dim with rotate-half pairs (i, i + d/2), positions 0..L-1, scale head_dim^-0.5, logits soft-capped
tanh(s/cap)*cap, padded keys masked (batch training), no biases anywhere.
"""
from __future__ import annotations

import copy
import json
import math
import re

import torch
import torch.nn as nn
import torch.nn.functional as F

DEFAULT_TEXT_ENCODER_CONFIG: dict = {
    "weights": "text_encoder.safetensors",
    "tokenizer": "tokenizer.json",
    "vocab_size": 512,
    "hidden_size": 128,
    "num_layers": 2,
    "num_heads": 4,
    "num_kv_heads": 2,
    "head_dim": 32,
    "intermediate_size": 384,
    "norm_eps": 1e-6,
    "rope_theta": 10000.0,
    "attn_logit_softcap": 50.0,
    "max_tokens": 128,
}


def text_encoder_config(section: dict | None = None) -> dict:
    cfg = copy.deepcopy(DEFAULT_TEXT_ENCODER_CONFIG)
    if section:
        cfg.update(copy.deepcopy(section))
    assert cfg["num_heads"] % cfg["num_kv_heads"] == 0, "num_heads must be a multiple of num_kv_heads"
    assert cfg["head_dim"] % 2 == 0
    return cfg


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.zeros(dim))  # stored as offset: scale = 1 + w

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * (1.0 + self.weight)


def rope_cos_sin(length: int, head_dim: int, theta: float, device=None):
    """cos, sin [L, head_dim]: angle(pos, i) = pos * theta^(-2(i mod d/2)/d) (halves repeated)."""
    inv = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32, device=device) / head_dim))  # [d/2]
    ang = torch.arange(length, dtype=torch.float32, device=device)[:, None] * inv[None, :]  # [L, d/2]
    ang = torch.cat([ang, ang], dim=-1)  # [L, d]
    return ang.cos(), ang.sin()


def rotate_half(x):
    d = x.shape[-1] // 2
    return torch.cat([-x[..., d:], x[..., :d]], dim=-1)


class Attention(nn.Module):
    def __init__(self, cfg: dict):
        super().__init__()
        h, d = cfg["hidden_size"], cfg["head_dim"]
        self.nh, self.nkv, self.d = cfg["num_heads"], cfg["num_kv_heads"], d
        self.cap = cfg["attn_logit_softcap"]
        self.q_proj = nn.Linear(h, self.nh * d, bias=False)
        self.k_proj = nn.Linear(h, self.nkv * d, bias=False)
        self.v_proj = nn.Linear(h, self.nkv * d, bias=False)
        self.o_proj = nn.Linear(self.nh * d, h, bias=False)

    def forward(self, x, cos, sin, key_mask=None):
        b, n, _ = x.shape
        q = self.q_proj(x).view(b, n, self.nh, self.d).transpose(1, 2)  # [B, Hq, L, d]
        k = self.k_proj(x).view(b, n, self.nkv, self.d).transpose(1, 2)  # [B, Hkv, L, d]
        v = self.v_proj(x).view(b, n, self.nkv, self.d).transpose(1, 2)  # [B, Hkv, L, d]
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        rep = self.nh // self.nkv
        k = k.repeat_interleave(rep, dim=1)  # [B, Hq, L, d]: q head j uses kv head j // rep
        v = v.repeat_interleave(rep, dim=1)
        s = (q @ k.transpose(-1, -2)) * (self.d ** -0.5)  # [B, Hq, L, L]
        if self.cap and self.cap > 0:
            s = torch.tanh(s / self.cap) * self.cap
        if key_mask is not None:  # [B, L] True = real token
            s = s.masked_fill(~key_mask[:, None, None, :], float("-inf"))
        o = torch.softmax(s, dim=-1) @ v  # [B, Hq, L, d]
        o = o.transpose(1, 2).reshape(b, n, self.nh * self.d)  # [B, L, Hq*d]
        return self.o_proj(o)


class MLP(nn.Module):
    def __init__(self, cfg: dict):
        super().__init__()
        h, i = cfg["hidden_size"], cfg["intermediate_size"]
        self.gate_proj = nn.Linear(h, i, bias=False)
        self.up_proj = nn.Linear(h, i, bias=False)
        self.down_proj = nn.Linear(i, h, bias=False)

    def forward(self, x):
        return self.down_proj(F.gelu(self.gate_proj(x), approximate="tanh") * self.up_proj(x))


class EncoderLayer(nn.Module):
    def __init__(self, cfg: dict):
        super().__init__()
        h, eps = cfg["hidden_size"], cfg["norm_eps"]
        self.pre_self_attn_layernorm = RMSNorm(h, eps)
        self.self_attn = Attention(cfg)
        self.post_self_attn_layernorm = RMSNorm(h, eps)
        self.pre_feedforward_layernorm = RMSNorm(h, eps)
        self.mlp = MLP(cfg)
        self.post_feedforward_layernorm = RMSNorm(h, eps)

    def forward(self, x, cos, sin, key_mask=None, trace=None, name=""):
        x = x + self.post_self_attn_layernorm(self.self_attn(self.pre_self_attn_layernorm(x), cos, sin, key_mask))
        _put(trace, f"{name}.attention", x)
        return x + self.post_feedforward_layernorm(self.mlp(self.pre_feedforward_layernorm(x)))


class Encoder(nn.Module):
    def __init__(self, cfg: dict):
        super().__init__()
        self.embed_tokens = nn.Embedding(cfg["vocab_size"], cfg["hidden_size"])
        self.layers = nn.ModuleList([EncoderLayer(cfg) for _ in range(cfg["num_layers"])])
        self.norm = RMSNorm(cfg["hidden_size"], cfg["norm_eps"])


class TextEncoder(nn.Module):
    """State-dict keys are the checkpoint keys of text_encoder.safetensors (`encoder.…`)."""

    def __init__(self, section: dict | None = None):
        super().__init__()
        self.cfg = text_encoder_config(section)
        self.encoder = Encoder(self.cfg)
        nn.init.normal_(self.encoder.embed_tokens.weight, std=self.cfg["hidden_size"] ** -0.5)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor | None = None, trace: dict | None = None):
        """ids [B, L] (int64), mask [B, L] bool (True = real token, None = all real) -> [B, L, hidden].
        Rows at padded positions are computed but meaningless; only real tokens are used downstream."""
        cfg = self.cfg
        e = self.encoder
        x = e.embed_tokens(ids) * math.sqrt(cfg["hidden_size"])  # [B, L, hidden]
        _put(trace, "embeddings", x)
        cos, sin = rope_cos_sin(ids.shape[1], cfg["head_dim"], cfg["rope_theta"], ids.device)  # [L, d]
        for i, layer in enumerate(e.layers):
            x = layer(x, cos, sin, mask, trace, f"layers.{i}")
            _put(trace, f"layers.{i}", x)
        x = e.norm(x)
        _put(trace, "output", x)
        return x


def _put(trace, key, x):
    if trace is not None:
        trace[key] = x.detach().clone()


# ----------------------------------------------------------------------------------------------------------------
# tokenizer.json (WordLevel + Lowercase + Whitespace), no dependency on the `tokenizers` package

PAD, UNK = "[PAD]", "[UNK]"
_WHITESPACE_SPLIT = re.compile(r"\w+|[^\w\s]+")  # the HF Whitespace pre-tokenizer's pattern


def pre_tokenize(text: str) -> list[str]:
    """Lowercase, then split into runs of word characters and runs of other non-space characters."""
    return _WHITESPACE_SPLIT.findall(text.lower())


class WordTokenizer:
    def __init__(self, vocab: dict[str, int]):
        self.vocab = dict(vocab)
        if self.vocab.get(PAD) != 0 or self.vocab.get(UNK) != 1:
            raise ValueError("tokenizer vocab must have [PAD]=0 and [UNK]=1")

    @classmethod
    def from_file(cls, path: str) -> "WordTokenizer":
        with open(path, encoding="utf-8") as f:
            return cls.from_json(json.load(f))

    @classmethod
    def from_json(cls, obj: dict) -> "WordTokenizer":
        model = obj.get("model") or {}
        if model.get("type") != "WordLevel":
            raise ValueError(f"tokenizer model type {model.get('type')!r}, expected 'WordLevel'")
        norm = (obj.get("normalizer") or {}).get("type")
        pre = (obj.get("pre_tokenizer") or {}).get("type")
        if norm != "Lowercase" or pre != "Whitespace":
            raise ValueError(f"tokenizer normalizer {norm!r} / pre_tokenizer {pre!r}, expected Lowercase / Whitespace")
        return cls(model["vocab"])

    def encode(self, text: str) -> tuple[list[int], list[str]]:
        """Token ids of the known words, and the unknown words (dropped, for the log)."""
        ids, unknown = [], []
        for word in pre_tokenize(text):
            i = self.vocab.get(word)
            if i is None or i == 1:
                unknown.append(word)
            elif i != 0:
                ids.append(i)
        return ids, unknown

    def to_json(self) -> dict:
        special = [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                    "normalized": False, "special": True} for t, i in ((PAD, 0), (UNK, 1))]
        return {
            "version": "1.0", "truncation": None, "padding": None, "added_tokens": special,
            "normalizer": {"type": "Lowercase"}, "pre_tokenizer": {"type": "Whitespace"},
            "post_processor": None, "decoder": None,
            "model": {"type": "WordLevel", "vocab": dict(sorted(self.vocab.items(), key=lambda kv: kv[1])),
                      "unk_token": UNK},
        }

    def save(self, path: str):
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.to_json(), f, indent=1, ensure_ascii=False)

    @classmethod
    def build(cls, words) -> "WordTokenizer":
        """Vocab from words (pre-tokenized, deduplicated, sorted for stability): [PAD]=0, [UNK]=1, then words."""
        vocab = {PAD: 0, UNK: 1}
        for w in sorted({t for word in words for t in pre_tokenize(word)}):
            vocab.setdefault(w, len(vocab))
        return cls(vocab)

    def batch(self, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Padded ids [B, Lmax] (pad 0) and mask [B, Lmax] for training; empty prompts get one [PAD] row."""
        seqs = [self.encode(t)[0] for t in texts]
        n = max(1, max(len(s) for s in seqs))
        ids = torch.zeros(len(seqs), n, dtype=torch.long)
        mask = torch.zeros(len(seqs), n, dtype=torch.bool)
        for r, s in enumerate(seqs):
            ids[r, : len(s)] = torch.tensor(s, dtype=torch.long)
            mask[r, : len(s)] = True
        mask[:, 0] |= ~mask.any(dim=1)  # keep softmax finite for empty rows
        return ids, mask


if __name__ == "__main__":
    tok = WordTokenizer.build(["a chestnut horse gallops to the left", "snowy field, at dusk!"])
    ids, unk = tok.encode("A Chestnut horse gallops on the MOON, at dusk!!")
    print("ids", ids, "unknown", unk)
    te = TextEncoder({"vocab_size": len(tok.vocab)})
    b, m = tok.batch(["a horse", "snowy field at dusk"])
    out = te(b, m)
    print("params", sum(p.numel() for p in te.parameters()), "out", tuple(out.shape))
    print(list(te.state_dict())[:4])
