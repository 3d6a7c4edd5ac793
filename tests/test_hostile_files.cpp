// Hostile and broken files (issue 20): each is built here, byte by byte, and must be refused with
// an r2::FileError naming the file (the CLI: exit 2 and the name on stderr), never a crash, a
// hang or gigabytes of memory.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>

#include <fmt/format.h>
#include <hdf5.h>
#include <png.h>
#include <zip.h>
#include <zlib.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/mask_png.h"
#include "core/pairs.h"
#include "core/ytvos_meta.h"
#include "metrics/evaluation.h"
#include "model_zoo/safetensors.h"
#include "model_zoo/torch_checkpoint.h"
#include "reports/per_frame_h5.h"
#include "test_util.h"

using namespace r2;
using namespace std::string_literals;
using r2::test::run_command;
using r2::test::TempDir;
namespace fs = std::filesystem;

namespace {

// ---- a hand-assembled pickle (protocol 2), as torch.save writes one --------------------------

std::string le(uint64_t v, int bytes) {
    std::string out;
    for (int i = 0; i < bytes; ++i) out += char((v >> (8 * i)) & 0xff);
    return out;
}
std::string p_int(int64_t v) { return "\x8a\x08" + le(uint64_t(v), 8); }  // LONG1, 8 bytes
std::string p_text(const std::string& s) { return "X" + le(s.size(), 4) + s; }
std::string p_tuple(const std::vector<int64_t>& values) {
    std::string out = "(";
    for (int64_t v : values) out += p_int(v);
    return out + "t";
}

// {"w": torch._utils._rebuild_tensor_v2(<FloatStorage "0" of storage_numel>, offset, size, stride, False, OrderedDict())}
std::string tensor_pickle(int64_t storage_numel, int64_t offset, const std::vector<int64_t>& size,
                          const std::vector<int64_t>& stride) {
    std::string p = "\x80\x02}" + p_text("w") + "ctorch._utils\n_rebuild_tensor_v2\n(";
    p += "(" + p_text("storage") + "ctorch\nFloatStorage\n" + p_text("0") + p_text("cpu") + p_int(storage_numel) + "tQ";
    p += p_int(offset) + p_tuple(size) + p_tuple(stride) + "\x89" + "ccollections\nOrderedDict\n)R";
    return p + "tRs.";
}

// A torch.save-style archive: archive/data.pkl and archive/data/<key>.
void write_checkpoint(const fs::path& path, const std::string& pickle, const std::string& storage, bool deflate = false) {
    const std::vector<std::pair<std::string, const std::string*>> entries = {{"archive/data.pkl", &pickle},
                                                                           {"archive/data/0", &storage}};
    int error = 0;
    zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
    REQUIRE(z != nullptr);
    for (const auto& [name, bytes] : entries) {
        zip_source_t* source = zip_source_buffer(z, bytes->data(), bytes->size(), 0);
        const zip_int64_t index = zip_file_add(z, name.c_str(), source, ZIP_FL_OVERWRITE);
        REQUIRE(index >= 0);
        REQUIRE(zip_set_file_compression(z, zip_uint64_t(index), deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 9) == 0);
    }
    REQUIRE(zip_close(z) == 0);
}

std::string floats(const std::vector<float>& values) {
    return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
}

// The message of the FileError `f` throws ("" when it throws none, or something else).
template <class F>
std::string file_error(F f) {
    try {
        f();
    } catch (const FileError& e) {
        return e.what();
    }
    return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("torch checkpoints: a storage of 2^62 elements (whose byte count wraps to 0) is refused") {
    TempDir dir;
    const fs::path pth = dir / "huge_storage.pth";
    const int64_t huge = int64_t(1) << 62;
    write_checkpoint(pth, tensor_pickle(huge, 0, {huge}, {1}), floats({1, 2, 3, 4}));
    CHECK(fs::file_size(pth) < 1000);
    const std::string what = file_error([&] { read_checkpoint(pth); });
    CHECK(contains(what, pth.string() + ": tensor 'w': its storage 0 holds 16 bytes, fewer than its 4611686018427387904 elements need"));

    // The CLI says the same and exits 2, writing nothing.
    std::string out;
    CHECK(run_command(fmt::format("{} convert-weights {} {}", R2BENCH_BINARY, pth.string(), (dir / "out.safetensors").string()), &out) == 2);
    CHECK(contains(out, pth.string()));
    CHECK(contains(out, "fewer than its"));
    CHECK_FALSE(fs::exists(dir / "out.safetensors"));
}

TEST_CASE("torch checkpoints: a pickle nested two million deep is refused before it can overflow the stack") {
    TempDir dir;
    const fs::path pth = dir / "deep.pth";
    // An empty list wrapped two million times in a one-element tuple (TUPLE1).
    const std::string pickle = "\x80\x02]" + std::string(2000000, '\x85') + ".";
    write_checkpoint(pth, pickle, floats({0}), true);
    CHECK(fs::file_size(pth) < 16000);  // deflated
    CHECK(contains(file_error([&] { read_checkpoint(pth); }), pth.string() + ": checkpoint pickle: values nested more than 1000 deep"));

    std::string out;
    CHECK(run_command(fmt::format("{} convert-weights {} {}", R2BENCH_BINARY, pth.string(), (dir / "out.safetensors").string()), &out) == 2);
    CHECK(contains(out, pth.string() + ": checkpoint pickle: values nested more than 1000 deep"));
}

TEST_CASE("torch checkpoints: a pickle asking for millions of values is refused before it allocates them") {
    TempDir dir;
    const fs::path pth = dir / "wide.pth";
    // Two million Nones appended to one list: 4 MB of pickle deflate to a few KB, and would cost
    // hundreds of MB of values.
    std::string pickle = "\x80\x02]";
    for (int k = 0; k < 2000000; ++k) pickle += "Na";
    pickle += ".";
    write_checkpoint(pth, pickle, floats({0}), true);
    CHECK(fs::file_size(pth) < 16000);
    CHECK(contains(file_error([&] { read_checkpoint(pth); }), pth.string() + ": checkpoint pickle: more than 1000000 values"));
}

TEST_CASE("torch checkpoints: recursive values, bad views and lying sizes are refused; a good strided view is copied") {
    auto storage = [](const std::string& key) {
        CHECK(key == "0");
        return floats({1, 2, 3, 4});
    };
    auto read = [&](const std::string& pickle) { return detail::read_checkpoint_pickle(pickle, storage, "t.pth"); };
    auto error = [&](const std::string& pickle) { return file_error([&] { read(pickle); }); };

    // Every other element from the second: [2, 4].
    const CheckpointTensors good = read(tensor_pickle(4, 1, {2}, {2}));
    REQUIRE(good.tensors.size() == 1);
    CHECK(good.tensors[0].shape == std::vector<int64_t>{2});
    CHECK(good.tensors[0].bytes == floats({2, 4}));
    // A 2x2 transposed view.
    CHECK(read(tensor_pickle(4, 0, {2, 2}, {1, 2})).tensors[0].bytes == floats({1, 3, 2, 4}));

    CHECK(error("\x80\x02]q" "\x00" "h" "\x00" "a."s) == "t.pth: checkpoint pickle: a container holds itself (recursive data is not a state dict)");
    // A list changed after it was stored in another: how a cycle or an unbounded depth would be built.
    CHECK(contains(error("\x80\x02]q" "\x00" "]q" "\x01" "ah" "\x01" "]a."s), "changed after it was stored"));
    CHECK(contains(error(tensor_pickle(4, 0, {2}, {-1})), "t.pth: tensor 'w': negative size or stride (2, -1) in dimension 0"));
    CHECK(contains(error(tensor_pickle(4, 0, {-2}, {1})), "negative size or stride (-2, 1)"));
    CHECK(contains(error(tensor_pickle(4, -1, {2}, {1})), "negative storage offset -1"));
    CHECK(contains(error(tensor_pickle(4, 0, {2, 2}, {2, 2})), "reaches outside its storage 0 (4 elements)"));
    CHECK(contains(error(tensor_pickle(4, 1, {2}, {INT64_MAX})), "reaches outside its storage"));
    CHECK(contains(error(tensor_pickle(4, 0, {int64_t(1) << 20, int64_t(1) << 20}, {0, 0})), "repeats its storage"));
    CHECK(contains(error(tensor_pickle(4, 0, {int64_t(1) << 40, int64_t(1) << 40}, {0, 0})), "more elements than 64 bits count"));
    CHECK(contains(error(tensor_pickle(-4, 0, {2}, {1})), "storage 0 has no element count, or a negative one"));
    CHECK(contains(error(tensor_pickle(8, 0, {8}, {1})), "its storage 0 holds 16 bytes, fewer than its 8 elements need"));
    // Sizes and strides of different lengths (they were indexed past the end).
    std::string mismatched = tensor_pickle(4, 0, {2, 2}, {1});
    CHECK(contains(error(mismatched), "malformed tensor"));
}

TEST_CASE("safetensors: sizes that overflow are refused") {
    auto file = [](uint64_t header_size, const std::string& header, const std::string& data) {
        return le(header_size, 8) + header + data;
    };
    auto error = [](const std::string& bytes) { return file_error([&] { SafetensorsFile::parse(bytes, "w.safetensors"); }); };
    const std::string zero_then_huge = R"({"a":{"dtype":"F32","shape":[0,18446744073709551615],"data_offsets":[0,0]}})";
    CHECK(error(file(zero_then_huge.size(), zero_then_huge, "")) == "w.safetensors: invalid safetensors: tensor 'a': shape is absurdly large");
    CHECK(contains(error(file(~uint64_t(0), "{}", "")), "w.safetensors: invalid safetensors: header length 18446744073709551615 is over"));
    const std::string far = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[18446744073709551612,18446744073709551615]}})";
    CHECK(contains(error(file(far.size(), far, "abcd")), "data_offsets end 18446744073709551615 is past the data (4 bytes)"));
    const std::string wraps = R"({"a":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,0]}})";  // 2^61 * 8 = 2^64
    CHECK(contains(error(file(wraps.size(), wraps, "")), "shape × dtype size is"));
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    CHECK(error(file(deep.size(), deep, "")) == "w.safetensors: JSON nested more than 256 levels deep");
}

