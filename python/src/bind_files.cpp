// The module's functions over files, for scripts that drive the benchmark as the CLI does:
// evaluate (`r2bench eval`), build_dataset (`r2bench build-dataset`), read_per_frame (per_frame.h5).
#include <optional>

#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "core/output_dir.h"
#include "core/progress.h"
#include "dataset_builder/r2_builder.h"
#include "dataset_builder/source_tree.h"
#include "dataset_builder/text_rules.h"
#include "metrics/evaluation.h"
#include "reports/eval_report.h"
#include "reports/per_frame_h5.h"
#include "bindings.h"
#include "results.h"

namespace py = pybind11;
namespace fs = std::filesystem;

namespace r2::python {

namespace {

using OptionalPath = std::optional<fs::path>;

py::dict evaluate(const OptionalPath& source, const fs::path& predictions, const OptionalPath& pairs,
                  const std::optional<std::string>& split, bool allow_missing, const OptionalPath& out, bool force,
                  int64_t max_pixels, bool progress) {
    EvalPaths paths;
    paths.predictions = predictions;
    paths.gt = source.value_or(fs::path());
    paths.pairs = pairs.value_or(fs::path());
    paths.allow_missing = allow_missing;
    EvalResult result;
    nlohmann::ordered_json summary;
    {
        py::gil_scoped_release release;
        Progress::set_quiet(!progress);
        if (fs::is_regular_file(predictions))
            throw Error(predictions.string() + ": evaluate reads a prediction folder; score a .zip submission with `r2bench score`");
        paths.split = resolve_split(split, paths.pairs);
        std::optional<OutputDir> dir;  // --out is checked before any work, and left as it was on failure
        if (out) dir.emplace(OutputDir::begin(*out, "eval", force, {paths.predictions, paths.gt, paths.pairs}));
        EvalInput input = load_eval_input(paths);
        input.limits.max_pixels = max_pixels;
        result = r2::evaluate(input);
        summary = eval_summary_json(result, input);
        if (dir) {
            write_eval_report(dir->path(), result, input);
            dir->commit();
        }
    }
    py::dict d = result_dict(result);
    d["summary"] = json_to_python(summary);
    return d;
}

SourceFormat format_of(const std::optional<std::string>& format, const fs::path& root) {
    if (format) return parse_source_format(*format);
    return detect_source_format(root).value_or(SourceFormat::ref_youtube_vos);
}

py::dict build_dataset(const fs::path& source, const fs::path& out, uint64_t seed, const std::string& split,
                       const std::optional<std::string>& format, const OptionalPath& negative_pool, const std::string& pool_format,
                       const std::string& pool_split, bool referred_category, bool lexical, bool strict,
                       const OptionalPath& synonyms_file, const OptionalPath& super_categories, bool link_frames, bool symlinks,
                       bool force, bool progress) {
    R2Build build;
    int64_t videos = 0;
    {
        py::gil_scoped_release release;
        Progress::set_quiet(!progress);
        // Every input is read before `out` is touched.
        const fs::path super_file = super_categories.value_or(fs::path());
        const SourceTree tree = read_source_tree(source, format_of(format, source), split, super_file);
        std::optional<SourceTree> pool;
        if (negative_pool) pool = read_source_tree(*negative_pool, parse_source_format(pool_format), pool_split, super_file);
        const SynonymTable synonyms = synonyms_file ? load_synonyms(*synonyms_file) : default_synonyms();
        OutputDir dir = OutputDir::begin(out, "build-dataset", force,
                                         {source, negative_pool.value_or(fs::path()), synonyms_file.value_or(fs::path()), super_file});
        R2BuildOptions options;
        options.seed = seed;
        options.rules = {referred_category, lexical, strict};
        options.synonyms = &synonyms;
        build = build_r2(tree, pool ? &*pool : nullptr, options);
        write_r2(dir.path(), build, tree, pool ? &*pool : nullptr, link_frames, symlinks);
        dir.commit();
        videos = int64_t(tree.videos.size());
    }
    py::dict d;
    d["pairs_file"] = (out / "r2_pairs.json").string();
    d["expressions"] = build.pairs.pairs.size();
    d["videos"] = videos;
    d["pool_videos_used"] = build.pool_videos_used;
    d["stats"] = json_to_python(build.stats);
    return d;
}

py::dict read_per_frame(const fs::path& path) {
    PerFrameTable table;
    {
        py::gil_scoped_release release;
        table = read_per_frame_h5(path);
    }
    return per_frame_dict(table);
}

}  // namespace

void bind_files(py::module_& m) {
    m.def("evaluate", &evaluate, py::arg("source"), py::arg("predictions"), py::arg("pairs") = py::none(), py::kw_only(),
          py::arg("split") = py::none(), py::arg("allow_missing") = false, py::arg("out") = py::none(), py::arg("force") = false,
          py::arg("max_pixels") = int64_t(8192) * 8192, py::arg("progress") = false,
          "Scores a prediction folder (Annotations/<video>/<exp_id>/<frame>.png [+ Negatives/…]) as `r2bench eval` does.\n\n"
          "source: ground truth (Ref-YouTube-VOS root or split folder), or None with pairs alone (R only). pairs: "
          "r2_pairs.json (R). split: default the one the pairs were built on, else valid. allow_missing: score a "
          "missing prediction as empty (R withheld when a negative one is missing). out: also write the CLI's "
          "summary.json, per_expression.csv, per_video.csv and per_frame.h5 there (atomically; force replaces a "
          "folder that holds something else). Returns the Evaluator.evaluate() dict plus 'summary' (summary.json). "
          "Raises r2bench.InputError listing every problem with the inputs.");
    m.def("build_dataset", &build_dataset, py::arg("source"), py::arg("out"), py::kw_only(), py::arg("seed") = 0,
          py::arg("split") = "valid", py::arg("format") = py::none(), py::arg("negative_pool") = py::none(),
          py::arg("pool_format") = "ref-davis", py::arg("pool_split") = "valid", py::arg("referred_category") = true,
          py::arg("lexical") = true, py::arg("strict") = false, py::arg("synonyms") = py::none(),
          py::arg("super_categories") = py::none(), py::arg("link_frames") = false, py::arg("symlinks") = false,
          py::arg("force") = false, py::arg("progress") = false,
          "Pairs every expression of a referring-VOS split with an unrelated negative video, as `r2bench build-dataset` "
          "does, and writes out/r2_pairs.json, r2_stats.json and meta_expressions.json (same seed: same bytes). "
          "format: ref-youtube-vos, ref-davis or mevis (default: detected). Returns {pairs_file, expressions, videos, "
          "pool_videos_used, stats}.");
    m.def("read_per_frame", &read_per_frame, py::arg("path"),
          "per_frame.h5 (written by `r2bench eval`) as numpy arrays: {has_gt, has_pairs, expressions: {video, exp_id, "
          "obj_id, negative_video, text}, positive: {expression, frame, J, F, pixels}, negative: {expression, frame, "
          "pixels}}; `expression` indexes the expressions lists.");
}

}  // namespace r2::python
