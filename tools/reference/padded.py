"""One DiT call for a batch of captions of different lengths: `padded_forward(dit, te, x, ids, dev)`."""
import torch


def padded_forward(dit, te, x, ids, dev, with_text: bool = False):
    """One DiT call for the whole batch: captions padded to the longest with [PAD] (id 0), padded rows masked out
    of both the text encoder's and the DiT's attention (exact for rope_style v2, whose text coordinates are all
    zero, so padding moves no real token). Empty captions (unconditional rows) attend to video keys only.
    Returns velocity [B, C, K, h, w]; with_text: (velocity, text [B, Lmax, text_in], mask [B, Lmax])."""
    b = x.shape[0]
    lmax = max(len(seq) for seq in ids)
    audio = torch.zeros(b, 0, dit.cfg.audio_in_channels, device=dev)
    if lmax == 0:
        v = dit(x, audio, torch.zeros(b, 0, dit.cfg.text_in_channels, device=dev))[0]
        return (v, None, None) if with_text else v
    ids_t = torch.zeros(b, lmax, dtype=torch.long, device=dev)  # [B, Lmax]
    mask = torch.zeros(b, lmax, dtype=torch.bool, device=dev)  # [B, Lmax], True = real token
    for j, seq in enumerate(ids):
        ids_t[j, :len(seq)] = torch.tensor(seq, dtype=torch.long)
        mask[j, :len(seq)] = True
    te_mask = mask.clone()
    te_mask[:, 0] = True  # an empty caption's encoder rows attend to something (no 0/0); the DiT ignores them
    text = te(ids_t, te_mask)  # [B, Lmax, text_in]
    v = dit(x, audio, text, text_mask=mask)[0]
    return (v, text, mask) if with_text else v
