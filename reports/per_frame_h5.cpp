#include "reports/per_frame_h5.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <set>
#include <unistd.h>

#include <fmt/format.h>
#include <hdf5.h>

#include "core/error.h"
#include "core/ref_davis.h"

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

constexpr int kFormatVersion = 1;

// Closes an HDF5 handle when it goes out of scope; movable, so helpers can return one.
struct Handle {
    hid_t id;
    herr_t (*close)(hid_t);
    Handle(hid_t i, herr_t (*c)(hid_t)) : id(i), close(c) {}
    Handle(Handle&& other) noexcept : id(other.id), close(other.close) { other.id = -1; }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    Handle& operator=(Handle&&) = delete;
    ~Handle() {
        if (id >= 0) close(id);
    }
};

// The most specific message on HDF5's error stack ("truncated file: eof = …"): it says what is
// wrong with the file, where the failed API call alone would not. Clears the stack.
std::string hdf5_detail() {
    std::string detail;
    H5Ewalk2(
        H5E_DEFAULT, H5E_WALK_UPWARD,
        [](unsigned n, const H5E_error2_t* e, void* out) -> herr_t {
            if (n == 0 && e->desc) *static_cast<std::string*>(out) = e->desc;
            return 0;
        },
        &detail);
    H5Eclear2(H5E_DEFAULT);
    return detail;
}

std::string with_detail(const std::string& problem) {
    const std::string detail = hdf5_detail();
    return detail.empty() ? problem : fmt::format("{} ({})", problem, detail);
}

void check(herr_t status, const fs::path& path, const std::string& what) {
    if (status < 0) throw FileError(path, with_detail(fmt::format("HDF5: cannot {}", what)));
}

hid_t checked(hid_t id, const fs::path& path, const std::string& what) {
    if (id < 0) throw FileError(path, with_detail(fmt::format("HDF5: cannot {}", what)));
    return id;
}

// ---- writing ---------------------------------------------------------------------------------
//
// The bytes depend only on the table: no object timestamps (HDF5 stores creation and modification
// times by default), and object formats pinned to those of HDF5 1.8 so that a newer library
// writes the same file (and any h5py since 2008 reads it).

Handle object_create_plist(hid_t cls, const fs::path& path) {
    Handle plist{checked(H5Pcreate(cls), path, "create a property list"), H5Pclose};
    check(H5Pset_obj_track_times(plist.id, false), path, "turn off object timestamps");
    return plist;
}

Handle utf8_string_type(const fs::path& path) {
    Handle type{checked(H5Tcopy(H5T_C_S1), path, "copy the string type"), H5Tclose};
    check(H5Tset_size(type.id, H5T_VARIABLE), path, "make a variable-length string type");
    check(H5Tset_cset(type.id, H5T_CSET_UTF8), path, "make a UTF-8 string type");
    return type;
}

void write_string_attribute(hid_t object, const char* name, const std::string& value, const fs::path& path) {
    Handle type = utf8_string_type(path);
    Handle space{checked(H5Screate(H5S_SCALAR), path, "create a scalar space"), H5Sclose};
    Handle attr{checked(H5Acreate2(object, name, type.id, space.id, H5P_DEFAULT, H5P_DEFAULT), path,
                        fmt::format("create attribute {}", name)),
                H5Aclose};
    const char* pointer = value.c_str();
    check(H5Awrite(attr.id, type.id, &pointer), path, fmt::format("write attribute {}", name));
}

template <class T>
void write_number_attribute(hid_t object, const char* name, const std::vector<T>& values, hid_t type, const fs::path& path) {
    const hsize_t n = values.size();
    Handle space{checked(n == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr), path, "create an attribute space"),
                 H5Sclose};
    Handle attr{checked(H5Acreate2(object, name, type, space.id, H5P_DEFAULT, H5P_DEFAULT), path,
                        fmt::format("create attribute {}", name)),
                H5Aclose};
    check(H5Awrite(attr.id, type, values.data()), path, fmt::format("write attribute {}", name));
}

// What a dataset holds, written as its attributes: `description` always, `unit` for numbers, and
// `valid_range` (float64 [min, max]) or `valid_min` (int64) where the values are bounded.
struct Meaning {
    const char* description;
    const char* unit = nullptr;
    bool fraction = false;      // valid_range [0, 1]
    bool non_negative = false;  // valid_min 0
};

