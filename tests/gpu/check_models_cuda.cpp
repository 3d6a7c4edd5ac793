// The R2-VOS and ReferFormer models on CUDA: parity of every output with the official PyTorch
// models (the fixtures of tests/test_referformer.cpp, same weights and loading as that test, bound
// 1e-3 on CUDA), then r2vos_r50 vs referformer_r50 frames/s in one run. Built by the standalone
// tests/gpu/CMakeLists.txt against the CUDA libtorch of the Python torch on a GPU machine.
//
//   check_models_cuda [FIXTURE_DIR] [--cpu] [--bench 5x360x640,36x360x640] [--reps 3] [--no-parity] [--no-bench]
//
// --cpu runs the same on the CPU (a dry run where there is no GPU; use a small --bench there).
// Exit status: 0 when every parity check passes, 1 otherwise.
#include <torch/torch.h>
#include <torch/version.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "core/atomic_file.h"
#include "model_zoo/postprocess.h"
#include "model_zoo/referformer.h"
#include "model_zoo/safetensors.h"
#include "model_zoo/synthetic_weights.h"
#include "model_zoo/weights.h"
#include "model_fixture.h"

#ifdef R2GPU_WITH_CUDA
std::string r2gpu_device_name();  // gpu_info.cu
double r2gpu_used_mib();
#endif

using namespace r2;
namespace fs = std::filesystem;

namespace {

using test::fixture_config;
using test::kFullModels;
using test::ModelFixture;

// As tests/test_referformer.cpp: the fixture's weights, loaded strictly.
nn::ReferFormer build_model(const std::string& model, const ModelFixture& f) { return test::model_with_fixture_weights(model, f); }
ModelFixture load_fixture(const fs::path& dir, const std::string& model) { return test::load_model_fixture(dir, model); }

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
    if (a.sizes() != b.sizes()) {
        std::ostringstream s;
        s << "shape mismatch " << a.sizes() << " vs " << b.sizes();
        throw std::runtime_error(s.str());
    }
    return (a.detach().to(torch::kCPU, torch::kFloat64) - b.to(torch::kCPU, torch::kFloat64)).abs().max().item<double>();
}

void sync(const torch::Device& device) {
    if (device.is_cuda()) torch::cuda::synchronize();
}

// One model's parity on `device`: every output against the fixture, bound `tol` (mask logits
// relative to max(1, max |official logit|), as the CPU test).
bool check_parity(const fs::path& dir, const std::string& model, const torch::Device& device, double tol) {
    torch::NoGradGuard no_grad;
    const auto f = load_fixture(dir, model);
    auto m = build_model(model, f);
    m->to(device);
    const bool r2vos = fixture_config(model).is_r2vos();
    const auto clip = f.tensors.at("clip").to(device);
    const auto orig = f.tensors.at("orig_size");
    bool ok = true;
    for (int s = 0; s < 2; ++s) {
        const std::string p = "s" + std::to_string(s) + ".";
        const auto out = m->forward(clip, f.tensors.at(p + "input_ids").to(device), f.tensors.at(p + "attention_mask").to(device),
                                    /*all_layer_masks=*/true);
        const double d_logits = max_abs_diff(out.pred_logits.squeeze(-1), f.tensors.at(p + "pred_logits").squeeze(-1));
        const double d_boxes = max_abs_diff(out.pred_boxes, f.tensors.at(p + "pred_boxes"));
        const auto official_masks = f.tensors.at(p + "pred_masks");
        double d_masks = 0, d_masks_rel = 0;
        for (size_t l = 0; l < out.pred_masks.size(); ++l) {
            const double scale = std::max(1.0, official_masks[int64_t(l)].abs().max().item<double>());
            const double d = max_abs_diff(out.pred_masks[l], official_masks[int64_t(l)]);
            d_masks = std::max(d_masks, d);
            d_masks_rel = std::max(d_masks_rel, d / scale);
        }
        double d_sentence = 0, d_pseudo = 0, d_pair = 0;
        if (r2vos) {
            d_sentence = max_abs_diff(out.text_sentence_feature, f.tensors.at(p + "text_sentence_feature"));
            d_pseudo = max_abs_diff(out.pseudo_sentence_feature, f.tensors.at(p + "pseudo_sentence_feature"));
            d_pair = max_abs_diff(out.pair_logit.sigmoid(), f.tensors.at(p + "pair_logits"));
        }
        const auto prediction = nn::postprocess_referformer(out, orig[0].item<int64_t>(), orig[1].item<int64_t>());
        const int64_t official_query = f.tensors.at(p + "best_query").item<int64_t>();
        const auto official_binary = f.tensors.at(p + "masks").to(torch::kUInt8);
        const auto differ = prediction.masks.to(torch::kCPU).ne(official_binary);
        const int64_t flipped = differ.sum().item<int64_t>();
        double worst_flip = 0;
        if (flipped > 0) {
            namespace F = torch::nn::functional;
            const auto logits = F::interpolate(out.pred_masks.back().select(1, prediction.best_query).unsqueeze(0),
                                               F::InterpolateFuncOptions()
                                                   .size(std::vector<int64_t>{orig[0].item<int64_t>(), orig[1].item<int64_t>()})
                                                   .mode(torch::kBilinear)
                                                   .align_corners(false))[0]
                                    .to(torch::kCPU);
            worst_flip = logits.abs().masked_select(differ).max().item<double>();
        }
        const bool rejected_ok = !r2vos || prediction.rejected == (f.tensors.at(p + "rejected").item<int64_t>() != 0);
        const double flip_bound = tol * std::max(1.0, out.pred_masks.back().abs().max().item<double>());
        const bool pass = d_logits <= tol && d_boxes <= tol && d_masks_rel <= tol && d_sentence <= tol && d_pseudo <= tol &&
                          d_pair <= tol && prediction.best_query == official_query && rejected_ok &&
                          (flipped == 0 || (flipped <= 2 && worst_flip <= flip_bound));
        ok = ok && pass;
        std::printf("  %-20s s%d  logits %.2e  boxes %.2e  masks(%zu layers) %.2e (rel %.2e)", model.c_str(), s, d_logits, d_boxes,
                    out.pred_masks.size(), d_masks, d_masks_rel);
        if (r2vos) std::printf("  sentence %.2e  pseudo %.2e  pair %.2e", d_sentence, d_pseudo, d_pair);
        std::printf("  best query %lld/%lld  mask pixels differing %lld of %lld", (long long)prediction.best_query,
                    (long long)official_query, (long long)flipped, (long long)differ.numel());
        if (flipped > 0) std::printf(" (|logit| <= %.2e)", worst_flip);
        if (r2vos) std::printf("  rejected %s", rejected_ok ? "same" : "DIFFERS");
        std::printf("  %s\n", pass ? "PASS" : "FAIL");
        std::fflush(stdout);
    }
    return ok;
}

