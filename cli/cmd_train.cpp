// `r2bench train` (built with libtorch): trains a model on a training split with its paper's
// losses (runners/trainer.h), checkpointing and resumable.
#include <fmt/format.h>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "cli/command_table.h"
#include "cli/handover.h"
#include "core/interrupt.h"
#include "model_zoo/ablations.h"
#include "reports/train_report.h"
#include "runners/trainer.h"

namespace r2::cli {

void add_train_command(CLI::App& app, int& exit_code) {
    struct Options {
        TrainOptions train;
        std::string device = "cpu";
        double lr = 0, backbone_lr_scale = -1, text_lr_scale = -1, weight_decay = -1;
        int64_t batch_size = 0, frames = 0;
        std::vector<int64_t> shorter_sides;
        ValidationOptions validation;
        std::string config;
    };
    auto o = std::make_shared<Options>();
    CLI::App* cmd = add_command(app, "train");
    cmd->footer(
        "Trains with the official losses (R2-VOS/ReferFormer: focal class, L1 + GIoU boxes, focal + dice masks on every decoder layer;\n"
        "R2-VOS adds the cycle losses (RKD distance and angle, pair BCE, contrastive hinge) with each clip paired with another\n"
        "clip's sentence; MTTR: Hungarian matching, is-referred, focal and dice), AdamW with per-group rates, clipping and step decay.\n"
        "--data is a folder in the Ref-YouTube-VOS layout whose train split has annotations, e.g.\n"
        "  r2bench synth --preset small --videos 240 --valid-fraction 0 --frames 12 --width 320 --height 180 --seed 1000 --out train_synth\n"
        "  r2bench train --model r2vos_tiny --data train_synth --out runs/r2vos_tiny --steps 600\n"
        "OUT gets <model>.safetensors, checkpoint.safetensors (every --checkpoint-every steps), train_log.jsonl,\n"
        "train_report.html (loss curves) and train.json. Ctrl-C or SIGTERM stops after the current step, keeping a checkpoint\n"
        "beside OUT; continue a stopped run with the same command plus --resume (also to extend --steps).\n"
        "With --val-source and --val-pairs (a held-out set and its R² pairs), a validation pass every --val-every steps prints\n"
        "and logs J&F, R and the pair head's AUROC, drawn next to the losses in train_report.html.\n\nExample (on the data of scripts/demo.sh, from the repository root):\n  "
        "r2bench train --model mttr_tiny --data build/demo/synth --out build/demo/train/mttr_tiny --steps 20 --scales 64 "
        "--val-source build/demo/synth --val-pairs build/demo/r2/r2_pairs.json --val-every 20 --val-expressions 4");
    cmd->add_option("--model", o->train.model, "Model to train (r2vos_tiny, r2vos_tiny_grounded, referformer_tiny, mttr_tiny, …)")->required();
    cmd->add_option("--data", o->train.data, "Training data root (Ref-YouTube-VOS layout with a train split)")->required()->check(CLI::ExistingDirectory);
    cmd->add_option("--out", o->train.out, "Output folder (replaced only when training ends well; an interrupted run waits "
                                           "beside it for --resume)")->required();
    cmd->add_flag("--force", o->train.force, "Replace --out even when it holds something else; discard an interrupted run");
    at_least(cmd->add_option("--steps", o->train.steps, "Optimizer steps (the bundled weights: 600)")->capture_default_str(), 1);
    cmd->add_option("--seed", o->train.seed, "Seed of the initialisation and the data order")->capture_default_str();
    at_least(cmd->add_option("--checkpoint-every", o->train.checkpoint_every, "Steps between checkpoints")->capture_default_str(), 1);
    cmd->add_flag("--resume", o->train.resume, "Continue the interrupted run, or extend OUT's run to a larger --steps (other options must be the same)");
    at_least(cmd->add_option("--stop-after", o->train.stop_after, "Train at most N steps in this call, checkpoint and exit (then --resume)"), 1);
    cmd->add_option("--config", o->config,
                    "An ablation of the R2-VOS paper (Tables 3-6) as a configuration of --model r2vos_tiny: t3-baseline, t3-eg, "
                    "t3-cc, t3-ft, t4-none, t4-point, t4-angle, t4-distance, t4-both, t5-q1, t5-q5, t5-q9, t6-w1, t6-w3, t6-w5; or "
                    "grounded, the pair head that learns on a toy set "
                    "(`r2bench ablate --list` says what each changes); the weights are named r2vos_tiny:CONFIG");
    cmd->add_option("--init-weights", o->train.init_weights, "Start from these weights (.safetensors) instead of the initialisation")
        ->check(CLI::ExistingFile);
    cmd->add_option("--init-only", o->train.init_only,
                    "With --init-weights: load only the tensors under these key prefixes (e.g. backbone. text_encoder. from "
                    "another model's weights); the rest keeps the initialisation")
        ->needs("--init-weights");
    cmd->add_option("--text-dir", o->train.text_dir, "RoBERTa vocab.json + merges.txt (models without the built-in byte tokenizer)");
    cmd->add_option("--device", o->device, "cpu or cuda")->capture_default_str()->check(CLI::IsMember({"cpu", "cuda"}));
    cmd->add_option("--lr", o->lr, "Learning rate (default: the model's recipe)");
    cmd->add_option("--backbone-lr-scale", o->backbone_lr_scale, "Backbone rate as a multiple of --lr (default: the recipe)");
    cmd->add_option("--text-lr-scale", o->text_lr_scale, "Text encoder rate as a multiple of --lr (default: the recipe)");
    cmd->add_option("--weight-decay", o->weight_decay, "AdamW weight decay (default: the recipe)");
    cmd->add_option("--batch-size", o->batch_size, "Clips per step (default: the recipe, 4)");
    cmd->add_option("--frames", o->frames, "Frames per clip (default: the recipe, 3)");
    cmd->add_option("--scales", o->shorter_sides, "Shorter-side sizes drawn per clip (default: around the model's inference size)");
    CLI::Option* val_source = cmd->add_option("--val-source", o->validation.source,
                                              "Held-out ground truth (as `eval --source`): every --val-every steps the model is run on "
                                              "a few of its R² pairs and scored (J&F, R, AUROC), as `run` + `eval` would")
                                  ->check(CLI::ExistingDirectory);
    cmd->add_option("--val-pairs", o->validation.pairs, "r2_pairs.json of --val-source (`r2bench build-dataset`)")
        ->check(CLI::ExistingFile)
        ->needs(val_source);
    val_source->needs("--val-pairs");
    cmd->add_option("--val-split", o->validation.split, "Split of --val-source (default: the one --val-pairs was built on)");
    at_least(cmd->add_option("--val-every", o->validation.every, "Steps between validation passes (one more after the last step)"), 1)
        ->capture_default_str();
    at_least(cmd->add_option("--val-expressions", o->validation.expressions, "Held-out expressions per pass, spread over the pairs"), 1)
        ->capture_default_str();
    cmd->callback([o, cmd, &exit_code] {
        if (!o->config.empty()) {
            const AblationRow* row = find_ablation(o->config);
            if (!row) throw Error(fmt::format("--config: unknown configuration '{}' (`r2bench ablate --list` lists them)", o->config));
            if (o->train.model != "r2vos_tiny")
                throw Error(fmt::format("--config {}: the ablation configurations are of r2vos_tiny, not of {}", o->config, o->train.model));
            o->train.model = row->model.name;
        }
        const RunnableModel* entry = find_runnable_model(o->train.model);
        if (!entry) throw Error(fmt::format("--model: unknown model '{}' (`r2bench models` lists them)", o->train.model));
        TrainRecipe& r = o->train.recipe;
        r = default_recipe(*entry);
        if (o->lr > 0) r.lr = o->lr;
        if (o->backbone_lr_scale >= 0) r.backbone_lr_scale = o->backbone_lr_scale;
        if (o->text_lr_scale >= 0) r.text_lr_scale = o->text_lr_scale;
        if (o->weight_decay >= 0) r.weight_decay = o->weight_decay;
        if (o->batch_size > 0) r.batch_size = o->batch_size;
        if (o->frames > 0) r.frames = o->frames;
        if (!o->shorter_sides.empty()) r.shorter_sides = o->shorter_sides;
        if (o->device == "cuda" && !torch::cuda::is_available()) throw Error("--device cuda: no CUDA device is available to libtorch");
        o->train.device = o->device == "cuda" ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
        if (!o->validation.source.empty()) {
            resolve_from_pairs(cmd, "--val-split", o->validation.split, o->validation.pairs, "split");
            o->train.validation = o->validation;
        }
        catch_interrupts();
        TrainResult result;
        try {
            result = train_model(o->train);
        } catch (const Interrupted& e) {
            throw Interrupted(e.signal(), fmt::format("{}:\n  {}", e.what(), resume_command()));
        }
        fmt::print("trained {} for steps {}..{} of {} in {:.0f} s ({:.2f} steps/s); loss {:.3f} -> {:.3f} (means of the first and "
                   "last {} steps)\n",
                   o->train.model, result.first_step, result.steps, o->train.steps, result.seconds,
                   double(result.steps - result.first_step) / std::max(result.seconds, 1e-9), result.first_loss, result.last_loss,
                   kLossWindow);
        if (result.finished) fmt::print("weights: {}\n", result.weights.string());
        else fmt::print("stopped at step {} (checkpoint in {}): continue with\n  {}\n", result.steps, o->train.out.string(), resume_command());
        fmt::print("log:     {}\nreport:  {}\n", result.log.string(), result.report.string());
        exit_code = 0;
    });
}

}  // namespace r2::cli
