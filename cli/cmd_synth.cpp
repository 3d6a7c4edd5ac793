#include <optional>

#include <fmt/format.h>

#include "cli/cli_options.h"
#include "cli/command_table.h"
#include "cli/commands.h"
#include "core/wording.h"
#include "dataset_builder/synth.h"

namespace r2::cli {

void add_synth_command(CLI::App& app, int& exit_code) {
    struct Options {
        OutOptions out;
        std::string preset = "small", format = "ref-youtube-vos";
        uint64_t seed = 0;
        std::optional<int> videos, frames, width, height, valid_expressions;
        std::optional<double> valid_fraction;
        bool metadata_only = false;
    };
    auto o = std::make_shared<Options>();
    CLI::App* cmd = add_command(app, "synth");
    cmd->footer(
        "Presets: tiny (6 videos of 64x64, 4 frames), small (40 videos of 320x240, 12 frames; the demo), "
        "ytvos-valid (202 videos, 834 expressions, ~30 frames of 640x360, like the public valid split).\n\n"
        "Example (the data of scripts/demo.sh, from the repository root):\n  r2bench synth --preset small --videos 10 --frames 4 --seed 0 --out build/demo/synth");
    add_out_options(cmd, o->out, "Output folder");
    cmd->add_option("--preset", o->preset, "tiny, small or ytvos-valid")->capture_default_str()
        ->check(CLI::IsMember({"tiny", "small", "ytvos-valid"}));
    non_negative(cmd->add_option("--seed", o->seed, "Fixes every byte of the output"))->capture_default_str();
    cmd->add_option("--format", o->format, "ref-youtube-vos, ref-davis or mevis")->capture_default_str()
        ->check(CLI::IsMember({"ref-youtube-vos", "ref-davis", "mevis"}));
    at_least(cmd->add_option("--videos", o->videos, "Number of videos (train + valid)"), 1);
    at_least(cmd->add_option("--frames", o->frames, "Frames per video"), 1);
    between(cmd->add_option("--width", o->width, "Frame width"), 16, 1 << 14);
    between(cmd->add_option("--height", o->height, "Frame height"), 16, 1 << 14);
    between(cmd->add_option("--valid-fraction", o->valid_fraction, "Share of the videos in the valid split"), 0, 1);
    non_negative(cmd->add_option("--valid-expressions", o->valid_expressions, "Exact number of valid expressions (0: as sampled)"));
    cmd->add_flag("--metadata-only", o->metadata_only, "Write only the metadata files (fast; for builder benchmarks)");
    cmd->callback([o, &exit_code] {
        synth::SynthOptions options = synth::synth_preset(o->preset);
        options.seed = o->seed;
        if (o->format == "ref-davis") options.layout = synth::Layout::ref_davis;
        else if (o->format == "mevis") options.layout = synth::Layout::mevis;
        else if (o->format != "ref-youtube-vos") throw Error(fmt::format("unknown --format '{}' (ref-youtube-vos, ref-davis or mevis)", o->format));
        if (o->videos) options.videos = *o->videos, options.valid_expressions = 0;
        if (o->frames) options.frames = *o->frames, options.frames_jitter = 0;
        if (o->width) options.width = *o->width;
        if (o->height) options.height = *o->height;
        if (o->valid_fraction) options.valid_fraction = *o->valid_fraction, options.valid_expressions = 0;
        if (o->valid_expressions) options.valid_expressions = *o->valid_expressions;
        if (options.layout == synth::Layout::ref_davis) options.valid_expressions = 0;
        options.metadata_only = o->metadata_only;
        OutputDir out = begin_output(o->out, "synth");
        const synth::SynthReport r = synth::write_synth_dataset(out.path(), options);
        out.commit();
        fmt::print("wrote {} ({}): train {} / {}, valid {} / {}, {}\n", o->out.out, o->format,
                   plural(r.train_videos, "video"), plural(r.train_expressions, "expression"),
                   plural(r.valid_videos, "video"), plural(r.valid_expressions, "expression"), plural(r.frames, "frame"));
        fmt::print("{:.1f} s, {:.1f} frames/s\n", r.seconds, double(r.frames) / r.seconds);
        exit_code = 0;
    });
}

}  // namespace r2::cli