struct ClipSize {
    int64_t frames, height, width;
};

std::vector<ClipSize> parse_sizes(const std::string& text) {
    std::vector<ClipSize> sizes;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        ClipSize c{};
        if (std::sscanf(item.c_str(), "%ldx%ldx%ld", &c.frames, &c.height, &c.width) != 3)
            throw std::runtime_error("--bench wants FRAMESxHEIGHTxWIDTH[,...], got " + item);
        sizes.push_back(c);
    }
    return sizes;
}

// Best of `reps` forward passes (after one warm-up) under InferenceMode, with and without the
// shared post-processing to the original size.
struct Timing {
    double forward_s = 0, with_post_s = 0;
};

Timing time_model(nn::ReferFormer& m, const torch::Tensor& frames, const torch::Tensor& ids, const torch::Tensor& mask,
                  const torch::Device& device, int reps) {
    torch::InferenceMode guard;
    using clock = std::chrono::steady_clock;
    Timing t{1e30, 1e30};
    for (int r = -1; r < reps; ++r) {  // r = -1: warm-up
        sync(device);
        const auto a = clock::now();
        const auto out = m->forward(frames, ids, mask);
        sync(device);
        const auto b = clock::now();
        const auto p = nn::postprocess_referformer(out, frames.size(2), frames.size(3));
        (void)p.masks.sum().item<int64_t>();
        sync(device);
        const auto c = clock::now();
        if (r < 0) continue;
        t.forward_s = std::min(t.forward_s, std::chrono::duration<double>(b - a).count());
        t.with_post_s = std::min(t.with_post_s, std::chrono::duration<double>(c - a).count());
    }
    return t;
}

void set_tf32(bool on) {
    at::globalContext().setAllowTF32CuDNN(on);
    at::globalContext().setAllowTF32CuBLAS(on);
}

}  // namespace

