"""The model a fresh train.dit run builds: the DiT config, the word tokenizer and the text encoder's config."""
from reference.text_encoder import WordTokenizer, text_encoder_config
from world.captions import vocabulary

from .build_tokenizer import tokenizer_json

# The DiT a fresh run builds: the design's plan shrunk for this CPU (docs/builtin-model.md): hidden 192, 6 layers
# (sandwich: MM layers 0,1 and 4,5; shared 2,3; GELU7 in 0,1, SwiGLU7 elsewhere), GQA 3 q heads / 1 kv head x 64,
# per-head gates. 2.4 M active parameters per token (5.5 M stored: MM layers hold 3 experts). The shipped export
# was grown from it to 10 layers (--grow-layers 4: mm_layers [0, 1, 8, 9]); --init from an export keeps its config.
BUILTIN_DIT = dict(hidden_size=192, num_layers=6, num_heads_q=3, num_heads_kv=1, head_dim=64,
                   mm_layers=[0, 1, 4, 5], gelu7_layers=[0, 1], video_in_channels=64, audio_in_channels=16,
                   text_in_channels=128, gelu7_intermediate_size=768, swiglu7_intermediate_size=512,
                   norm_eps=1e-6, rope_theta=10000.0, rope_style="v2", latent_channels=16, patch_size=[1, 2, 2])


def builtin_tokenizer() -> WordTokenizer:
    return WordTokenizer.from_json(tokenizer_json(vocabulary()))


def builtin_text_encoder_config(vocab_size: int) -> dict:
    return text_encoder_config({"vocab_size": vocab_size})
