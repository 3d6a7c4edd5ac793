// `r2bench bench model`: the forward time of a registered model on a synthetic clip, per stage,
// with peak resident memory, and — when the official code is at hand — the official PyTorch
// model's time on the same input size and threads in the same run.
#include <sys/resource.h>

#include <functional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/bench_eval.h"
#include "cli/bench_util.h"
#include "core/data_dir.h"
#include "core/error.h"
#include "model_zoo/registry.h"
#include "model_zoo/synthetic_weights.h"

namespace r2::cli {

namespace {
double peak_rss_mb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_maxrss) / 1024.0;  // Linux reports kilobytes
}
}  // namespace

int run_bench_model(const BenchModelOptions& o) {
    const RunnableModel* entry = find_runnable_model(o.model);
    if (!entry) throw Error(fmt::format("bench model: unknown model '{}'", o.model));
    torch::InferenceMode inference;
    const auto frames = nn::synthetic_image(o.frames, 3, o.height, o.width);
    const ModelFamily& family = *entry->family;
    // A sentence of 12 tokens, about the length of a Ref-YouTube-VOS expression.
    const int64_t vocab = family.text_config().vocab_size;
    const auto ids = torch::tensor({0, 5, 410, 2335, 6464, 15, 5, 1929, 9, 5, 2418, 2}, torch::kInt64).view({1, 12}) % vocab;
    const auto mask = torch::ones({1, 12}, torch::kInt64);
    const auto model = family.build();
    nn::fill_synthetic_weights(*model);
    model->eval();
    auto forward = [&](nn::StageTimes* stages) { family.forward(*model, frames, ids, mask, stages); };
    forward(nullptr);  // warm-up
    nn::StageTimes best_stages;
    double best = 1e30;
    for (int r = 0; r < o.repeats; ++r) {
        nn::StageTimes stages;
        const double seconds = best_seconds(1, [&] { forward(&stages); });
        if (seconds < best) best = seconds, best_stages = stages;
    }
    const int threads = at::get_num_threads();
    fmt::print("bench model: {} forward, {} frames of {}x{}, best of {}; torch threads {}\n", o.model, o.frames, o.height, o.width,
               o.repeats, threads);
    fmt::print("  r2bench:  {:8.3f} s   ({:.2f} frames/s)   peak RSS {:.0f} MB\n", best, o.frames / best, peak_rss_mb());
    for (const auto& [stage, seconds] : best_stages) fmt::print("    {:<14} {:8.3f} s  {:5.1f} %\n", stage, seconds, 100 * seconds / best);
    if (o.official_repo.empty()) {
        fmt::print("  official PyTorch: not measured (pass --official-repo DIR, a checkout of {})\n",
                   family.official_repository());
        return 0;
    }
    const std::string command = fmt::format(
        "/usr/bin/python3 '{}' --repo '{}' --model {} --frames {} --size {}x{} --threads {} --repeat {}",
        (data_dir() / "scripts" / "bench_official_model.py").string(), o.official_repo, o.model, o.frames, o.height, o.width, threads, o.repeats);
    std::string output;
    if (run_command_output(command, output) != 0) {
        fmt::print("  official PyTorch: not measured ({}): {}\n", command, output);
        return 0;
    }
    const auto line = output.substr(output.rfind('{'));
    const auto j = nlohmann::json::parse(line);
    const double official = j.at("seconds").get<double>();
    fmt::print("  official PyTorch: {:8.3f} s   peak RSS {:.0f} MB   (torch {}, same input size and threads)\n", official,
               j.value("peak_rss_mb", 0.0), j.value("torch", std::string("?")));
    // Issue goals: 2x for the deformable models (R2-VOS, ReferFormer), 1.3x for MTTR.
    fmt::print("  speed-up r2bench vs official: {:.2f}x  goal >= {:.1f}\n", official / best, family.speedup_goal());
    return 0;
}

}  // namespace r2::cli
