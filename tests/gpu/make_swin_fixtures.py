#!/usr/bin/env python3
"""Makes tests/fixtures/swin/ with ReferFormer's own Swin Transformer (models/swin_transformer.py).

Run where `timm` and `einops` are installed (the GPU machines have them; Debian does not package
timm), with the official file at hand (not part of r2bench):

    python3 tests/gpu/make_swin_fixtures.py PATH/TO/ReferFormer/models/swin_transformer.py OUT_DIR

swin_tiny.safetensors  input and the stage outputs (after norm0/norm1) of a 2-stage Swin
                       (embed 16, heads 1/2, window 3, odd input size: every padding path runs),
                       weights from model_zoo/synthetic_weights.cpp's formula
swin_configs.json      parameter/buffer names and parameter count of Swin-T (ReferFormer's config)
"""
import importlib.util
import json
import os
import sys
import types

import torch
from safetensors.torch import save_file

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures"))
from synthetic_weights import fill_synthetic_weights, pattern  # noqa: E402


def load_official(path, name="rf.swin_transformer"):
    # The file imports util.misc and a sibling position_encoding; neither is needed for the backbone.
    util = types.ModuleType("util")
    util.misc = types.ModuleType("util.misc")
    util.misc.NestedTensor = object
    util.misc.is_main_process = lambda: True
    package = types.ModuleType("rf")
    package.__path__ = []
    position = types.ModuleType("rf.position_encoding")
    position.build_position_encoding = lambda *a, **k: None
    sys.modules.update({"util": util, "util.misc": util.misc, "rf": package, "rf.position_encoding": position})
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    official, out = load_official(sys.argv[1]), sys.argv[2]
    os.makedirs(out, exist_ok=True)
    tiny = official.SwinTransformer(embed_dim=16, depths=[2, 2], num_heads=[1, 2], window_size=3, drop_path_rate=0.0,
                                    out_indices=(0, 1))
    tiny.eval()  # its train() override returns None, so no chaining
    fill_synthetic_weights(tiny)
    image = pattern([2, 3, 37, 50], 7, 2.0, 0.0)
    with torch.no_grad():
        outs = tiny(image)
    outs = list(outs.values()) if isinstance(outs, dict) else list(outs)  # this version returns {stage: tensor}
    save_file({"image": image, "stage0": outs[0].contiguous(), "stage1": outs[1].contiguous()},
              os.path.join(out, "swin_tiny.safetensors"))
    swin_t = official.SwinTransformer(embed_dim=96, depths=[2, 2, 6, 2], num_heads=[3, 6, 12, 24], window_size=7, drop_path_rate=0.2)
    with open(os.path.join(out, "swin_configs.json"), "w") as f:
        json.dump({"swin_t": {"keys": sorted(swin_t.state_dict().keys()),
                              "parameters": sum(p.numel() for p in swin_t.parameters())}}, f, indent=0)
    print([tuple(o.shape) for o in outs], sum(p.numel() for p in swin_t.parameters()))


if __name__ == "__main__":
    main()
