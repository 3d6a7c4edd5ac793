// `r2bench bench train` (built with libtorch): training steps per second of a tiny model with the
// deformable attention's grid_sample reference (how the tiny models trained before the fast kernel
// had a backward) and with the fast CPU kernel, in the same run on the same data and seed, and
// where each step's time goes, stage by stage.
#include <unistd.h>

#include <fmt/format.h>

#include "cli/bench_eval.h"
#include "core/progress.h"
#include "dataset_builder/synth.h"
#include "runners/trainer.h"

namespace r2::cli {
namespace fs = std::filesystem;

int run_bench_train(const BenchTrainOptions& o) {
    const fs::path dir = fs::temp_directory_path() / fmt::format("r2bench-bench-train-{}", ::getpid());
    struct Cleanup {
        fs::path path;
        ~Cleanup() {
            std::error_code ec;
            fs::remove_all(path, ec);
        }
    } cleanup{dir};
    auto synth_options = synth::synth_preset("small");
    synth_options.seed = 1000, synth_options.videos = 12, synth_options.valid_fraction = 0, synth_options.frames = 8;
    synth_options.width = 320, synth_options.height = 180;
    synth::write_synth_dataset(dir / "train", synth_options);
    const RunnableModel* entry = find_runnable_model(o.model);
    if (!entry) throw Error(fmt::format("--model: unknown model '{}'", o.model));

    struct Lane {
        const char* name;
        nn::MSDAKernel kernel;
        TrainResult result;
    };
    std::vector<Lane> lanes = {{"grid_sample reference", nn::MSDAKernel::reference, {}}, {"fast kernel + backward", nn::MSDAKernel::fast, {}}};
    Progress::set_quiet(true);  // two trainings' bars would hide the table
    for (auto& lane : lanes) {
        TrainOptions t;
        t.model = o.model, t.data = dir / "train", t.out = dir / fmt::format("run-{}", int(lane.kernel)), t.steps = o.steps, t.seed = 0;
        t.checkpoint_every = o.steps + 1;
        t.recipe = default_recipe(*entry);
        t.msda_kernel = lane.kernel;
        lane.result = train_model(t);
    }

    fmt::print("bench train: {} steps of {} ({} clips of {} frames per step, shorter side {}..{}), same data and seed\n", o.steps, o.model,
               default_recipe(*entry).batch_size, default_recipe(*entry).frames, default_recipe(*entry).shorter_sides.front(),
               default_recipe(*entry).shorter_sides.back());
    std::vector<std::string> stages;
    for (const auto& [stage, seconds] : lanes[1].result.stage_seconds) stages.push_back(stage);
    fmt::print("  {:<16}", "seconds per step");
    for (const auto& lane : lanes) fmt::print(" {:>24}", lane.name);
    fmt::print("\n");
    for (const auto& stage : stages) {
        fmt::print("  {:<16}", stage);
        for (const auto& lane : lanes) {
            const auto it = lane.result.stage_seconds.find(stage);
            fmt::print(" {:>24.3f}", it == lane.result.stage_seconds.end() ? 0.0 : it->second / double(o.steps));
        }
        fmt::print("\n");
    }
    const double before = double(o.steps) / lanes[0].result.seconds, after = double(o.steps) / lanes[1].result.seconds;
    fmt::print("  {:<16} {:>24.3f} {:>24.3f}\n", "steps/s", before, after);
    fmt::print("  speed-up of the fast kernel: {:.2f}x (loss after {} steps: {:.4f} reference, {:.4f} fast)\n", after / before, o.steps,
               lanes[0].result.last_loss, lanes[1].result.last_loss);
    return 0;
}

}  // namespace r2::cli
