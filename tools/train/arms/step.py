"""What one training step computed, handed to the auxiliary losses."""
import dataclasses

import torch


@dataclasses.dataclass
class StepTensors:
    x: torch.Tensor  # noisy input [B, C, K, h, w]
    x0: torch.Tensor  # data window [B, C, K, h, w]
    eps: torch.Tensor  # noise [B, C, K, h, w]
    cond: torch.Tensor  # [B] bool: latent frame 0 given clean (continuation rows)
    target: torch.Tensor  # the chosen target velocity [B, C, K, h, w]
    v: torch.Tensor  # the DiT's velocity [B, C, K, h, w]
    text: torch.Tensor | None  # the text encoder's output [B, Lmax, text_in] (None: every caption empty)
    text_mask: torch.Tensor | None  # [B, Lmax], True = real token
    px: torch.Tensor  # per latent pixel loss weight [B, 1, K, h, w]
    weight: torch.Tensor  # per latent frame loss weight [B, K]
    per: torch.Tensor  # the plain loss per row [B]
    ids: list  # caption token ids per row ([] = unconditional)
    swapped: list  # the caption-swap negative's ids per row, or None
    specs: list  # spec dicts of the cached clips
    idx: list  # the batch's clip indices into specs