TEST_CASE("metadata JSON nested a million deep is refused before it is parsed and copied") {
    const std::string deep = R"({"videos":{"v":{"expressions":{"0":{"exp":"x","extra":)" + std::string(1000000, '[') +
                             std::string(1000000, ']') + "}}}}}";
    CHECK(file_error([&] { parse_meta_expressions(deep, "meta_expressions.json"); }) ==
          "meta_expressions.json: JSON nested more than 256 levels deep");
    CHECK(file_error([&] { parse_video_meta(deep, "meta.json"); }) == "meta.json: JSON nested more than 256 levels deep");
    CHECK(file_error([&] { parse_r2_pairs(deep, "r2_pairs.json"); }) == "r2_pairs.json: JSON nested more than 256 levels deep");
    // Brackets inside strings do not count.
    const std::string in_string = R"({"videos":{"v":{"expressions":{"0":{"exp":")" + std::string(1000, '[') + R"(\""}},"frames":["0"]}}})";
    CHECK(parse_meta_expressions(in_string, "m.json").videos.at(0).expressions.at(0).text == std::string(1000, '[') + "\"");
}

namespace {

// An 8192x8192 RGBA 16-bit PNG of zeros: 512 MB of pixels in about 0.5 MB of file.
const std::string& png_bomb() {
    static const std::string bytes = [] {
        std::string out;
        png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
        png_infop info = png_create_info_struct(png);
        png_set_write_fn(
            png, &out, [](png_structp p, png_bytep data, size_t n) { static_cast<std::string*>(png_get_io_ptr(p))->append(reinterpret_cast<char*>(data), n); },
            [](png_structp) {});
        png_set_IHDR(png, info, 8192, 8192, 16, PNG_COLOR_TYPE_RGBA, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
        png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
        png_set_compression_level(png, 9);
        png_set_compression_strategy(png, Z_RLE);  // quick on zeros, and as small as the default
        png_write_info(png, info);
        std::vector<uint8_t> row(8192 * 8, 0);
        for (int y = 0; y < 8192; ++y) png_write_row(png, row.data());
        png_write_end(png, nullptr);
        png_destroy_write_struct(&png, &info);
        return out;
    }();
    return bytes;
}

}  // namespace

TEST_CASE("a PNG claiming 8192x8192 RGBA16 is refused from its header when the size is known") {
    const std::string& bomb = png_bomb();
    CHECK(bomb.size() < 1000000);
    PngLimits limits;
    limits.expected_width = 8;
    limits.expected_height = 6;
    CHECK(file_error([&] { decode_prediction_png(bomb, "bomb.png", limits); }) ==
          "bomb.png: size 8192x8192 differs from the ground truth's 8x6");
    // Either decoder alone gets the same refusal: it comes before both.
    for (const auto decoder : {detail::PngDecoder::fast_only, detail::PngDecoder::libpng_only})
        CHECK(contains(file_error([&] { detail::decode_prediction_png(bomb, "bomb.png", limits, decoder); }), "differs from"));
    // The right size passes the check (and a small image decodes as before).
    LabelMap small(8, 6);
    small.at(1, 1) = 1;
    CHECK(decode_prediction_png(encode_palette_png(small), "small.png", limits).at(1, 1) == 1);

    TempDir dir;
    write_palette_png(dir / "gt/Annotations/v/00000.png", small);
    write_file_atomically(dir / "sub/Annotations/v/0/00000.png", bomb);
    MetaExpressions meta;
    meta.videos.push_back({"v", {{"0", "the box", "1"}}, {"00000"}});
    write_meta_expressions(dir / "gt/meta_expressions.json", meta);
    EvalPaths paths;
    paths.predictions = dir / "sub";
    paths.gt = dir / "gt";
    const EvalInput input = load_eval_input(paths);
    const auto start = std::chrono::steady_clock::now();
    std::string what;
    try {
        evaluate(input);
    } catch (const EvalInputError& e) {
        what = e.what();
    }
    // Decoding it took 15 s and 600 MB; the header alone takes microseconds (a loose bound).
    CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < 5.0);
    CHECK(contains(what, (dir / "sub/Annotations/v/0/00000.png").string() + ": size 8192x8192 differs from the ground truth's 8x6"));

