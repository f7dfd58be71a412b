"""Check that one padded, masked DiT call (reference.padded.padded_forward) equals per-caption calls without padding.

    PYTHONPATH=tools python3 -m train.check_padding [models/builtin]

Prints the worst relative difference over a batch of captions of different lengths (one empty); ~1e-6 is float
rounding, anything near 1e-3 or more means the masks leak.
"""
import sys, torch

torch.set_num_threads(1)
from reference.pipeline import load_model
from reference.padded import padded_forward
m = load_model(sys.argv[1] if len(sys.argv) > 1 else 'models/builtin')
tok = m.tokenizer
caps = ["a grey horse gallops left", "", "a bay horse walks to the right in a meadow at night", "snow"]
ids = [tok.encode(c)[0] for c in caps]
x = torch.randn(4, 16, 4, 16, 16)
with torch.no_grad():
    vb = padded_forward(m.dit, m.text_encoder, x, ids, torch.device('cpu'))
    worst = 0
    for j, seq in enumerate(ids):
        t = m.text_encoder(torch.tensor([seq]))[0] if seq else torch.zeros(0, 128)
        v, _ = m.dit(x[j], torch.zeros(0, 16), t)
        worst = max(worst, ((v - vb[j]).abs().max() / v.abs().max()).item())
print("max rel diff padded vs single", worst)
assert worst < 1e-4, "padded forward differs from unpadded calls"
