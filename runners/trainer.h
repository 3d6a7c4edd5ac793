// `r2bench train`: trains a registry model on a Ref-YouTube-VOS-layout training split with its
// paper's losses (model_zoo/criterion.h), AdamW with per-group learning rates, gradient clipping
// and step decay. Writes into --out:
//   <model>.safetensors        the trained weights (what `run --weights` / the registry load)
//   checkpoint.safetensors     weights + AdamW state + the step, every --checkpoint-every steps
//   train_log.jsonl            one line per step: loss, its terms, learning rate, seconds; and
//                              a line per held-out validation pass (with --val-source)
//   train_report.html          the loss curves
//   train.json                 the options and the recipe, so --resume can refuse a different run
// A run killed at any point continues with --resume from its last checkpoint and reaches the
// same weights as one that was never stopped: every step draws its data from (seed, step).
// --out follows core/output_dir.h: it is replaced only when the call ends well (the run finished,
// or --stop-after reached: then it holds the checkpoint to --resume from, also to extend --steps).
// An interrupted (SIGINT/SIGTERM: after the current step, exit 130/143), failed or killed run
// keeps its newest checkpoint in `.<out>.r2bench-partial` beside --out, which --resume continues
// and a rerun without --resume refuses to discard (unless --force).
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "model_zoo/msdeform_attn.h"
#include "model_zoo/registry.h"
#include "model_zoo/stage_times.h"
#include "model_zoo/train_recipe.h"
#include "runners/train_validation.h"

namespace r2 {

// The family's official recipe (ModelFamily::official_recipe; R2-VOS / ReferFormer: opts.py, lr
// 1e-4, backbone 5e-5, weight decay 5e-4, clip 0.1, drops at epochs 8 and 10 of 12 by 0.1,
// PhotometricDistort, padding to 32; MTTR: refer_youtube_vos.yaml, weight decay 1e-4, one drop at
// epoch 20 of 30 by 0.4, no photometric distortion) at the model's sizes and clip length.
// The tiny models start from scratch instead of pretrained backbones and text encoders, so they
// use a higher rate and train their text encoder (the official ones freeze theirs).
TrainRecipe default_recipe(const RunnableModel& model);

struct TrainOptions {
    std::string model;
    std::filesystem::path data, out;
    int64_t steps = 600;  // what the bundled weights were trained for
    uint64_t seed = 0;
    int64_t checkpoint_every = 250;
    bool resume = false;
    bool force = false;  // replace an --out that holds something else, or discard an interrupted run
    // Train at most this many steps in this call, checkpoint and return (0: to the end), e.g. for
    // time-limited jobs; continue with resume.
    int64_t stop_after = 0;
    std::filesystem::path init_weights;  // optional: start from these weights instead of the initialisation
    // With init_weights: load only the tensors under these key prefixes (e.g. "backbone." and
    // "text_encoder." of another model), strictly there; the rest keeps the initialisation.
    std::vector<std::string> init_only;
    std::filesystem::path text_dir;      // RoBERTa vocabulary for models without the built-in tokenizer
    TrainRecipe recipe;
    torch::Device device = torch::kCPU;
    // Held-out passes every validation->every steps and after the last step (logged as
    // "event": "validation" lines, drawn in train_report.html). Not part of the run's identity:
    // --resume may add, change or drop it, since it changes no weight.
    std::optional<ValidationOptions> validation;
    // The deformable attention's CPU kernel: the fast one (with its backward) or the grid_sample
    // reference (the kernel of the bundled weights before 2026-12; `bench train` compares both).
    nn::MSDAKernel msda_kernel = nn::MSDAKernel::fast;
};

struct TrainResult {
    int64_t first_step = 0, steps = 0;  // this call trained steps first_step..steps (first_step > 0 after --resume)
    bool finished = false;              // steps reached the run's total: the weights file is written
    double seconds = 0;
    double first_loss = 0, last_loss = 0;  // initial_loss and final_loss of the whole log (reports/train_report.h)
    std::optional<ValidationScores> validation;  // the last held-out pass of this call
    // Seconds per stage of this call's steps: data, the model's forward stages (backbone, text,
    // encoder, pixel decoder, decoder, mask head), criterion, backward, optimizer.
    nn::StageTimes stage_seconds;
    std::filesystem::path weights, log, report;
};

TrainResult train_model(const TrainOptions& options);

// A registry model as training starts it: built, with the official initialisation drawn from
// `seed` (model_zoo/training_init.h), and the deformable attention's kernel that has a backward.
LoadedModel build_model(const RunnableModel& entry, uint64_t seed);

// Loads `file` into the model: all of it strictly, or with `only` the tensors under those key
// prefixes (strictly there: none missing, none extra, every shape equal). FileError names the file
// and what does not fit.
void load_initial_weights(const LoadedModel& model, const std::filesystem::path& file, const std::vector<std::string>& only = {});

// The base learning rate `parameter` (a checkpoint key) trains with under `recipe`: the rate of
// its optimizer group (backbone, text encoder, the rest); 0 for a frozen one.
double learning_rate_of(const LoadedModel& model, const TrainRecipe& recipe, const std::string& parameter);

// The learning rate scale at `step` of `steps` under step decay.
double lr_scale_at(int64_t step, int64_t steps, const std::vector<double>& drops, double gamma);

}  // namespace r2