void describe(hid_t set, const Meaning& m, const fs::path& path) {
    write_string_attribute(set, "description", m.description, path);
    if (m.unit) write_string_attribute(set, "unit", m.unit, path);
    if (m.fraction) write_number_attribute(set, "valid_range", std::vector<double>{0.0, 1.0}, H5T_NATIVE_DOUBLE, path);
    if (m.non_negative) write_number_attribute(set, "valid_min", std::vector<int64_t>{0}, H5T_NATIVE_INT64, path);
}

Handle create_dataset(hid_t parent, const char* name, hid_t type, hsize_t n, const fs::path& path) {
    Handle space{checked(H5Screate_simple(1, &n, nullptr), path, "create a dataspace"), H5Sclose};
    Handle dcpl = object_create_plist(H5P_DATASET_CREATE, path);
    return Handle{checked(H5Dcreate2(parent, name, type, space.id, H5P_DEFAULT, dcpl.id, H5P_DEFAULT), path,
                          fmt::format("create dataset {}", name)),
                  H5Dclose};
}

template <class T>
void write_numbers(hid_t parent, const char* name, const std::vector<T>& values, hid_t type, const Meaning& m,
                   const fs::path& path) {
    Handle set = create_dataset(parent, name, type, values.size(), path);
    if (!values.empty()) check(H5Dwrite(set.id, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), path, fmt::format("write {}", name));
    describe(set.id, m, path);
}

void write_strings(hid_t parent, const char* name, const std::vector<std::string>& values, const Meaning& m, const fs::path& path) {
    Handle type = utf8_string_type(path);
    std::vector<const char*> pointers;
    for (const auto& v : values) pointers.push_back(v.c_str());
    Handle set = create_dataset(parent, name, type.id, values.size(), path);
    if (!values.empty()) check(H5Dwrite(set.id, type.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()), path, fmt::format("write {}", name));
    describe(set.id, m, path);
}

Handle create_group(hid_t file, const char* name, const char* description, const fs::path& path) {
    Handle gcpl = object_create_plist(H5P_GROUP_CREATE, path);
    Handle group{checked(H5Gcreate2(file, name, H5P_DEFAULT, gcpl.id, H5P_DEFAULT), path, fmt::format("create group {}", name)),
                 H5Gclose};
    write_string_attribute(group.id, "description", description, path);
    return group;
}

// ---- reading ---------------------------------------------------------------------------------
//
// A file from elsewhere may be truncated, hand-edited or written by another tool: every dataset's
// presence, type and shape is checked before it is read, and the datasets of a group against each
// other before rows are put together, so a bad file is a FileError saying what is wrong.

const char* class_name(H5T_class_t c) {
    switch (c) {
        case H5T_INTEGER: return "integer";
        case H5T_FLOAT: return "floating-point";
        case H5T_STRING: return "string";
        case H5T_COMPOUND: return "compound";
        case H5T_ENUM: return "enum";
        case H5T_ARRAY: return "array";
        case H5T_VLEN: return "variable-length";
        default: return "unsupported";
    }
}

