#include <chrono>
#include <filesystem>
#include <unistd.h>

#include <fmt/format.h>

#include "cli/bench_eval.h"
#include "core/progress.h"
#include "dataset_builder/r2_builder.h"
#include "dataset_builder/source_tree.h"
#include "dataset_builder/synth.h"

namespace r2::cli {
namespace fs = std::filesystem;

int run_bench_build_dataset(int repeats) {
    const fs::path root = fs::temp_directory_path() / fmt::format("r2bench-bench-build-{}", ::getpid());
    fs::remove_all(root);
    Progress::set_quiet(true);
    fmt::print("bench build-dataset: synth ytvos-valid metadata, rules referred-category + lexical, best of {} runs\n", repeats);
    for (int scale : {1, 10}) {
        synth::SynthOptions o = synth::synth_preset("ytvos-valid");
        o.videos *= scale;
        o.valid_expressions *= scale;
        o.metadata_only = true;
        const fs::path tree = root / fmt::format("x{}", scale);
        synth::write_synth_dataset(tree, o);
        double best_read = 1e300, best_build = 1e300;
        size_t expressions = 0;
        for (int r = 0; r < repeats; ++r) {
            const auto t0 = std::chrono::steady_clock::now();
            const SourceTree source = read_source_tree(tree, SourceFormat::ref_youtube_vos, "valid");
            const auto t1 = std::chrono::steady_clock::now();
            const R2Build build = build_r2(source, nullptr, {});
            const auto t2 = std::chrono::steady_clock::now();
            expressions = build.pairs.pairs.size();
            best_read = std::min(best_read, std::chrono::duration<double>(t1 - t0).count());
            best_build = std::min(best_build, std::chrono::duration<double>(t2 - t1).count());
        }
        fmt::print("  {:5d} videos, {:5d} expressions: read metadata {:7.3f} s, build {:7.3f} s  (goal: build < {} s)\n",
                   o.videos, expressions, best_read, best_build, scale == 1 ? 1 : 10);
    }
    fs::remove_all(root);
    return 0;
}

}  // namespace r2::cli
