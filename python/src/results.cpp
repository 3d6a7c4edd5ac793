#include "results.h"

#include <optional>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

namespace py = pybind11;

namespace r2::python {

namespace {

py::object number(const std::optional<double>& v) { return v ? py::object(py::float_(*v)) : py::object(py::none()); }

template <typename T>
py::array_t<T> numpy_of(const std::vector<T>& values) {
    py::array_t<T> a(py::ssize_t(values.size()));
    std::copy(values.begin(), values.end(), a.mutable_data());
    return a;
}

py::dict expression_row(const ExpressionResult& r, bool gt, bool pairs) {
    const EvalExpression& e = r.expression;
    auto metric = [&](double v) { return gt ? py::object(py::float_(v)) : py::object(py::none()); };
    py::dict row;
    row["video"] = e.video, row["exp_id"] = e.exp_id, row["obj_id"] = e.obj_id;
    row["negative_video"] = pairs ? py::object(py::str(e.negative_video)) : py::object(py::none());
    row["frames"] = e.frames.size();
    row["J"] = metric(r.j_stats.mean), row["J_recall"] = metric(r.j_stats.recall), row["J_decay"] = metric(r.j_stats.decay);
    row["F"] = metric(r.f_stats.mean), row["F_recall"] = metric(r.f_stats.recall), row["F_decay"] = metric(r.f_stats.decay);
    row["J&F"] = metric((r.j_stats.mean + r.f_stats.mean) / 2);
    row["positive_pixels"] = r.positive_pixels;
    row["negative_pixels"] = pairs ? py::object(py::int_(r.negative_pixels)) : py::object(py::none());
    row["R"] = number(r.r);
    row["missing_frames"] = r.missing_frames;
    row["expression"] = e.text;
    row["J_per_frame"] = numpy_of(r.j), row["F_per_frame"] = numpy_of(r.f);
    row["positive_pixels_per_frame"] = numpy_of(r.positive_pixels_per_frame);
    row["negative_pixels_per_frame"] = numpy_of(r.negative_pixels_per_frame);
    return row;
}

py::dict video_row(const VideoResult& v, bool gt, bool pairs) {
    auto metric = [&](double x) { return gt ? py::object(py::float_(x)) : py::object(py::none()); };
    py::dict row;
    row["video"] = v.video, row["expressions"] = v.expressions;
    row["J"] = metric(v.j), row["F"] = metric(v.f), row["J&F"] = metric(v.jf);
    row["positive_pixels"] = v.positive_pixels;
    row["negative_pixels"] = pairs ? py::object(py::int_(v.negative_pixels)) : py::object(py::none());
    row["R"] = number(v.r);
    return row;
}

}  // namespace

py::dict result_dict(const EvalResult& result) {
    const EvalSummary& s = result.summary;
    auto metric = [&](double v) { return s.has_gt ? py::object(py::float_(v)) : py::object(py::none()); };
    py::dict d;
    d["J"] = metric(s.j.mean), d["F"] = metric(s.f.mean), d["J&F"] = metric(s.jf);
    d["R"] = number(s.r), d["J&F&R"] = number(s.jfr);
    d["J_recall"] = metric(s.j.recall), d["J_decay"] = metric(s.j.decay);
    d["F_recall"] = metric(s.f.recall), d["F_decay"] = metric(s.f.decay);
    py::dict counts;
    counts["videos"] = s.videos, counts["expressions"] = s.expressions;
    counts["positive_frames"] = s.positive_frames, counts["negative_frames"] = s.negative_frames;
    counts["missing_positive_frames"] = s.missing_positive_frames, counts["missing_negative_frames"] = s.missing_negative_frames;
    d["counts"] = counts;
    d["complete"] = s.complete();
    py::dict pixels;
    pixels["positive"] = s.positive_pixels;
    pixels["negative"] = s.has_pairs ? py::object(py::int_(s.negative_pixels)) : py::object(py::none());
    d["pixels"] = pixels;
    d["notes"] = py::cast(result.notes);
    py::list expressions, videos;
    for (const auto& r : result.expressions) expressions.append(expression_row(r, s.has_gt, s.has_pairs));
    for (const auto& v : result.videos) videos.append(video_row(v, s.has_gt, s.has_pairs));
    d["per_expression"] = expressions;
    d["per_video"] = videos;
    return d;
}

py::dict per_frame_dict(const PerFrameTable& t) {
    py::dict d;
    d["has_gt"] = t.has_gt, d["has_pairs"] = t.has_pairs;
    py::dict expressions;
    auto column = [&](const char* key, std::string PerFrameTable::Expression::*field) {
        py::list values;
        for (const auto& e : t.expressions) values.append(e.*field);
        expressions[key] = values;
    };
    column("video", &PerFrameTable::Expression::video);
    column("exp_id", &PerFrameTable::Expression::exp_id);
    column("obj_id", &PerFrameTable::Expression::obj_id);
    column("negative_video", &PerFrameTable::Expression::negative_video);
    column("text", &PerFrameTable::Expression::text);
    d["expressions"] = expressions;

    std::vector<int32_t> expression;
    std::vector<double> j, f;
    std::vector<int64_t> pixels;
    py::list frames;
    for (const auto& p : t.positive) {
        expression.push_back(p.expression), j.push_back(p.j), f.push_back(p.f), pixels.push_back(p.pixels);
        frames.append(p.frame);
    }
    py::dict positive;
    positive["expression"] = numpy_of(expression), positive["frame"] = frames;
    positive["J"] = numpy_of(j), positive["F"] = numpy_of(f), positive["pixels"] = numpy_of(pixels);
    d["positive"] = positive;

    expression.clear(), pixels.clear();
    py::list negative_frames;
    for (const auto& n : t.negative) {
        expression.push_back(n.expression), pixels.push_back(n.pixels);
        negative_frames.append(n.frame);
    }
    py::dict negative;
    negative["expression"] = numpy_of(expression), negative["frame"] = negative_frames, negative["pixels"] = numpy_of(pixels);
    d["negative"] = negative;
    return d;
}

py::object json_to_python(const nlohmann::ordered_json& v) {
    switch (v.type()) {
        case nlohmann::ordered_json::value_t::null: return py::none();
        case nlohmann::ordered_json::value_t::boolean: return py::bool_(v.get<bool>());
        case nlohmann::ordered_json::value_t::number_integer: return py::int_(v.get<int64_t>());
        case nlohmann::ordered_json::value_t::number_unsigned: return py::int_(v.get<uint64_t>());
        case nlohmann::ordered_json::value_t::number_float: return py::float_(v.get<double>());
        case nlohmann::ordered_json::value_t::string: return py::str(v.get_ref<const std::string&>());
        case nlohmann::ordered_json::value_t::array: {
            py::list out;
            for (const auto& item : v) out.append(json_to_python(item));
            return std::move(out);
        }
        case nlohmann::ordered_json::value_t::object: {
            py::dict out;
            for (const auto& [key, item] : v.items()) out[py::str(key)] = json_to_python(item);
            return std::move(out);
        }
        default: return py::none();  // binary and discarded values do not occur in r2bench's JSON
    }
}

}  // namespace r2::python
