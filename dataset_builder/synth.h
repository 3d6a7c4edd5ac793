// `r2bench synth`: a synthetic referring-video data set written in the exact Ref-YouTube-VOS
// (or Ref-DAVIS17) layout, so every reader of the real data reads it unchanged.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "dataset_builder/synth_scene.h"

namespace r2::synth {

// mevis: <out>/{train,valid_u}/{JPEGImages, meta_expressions.json, mask_dict.json} with COCO RLE masks,
// and, in videos of two or more objects, one expression referring to two objects.
enum class Layout { ref_youtube_vos, ref_davis, mevis };

struct SynthOptions {
    std::string preset = "small";
    uint64_t seed = 0;
    int videos = 40;              // train + valid
    double valid_fraction = 0.5;  // share of videos in the valid split
    int frames = 12;              // frames per video (mean when frames_jitter > 0)
    double frames_jitter = 0.0;   // frames vary uniformly by ± this fraction
    int width = 320, height = 240;
    int valid_expressions = 0;    // exact number of valid expressions (0: as sampled)
    Layout layout = Layout::ref_youtube_vos;
    int jpeg_quality = 90;
    bool metadata_only = false;   // write the metadata files only (no frames; objects listed in every frame)
};

// The presets: "tiny" (unit tests), "small" (the demo), "ytvos-valid" (202 videos and 834
// expressions at 360x640, like the public Ref-YouTube-VOS valid split). Throws on another name.
SynthOptions synth_preset(const std::string& name);

// One video of the data set before it is drawn (exposed so tests can redraw and recheck it).
struct PlannedVideo {
    std::string split;  // "train" or "valid"
    SynthVideo video;
};
// Every video of the data set, in order; depends only on the options and seed.
std::vector<PlannedVideo> plan_videos(const SynthOptions& options);

struct SynthReport {
    int train_videos = 0, valid_videos = 0;
    int train_expressions = 0, valid_expressions = 0;
    int64_t frames = 0;
    double seconds = 0;
};

// Writes the data set into `out` (which must not exist or be empty): it is built in a temporary
// sibling folder and renamed into place at the end, so a failed run leaves nothing behind.
// Same options and seed ⇒ the same bytes, whatever the thread count.
SynthReport write_synth_dataset(const std::filesystem::path& out, const SynthOptions& options);

}  // namespace r2::synth
