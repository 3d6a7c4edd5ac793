#!/usr/bin/env python3
"""Makes tests/fixtures/roberta/ with Hugging Face's own RobertaModel and RobertaTokenizer.

Run where `transformers` and `safetensors` are installed (the GPU machines have them; Debian
does not package them); nothing is downloaded: the model is built from a config and filled with
the formula of model_zoo/synthetic_weights.cpp, the tokenizer reads tests/fixtures/tokenizer.

    python3 tests/gpu/make_roberta_fixtures.py OUT_DIR     then copy OUT_DIR/* to tests/fixtures/roberta/

roberta_tiny.safetensors  input_ids, attention_mask (RobertaTokenizer, padding="longest"),
                          last_hidden_state, pooler_output of a 2-layer RobertaModel
roberta_configs.json      parameter names and counts of roberta-base and distilroberta-base
"""
import json
import os
import sys

import torch
from safetensors.torch import save_file

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures"))
from synthetic_weights import fill_synthetic_weights, pattern  # noqa: E402
from transformers import RobertaConfig, RobertaModel, RobertaTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEXTS = ["the small red star moving left below the blue ring", "a dog", "Two cats, 3 birds & an émigré's café!"]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    tok_dir = os.path.join(ROOT, "tests/fixtures/tokenizer")
    tokenizer = RobertaTokenizer(os.path.join(tok_dir, "vocab.json"), os.path.join(tok_dir, "merges.txt"))
    batch = tokenizer(TEXTS, padding="longest", return_tensors="pt")
    config = RobertaConfig(vocab_size=len(tokenizer), hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                           intermediate_size=128, max_position_embeddings=66, type_vocab_size=1, pad_token_id=1,
                           layer_norm_eps=1e-5, attn_implementation="eager")
    model = RobertaModel(config).eval()
    fill_synthetic_weights(model)
    with torch.no_grad():
        result = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
    save_file({"input_ids": batch["input_ids"].contiguous(), "attention_mask": batch["attention_mask"].contiguous(),
               "last_hidden_state": result.last_hidden_state.contiguous(), "pooler_output": result.pooler_output.contiguous()},
              os.path.join(out, "roberta_tiny.safetensors"))
    configs = {}
    for name, layers in [("roberta-base", 12), ("distilroberta-base", 6)]:
        m = RobertaModel(RobertaConfig(vocab_size=50265, max_position_embeddings=514, type_vocab_size=1, num_hidden_layers=layers,
                                       layer_norm_eps=1e-5, pad_token_id=1))
        keys = sorted(m.state_dict().keys())
        configs[name] = {"parameters": sum(p.numel() for p in m.parameters()), "keys": keys}
    with open(os.path.join(out, "roberta_configs.json"), "w") as f:
        json.dump({"texts": TEXTS, "configs": configs}, f, indent=0)
    print("tokens:", batch["input_ids"].tolist())
    print({k: v["parameters"] for k, v in configs.items()})


if __name__ == "__main__":
    main()
