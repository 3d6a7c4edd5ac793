// r2bench.Evaluator: R2Evaluator (metrics/evaluation.h) for masks held in memory, fed frame by
// frame or an expression's whole stack at once, from any number of Python threads.
#include <array>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include <fmt/format.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "core/dataset_layout.h"
#include "core/json_file.h"
#include "core/mask_png.h"
#include "metrics/evaluation.h"
#include "bindings.h"
#include "numpy_mask.h"
#include "results.h"

namespace py = pybind11;
namespace fs = std::filesystem;

namespace r2::python {

std::string resolve_split(const std::optional<std::string>& split, const fs::path& pairs) {
    std::string recorded;
    if (!pairs.empty()) {
        const nlohmann::ordered_json root = read_json_file(pairs);
        if (root.contains("source") && root["source"].is_object() && root["source"].contains("split") &&
            root["source"]["split"].is_string())
            recorded = root["source"]["split"].get<std::string>();
    }
    if (!split) return recorded.empty() ? "valid" : recorded;
    if (!recorded.empty() && *split != recorded)
        throw Error(fmt::format("split {}, but {} was built with split {}; leave split out (it is read from the pairs file)",
                                *split, pairs.string(), recorded));
    return *split;
}

namespace {

// The evaluator with Python's ways of naming things (expression index or (video, exp_id), frame
// index or name, side as r2bench.Side or a word) and the locks that make it safe to share:
// process() holds `all_` shared and the frame's slot lock (two threads may send the same frame;
// the last one counts), reset() and evaluate() hold `all_` exclusively.
class Evaluator {
public:
    Evaluator(std::vector<EvalExpression> expressions, bool has_gt, bool has_pairs, double bound_th, fs::path gt_annotations)
        : evaluator_(std::move(expressions), has_gt, has_pairs, bound_th), has_gt_(has_gt), has_pairs_(has_pairs),
          gt_annotations_(std::move(gt_annotations)) {
        const auto& list = evaluator_.expressions();
        positive_frames_.resize(list.size()), negative_frames_.resize(list.size());
        for (size_t e = 0; e < list.size(); ++e) {
            index_.emplace(std::make_pair(list[e].video, list[e].exp_id), e);
            for (size_t t = 0; t < list[e].frames.size(); ++t) positive_frames_[e].emplace(list[e].frames[t], t);
            for (size_t t = 0; t < list[e].negative_frames.size(); ++t) negative_frames_[e].emplace(list[e].negative_frames[t], t);
        }
    }

    void reset() {
        py::gil_scoped_release release;
        std::unique_lock lock(all_);
        evaluator_.reset();
    }

    py::dict evaluate() {
        EvalResult result;
        {
            py::gil_scoped_release release;
            std::unique_lock lock(all_);
            result = evaluator_.evaluate();
        }
        return result_dict(result);
    }

    void process(const py::handle& expression, const py::handle& side_object, const py::handle& frame,
                 const py::handle& gt_array, const py::handle& pred_array) {
        const size_t e = expression_index(expression);
        const Side side = side_of(side_object);
        const EvalExpression& ex = evaluator_.expressions()[e];
        if (side == Side::negative && !has_pairs_)
            throw py::value_error("side: this evaluator has no pairs, so no negative frames (give pairs= to score R)");
        const bool with_gt = side == Side::positive && has_gt_;
        if (side == Side::negative && !gt_array.is_none())
            throw py::value_error("gt: a negative frame has no ground truth; pass None");

        std::optional<MaskView> pred, gt;
        if (!pred_array.is_none()) pred = mask_view(pred_array, "pred");
        if (with_gt && !gt_array.is_none()) gt = mask_view(gt_array, "gt");
        if (with_gt && !gt && gt_annotations_.empty())
            throw py::value_error("gt: a positive frame needs its ground-truth mask (this evaluator has no ground-truth folder to read it from)");
        if (pred && gt) check_same_shape(*pred, "pred", *gt, "gt");
        const bool stacked = (pred && pred->stacked) || (gt && gt->stacked);
        if ((pred && gt && pred->stacked != gt->stacked) || (stacked && !frame.is_none()) || (!stacked && frame.is_none()))
            throw py::value_error("frame: give a frame (index or name) with H×W masks, or None with T×H×W masks of every frame of the side");
        const std::vector<std::string>& names = side == Side::positive ? ex.frames : ex.negative_frames;
        std::vector<size_t> frames;
        if (stacked) {
            const int count = pred ? pred->frames : gt->frames;
            if (size_t(count) != names.size())
                throw py::value_error(fmt::format("{}: {} frames given, {}/{} has {} on its {} video", pred ? "pred" : "gt", count,
                                                  ex.video, ex.exp_id, names.size(), side == Side::positive ? "positive" : "negative"));
            for (size_t t = 0; t < names.size(); ++t) frames.push_back(t);
        } else {
            frames.push_back(frame_index(e, side, frame));
        }

        py::gil_scoped_release release;
        std::shared_lock lock(all_);
        for (size_t i = 0; i < frames.size(); ++i) {
            const size_t t = frames[i];
            std::optional<BitMask> p, g;
            if (pred) p = pred->frame(int(i));
            if (gt) g = gt->frame(int(i));
            else if (with_gt) g = ground_truth(ex, names[t]);
            if (p && g && (p->width != g->width || p->height != g->height))
                throw py::value_error(fmt::format("pred: size {}x{} differs from the ground truth's {}x{} ({})", p->width,
                                                  p->height, g->width, g->height, (gt_annotations_ / ex.video / (names[t] + ".png")).string()));
            std::lock_guard slot(slots_[(e * 31 + size_t(side) * 17 + t) % slots_.size()]);
            evaluator_.process({e, side, t}, g ? &*g : nullptr, p ? &*p : nullptr);
        }
    }

