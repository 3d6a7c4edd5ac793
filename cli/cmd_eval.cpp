#include <fmt/format.h>

#include "cli/cli_options.h"
#include "cli/command_table.h"
#include "cli/commands.h"
#include "core/dataset_layout.h"
#include "metrics/evaluation.h"
#include "metrics/ref_davis_eval.h"
#include "reports/eval_report.h"
#include "reports/html_report.h"
#include "reports/ref_davis_report.h"

namespace r2::cli {

namespace {

// The layout of --source: as --format or r2_pairs.json says, else detected; said on stderr.
std::optional<SourceFormat> announce_format(const std::string& given, const std::filesystem::path& source,
                                            const std::filesystem::path& pairs) {
    if (!given.empty()) {
        fmt::print(stderr, "format: {} ({})\n", given, pairs.empty() || pairs_source_value(pairs, "format").empty() ? "--format" : "recorded in r2_pairs.json");
        return parse_source_format(given);
    }
    if (source.empty()) return std::nullopt;
    const auto found = detect_source_format(source);
    if (found) fmt::print(stderr, "format: {} (detected from {}; --format overrides)\n", source_format_name(*found), source.string());
    return found;
}

// Ref-DAVIS17: J and F by the DAVIS protocol per annotator; with --pairs, R too (reports/ref_davis_report.h).
void run_ref_davis_eval(const EvalPaths& paths, const std::string& davis_task, int64_t max_pixels, bool report,
                        OutputDir& out, const std::string& shown_out) {
    PngLimits limits;
    limits.max_pixels = max_pixels;
    RefDavisScore score;
    try {
        score = score_ref_davis(paths, parse_davis_task(davis_task), limits, out.path());
    } catch (const EvalInputError& e) {
        fail_with_problems(out, e.problems());
    }
    if (report && score.r2) write_html_report(out.path());
    out.commit();
    fmt::print("{}", ref_davis_console(score.davis, score.r2 ? &*score.r2 : nullptr, paths.pairs));
    if (!score.r2) fmt::print("no --pairs: R not computed{}\n", report ? " (and no report.html: it shows R² results)" : "");
    fmt::print("wrote {}/{{davis_summary.json, per_object.csv{}}}\n", shown_out,
               score.r2 ? std::string(", summary.json, per_expression.csv, per_video.csv, per_frame.h5") + (report ? ", report.html" : "")
                        : "");
}

}  // namespace

void add_eval_command(CLI::App& app, int& exit_code) {
    struct Options {
        EvalPaths paths;
        OutOptions out;
        int64_t max_pixels = int64_t(8192) * 8192;
        bool report = false;
        std::string format, davis_task = "unsupervised";
    };
    auto options = std::make_shared<Options>();
    CLI::App* cmd = add_command(app, "eval");
    cmd->footer(
        "Predictions use the leaderboard layout: PRED/Annotations/<video>/<exp_id>/<frame>.png for each expression on "
        "its own video and PRED/Negatives/<negative_video>/<exp_id>/<frame>.png for it on its paired negative video. "
        "Any non-zero pixel is foreground: grayscale (1-16 bit) and palette (non-zero value or index), RGB and RGBA "
        "(any of R, G, B non-zero; alpha 0 is background). A .zip submission is scored by `r2bench score`.\n\nExample (on the data of scripts/demo.sh, from the repository root):\n  "
        "r2bench eval --pred build/demo/runs/mttr_tiny --source build/demo/synth --pairs build/demo/r2/r2_pairs.json --out build/demo/eval/mttr_tiny --report");
    cmd->add_option("--pred", options->paths.predictions, "Prediction folder (holds Annotations/ and Negatives/)")
        ->required();
    add_source_option(cmd, options->paths.gt,
                      "Ground truth (alias --gt): a Ref-YouTube-VOS root (<source>/<split>/Annotations, "
                      "<source>/meta_expressions/<split>/meta_expressions.json) or a split folder "
                      "(<source>/Annotations, <source>/meta_expressions.json)");
    cmd->add_option("--split", options->paths.split, "Split of the ground-truth root (default: the one --pairs was built on, else valid)");
    cmd->add_option("--pairs", options->paths.pairs, "r2_pairs.json from `r2bench build-dataset` (enables R)");
    cmd->add_option("--format", options->format,
                    "ref-youtube-vos, ref-davis or mevis (default: as recorded in --pairs, else detected from --source)")
        ->check(CLI::IsMember({"ref-youtube-vos", "ref-davis", "mevis"}));
    cmd->add_option("--davis-task", options->davis_task,
                    "Ref-DAVIS17: the DAVIS task J and F follow; unsupervised (Annotations_unsupervised, every frame, void "
                    "excluded, Hungarian matching: the published protocol) or semi-supervised")
        ->capture_default_str()
        ->check(CLI::IsMember({"unsupervised", "semi-supervised"}));
    add_out_options(cmd, options->out, "Folder for summary.json, per_expression.csv, per_video.csv, per_frame.h5");
    cmd->add_flag("--allow-missing", options->paths.allow_missing,
                  "Score a missing positive prediction as an empty mask instead of failing; with missing negative "
                  "predictions R and J&F&R are not reported (counts in the summary)");
    non_negative(cmd->add_option("--max-pixels", options->max_pixels, "Refuse PNGs with more pixels than this"))
        ->capture_default_str();
    cmd->add_flag("--report", options->report, "Also write report.html (as `r2bench report`)");
    cmd->callback([options, cmd, &exit_code] {
        const std::filesystem::path& pred = options->paths.predictions;
        if (std::filesystem::is_regular_file(pred))
            throw Error(fmt::format("--pred {}: eval reads a prediction folder; score a .zip submission with "
                                    "`r2bench score {} --source … --pairs … --out …`", pred.string(), pred.string()));
        resolve_from_pairs(cmd, "--split", options->paths.split, options->paths.pairs, "split");
        resolve_from_pairs(cmd, "--format", options->format, options->paths.pairs, "format");
        const std::optional<SourceFormat> format = announce_format(options->format, options->paths.gt, options->paths.pairs);
        OutputDir out = begin_output(options->out, "eval",
                                     {options->paths.predictions, options->paths.gt, options->paths.pairs});
        if (format == SourceFormat::ref_davis && !options->paths.gt.empty()) {
            run_ref_davis_eval(options->paths, options->davis_task, options->max_pixels, options->report, out, options->out.out);
            exit_code = 0;
            return;
        }
        EvalResult result;
        std::string alignment;  // AUROC of A and R per category (needs the input)
        try {
            EvalInput input = load_eval_input(options->paths);
            input.limits.max_pixels = options->max_pixels;
            result = evaluate(input);
            write_eval_report(out.path(), result, input);
            alignment = eval_alignment_table(result, input);
        } catch (const EvalInputError& e) {
            fail_with_problems(out, e.problems());
        }
        if (options->report) write_html_report(out.path());
        out.commit();
        fmt::print("{}{}", eval_table(result), alignment);
        fmt::print("wrote {}/{{summary.json, per_expression.csv, per_video.csv, per_frame.h5{}}}\n", options->out.out,
                   options->report ? ", report.html" : "");
        exit_code = 0;
    });
}

}  // namespace r2::cli

namespace r2::cli {

void add_report_command(CLI::App& app, int& exit_code) {
    auto dir = std::make_shared<std::string>();
    CLI::App* cmd = add_command(app, "report");
    cmd->footer("Writes EVAL_DIR/report.html (one self-contained page) from the files `eval` wrote there.\n\nExample (on the data of scripts/demo.sh, from the repository root):\n  "
                "r2bench report build/demo/eval/mttr_tiny");
    cmd->add_option("eval_dir", *dir, "Folder written by `r2bench eval --out`")->required();
    cmd->callback([dir, &exit_code] {
        fmt::print("wrote {}\n", write_html_report(*dir).string());
        exit_code = 0;
    });
}

}  // namespace r2::cli
