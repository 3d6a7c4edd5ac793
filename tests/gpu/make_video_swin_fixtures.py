#!/usr/bin/env python3
"""Makes tests/fixtures/video_swin/ with ReferFormer's own Video Swin backbone
(models/video_swin_transformer.py, VideoSwinTransformerBackbone).

Run where `timm` and `einops` are installed (the GPU machines have them), with the official file
at hand (not part of r2bench):

    python3 tests/gpu/make_video_swin_fixtures.py PATH/TO/ReferFormer/models/video_swin_transformer.py OUT_DIR

video_swin_tiny.safetensors  stage outputs of a 2-stage model (embed 16, window (2, 3, 3)) for
                             clips of 3 frames (temporal padding and shift) and of 1 frame at a
                             small size (windows shrunk to the input), synthetic weights
video_swin_configs.json      names and parameter count of video_swin_t_p4w7
"""
import json
import os
import sys

import torch
from safetensors.torch import save_file

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures"))
from synthetic_weights import fill_synthetic_weights, pattern  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_swin_fixtures import load_official  # noqa: E402  (same stand-ins for util.misc and position_encoding)


def main():
    official, out = load_official(sys.argv[1], "rf.video_swin_transformer"), sys.argv[2]
    os.makedirs(out, exist_ok=True)
    tiny = official.VideoSwinTransformerBackbone(False, None, True, patch_size=(1, 4, 4), embed_dim=16, depths=[2, 2],
                                                 num_heads=[1, 2], window_size=(2, 3, 3), mlp_ratio=4.0, qkv_bias=True,
                                                 qk_scale=None, drop_rate=0.0, attn_drop_rate=0.0, drop_path_rate=0.0,
                                                 patch_norm=True, use_checkpoint=False)
    tiny.eval()
    fill_synthetic_weights(tiny)
    tensors = {}
    for name, (frames, clips, h, w) in {"clip3": (3, 2, 29, 38), "clip1": (1, 2, 6, 12)}.items():
        samples = pattern([frames * clips, 3, h, w], 7, 2.0, 0.0)
        with torch.no_grad():
            outs = tiny(samples, frames)
        tensors[f"{name}.samples"] = samples
        for k, v in outs.items():
            tensors[f"{name}.stage{k}"] = v.contiguous()
    save_file(tensors, os.path.join(out, "video_swin_tiny.safetensors"))
    cfg = dict(official.configs["video_swin_t_p4w7"])
    full = official.VideoSwinTransformerBackbone(False, None, True, **cfg)
    with open(os.path.join(out, "video_swin_configs.json"), "w") as f:
        json.dump({"video_swin_t": {"keys": sorted(full.state_dict().keys()),
                                    "parameters": sum(p.numel() for p in full.parameters())}}, f, indent=0)
    print({k: tuple(v.shape) for k, v in tensors.items()}, sum(p.numel() for p in full.parameters()))


if __name__ == "__main__":
    main()
