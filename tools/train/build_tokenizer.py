"""Write the built-in model's tokenizer.json (Hugging Face `tokenizers` format, written by hand).

    PYTHONPATH=tools python3 -m train.build_tokenizer [out_path]     (default models/builtin/tokenizer.json)

Model WordLevel with vocab {"[PAD]": 0, "[UNK]": 1, words...} (words sorted, from the world's caption grammar),
normalizer Lowercase, pre_tokenizer Whitespace (pattern \\w+|[^\\w\\s]+). Loads with
`tokenizers.Tokenizer.from_file` and with reference.text_encoder.WordTokenizer.
"""
import json
import os
import sys

from world.captions import vocabulary

PAD, UNK = "[PAD]", "[UNK]"


def tokenizer_json(words) -> dict:
    vocab = {PAD: 0, UNK: 1}
    for w in sorted(set(words)):
        if w not in vocab:
            vocab[w] = len(vocab)
    special = [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                "normalized": False, "special": True} for t, i in ((PAD, 0), (UNK, 1))]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": special,
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": None,
        "decoder": None,
        "model": {"type": "WordLevel", "vocab": vocab, "unk_token": UNK},
    }


def write(path: str) -> dict:
    obj = tokenizer_json(vocabulary())
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1, ensure_ascii=False)
        f.write("\n")
    return obj


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "models/builtin/tokenizer.json"
    obj = write(out)
    print(f"wrote {out}: {len(obj['model']['vocab'])} entries")
