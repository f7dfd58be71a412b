"""--direction-weight W adds W x the cross-entropy of a DirectionProbe on the text encoder's output (captions of moving
subjects), so that the text keeps left and right apart. The probe is trained with the model, saved in state.pt and
not exported."""
import torch

from world.spec import ACTION_CLASS

DIRECTION_LABELS = ["left", "right", "towards", "away"]


class DirectionProbe(torch.nn.Module):
    """Linear classifier of a caption's motion direction from the text encoder's output, mean-pooled over the real
    tokens: text [B, L, text_in], mask [B, L] -> logits [B, 4] (DIRECTION_LABELS). Trained jointly (--direction-weight)
    so that the text encoder keeps left and right apart; the DiT can only follow a direction the text separates
    (eval.text_separation: 0.10 for left/right against 0.52 for a coat colour without it). Not exported."""

    def __init__(self, text_in: int):
        super().__init__()
        self.linear = torch.nn.Linear(text_in, len(DIRECTION_LABELS))

    def forward(self, text: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        m = mask.unsqueeze(-1).to(text.dtype)  # [B, L, 1]
        pooled = (text * m).sum(1) / m.sum(1).clamp_min(1.0)  # [B, text_in]
        return self.linear(pooled)  # [B, text_in] x [text_in, 4] -> [B, 4]


def direction_targets(specs_of_batch, ids) -> torch.Tensor:
    """[B] direction label index of rows whose caption names a motion direction (a moving subject: the grammar
    always says which way it goes), -100 (ignored) for still subjects and empty captions."""
    out = []
    for spec, seq in zip(specs_of_batch, ids):
        moving = ACTION_CLASS[spec["action"]] != "still"
        out.append(DIRECTION_LABELS.index(spec["direction"]) if moving and seq else -100)
    return torch.tensor(out, dtype=torch.long)


class DirectionLoss:
    columns = ["direction_ce"]

    def __init__(self, weight: float, probe: DirectionProbe, dev):
        self.weight, self.probe, self.dev = weight, probe, dev

    def __call__(self, s):
        if s.text is None:  # every caption empty
            return None, {}
        labels = direction_targets([s.specs[i] for i in s.idx], s.ids).to(self.dev)  # [B]
        if not (labels >= 0).any():
            return None, {}
        ce = torch.nn.functional.cross_entropy(self.probe(s.text.float(), s.text_mask), labels, ignore_index=-100)
        return ce, {"direction_ce": ce.item()}