// Opens /name as a one-dimensional dataset of `expected` class; returns it and its length.
Handle open_column(hid_t file, const std::string& name, H5T_class_t expected, hsize_t* length, const fs::path& path) {
    const std::string group = name.substr(0, name.find('/'));
    if (H5Lexists(file, group.c_str(), H5P_DEFAULT) <= 0 || H5Lexists(file, name.c_str(), H5P_DEFAULT) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        throw FileError(path, fmt::format("missing dataset /{}", name));
    }
    Handle set{H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose};
    if (set.id < 0) throw FileError(path, with_detail(fmt::format("/{} is not a readable dataset", name)));
    Handle type{checked(H5Dget_type(set.id), path, fmt::format("read the type of /{}", name)), H5Tclose};
    const H5T_class_t found = H5Tget_class(type.id);
    if (found != expected)
        throw FileError(path, fmt::format("/{} holds {} values, expected {}", name, class_name(found), class_name(expected)));
    if (expected == H5T_STRING && H5Tis_variable_str(type.id) <= 0)
        throw FileError(path, fmt::format("/{} holds fixed-length strings, expected variable-length UTF-8 strings", name));
    Handle space{checked(H5Dget_space(set.id), path, fmt::format("read the shape of /{}", name)), H5Sclose};
    const int rank = H5Sget_simple_extent_ndims(space.id);
    if (rank < 0) throw FileError(path, with_detail(fmt::format("cannot read the shape of /{}", name)));
    std::vector<hsize_t> dims(static_cast<size_t>(rank));
    if (rank > 0) H5Sget_simple_extent_dims(space.id, dims.data(), nullptr);
    if (rank != 1) {
        std::string shape;
        for (hsize_t d : dims) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
        throw FileError(path, fmt::format("/{} has shape ({}), expected one dimension", name, shape));
    }
    // The row count comes from the file and sizes the buffer read into: a file of a few hundred
    // bytes can claim 2^60 rows. Every row takes at least one byte of the file (r2bench writes
    // no compressed or unallocated datasets), so more rows than bytes is a damaged file.
    hsize_t file_bytes = 0;
    check(H5Fget_filesize(file, &file_bytes), path, "read the file size");
    if (dims[0] > file_bytes)
        throw FileError(path, fmt::format("/{} claims {} rows, more than the file's {} bytes could hold", name, dims[0], file_bytes));
    *length = dims[0];
    return set;
}

template <class T>
std::vector<T> read_numbers(hid_t file, const std::string& name, H5T_class_t cls, hid_t memory_type, const fs::path& path) {
    hsize_t n = 0;
    Handle set = open_column(file, name, cls, &n, path);
    std::vector<T> values(n);
    if (n) check(H5Dread(set.id, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), path, fmt::format("read /{}", name));
    return values;
}

// HDF5 sizes its conversion buffer from each string's length as the file states it, before it
// reads the string: a 15 KB file that claims strings of 4 GB made it allocate and fill 4 GB. The
// lengths are read here first and checked against the file's size. On disk each element is its
// length (4 bytes, little-endian), then the address of the string in the global heap and an
// index; r2bench stores the elements as one contiguous block.
void check_string_lengths(hid_t set, hid_t file, hsize_t n, const std::string& name, const fs::path& path) {
    const haddr_t offset = H5Dget_offset(set);
    if (offset == HADDR_UNDEF) {
        H5Eclear2(H5E_DEFAULT);
        throw FileError(path, fmt::format("/{} is not stored as one contiguous block, as r2bench writes it", name));
    }
    Handle fcpl{checked(H5Fget_create_plist(file), path, "read the file's creation properties"), H5Pclose};
    size_t address_bytes = 0, length_bytes = 0;
    check(H5Pget_sizes(fcpl.id, &address_bytes, &length_bytes), path, "read the file's address size");
    hsize_t file_bytes = 0;
    check(H5Fget_filesize(file, &file_bytes), path, "read the file size");
    const hsize_t element = 4 + hsize_t(address_bytes) + 4;  // n <= file_bytes (open_column): no overflow
    if (offset > file_bytes || n * element > file_bytes - offset)
        throw FileError(path, fmt::format("/{} runs past the end of the file", name));
    std::string raw(size_t(n * element), '\0');
    std::ifstream in(path, std::ios::binary);
    in.seekg(std::streamoff(offset));
    if (!in.read(raw.data(), std::streamsize(raw.size()))) throw FileError(path, fmt::format("cannot read /{}", name));
    for (hsize_t i = 0; i < n; ++i) {
        const auto* p = reinterpret_cast<const uint8_t*>(raw.data() + i * element);
        const uint32_t length = uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
        if (length > file_bytes)
            throw FileError(path, fmt::format("/{} row {} claims a string of {} bytes, in a file of {}", name, i, length, file_bytes));
    }
}

// The memory of the variable-length strings HDF5 reads: every block it allocates, until freed.
struct VlenStrings {
    std::set<void*> blocks;
    VlenStrings() = default;
    VlenStrings(const VlenStrings&) = delete;
    VlenStrings& operator=(const VlenStrings&) = delete;
    ~VlenStrings() {
        for (void* p : blocks) std::free(p);
    }
    static void* allocate(size_t size, void* self) {
        void* p = std::malloc(size ? size : 1);
        if (p) static_cast<VlenStrings*>(self)->blocks.insert(p);
        return p;
    }
    static void release(void* p, void* self) {
        static_cast<VlenStrings*>(self)->blocks.erase(p);
        std::free(p);
    }
};

