#include <filesystem>

#include <fmt/format.h>

#include "cli/cli_options.h"
#include "cli/command_table.h"
#include "cli/commands.h"
#include "core/interrupt.h"
#include "model_zoo/model_names.h"
#include "core/pairs.h"
#include "core/parallel.h"
#include "core/wording.h"
#include "runners/baseline.h"
#include "cli/handover.h"
#ifdef R2BENCH_HAVE_TORCH  // in r2bench-models
#include "runners/model_runner.h"
#include "runners/run_state.h"
#endif
#include "runners/shards.h"

namespace r2::cli {
namespace fs = std::filesystem;

void add_run_command(CLI::App& app, int& exit_code) {
    struct Options {
        std::string source, split = "valid", pairs, negative_pool;
        OutOptions out;
        BaselineOptions baseline;
        std::string weights, weights_dir = "models", text_dir, device = "cpu", shard = "0/1";
        int window = 0;
        bool synthetic_weights = false, resume = false;
    };
    auto o = std::make_shared<Options>();
    CLI::App* cmd = add_command(app, "run");
    cmd->footer(fmt::format(
        "Models: the neural models of `r2bench models` ({}; weights bundled with r2bench: {}), and the weight-free "
        "references oracle (ground truth; J = F = R = 1), noisy-oracle (perturbed ground truth with hallucinations on "
        "some negatives), empty (nothing anywhere). Neural runs also write scores.json (chosen query, per-frame scores, "
        "alignment A, rejection per pair) and run.json (weights and their SHA-256, speed, memory). Ctrl-C or SIGTERM "
        "stops a neural run after the current expression, keeping the complete ones for --resume.\n\nExamples:\n"
        "  r2bench run --model r2vos_r50 --weights-dir models --source data/ytvos --pairs r2/r2_pairs.json --out runs/r2vos\n"
        "  r2bench run --model r2vos_tiny --source data/synth --pairs data/r2/r2_pairs.json --out runs/r2vos_tiny.0 --shard 0/4\n\n"
        "Example (on the data of scripts/demo.sh, from the repository root):\n"
        "  r2bench run --model mttr_tiny --source build/demo/synth --pairs build/demo/r2/r2_pairs.json --out build/demo/runs/mttr_tiny",
        model_name_list(), model_name_list(true)));
    cmd->add_option("--model", o->baseline.model, "A model of `r2bench models`, or oracle, noisy-oracle, empty")->capture_default_str();
    add_source_option(cmd, o->source, "Ref-YouTube-VOS root or split folder (alias --gt; as `eval --source`)")->required();
    cmd->add_option("--split", o->split, "Split of the source (default: the one --pairs was built on, else valid)");
    cmd->add_option("--pairs", o->pairs, "r2_pairs.json from build-dataset")->required();
    add_out_options(cmd, o->out, "Submission folder to write");
    non_negative(cmd->add_option("--seed", o->baseline.seed, "Seed of the noisy oracle"))->capture_default_str();
    between(cmd->add_option("--hallucination-rate", o->baseline.hallucination_rate,
                            "noisy-oracle: share of expressions segmenting something in their negative video")
                ->capture_default_str(),
            0, 1);
    cmd->add_option("--weights", o->weights, "Neural models: the .safetensors file (default: <weights-dir>/<model>.safetensors)");
    cmd->add_option("--weights-dir", o->weights_dir, "Neural models: where weights are looked for")->capture_default_str();
    cmd->add_option("--text-dir", o->text_dir, "RoBERTa's vocab.json and merges.txt (default: <weights-dir>/roberta)");
    cmd->add_flag("--synthetic-weights", o->synthetic_weights,
                  "Run with untrained formula weights instead of any weights file but --weights (recorded in run.json and scores.json)");
    cmd->add_option("--device", o->device, "cpu or cuda")->capture_default_str()->check(CLI::IsMember({"cpu", "cuda"}));
    non_negative(cmd->add_option("--window", o->window, "Frames per clip (0: the whole video, as the official scripts)")
                     ->capture_default_str());
    cmd->add_option("--shard", o->shard, "Run shard i of n (0-based), balanced by frames; `r2bench merge` joins them")
        ->capture_default_str();
    cmd->add_option("--negative-pool", o->negative_pool, "Root of the negative pool the pairs were built with, if any");
    cmd->add_flag("--resume", o->resume,
                  "Continue an interrupted or failed run into the same --out: complete expression folders are kept");
    cmd->callback([o, cmd, &exit_code] {
        resolve_from_pairs(cmd, "--split", o->split, o->pairs, "split");
        const auto& refs = baseline_models();
        const bool reference = std::find(refs.begin(), refs.end(), o->baseline.model) != refs.end();
        if (reference) {
            for (const char* neural_only : {"--weights", "--text-dir", "--synthetic-weights", "--window", "--shard", "--resume"})
                if (cmd->count(neural_only) > 0)
                    throw Error(fmt::format("{} is for the neural models; {} is a weight-free reference model", neural_only,
                                            o->baseline.model));
            if (read_r2_pairs(o->pairs).pairs.empty()) throw FileError(o->pairs, "holds no pairs: there is nothing to run");
            OutputDir out = begin_output(o->out, "run", {o->source, o->pairs});
            const BaselineReport r = run_baseline(o->source, o->split, o->pairs, out.path(), o->baseline);
            out.commit();
            fmt::print("wrote {} ({}): {}, {} positive and {} negative masks\n", o->out.out, o->baseline.model,
                       plural(r.expressions, "expression"), r.positive_masks, r.negative_masks);
            exit_code = 0;
            return;
        }
#ifdef R2BENCH_HAVE_TORCH
        ModelRunOptions m;
        m.source = o->source;
        m.split = o->split;
        m.negative_pool = o->negative_pool;
        m.pairs = o->pairs;
        m.model = o->baseline.model;
        m.weights_dir = o->weights_dir;
        m.weights_file = o->weights;
        m.text_dir = o->text_dir;
        m.synthetic_weights = o->synthetic_weights;
        m.device = o->device;
        m.window = o->window;
        m.shard = parse_shard(o->shard);
        m.resume = o->resume;
        m.version = R2BENCH_VERSION;
        m.command = "r2bench run --model " + o->baseline.model + (o->synthetic_weights ? " --synthetic-weights" : "") +
                    (m.shard.whole() ? "" : " --shard " + m.shard.str());
        // Everything is checked before --out is touched and before the model is built.
        check_run_inputs(m);
        catch_interrupts();
        const fs::path partial = partial_folder(o->out.out);
        OutputDir out = begin_output(o->out, "run", {o->source, o->pairs, o->weights}, [&] {
            // A killed run's temporary folder would be removed by opening --out: claim it first.
            claim_killed_runs(o->out.out);
            if (!o->resume && !o->out.force && fs::is_directory(partial))
                throw FileError(partial, fmt::format("holds the complete expressions of an interrupted run into {}: continue "
                                                     "it with --resume, or pass --force to discard them",
                                                     o->out.out));
        });
        ModelRunReport r;
        try {
            r = run_model(m, out);
        } catch (const Interrupted& e) {
            throw Interrupted(e.signal(), fmt::format("{}:\n  {}", e.what(), resume_command()));
        }
        out.commit();
        std::error_code ec;
        fs::remove_all(partial, ec);
        fmt::print("wrote {} ({}{}): {}, {} positive and {} negative masks{}; model {:.2f} frames/s, end to end {:.2f} "
                   "frames/s, peak {:.0f} MB\n",
                   o->out.out, o->baseline.model, r.synthetic ? ", SYNTHETIC weights: untrained, scores mean nothing" : "",
                   plural(r.pairs, "expression"), r.positive_masks, r.negative_masks,
                   r.sides_reused > 0 ? fmt::format(" ({} expression folders reused)", r.sides_reused) : "",
                   r.model_seconds > 0 ? r.frames / r.model_seconds : 0.0, r.total_seconds > 0 ? r.frames / r.total_seconds : 0.0,
                   r.peak_rss_mb);
        exit_code = 0;
#else
        // r2bench never links libtorch: r2bench-models runs the neural models (the same code, this file).
        // Loading libtorch alone takes about a second, so the usual mistakes are caught here first
        // (r2bench-models checks everything again, and the registry's rules, before building a model).
        if (!o->weights.empty() && !fs::is_regular_file(o->weights)) throw FileError(o->weights, "--weights: no such file");
        if (!fs::is_directory(o->source)) throw FileError(o->source, "--source: not a folder");
        if (read_r2_pairs(o->pairs).pairs.empty()) throw FileError(o->pairs, "holds no pairs: there is nothing to run");
        hand_over(fmt::format("`run --model {}`", o->baseline.model));
#endif
    });
}

}  // namespace r2::cli