int main(int argc, char** argv) {
    fs::path dir = "tests/fixtures/models";
    bool cpu = false, parity = true, bench = true;
    std::string bench_sizes = "5x360x640,36x360x640";
    int reps = 3;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--cpu") cpu = true;
        else if (a == "--no-parity") parity = false;
        else if (a == "--no-bench") bench = false;
        else if (a == "--bench" && i + 1 < argc) bench_sizes = argv[++i];
        else if (a == "--reps" && i + 1 < argc) reps = std::max(1, std::atoi(argv[++i]));
        else if (!a.empty() && a[0] == '-') {
            std::fprintf(stderr, "usage: %s [FIXTURE_DIR] [--cpu] [--bench 5x360x640,36x360x640] [--reps 3] [--no-parity] [--no-bench]\n", argv[0]);
            return 2;
        } else dir = a;
    }
    try {
        std::printf("torch %s (libtorch headers %d.%d.%d), CUDA available: %s, r2bench MSDA CUDA kernel built: %s\n", TORCH_VERSION,
                    TORCH_VERSION_MAJOR, TORCH_VERSION_MINOR, TORCH_VERSION_PATCH, torch::cuda::is_available() ? "yes" : "no",
                    nn::ms_deform_attn_cuda_built() ? "yes" : "no");
        if (!cpu && !torch::cuda::is_available()) {
            std::fprintf(stderr, "no CUDA device: run with --cpu for a CPU dry run\n");
            return 2;
        }
        const torch::Device device = cpu ? torch::Device(torch::kCPU) : torch::Device(torch::kCUDA, 0);
#ifdef R2GPU_WITH_CUDA
        if (!cpu) std::printf("device: %s\n", r2gpu_device_name().c_str());
#endif
        if (cpu) std::printf("device: CPU, %d intra-op threads\n", torch::get_num_threads());
        // float32 exactly (PyTorch's default lets cuDNN convolutions use TF32 on Ampere and later).
        const bool default_tf32_cudnn = at::globalContext().allowTF32CuDNN();
        const bool default_tf32_cublas = at::globalContext().allowTF32CuBLAS();
        set_tf32(false);

        bool all_ok = true;
        const double tol = cpu ? 1e-4 : 1e-3;
        if (parity) {
            std::printf("\nparity with the official models (fixtures %s), float32, TF32 off, bound %.0e:\n", dir.c_str(), tol);
            for (const std::string model : kFullModels) {
                bool ok = false;
                try {
                    ok = check_parity(dir, model, device, tol);
                } catch (const std::exception& e) {
                    std::printf("  %-20s ERROR: %s\n", model.c_str(), e.what());
                }
                all_ok = all_ok && ok;
            }
            std::printf("parity: %s\n", all_ok ? "ALL PASS" : "SOME FAILED");
            std::fflush(stdout);
        }

        if (bench) {
            const auto sizes = parse_sizes(bench_sizes);
            const std::vector<std::string> models = {"r2vos_r50", "referformer_r50"};
            // Text: the first fixture sentence (the timing does not depend on the weights' values).
            std::vector<nn::ReferFormer> built;
            torch::Tensor ids, mask;
            for (const auto& model : models) {
                const auto f = load_fixture(dir, model);
                if (!ids.defined()) ids = f.tensors.at("s0.input_ids").to(device), mask = f.tensors.at("s0.attention_mask").to(device);
                built.push_back(build_model(model, f));
                built.back()->to(device);
            }
            struct Mode {
                const char* name;
                bool tf32_cudnn, tf32_cublas;
            };
            std::vector<Mode> modes = {{"float32, TF32 off", false, false}};
            if (!cpu) modes.push_back({"PyTorch defaults (cuDNN TF32 on)", default_tf32_cudnn, default_tf32_cublas});
            std::printf("\nspeed: best of %d after 1 warm-up, torch::InferenceMode, batch = the whole clip, one sentence\n", reps);
            for (const auto& mode : modes) {
                at::globalContext().setAllowTF32CuDNN(mode.tf32_cudnn);
                at::globalContext().setAllowTF32CuBLAS(mode.tf32_cublas);
                std::printf("[%s]\n", mode.name);
                for (const auto& size : sizes) {
                    torch::manual_seed(0);
                    const auto frames = torch::randn({size.frames, 3, size.height, size.width}).to(device);
                    std::printf("  clip %ld frames %ldx%ld:", size.frames, size.height, size.width);
                    std::vector<Timing> times;
                    for (size_t i = 0; i < models.size(); ++i) {
                        times.push_back(time_model(built[i], frames, ids, mask, device, reps));
                        std::printf("  %s %.1f frames/s (%.1f ms; %.1f frames/s with post-processing)", models[i].c_str(),
                                    double(size.frames) / times.back().forward_s, times.back().forward_s * 1e3,
                                    double(size.frames) / times.back().with_post_s);
                        std::fflush(stdout);
                    }
                    std::printf("  -> r2vos/referformer speed ratio %.2f\n", times[1].forward_s / times[0].forward_s);
                }
#ifdef R2GPU_WITH_CUDA
                if (!cpu) std::printf("  device memory in use (with the caching allocator's reserve): %.0f MiB\n", r2gpu_used_mib());
#endif
            }
            set_tf32(false);
        }
        return all_ok ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
