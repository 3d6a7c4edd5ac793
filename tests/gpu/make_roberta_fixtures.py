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
import math
import os
import sys

import torch
from safetensors.torch import save_file
from transformers import RobertaConfig, RobertaModel, RobertaTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEXTS = ["the small red star moving left below the blue ring", "a dog", "Two cats, 3 birds & an émigré's café!"]


def pattern(shape, k, scale, offset):
    n = math.prod(shape) if shape else 1
    i = torch.arange(n, dtype=torch.float64)
    return (offset + scale * torch.sin(0.37 * i + 0.11 * k + 0.5)).view(shape).float()


def fill_synthetic_weights(model):
    state = model.state_dict()
    params = dict(model.named_parameters())
    params.update(dict(model.named_buffers()))
    with torch.no_grad():
        for k, name in enumerate(sorted(state)):
            t = params[name]
            shape = list(t.shape)
            if name.endswith("running_var"):
                v = pattern(shape, k, 0.25, 1.0)
            elif name.endswith("running_mean"):
                v = pattern(shape, k, 0.1, 0.0)
            elif t.dim() == 1 and name.endswith("weight"):
                v = pattern(shape, k, 0.1, 1.0)
            elif t.dim() <= 1:
                v = pattern(shape, k, 0.05, 0.0)
            else:
                v = pattern(shape, k, math.sqrt(2.0 / (t.numel() // t.shape[0])) * 1.2, 0.0)
            t.copy_(v)


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