std::vector<std::string> read_strings(hid_t file, const std::string& name, const fs::path& path) {
    hsize_t n = 0;
    Handle set = open_column(file, name, H5T_STRING, &n, path);
    Handle file_type{checked(H5Dget_type(set.id), path, fmt::format("read the type of /{}", name)), H5Tclose};
    Handle type{checked(H5Tcopy(H5T_C_S1), path, "copy the string type"), H5Tclose};
    check(H5Tset_size(type.id, H5T_VARIABLE), path, "make a variable-length string type");
    // The file's character set: HDF5 refuses to convert between ASCII and UTF-8 strings.
    check(H5Tset_cset(type.id, H5Tget_cset(file_type.id)), path, "set the string character set");
    // HDF5 allocates the strings through `strings`, which frees whatever is left when it goes out
    // of scope: a read that fails half-way leaks the strings it had converted otherwise, some of
    // them in HDF5's own buffers where H5Dvlen_reclaim cannot reach them.
    VlenStrings strings;
    Handle transfer{checked(H5Pcreate(H5P_DATASET_XFER), path, "create a transfer property list"), H5Pclose};
    check(H5Pset_vlen_mem_manager(transfer.id, VlenStrings::allocate, &strings, VlenStrings::release, &strings), path,
          "set the string allocator");
    if (n) check_string_lengths(set.id, file, n, name, path);
    std::vector<char*> raw(n, nullptr);
    if (n) check(H5Dread(set.id, type.id, H5S_ALL, H5S_ALL, transfer.id, raw.data()), path, fmt::format("read /{}", name));
    std::vector<std::string> out;
    for (char* s : raw) out.emplace_back(s ? s : "");
    for (size_t i = 0; i < out.size(); ++i)
        if (!is_valid_utf8(out[i])) throw FileError(path, fmt::format("/{} row {} is not valid UTF-8", name, i));
    return out;
}

void write_flag(hid_t file, const char* name, int value, const fs::path& path) {
    write_number_attribute(file, name, std::vector<int>{value}, H5T_NATIVE_INT, path);
}

// An optional scalar integer attribute of the root group (0 when absent).
int read_flag(hid_t file, const char* name, const fs::path& path) {
    if (H5Aexists(file, name) <= 0) return 0;
    Handle attr{checked(H5Aopen(file, name, H5P_DEFAULT), path, fmt::format("open attribute {}", name)), H5Aclose};
    Handle space{checked(H5Aget_space(attr.id), path, fmt::format("read the shape of attribute {}", name)), H5Sclose};
    Handle type{checked(H5Aget_type(attr.id), path, fmt::format("read the type of attribute {}", name)), H5Tclose};
    if (H5Sget_simple_extent_npoints(space.id) != 1 || H5Tget_class(type.id) != H5T_INTEGER)
        throw FileError(path, fmt::format("attribute {} of / must be one integer", name));
    int value = 0;
    check(H5Aread(attr.id, H5T_NATIVE_INT, &value), path, fmt::format("read attribute {}", name));
    return value;
}

// Every dataset of a group has one row per item: `lengths` are (name, rows).
void check_same_length(const std::vector<std::pair<const char*, size_t>>& lengths, const fs::path& path) {
    for (const auto& [name, rows] : lengths)
        if (rows != lengths.front().second)
            throw FileError(path, fmt::format("/{} has {} rows but /{} has {}: the file is truncated or inconsistent", name, rows,
                                              lengths.front().first, lengths.front().second));
}

void check_indexes(const std::vector<int32_t>& index, const char* name, size_t expressions, const fs::path& path) {
    for (size_t i = 0; i < index.size(); ++i)
        if (index[i] < 0 || size_t(index[i]) >= expressions)
            throw FileError(path, fmt::format("/{} row {} is {}, not a row of /expressions (it has {})", name, i, index[i], expressions));
}

