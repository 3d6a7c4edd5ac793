#!/usr/bin/env python3
"""Times the OFFICIAL R2-VOS / ReferFormer / MTTR model (their own PyTorch code, fetched; not part
of r2bench) on the CPU: synthetic weights (the project's formula), a synthetic normalised clip, one
sentence, forward under torch.inference_mode(), as inference_ytvos.py runs it (whole clip, batch 1);
MTTR (--model mttr_vswin_t, --repo a mttr2021/MTTR archive) as its Ref-YTVOS evaluation runs it: the
whole clip in one forward, NestedTensor [T,1,3,H,W] with no padding, every frame valid (the timing
covers the model forward only, not ReferYoutubeVOSPostProcess).

    python3 scripts/bench_official_model.py --repo .official/R2VOS --model r2vos_r50 \
        --frames 5 --size 360x640 --threads 2 [--repeat 2]

Prints one JSON line: {"seconds": best of --repeat, "peak_rss_mb": ..., "torch": version, ...}.
Runs with Debian's python3-torch: where transformers/timm/einops are missing it uses the fallbacks of
tests/fixtures/models/official_models.py (listed in the output under "fallbacks"); MSDeformAttn
always runs the repository's pure-PyTorch ms_deform_attn_core_pytorch (grid_sample), as the
compiled op is CUDA-only.
"""
import argparse
import json
import os
import resource
import sys
import time

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures", "models"))
import official_models as om  # noqa: E402

TOKENS = [0, 10, 2335, 16, 2934, 15, 5, 6219, 2]


def peak_rss_mb():
    # ru_maxrss is in KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repo", required=True)
    p.add_argument("--model", required=True, choices=sorted(om.MODELS))
    p.add_argument("--frames", type=int, default=5)
    p.add_argument("--size", default="360x640", help="HxW of the (already resized) input")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--repeat", type=int, default=2)
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    h, w = (int(v) for v in a.size.lower().split("x"))
    caption = "sentence 0"
    model, info = om.build_official(a.repo, a.model, tokens={caption: TOKENS})
    rss_after_build = peak_rss_mb()
    clip = om.pattern([a.frames, 3, h, w], 7, 2.0, 0.0)
    mttr = om.MODELS[a.model][0] == "MTTR"
    forward = om.mttr_forward if mttr else om.official_forward
    times = []
    with torch.inference_mode():
        for _ in range(max(1, a.repeat)):
            t0 = time.perf_counter()
            out = forward(model, clip.clone(), caption)
            times.append(time.perf_counter() - t0)
    print(json.dumps({
        "seconds": round(min(times), 3), "all_seconds": [round(t, 3) for t in times],
        "peak_rss_mb": round(peak_rss_mb(), 1), "rss_after_build_mb": round(rss_after_build, 1),
        "torch": torch.__version__, "threads": torch.get_num_threads(), "model": a.model,
        "repo": om.repo_commit(a.repo), "frames": a.frames, "size": [h, w],
        "pred_masks": list(out["pred_masks"].shape), "fallbacks": info["fallbacks"],
        "text_encoder_impl": info["text_encoder_impl"],
    }), flush=True)


if __name__ == "__main__":
    main()