    py::list expressions() const {
        py::list out;
        for (const auto& e : evaluator_.expressions()) {
            py::dict d;
            d["video"] = e.video, d["exp_id"] = e.exp_id, d["text"] = e.text, d["obj_id"] = e.obj_id;
            d["frames"] = py::cast(e.frames);
            d["negative_video"] = has_pairs_ ? py::object(py::str(e.negative_video)) : py::object(py::none());
            d["negative_frames"] = py::cast(e.negative_frames);
            out.append(d);
        }
        return out;
    }

    size_t size() const { return evaluator_.expressions().size(); }

private:
    size_t expression_index(const py::handle& expression) const {
        if (py::isinstance<py::int_>(expression)) {
            const auto i = expression.cast<py::ssize_t>();
            if (i < 0 || size_t(i) >= size())
                throw py::index_error(fmt::format("expression: {} is not in 0..{}", i, py::ssize_t(size()) - 1));
            return size_t(i);
        }
        if (py::isinstance<py::tuple>(expression) && py::len(expression) == 2) {
            const auto key = expression.cast<std::pair<std::string, std::string>>();
            const auto it = index_.find(key);
            if (it == index_.end()) throw py::key_error(fmt::format("expression: no expression {} of video {}", key.second, key.first));
            return it->second;
        }
        throw py::type_error("expression: an index or a (video, exp_id) tuple");
    }

    static Side side_of(const py::handle& side) {
        if (py::isinstance<Side>(side)) return side.cast<Side>();
        if (py::isinstance<py::str>(side)) {
            const auto word = side.cast<std::string>();
            if (word == "positive") return Side::positive;
            if (word == "negative") return Side::negative;
        }
        throw py::value_error("side: r2bench.Side.positive / negative (or \"positive\" / \"negative\")");
    }

    size_t frame_index(size_t e, Side side, const py::handle& frame) const {
        const EvalExpression& ex = evaluator_.expressions()[e];
        const auto& names = side == Side::positive ? ex.frames : ex.negative_frames;
        const std::string& video = side == Side::positive ? ex.video : ex.negative_video;
        if (py::isinstance<py::int_>(frame)) {
            const auto t = frame.cast<py::ssize_t>();
            if (t < 0 || size_t(t) >= names.size())
                throw py::index_error(fmt::format("frame: {} is not in 0..{} (frames of {})", t, py::ssize_t(names.size()) - 1, video));
            return size_t(t);
        }
        if (py::isinstance<py::str>(frame)) {
            const auto& lookup = side == Side::positive ? positive_frames_[e] : negative_frames_[e];
            const auto it = lookup.find(frame.cast<std::string>());
            if (it == lookup.end()) throw py::key_error(fmt::format("frame: {} is not a frame of {}", frame.cast<std::string>(), video));
            return it->second;
        }
        throw py::type_error("frame: an index, a frame name, or None with T×H×W masks");
    }

    // The expression's object in the ground-truth PNG (evaluators made from a source folder).
    BitMask ground_truth(const EvalExpression& ex, const std::string& frame) const {
        return mask_of_label(read_label_png(gt_annotations_ / ex.video / (frame + ".png")), uint8_t(std::stoi(ex.obj_id)));
    }

