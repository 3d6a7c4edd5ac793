// `r2bench run --model <neural model>`: drives a registered model over an R² set the way the
// official inference scripts do, as a three-stage pipeline with bounded queues:
//   reader  (a thread)      JPEG decoding (OpenCV, RGB), PIL-exact resizing, normalisation of the next clip
//   model   (this thread)   encode each video's clip ONCE, then every sentence that uses it (its own
//                           expressions and those paired with it as their negative video), post-process
//   writer  (a thread)      0/255 PNG encoding, scores, the atomic rename of each expression folder
// libtorch's intra-op threads (--threads) do the model's work; the reader and writer are one thread
// each and mostly wait, so two cores are not oversubscribed by a second pool.
// No libtorch in this header: the CLI includes it.
#pragma once
#include <filesystem>
#include <string>

#include "core/output_dir.h"
#include "runners/shards.h"

namespace r2 {

struct ModelRunOptions {
    std::filesystem::path source;         // the data-set root (as `eval --source`)
    std::string split = "valid";
    std::filesystem::path negative_pool;  // where `"negative_source": "pool"` videos are (build-dataset --negative-pool)
    std::filesystem::path pairs;
    std::string model;
    std::filesystem::path weights_dir = "models", weights_file, text_dir;  // text_dir empty: <weights_dir>/roberta
    bool synthetic_weights = false;  // allowed where no weights file is found (labelled in run.json and scores.json)
    std::string device = "cpu";
    int window = 0;  // frames per clip; 0: the whole video in one clip (the official scripts)
    ShardSpec shard;
    bool resume = false;
    std::string version;   // r2bench's, for run.json
    std::string command;   // the command line, for run.json
};

struct ModelRunReport {
    int64_t pairs = 0, sides_done = 0, sides_reused = 0;
    int64_t positive_masks = 0, negative_masks = 0;  // in the submission (reused folders included)
    int64_t frames = 0;          // mask frames the model produced in this process
    int64_t clip_frames = 0;     // frames encoded (each video once per run)
    double model_seconds = 0, total_seconds = 0;
    double peak_rss_mb = 0;
    bool synthetic = false;
};

// Everything a run reads, checked in well under a second before --out is opened and before the
// model is built: the model's name, --source, the pairs file (not empty; an empty shard is fine),
// the weights file (its header; a training checkpoint is pointed to the weights beside it) and the
// tokenizer files. Throws r2::Error / FileError.
void check_run_inputs(const ModelRunOptions& options);

// Writes the submission, scores.json and run.json into `out.path()`. SIGINT/SIGTERM (after
// catch_interrupts()) stop it after the current expression: the complete expression folders are
// kept for `--resume` and r2::Interrupted is thrown. On failure, the complete
// expression folders are moved aside for `--resume` (message on stderr) and the error is rethrown.
ModelRunReport run_model(const ModelRunOptions& options, OutputDir& out);

// The JPEG of a frame: <root>/<split>/JPEGImages/<video>/<frame>.jpg (or a split folder's
// JPEGImages, or Ref-DAVIS' DAVIS/JPEGImages/480p).
std::filesystem::path frame_path(const std::filesystem::path& root, const std::string& split, const std::string& video,
                                 const std::string& frame);

}  // namespace r2
