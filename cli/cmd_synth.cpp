#include <optional>

#include <fmt/format.h>

#include "cli/commands.h"
#include "dataset_builder/synth.h"

namespace r2::cli {

void add_synth_command(CLI::App& app, int& exit_code) {
    struct Options {
        std::string out, preset = "small", format = "ref-youtube-vos";
        uint64_t seed = 0;
        std::optional<int> videos, frames, width, height, valid_expressions;
        std::optional<double> valid_fraction;
        bool metadata_only = false;
    };
    auto o = std::make_shared<Options>();
    CLI::App* cmd = app.add_subcommand(
        "synth", "Generate a synthetic referring-video data set in the exact Ref-YouTube-VOS (or Ref-DAVIS17) layout");
    cmd->footer(
        "Presets: tiny (6 videos of 64x64, 4 frames), small (40 videos of 320x240, 12 frames; the demo), "
        "ytvos-valid (202 videos, 834 expressions, ~30 frames of 640x360, like the public valid split).\n\n"
        "Example:\n  r2bench synth --preset small --seed 0 --out data/synth-small");
    cmd->add_option("--out", o->out, "Output folder (must not exist or be empty)")->required();
    cmd->add_option("--preset", o->preset, "tiny, small or ytvos-valid")->capture_default_str();
    cmd->add_option("--seed", o->seed, "Fixes every byte of the output")->capture_default_str();
    cmd->add_option("--format", o->format, "ref-youtube-vos or ref-davis")->capture_default_str();
    cmd->add_option("--videos", o->videos, "Number of videos (train + valid)");
    cmd->add_option("--frames", o->frames, "Frames per video");
    cmd->add_option("--width", o->width, "Frame width");
    cmd->add_option("--height", o->height, "Frame height");
    cmd->add_option("--valid-fraction", o->valid_fraction, "Share of the videos in the valid split");
    cmd->add_option("--valid-expressions", o->valid_expressions, "Exact number of valid expressions (0: as sampled)");
    cmd->add_flag("--metadata-only", o->metadata_only, "Write only the metadata files (fast; for builder benchmarks)");
    cmd->callback([o, &exit_code] {
        synth::SynthOptions options = synth::synth_preset(o->preset);
        options.seed = o->seed;
        if (o->format == "ref-davis") options.layout = synth::Layout::ref_davis;
        else if (o->format != "ref-youtube-vos") throw Error(fmt::format("unknown --format '{}' (ref-youtube-vos or ref-davis)", o->format));
        if (o->videos) options.videos = *o->videos, options.valid_expressions = 0;
        if (o->frames) options.frames = *o->frames, options.frames_jitter = 0;
        if (o->width) options.width = *o->width;
        if (o->height) options.height = *o->height;
        if (o->valid_fraction) options.valid_fraction = *o->valid_fraction, options.valid_expressions = 0;
        if (o->valid_expressions) options.valid_expressions = *o->valid_expressions;
        if (options.layout == synth::Layout::ref_davis) options.valid_expressions = 0;
        options.metadata_only = o->metadata_only;
        const synth::SynthReport r = synth::write_synth_dataset(o->out, options);
        fmt::print("wrote {} ({}): train {} videos / {} expressions, valid {} videos / {} expressions, {} frames\n",
                   o->out, o->format, r.train_videos, r.train_expressions, r.valid_videos, r.valid_expressions, r.frames);
        fmt::print("{:.1f} s, {:.1f} frames/s\n", r.seconds, double(r.frames) / r.seconds);
        exit_code = 0;
    });
}

}  // namespace r2::cli
