// Writes the seed corpora of the fuzz targets, fuzz/corpus/<target>/, from r2bench's own writers
// and the weight fixtures: small valid files of every form each parser accepts, which the fuzzer
// then mutates. Deterministic; run it only to refresh the committed seeds:
//   build-fuzz/make_fuzz_seeds fuzz/corpus
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <png.h>
#include <zip.h>

#include "core/atomic_file.h"
#include "core/mask_png.h"
#include "core/pairs.h"
#include "core/ytvos_meta.h"
#include "model_zoo/safetensors.h"
#include "reports/per_frame_h5.h"

namespace fs = std::filesystem;
using namespace r2;

namespace {

// A PNG of any colour type, depth and interlacing; sample values follow a small pattern.
std::string png_of(int width, int height, int color_type, int bit_depth, bool interlaced) {
    std::string out;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png_create_info_struct(png);
    png_set_write_fn(
        png, &out, [](png_structp p, png_bytep d, size_t n) { static_cast<std::string*>(png_get_io_ptr(p))->append(reinterpret_cast<char*>(d), n); },
        [](png_structp) {});
    png_set_IHDR(png, info, png_uint_32(width), png_uint_32(height), bit_depth, color_type,
                 interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    std::vector<png_color> palette(4);
    for (size_t i = 0; i < palette.size(); ++i) palette[i] = {png_byte(60 * i), png_byte(30 * i), 0};
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_PLTE(png, info, palette.data(), int(palette.size()));
    png_write_info(png, info);
    const int passes = png_set_interlace_handling(png);
    std::vector<std::vector<png_byte>> rows(size_t(height), std::vector<png_byte>(png_get_rowbytes(png, info)));
    const unsigned max_index = color_type == PNG_COLOR_TYPE_PALETTE ? 3u : (1u << std::min(bit_depth, 8)) - 1;
    for (int y = 0; y < height; ++y)
        for (size_t i = 0; i < rows[size_t(y)].size(); ++i) {
            // Objects as blocks; sub-byte and palette samples stay in range (each byte holds equal samples).
            const unsigned v = ((unsigned(y) / 3 + unsigned(i) / 5) % 3 == 0) ? max_index : 0;
            png_byte b = 0;
            for (int s = 0; s < 8; s += std::min(bit_depth, 8)) b = png_byte(b | (v << s));
            rows[size_t(y)][i] = bit_depth >= 8 ? png_byte(v) : b;
        }
    for (int pass = 0; pass < passes; ++pass)
        for (auto& row : rows) png_write_row(png, row.data());
    png_write_end(png, nullptr);
    png_destroy_write_struct(&png, &info);
    return out;
}

void write(const fs::path& path, const std::string& bytes) {
    fs::create_directories(path.parent_path());
    write_file_atomically(path, bytes);
}

std::string zip_of(const std::vector<std::pair<std::string, std::string>>& entries, const fs::path& scratch) {
    int error = 0;
    zip_t* z = zip_open(scratch.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
    for (const auto& [name, bytes] : entries) {
        zip_source_t* source = zip_source_buffer(z, bytes.data(), bytes.size(), 0);
        zip_file_add(z, name.c_str(), source, ZIP_FL_OVERWRITE);
    }
    zip_close(z);
    std::string out = read_file(scratch);
    fs::remove(scratch);
    return out;
}

// The data.pkl of a torch.save fixture.
std::string pickle_of(const fs::path& pth) {
    int error = 0;
    zip_t* z = zip_open(pth.c_str(), ZIP_RDONLY, &error);
    std::string name;
    for (zip_int64_t i = 0; i < zip_get_num_entries(z, 0); ++i) {
        const std::string n = zip_get_name(z, zip_uint64_t(i), 0);
        if (n.size() >= 8 && n.compare(n.size() - 8, 8, "data.pkl") == 0) name = n;
    }
    zip_stat_t st;
    zip_stat(z, name.c_str(), 0, &st);
    std::string bytes(size_t(st.size), '\0');
    zip_file_t* f = zip_fopen(z, name.c_str(), 0);
    zip_fread(f, bytes.data(), st.size);
    zip_fclose(f);
    zip_discard(z);
    return bytes;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: make_fuzz_seeds <fuzz/corpus>\n");
        return 2;
    }
    const fs::path out = argv[1];
    const fs::path weights = fs::path(__FILE__).parent_path().parent_path() / "tests/fixtures/weights";

    for (const char* name : {"plain.pth", "official_like.pth"}) {
        write(out / "torch_checkpoint" / name, read_file(weights / name));
        write(out / "torch_pickle" / (fs::path(name).stem().string() + ".pkl"), pickle_of(weights / name));
    }

    std::vector<OwnedTensor> tensors = {{"a.weight", DType::F32, {2, 3}, std::string(24, '\1')},
                                        {"a.bias", DType::I64, {2}, std::string(16, '\2')},
                                        {"mask", DType::BOOL, {3}, std::string("\1\0\1", 3)},
                                        {"empty", DType::F16, {0, 4}, ""}};
    write(out / "safetensors/small.safetensors", encode_safetensors(tensors, {{"format", "pt"}}));
    write(out / "safetensors/one.safetensors", encode_safetensors({{"x", DType::BF16, {1}, "ab"}}));

    struct Form {
        const char* name;
        int color_type, bit_depth;
    };
    const Form forms[] = {{"gray1", PNG_COLOR_TYPE_GRAY, 1},       {"gray2", PNG_COLOR_TYPE_GRAY, 2},
                          {"gray4", PNG_COLOR_TYPE_GRAY, 4},       {"gray8", PNG_COLOR_TYPE_GRAY, 8},
                          {"gray16", PNG_COLOR_TYPE_GRAY, 16},     {"palette2", PNG_COLOR_TYPE_PALETTE, 2},
                          {"palette8", PNG_COLOR_TYPE_PALETTE, 8}, {"rgb8", PNG_COLOR_TYPE_RGB, 8},
                          {"rgb16", PNG_COLOR_TYPE_RGB, 16},       {"gray_alpha8", PNG_COLOR_TYPE_GRAY_ALPHA, 8},
                          {"rgba8", PNG_COLOR_TYPE_RGBA, 8},       {"rgba16", PNG_COLOR_TYPE_RGBA, 16}};
    for (const auto& f : forms) write(out / "png" / (std::string(f.name) + ".png"), png_of(13, 7, f.color_type, f.bit_depth, false));
    write(out / "png/gray8_interlaced.png", png_of(13, 7, PNG_COLOR_TYPE_GRAY, 8, true));
    LabelMap labels(11, 5);
    for (int x = 2; x < 8; ++x) labels.at(x, 2) = 1, labels.at(x, 3) = 2;
    const std::string palette_png = encode_palette_png(labels);
    write(out / "png/davis_palette.png", palette_png);

    const fs::path scratch = fs::temp_directory_path() / "make_fuzz_seeds.zip";
    write(out / "submission_zip/flat.zip",
          zip_of({{"Annotations/v/0/00000.png", palette_png}, {"Negatives/w/0/00000.png", palette_png}}, scratch));
    write(out / "submission_zip/wrapped.zip",
          zip_of({{"sub/Annotations/v/0/00000.png", palette_png}, {"sub/Annotations/v/1/00001.png", palette_png},
                  {"__MACOSX/._x", "junk"}},
                 scratch));

    MetaExpressions meta;
    meta.videos.push_back({"v1", {{"0", "a cat on the left", "1"}, {"1", "the dog", "2"}}, {"00000", "00005"}});
    meta.videos.push_back({"v2", {{"0", "a car", ""}}, {"00000"}});
    write(out / "ytvos_meta/meta_expressions.json", meta_expressions_to_json(meta));
    write(out / "ytvos_meta/mevis.json",
          R"({"videos":{"m":{"expressions":{"0":{"exp":"two birds","obj_id":[0,1],"anno_id":[3,4]}},"frames":["0","1"],"vid_id":7}}})");
    VideoMeta video_meta;
    video_meta.videos.push_back({"v1", {{"1", "cat", {"00000", "00005"}}, {"2", "dog", {}}}});
    write(out / "ytvos_meta/meta.json", video_meta_to_json(video_meta));

    R2Pairs pairs;
    pairs.provenance["seed"] = 1;
    pairs.provenance["source"] = {{"name", "synth"}};
    pairs.pairs.push_back({"v1", "0", "a cat", "1", "v2", {"00000", "00005"}, {"00000"}, "source"});
    pairs.pairs.push_back({"v2", "0", "a car", "", "v9", {"00000"}, {"00001", "00002"}, "pool"});
    write(out / "r2_pairs/r2_pairs.json", r2_pairs_to_json(pairs));

    PerFrameTable table;
    table.has_gt = table.has_pairs = true;
    table.expressions = {{"v1", "0", "1", "v2", "a cat"}, {"v2", "0", "", "v1", "a car"}};
    table.positive = {{0, "00000", 0.5, 0.75, 120}, {1, "00000", 1.0, 1.0, 3}};
    table.negative = {{0, "00000", 0}, {1, "00001", 17}};
    fs::create_directories(out / "per_frame_h5");
    write_per_frame_h5(out / "per_frame_h5/per_frame.h5", table);
    return 0;
}