    std::string out;
    CHECK(run_command(fmt::format("{} eval --pred {} --gt {} --out {}", R2BENCH_BINARY, (dir / "sub").string(),
                                  (dir / "gt").string(), (dir / "out").string()),
                      &out) == 2);
    CHECK(contains(out, "sub/Annotations/v/0/00000.png: size 8192x8192 differs from the ground truth's 8x6"));
}

TEST_CASE("per_frame.h5: a string length the file cannot hold is refused before HDF5 allocates it") {
    TempDir dir;
    const fs::path h5 = dir / "per_frame.h5";
    PerFrameTable table;
    table.expressions = {{"v1", "0", "1", "v2", "a cat"}};
    table.positive = {{0, "00000", 0.5, 0.75, 120}};
    write_per_frame_h5(h5, table);
    REQUIRE(read_per_frame_h5(h5).expressions.at(0).text == "a cat");
    // Where the one element of /expressions/text is: its first 4 bytes are the string's length.
    hid_t file = H5Fopen(h5.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t set = H5Dopen2(file, "expressions/text", H5P_DEFAULT);
    const haddr_t offset = H5Dget_offset(set);
    H5Dclose(set);
    H5Fclose(file);
    std::string bytes = read_file(h5);
    REQUIRE(offset + 4 <= bytes.size());
    CHECK(bytes.substr(size_t(offset), 4) == le(5, 4));  // "a cat"
    bytes.replace(size_t(offset), 4, le(0xfffffff0u, 4));
    write_file_atomically(h5, bytes);
    CHECK(file_error([&] { read_per_frame_h5(h5); }) ==
          fmt::format("{}: /expressions/text row 0 claims a string of 4294967280 bytes, in a file of {}", h5.string(), bytes.size()));
}