    R2Evaluator evaluator_;
    bool has_gt_, has_pairs_;
    fs::path gt_annotations_;
    std::map<std::pair<std::string, std::string>, size_t> index_;
    std::vector<std::unordered_map<std::string, size_t>> positive_frames_, negative_frames_;
    std::shared_mutex all_;
    std::array<std::mutex, 64> slots_;
};

std::unique_ptr<Evaluator> from_files(const std::optional<fs::path>& source, const std::optional<fs::path>& pairs,
                                      const std::optional<std::string>& split, double bound_th) {
    const fs::path pairs_file = pairs.value_or(fs::path());
    BenchSet set = load_bench_set(source.value_or(fs::path()), resolve_split(split, pairs_file), pairs_file);
    const bool has_gt = !set.gt_annotations.empty();
    return std::make_unique<Evaluator>(std::move(set.expressions), has_gt, set.has_pairs, bound_th, set.gt_annotations);
}

std::string text(const py::dict& d, const char* key, bool required) {
    if (!d.contains(key) || d[key].is_none()) {
        if (required) throw py::value_error(fmt::format("expressions: every expression needs '{}'", key));
        return "";
    }
    return py::str(d[key]);
}

std::unique_ptr<Evaluator> from_expressions(const std::vector<py::dict>& list, bool has_gt, double bound_th) {
    std::vector<EvalExpression> expressions;
    size_t with_negatives = 0;
    for (const py::dict& d : list) {
        EvalExpression e;
        e.video = text(d, "video", true), e.exp_id = text(d, "exp_id", true), e.text = text(d, "text", false);
        e.obj_id = text(d, "obj_id", false);
        e.frames = d.contains("frames") ? d["frames"].cast<std::vector<std::string>>() : std::vector<std::string>{};
        if (e.frames.empty()) throw py::value_error(fmt::format("expressions: {}/{} has no 'frames'", e.video, e.exp_id));
        e.negative_video = text(d, "negative_video", false);
        if (!e.negative_video.empty()) {
            ++with_negatives;
            e.negative_frames = d.contains("negative_frames") ? d["negative_frames"].cast<std::vector<std::string>>() : std::vector<std::string>{};
            if (e.negative_frames.empty())
                throw py::value_error(fmt::format("expressions: {}/{} has a negative_video but no 'negative_frames'", e.video, e.exp_id));
        }
        expressions.push_back(std::move(e));
    }
    if (with_negatives != 0 && with_negatives != expressions.size())
        throw py::value_error("expressions: either every expression has a negative_video (R is scored) or none has");
    return std::make_unique<Evaluator>(std::move(expressions), has_gt, with_negatives != 0, bound_th, fs::path());
}

const char* kClassDoc = R"(The evaluator of `r2bench eval`, fed with masks in memory.

    ev = r2bench.Evaluator(source="data/ref-youtube-vos", pairs="data/r2/r2_pairs.json")
    for i, e in enumerate(ev.expressions):
        ev.process(i, "positive", None, gt=None, pred=masks_on_video)      # T×H×W, gt read from source
        ev.process(i, "negative", None, gt=None, pred=masks_on_negative)
    scores = ev.evaluate()   # {"J", "F", "J&F", "R", "J&F&R", "per_expression", "per_video", ...}

process() may be called from several threads at once (the GIL is released while it scores).)";

}  // namespace

void bind_evaluator(py::module_& m) {
    py::enum_<Side>(m, "Side", "Which video of an expression a frame is on: its own (positive) or its paired negative video.")
        .value("positive", Side::positive)
        .value("negative", Side::negative);

    py::class_<Evaluator>(m, "Evaluator", kClassDoc)
        .def(py::init(&from_files), py::arg("source") = py::none(), py::arg("pairs") = py::none(), py::arg("split") = py::none(),
             py::arg("bound_th") = 0.008,
             "The benchmark's expressions from a ground-truth folder (Ref-YouTube-VOS root or split folder; J and F) "
             "and/or an r2_pairs.json (R), as `r2bench eval --source --pairs` reads them. split: default the one the "
             "pairs were built on, else valid.")
        .def_static("from_expressions", &from_expressions, py::arg("expressions"), py::arg("has_gt") = true,
                    py::arg("bound_th") = 0.008,
                    "Expressions given as dicts {video, exp_id, frames, [text, obj_id, negative_video, negative_frames]}; "
                    "with negative_video on every one, negative frames are scored (R). has_gt: positive frames come with "
                    "their ground truth (J and F).")
        .def_property_readonly("expressions", &Evaluator::expressions, "The expressions, in order (process() takes their index)")
        .def("__len__", &Evaluator::size)
        .def("reset", &Evaluator::reset, "Forgets every processed frame.")
        .def("process", &Evaluator::process, py::arg("expression"), py::arg("side"), py::arg("frame"), py::arg("gt"),
             py::arg("pred"),
             "Scores one frame, or every frame of one side of an expression.\n\n"
             "expression: index or (video, exp_id). side: r2bench.Side or \"positive\"/\"negative\". frame: index or "
             "frame name with H×W masks, None with T×H×W masks of all the side's frames. gt: the expression's object "
             "(bool/uint8, non-zero = object) on positive frames; None to read it from the source folder, and on "
             "negative frames. pred: the predicted mask (non-zero = foreground); None for a missing prediction, scored "
             "as empty and counted (a missing negative frame withholds R). Sending a frame again replaces it.")
        .def("evaluate", &Evaluator::evaluate,
             "The scores, reduced in input order: a dict with J, F, J&F, R, J&F&R (None where not computed), "
             "J/F recall and decay, counts, notes, and the per_expression and per_video tables (lists of dicts). "
             "Raises r2bench.Error naming the first frame that was not processed.");
}

}  // namespace r2::python