void check_fractions(const std::vector<double>& values, const char* name, const fs::path& path) {
    for (size_t i = 0; i < values.size(); ++i)
        if (!std::isnan(values[i]) && !(values[i] >= 0 && values[i] <= 1))
            throw FileError(path, fmt::format("/{} row {} is {}, outside [0, 1]", name, i, values[i]));
}

void check_pixels(const std::vector<int64_t>& values, const char* name, const fs::path& path) {
    for (size_t i = 0; i < values.size(); ++i)
        if (values[i] < 0) throw FileError(path, fmt::format("/{} row {} is {}, a negative pixel count", name, i, values[i]));
}

}  // namespace

void write_per_frame_h5(const fs::path& path, const PerFrameTable& t) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors are reported as FileError, not printed
    const fs::path tmp = path.parent_path() / fmt::format(".{}.tmp.{}", path.filename().string(), ::getpid());
    fs::create_directories(path.parent_path().empty() ? fs::path(".") : path.parent_path());
    try {
        {
            Handle fcpl = object_create_plist(H5P_FILE_CREATE, tmp);  // the root group's timestamps
            Handle fapl{checked(H5Pcreate(H5P_FILE_ACCESS), tmp, "create a property list"), H5Pclose};
            check(H5Pset_libver_bounds(fapl.id, H5F_LIBVER_EARLIEST, H5F_LIBVER_V18), tmp, "pin the file format");
            Handle file{checked(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, fcpl.id, fapl.id), tmp, "create the file"), H5Fclose};
            write_string_attribute(file.id, "format", "r2bench per_frame", tmp);
            write_flag(file.id, "format_version", kFormatVersion, tmp);
            write_string_attribute(file.id, "description",
                                   "Per-frame scores of one r2bench eval: /expressions lists the expressions (the rows of "
                                   "per_expression.csv), /positive holds one row per frame of an expression's own video, "
                                   "/negative one row per frame of its negative video.",
                                   tmp);
            write_flag(file.id, "has_gt", t.has_gt, tmp);
            write_flag(file.id, "has_pairs", t.has_pairs, tmp);

            Handle e = create_group(file.id, "expressions", "one row per expression, in the order of per_expression.csv", tmp);
            std::vector<std::string> video, exp_id, obj_id, negative_video, text;
            for (const auto& x : t.expressions)
                video.push_back(x.video), exp_id.push_back(x.exp_id), obj_id.push_back(x.obj_id),
                    negative_video.push_back(x.negative_video), text.push_back(x.text);
            write_strings(e.id, "video", video, {"video of the expression"}, tmp);
            write_strings(e.id, "exp_id", exp_id, {"expression id within its video"}, tmp);
            write_strings(e.id, "obj_id", obj_id, {"object id(s) the expression refers to"}, tmp);
            write_strings(e.id, "negative_video", negative_video, {"video paired with the expression as its negative (empty without pairs)"}, tmp);
            write_strings(e.id, "text", text, {"the referring expression"}, tmp);

            Handle p = create_group(file.id, "positive", "one row per frame of each expression's own video", tmp);
            std::vector<int32_t> index;
            std::vector<std::string> frame;
            std::vector<double> j, f;
            std::vector<int64_t> pixels;
            for (const auto& r : t.positive)
                index.push_back(r.expression), frame.push_back(r.frame), j.push_back(r.j), f.push_back(r.f),
                    pixels.push_back(r.pixels);
            const Meaning expression{"row of /expressions this frame belongs to", "index", false, true};
            write_numbers(p.id, "expression", index, H5T_NATIVE_INT32, expression, tmp);
            write_strings(p.id, "frame", frame, {"frame name (file name without extension)"}, tmp);
            write_numbers(p.id, "J", j, H5T_NATIVE_DOUBLE,
                          {"region similarity J: IoU of the predicted and ground-truth masks (1 when both are empty); NaN without ground truth",
                           "fraction", true},
                          tmp);
            write_numbers(p.id, "F", f, H5T_NATIVE_DOUBLE,
                          {"DAVIS boundary F-measure of the predicted and ground-truth masks; NaN without ground truth", "fraction", true},
                          tmp);
            write_numbers(p.id, "pixels", pixels, H5T_NATIVE_INT64, {"foreground pixels predicted in the frame", "pixels", false, true}, tmp);

            Handle n = create_group(file.id, "negative", "one row per frame of each expression's negative video (empty without pairs)", tmp);
            index.clear(), frame.clear(), pixels.clear();
            for (const auto& r : t.negative) index.push_back(r.expression), frame.push_back(r.frame), pixels.push_back(r.pixels);
            write_numbers(n.id, "expression", index, H5T_NATIVE_INT32, expression, tmp);
            write_strings(n.id, "frame", frame, {"frame name of the negative video (file name without extension)"}, tmp);
            write_numbers(n.id, "pixels", pixels, H5T_NATIVE_INT64,
                          {"foreground pixels predicted in the negative frame (ideal 0)", "pixels", false, true}, tmp);
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
    if (H5Fis_hdf5(path.c_str()) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        throw FileError(path, "not an HDF5 file");
    }
    Handle file{H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
    if (file.id < 0) throw FileError(path, with_detail("cannot open: the HDF5 file is truncated or damaged"));
    PerFrameTable t;
    const int version = read_flag(file.id, "format_version", path);
    if (version > kFormatVersion)
        throw FileError(path, fmt::format("format_version {} is newer than this r2bench reads ({})", version, kFormatVersion));
    t.has_gt = read_flag(file.id, "has_gt", path);
    t.has_pairs = read_flag(file.id, "has_pairs", path);

    const auto video = read_strings(file.id, "expressions/video", path);
    const auto exp_id = read_strings(file.id, "expressions/exp_id", path);
    const auto obj_id = read_strings(file.id, "expressions/obj_id", path);
    const auto negative_video = read_strings(file.id, "expressions/negative_video", path);
    const auto text = read_strings(file.id, "expressions/text", path);
    check_same_length({{"expressions/video", video.size()}, {"expressions/exp_id", exp_id.size()}, {"expressions/obj_id", obj_id.size()},
                       {"expressions/negative_video", negative_video.size()}, {"expressions/text", text.size()}},
                      path);
    for (size_t i = 0; i < video.size(); ++i) t.expressions.push_back({video[i], exp_id[i], obj_id[i], negative_video[i], text[i]});

    const auto p_index = read_numbers<int32_t>(file.id, "positive/expression", H5T_INTEGER, H5T_NATIVE_INT32, path);
    const auto p_frame = read_strings(file.id, "positive/frame", path);
    const auto j = read_numbers<double>(file.id, "positive/J", H5T_FLOAT, H5T_NATIVE_DOUBLE, path);
    const auto f = read_numbers<double>(file.id, "positive/F", H5T_FLOAT, H5T_NATIVE_DOUBLE, path);
    const auto p_pixels = read_numbers<int64_t>(file.id, "positive/pixels", H5T_INTEGER, H5T_NATIVE_INT64, path);
    check_same_length({{"positive/expression", p_index.size()}, {"positive/frame", p_frame.size()}, {"positive/J", j.size()},
                       {"positive/F", f.size()}, {"positive/pixels", p_pixels.size()}},
                      path);
    check_indexes(p_index, "positive/expression", video.size(), path);
    check_fractions(j, "positive/J", path);
    check_fractions(f, "positive/F", path);
    check_pixels(p_pixels, "positive/pixels", path);
    for (size_t i = 0; i < p_index.size(); ++i) t.positive.push_back({p_index[i], p_frame[i], j[i], f[i], p_pixels[i]});

    const auto n_index = read_numbers<int32_t>(file.id, "negative/expression", H5T_INTEGER, H5T_NATIVE_INT32, path);
    const auto n_frame = read_strings(file.id, "negative/frame", path);
    const auto n_pixels = read_numbers<int64_t>(file.id, "negative/pixels", H5T_INTEGER, H5T_NATIVE_INT64, path);
    check_same_length({{"negative/expression", n_index.size()}, {"negative/frame", n_frame.size()}, {"negative/pixels", n_pixels.size()}},
                      path);
    check_indexes(n_index, "negative/expression", video.size(), path);
    check_pixels(n_pixels, "negative/pixels", path);
    for (size_t i = 0; i < n_index.size(); ++i) t.negative.push_back({n_index[i], n_frame[i], n_pixels[i]});
    return t;
}

}  // namespace r2
