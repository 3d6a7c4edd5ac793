#include "reports/per_frame_h5.h"

#include <cmath>
#include <limits>
#include <unistd.h>

#include <fmt/format.h>
#include <hdf5.h>

#include "core/error.h"

namespace r2 {
namespace fs = std::filesystem;

PerFrameTable per_frame_table(const EvalResult& result) {
    PerFrameTable t;
    t.has_gt = result.summary.has_gt;
    t.has_pairs = result.summary.has_pairs;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (size_t e = 0; e < result.expressions.size(); ++e) {
        const ExpressionResult& r = result.expressions[e];
        const EvalExpression& x = r.expression;
        t.expressions.push_back({x.video, x.exp_id, x.obj_id, x.negative_video, x.text});
        for (size_t f = 0; f < x.frames.size(); ++f)
            t.positive.push_back({int(e), x.frames[f], t.has_gt ? r.j[f] : nan, t.has_gt ? r.f[f] : nan,
                                  r.positive_pixels_per_frame[f]});
        for (size_t f = 0; f < r.negative_pixels_per_frame.size(); ++f)
            t.negative.push_back({int(e), x.negative_frames[f], r.negative_pixels_per_frame[f]});
    }
    return t;
}

namespace {

// Closes an HDF5 handle when it goes out of scope.
struct Handle {
    hid_t id;
    herr_t (*close)(hid_t);
    ~Handle() {
        if (id >= 0) close(id);
    }
};

void check(herr_t status, const fs::path& path, const char* what) {
    if (status < 0) throw FileError(path, fmt::format("HDF5: cannot {}", what));
}

template <class T>
void write_numbers(hid_t parent, const char* name, const std::vector<T>& values, hid_t type, const fs::path& path) {
    const hsize_t n = values.size();
    Handle space{H5Screate_simple(1, &n, nullptr), H5Sclose};
    Handle set{H5Dcreate2(parent, name, type, space.id, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose};
    if (set.id < 0) throw FileError(path, fmt::format("HDF5: cannot create dataset {}", name));
    if (n) check(H5Dwrite(set.id, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), path, name);
}

void write_strings(hid_t parent, const char* name, const std::vector<std::string>& values, const fs::path& path) {
    Handle type{H5Tcopy(H5T_C_S1), H5Tclose};
    H5Tset_size(type.id, H5T_VARIABLE);
    H5Tset_cset(type.id, H5T_CSET_UTF8);
    std::vector<const char*> pointers;
    for (const auto& v : values) pointers.push_back(v.c_str());
    const hsize_t n = values.size();
    Handle space{H5Screate_simple(1, &n, nullptr), H5Sclose};
    Handle set{H5Dcreate2(parent, name, type.id, space.id, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose};
    if (set.id < 0) throw FileError(path, fmt::format("HDF5: cannot create dataset {}", name));
    if (n) check(H5Dwrite(set.id, type.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()), path, name);
}

hsize_t length_of(hid_t set) {
    Handle space{H5Dget_space(set), H5Sclose};
    hsize_t n = 0;
    H5Sget_simple_extent_dims(space.id, &n, nullptr);
    return n;
}

template <class T>
std::vector<T> read_numbers(hid_t file, const char* name, hid_t type, const fs::path& path) {
    Handle set{H5Dopen2(file, name, H5P_DEFAULT), H5Dclose};
    if (set.id < 0) throw FileError(path, fmt::format("missing dataset {}", name));
    std::vector<T> values(length_of(set.id));
    if (!values.empty()) check(H5Dread(set.id, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), path, name);
    return values;
}

std::vector<std::string> read_strings(hid_t file, const char* name, const fs::path& path) {
    Handle set{H5Dopen2(file, name, H5P_DEFAULT), H5Dclose};
    if (set.id < 0) throw FileError(path, fmt::format("missing dataset {}", name));
    Handle type{H5Tcopy(H5T_C_S1), H5Tclose};
    H5Tset_size(type.id, H5T_VARIABLE);
    H5Tset_cset(type.id, H5T_CSET_UTF8);  // as written; HDF5 does not convert between ASCII and UTF-8
    std::vector<char*> raw(length_of(set.id), nullptr);
    if (!raw.empty()) check(H5Dread(set.id, type.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()), path, name);
    std::vector<std::string> out;
    for (char* s : raw) out.emplace_back(s ? s : "");
    if (!raw.empty()) {
        Handle space{H5Dget_space(set.id), H5Sclose};
        H5Dvlen_reclaim(type.id, space.id, H5P_DEFAULT, raw.data());
    }
    return out;
}

void write_flag(hid_t file, const char* name, int value) {
    Handle space{H5Screate(H5S_SCALAR), H5Sclose};
    Handle attr{H5Acreate2(file, name, H5T_NATIVE_INT, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
    H5Awrite(attr.id, H5T_NATIVE_INT, &value);
}

int read_flag(hid_t file, const char* name) {
    if (H5Aexists(file, name) <= 0) return 0;
    Handle attr{H5Aopen(file, name, H5P_DEFAULT), H5Aclose};
    int value = 0;
    H5Aread(attr.id, H5T_NATIVE_INT, &value);
    return value;
}

}  // namespace

void write_per_frame_h5(const fs::path& path, const PerFrameTable& t) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors are reported as FileError, not printed
    const fs::path tmp = path.parent_path() / fmt::format(".{}.tmp.{}", path.filename().string(), ::getpid());
    fs::create_directories(path.parent_path().empty() ? fs::path(".") : path.parent_path());
    try {
        {
            Handle file{H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose};
            if (file.id < 0) throw FileError(tmp, "HDF5: cannot create file");
            write_flag(file.id, "has_gt", t.has_gt);
            write_flag(file.id, "has_pairs", t.has_pairs);
            Handle e{H5Gcreate2(file.id, "expressions", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose};
            std::vector<std::string> video, exp_id, obj_id, negative_video, text;
            for (const auto& x : t.expressions)
                video.push_back(x.video), exp_id.push_back(x.exp_id), obj_id.push_back(x.obj_id),
                    negative_video.push_back(x.negative_video), text.push_back(x.text);
            write_strings(e.id, "video", video, path);
            write_strings(e.id, "exp_id", exp_id, path);
            write_strings(e.id, "obj_id", obj_id, path);
            write_strings(e.id, "negative_video", negative_video, path);
            write_strings(e.id, "text", text, path);

            Handle p{H5Gcreate2(file.id, "positive", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose};
            std::vector<int32_t> index;
            std::vector<std::string> frame;
            std::vector<double> j, f;
            std::vector<int64_t> pixels;
            for (const auto& r : t.positive)
                index.push_back(r.expression), frame.push_back(r.frame), j.push_back(r.j), f.push_back(r.f),
                    pixels.push_back(r.pixels);
            write_numbers(p.id, "expression", index, H5T_NATIVE_INT32, path);
            write_strings(p.id, "frame", frame, path);
            write_numbers(p.id, "J", j, H5T_NATIVE_DOUBLE, path);
            write_numbers(p.id, "F", f, H5T_NATIVE_DOUBLE, path);
            write_numbers(p.id, "pixels", pixels, H5T_NATIVE_INT64, path);

            Handle n{H5Gcreate2(file.id, "negative", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose};
            index.clear(), frame.clear(), pixels.clear();
            for (const auto& r : t.negative) index.push_back(r.expression), frame.push_back(r.frame), pixels.push_back(r.pixels);
            write_numbers(n.id, "expression", index, H5T_NATIVE_INT32, path);
            write_strings(n.id, "frame", frame, path);
            write_numbers(n.id, "pixels", pixels, H5T_NATIVE_INT64, path);
        }
        fs::rename(tmp, path);
    } catch (...) {
        std::error_code ec;
        fs::remove(tmp, ec);
        throw;
    }
}

PerFrameTable read_per_frame_h5(const fs::path& path) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    if (!fs::exists(path)) throw FileError(path, "not found");
    Handle file{H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
    if (file.id < 0) throw FileError(path, "not an HDF5 file");
    PerFrameTable t;
    t.has_gt = read_flag(file.id, "has_gt");
    t.has_pairs = read_flag(file.id, "has_pairs");
    const auto video = read_strings(file.id, "expressions/video", path);
    const auto exp_id = read_strings(file.id, "expressions/exp_id", path);
    const auto obj_id = read_strings(file.id, "expressions/obj_id", path);
    const auto negative_video = read_strings(file.id, "expressions/negative_video", path);
    const auto text = read_strings(file.id, "expressions/text", path);
    for (size_t i = 0; i < video.size(); ++i) t.expressions.push_back({video[i], exp_id[i], obj_id[i], negative_video[i], text[i]});
    const auto p_index = read_numbers<int32_t>(file.id, "positive/expression", H5T_NATIVE_INT32, path);
    const auto p_frame = read_strings(file.id, "positive/frame", path);
    const auto j = read_numbers<double>(file.id, "positive/J", H5T_NATIVE_DOUBLE, path);
    const auto f = read_numbers<double>(file.id, "positive/F", H5T_NATIVE_DOUBLE, path);
    const auto p_pixels = read_numbers<int64_t>(file.id, "positive/pixels", H5T_NATIVE_INT64, path);
    for (size_t i = 0; i < p_index.size(); ++i) t.positive.push_back({p_index[i], p_frame[i], j[i], f[i], p_pixels[i]});
    const auto n_index = read_numbers<int32_t>(file.id, "negative/expression", H5T_NATIVE_INT32, path);
    const auto n_frame = read_strings(file.id, "negative/frame", path);
    const auto n_pixels = read_numbers<int64_t>(file.id, "negative/pixels", H5T_NATIVE_INT64, path);
    for (size_t i = 0; i < n_index.size(); ++i) t.negative.push_back({n_index[i], n_frame[i], n_pixels[i]});
    return t;
}

}  // namespace r2
