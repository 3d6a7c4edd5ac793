#include "core/mask_png.h"

#include <csetjmp>
#include <cstring>
#include <fstream>
#include <unordered_map>

#include <fmt/format.h>
#include <png.h>

#include "core/atomic_file.h"
#include "core/error.h"

namespace r2 {

const std::array<std::array<uint8_t, 3>, 256>& davis_palette() {
    // The PASCAL VOC colour map: the bits of the index are spread over R, G and B, most
    // significant first. DAVIS and Ref-YouTube-VOS annotation PNGs carry exactly this palette.
    static const auto palette = [] {
        std::array<std::array<uint8_t, 3>, 256> p{};
        for (int i = 0; i < 256; ++i) {
            int r = 0, g = 0, b = 0, c = i;
            for (int j = 0; j < 8; ++j) {
                r |= ((c >> 0) & 1) << (7 - j);
                g |= ((c >> 1) & 1) << (7 - j);
                b |= ((c >> 2) & 1) << (7 - j);
                c >>= 3;
            }
            p[size_t(i)] = {uint8_t(r), uint8_t(g), uint8_t(b)};
        }
        return p;
    }();
    return palette;
}

namespace {

// libpng reports errors through a callback that must not return; we longjmp back into
// run_decode() (which holds no C++ objects with destructors) and throw from there.
struct PngSource {
    std::string_view bytes;
    size_t position = 0;
    std::string error;
};

void on_png_error(png_structp png, png_const_charp message) {
    auto* source = static_cast<PngSource*>(png_get_error_ptr(png));
    source->error = message;
    std::longjmp(png_jmpbuf(png), 1);
}

void on_png_warning(png_structp, png_const_charp) {}

void read_from_memory(png_structp png, png_bytep out, size_t count) {
    auto* source = static_cast<PngSource*>(png_get_io_ptr(png));
    if (source->position + count > source->bytes.size()) png_error(png, "file is truncated");
    std::memcpy(out, source->bytes.data() + source->position, count);
    source->position += count;
}

struct DecodedImage {
    png_uint_32 width = 0, height = 0;
    int color_type = 0, bit_depth = 0;
    size_t row_bytes = 0;
    std::vector<uint8_t> pixels;     // after libpng's transforms, row_bytes per row
    std::vector<png_bytep> rows;
    bool too_large = false;
};

// Returns false when libpng reported an error (message in source->error).
// `raw`: keep alpha and 16-bit samples (predictions); otherwise strip them (ground truth).
bool run_decode(png_structp png, png_infop info, int64_t max_pixels, bool raw, DecodedImage* image) {
    if (setjmp(png_jmpbuf(png))) return false;
    png_set_read_fn(png, png_get_error_ptr(png), read_from_memory);
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    png_read_info(png, info);
    image->width = png_get_image_width(png, info);
    image->height = png_get_image_height(png, info);
    image->color_type = png_get_color_type(png, info);
    image->bit_depth = png_get_bit_depth(png, info);
    if (int64_t(image->width) * int64_t(image->height) > max_pixels) {
        image->too_large = true;
        return true;
    }
    // Keep indices and gray values as they are: unpack sub-byte depths without scaling.
    if (image->bit_depth < 8) png_set_packing(png);
    if (!raw && (image->color_type & PNG_COLOR_MASK_ALPHA)) png_set_strip_alpha(png);
    if (!raw && (image->color_type & PNG_COLOR_MASK_COLOR) && image->bit_depth == 16) png_set_strip_16(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    image->row_bytes = png_get_rowbytes(png, info);
    image->pixels.resize(image->row_bytes * image->height);
    image->rows.resize(image->height);
    for (png_uint_32 y = 0; y < image->height; ++y) image->rows[y] = image->pixels.data() + y * image->row_bytes;
    png_read_image(png, image->rows.data());
    png_read_end(png, nullptr);
    return true;
}

DecodedImage decode_png(std::string_view png_bytes, const std::string& name, const PngLimits& limits, bool raw) {
    if (png_bytes.size() < 8 || png_sig_cmp(reinterpret_cast<png_const_bytep>(png_bytes.data()), 0, 8) != 0)
        throw FileError(name, "not a PNG file");
    PngSource source{png_bytes, 0, {}};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &source, on_png_error, on_png_warning);
    png_infop info = png ? png_create_info_struct(png) : nullptr;
    if (!png || !info) throw FileError(name, "libpng could not allocate a decoder");
    DecodedImage image;
    const bool ok = run_decode(png, info, limits.max_pixels, raw, &image);
    png_destroy_read_struct(&png, &info, nullptr);
    if (!ok) throw FileError(name, "corrupt PNG: " + source.error);
    if (image.too_large)
        throw FileError(name, fmt::format("image is {}x{} ({} pixels), over the limit of {} pixels", image.width,
                                          image.height, int64_t(image.width) * image.height, limits.max_pixels));
    return image;
}

}  // namespace

LabelMap decode_label_png(std::string_view png_bytes, const std::string& name, const PngLimits& limits) {
    const DecodedImage image = decode_png(png_bytes, name, limits, false);
    LabelMap out(int(image.width), int(image.height));
    const size_t w = image.width;
    const int color_type = image.color_type;
    if (color_type == PNG_COLOR_TYPE_PALETTE ||
        ((color_type & PNG_COLOR_MASK_COLOR) == 0 && image.bit_depth <= 8)) {
        for (size_t y = 0; y < image.height; ++y)
            std::memcpy(out.labels.data() + y * w, image.rows[y], w);
    } else if ((color_type & PNG_COLOR_MASK_COLOR) == 0) {  // 16-bit gray, big-endian samples
        for (size_t y = 0; y < image.height; ++y) {
            const uint8_t* row = image.rows[y];
            for (size_t x = 0; x < w; ++x) {
                const unsigned value = (unsigned(row[2 * x]) << 8) | row[2 * x + 1];
                if (value > 255)
                    throw FileError(name, fmt::format("16-bit label {} at (x, y) = ({}, {}) does not fit an object id (0..255)",
                                                      value, x, y));
                out.labels[y * w + x] = uint8_t(value);
            }
        }
    } else {  // RGB: map DAVIS palette colours back to their indices
        static const auto index_of_colour = [] {
            std::unordered_map<uint32_t, uint8_t> map;
            for (int i = 255; i >= 0; --i) {
                const auto& c = davis_palette()[size_t(i)];
                map[(uint32_t(c[0]) << 16) | (uint32_t(c[1]) << 8) | c[2]] = uint8_t(i);
            }
            return map;
        }();
        uint32_t last_colour = 0;
        uint8_t last_index = 0;
        for (size_t y = 0; y < image.height; ++y) {
            const uint8_t* row = image.rows[y];
            for (size_t x = 0; x < w; ++x) {
                const uint32_t colour = (uint32_t(row[3 * x]) << 16) | (uint32_t(row[3 * x + 1]) << 8) | row[3 * x + 2];
                if (colour != last_colour) {  // black (0,0,0) is index 0, the initial guess
                    const auto it = index_of_colour.find(colour);
                    if (it == index_of_colour.end())
                        throw FileError(name, fmt::format("RGB colour ({}, {}, {}) at (x, y) = ({}, {}) is not in the DAVIS palette",
                                                          row[3 * x], row[3 * x + 1], row[3 * x + 2], x, y));
                    last_colour = colour;
                    last_index = it->second;
                }
                out.labels[y * w + x] = last_index;
            }
        }
    }
    return out;
}

LabelMap read_label_png(const std::filesystem::path& path, const PngLimits& limits) {
    return decode_label_png(read_file(path), path.string(), limits);
}

LabelMap decode_prediction_png(std::string_view png_bytes, const std::string& name, const PngLimits& limits) {
    const DecodedImage image = decode_png(png_bytes, name, limits, true);
    LabelMap out(int(image.width), int(image.height));
    const size_t w = image.width;
    const int color_type = image.color_type;
    // After png_set_packing every sample is 1 byte (depth <= 8) or 2 big-endian bytes (16).
    const size_t bytes_per_sample = image.bit_depth == 16 ? 2 : 1;
    const size_t colour_samples = color_type == PNG_COLOR_TYPE_PALETTE ? 1 : (color_type & PNG_COLOR_MASK_COLOR) ? 3 : 1;
    const bool has_alpha = (color_type & PNG_COLOR_MASK_ALPHA) != 0;
    const size_t samples = colour_samples + (has_alpha ? 1 : 0);
    const size_t pixel_bytes = samples * bytes_per_sample;
    const size_t colour_bytes = colour_samples * bytes_per_sample;
    for (size_t y = 0; y < image.height; ++y) {
        const uint8_t* row = image.rows[y];
        uint8_t* dst = out.labels.data() + y * w;
        for (size_t x = 0; x < w; ++x) {
            const uint8_t* px = row + x * pixel_bytes;
            bool foreground = false;
            for (size_t b = 0; b < colour_bytes; ++b) foreground |= px[b] != 0;
            if (has_alpha) {  // a fully transparent pixel is background, whatever its colour
                bool opaque = false;
                for (size_t b = colour_bytes; b < pixel_bytes; ++b) opaque |= px[b] != 0;
                foreground &= opaque;
            }
            dst[x] = foreground ? 1 : 0;
        }
    }
    return out;
}

LabelMap read_prediction_png(const std::filesystem::path& path, const PngLimits& limits) {
    return decode_prediction_png(read_file(path), path.string(), limits);
}

std::array<int, 2> read_png_size(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw FileError(path, "cannot open");
    unsigned char header[24] = {};
    in.read(reinterpret_cast<char*>(header), sizeof header);
    if (in.gcount() < 24 || png_sig_cmp(header, 0, 8) != 0 || std::memcmp(header + 12, "IHDR", 4) != 0)
        throw FileError(path, "not a PNG file");
    auto be32 = [&](int at) {
        return (uint32_t(header[at]) << 24) | (uint32_t(header[at + 1]) << 16) | (uint32_t(header[at + 2]) << 8) |
               uint32_t(header[at + 3]);
    };
    return {int(be32(16)), int(be32(20))};
}

namespace {

struct PngSink {
    std::string bytes;
    std::string error;
};

void on_write_error(png_structp png, png_const_charp message) {
    static_cast<PngSink*>(png_get_error_ptr(png))->error = message;
    std::longjmp(png_jmpbuf(png), 1);
}

void write_to_memory(png_structp png, png_bytep data, size_t count) {
    static_cast<PngSink*>(png_get_io_ptr(png))->bytes.append(reinterpret_cast<const char*>(data), count);
}

void flush_nothing(png_structp) {}

bool run_encode(png_structp png, png_infop info, const LabelMap& labels, png_bytep* rows, png_colorp palette) {
    if (setjmp(png_jmpbuf(png))) return false;
    png_set_write_fn(png, png_get_error_ptr(png), write_to_memory, flush_nothing);
    png_set_IHDR(png, info, png_uint_32(labels.width), png_uint_32(labels.height), 8, PNG_COLOR_TYPE_PALETTE,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_PLTE(png, info, palette, 256);
    // Label maps are long runs of equal bytes: no row filter and fast zlib give small files quickly.
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
    png_set_compression_level(png, 6);
    png_write_info(png, info);
    png_write_image(png, rows);
    png_write_end(png, nullptr);
    return true;
}

}  // namespace

std::string encode_palette_png(const LabelMap& labels) {
    if (labels.width <= 0 || labels.height <= 0 || labels.labels.size() != size_t(labels.width) * labels.height)
        throw Error(fmt::format("cannot encode a {}x{} label map holding {} values", labels.width, labels.height,
                                labels.labels.size()));
    PngSink sink;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink, on_write_error, on_png_warning);
    png_infop info = png ? png_create_info_struct(png) : nullptr;
    if (!png || !info) throw Error("libpng could not allocate an encoder");
    std::vector<png_bytep> rows(size_t(labels.height));
    for (int y = 0; y < labels.height; ++y)
        rows[size_t(y)] = const_cast<png_bytep>(labels.labels.data() + size_t(y) * size_t(labels.width));
    std::array<png_color, 256> palette{};
    for (size_t i = 0; i < 256; ++i) palette[i] = {davis_palette()[i][0], davis_palette()[i][1], davis_palette()[i][2]};
    const bool ok = run_encode(png, info, labels, rows.data(), palette.data());
    png_destroy_write_struct(&png, &info);
    if (!ok) throw Error("PNG encoding failed: " + sink.error);
    return std::move(sink.bytes);
}

void write_palette_png(const std::filesystem::path& path, const LabelMap& labels) {
    write_file_atomically(path, encode_palette_png(labels));
}

}  // namespace r2
