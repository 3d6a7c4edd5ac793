#include "core/mask_png.h"

#include <algorithm>
#include <csetjmp>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <unordered_map>

#include <fmt/format.h>
#include <libdeflate.h>
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
    std::vector<uint8_t> pixels;     // after libpng's transforms (or the fast path's equivalent)
    std::vector<png_bytep> rows;     // row y starts at rows[y], inside `pixels`
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

DecodedImage decode_png_libpng(std::string_view png_bytes, const std::string& name, const PngLimits& limits, bool raw) {
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


// ---- The fast path: ordinary non-interlaced PNGs, inflated with libdeflate. ----
// zlib's inflate is most of libpng's decoding time and libdeflate inflates the same data several
// times faster, so for the files r2bench meets every day we walk the chunks, inflate and unfilter
// ourselves. Each step returns nullopt/false for anything unusual or damaged; decode_png then
// runs libpng on the file, so such files keep libpng's behaviour and error messages.

uint32_t be32(const uint8_t* p) {
    return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

struct PngChunks {
    uint32_t width = 0, height = 0;
    int bit_depth = 0, color_type = 0;
    std::vector<std::string_view> idat;  // the IDAT chunks' data, in order: one zlib stream
};

// The bit depths the PNG specification allows for each colour type (libpng refuses the rest).
bool valid_depth(int color_type, int bit_depth) {
    switch (color_type) {
        case 0: return bit_depth == 1 || bit_depth == 2 || bit_depth == 4 || bit_depth == 8 || bit_depth == 16;
        case 3: return bit_depth == 1 || bit_depth == 2 || bit_depth == 4 || bit_depth == 8;
        case 2: case 4: case 6: return bit_depth == 8 || bit_depth == 16;
        default: return false;
    }
}

// Walks the chunks from IHDR to IEND, checking every CRC. Only IHDR, PLTE (its presence) and IDAT
// matter to the labels: tRNS and other ancillary chunks are skipped, as libpng's transforms here
// ignore them too.
std::optional<PngChunks> read_chunks(std::string_view bytes) {
    const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
    PngChunks c;
    bool seen_ihdr = false, seen_plte = false, idat_over = false;
    for (size_t pos = 8;;) {
        if (bytes.size() - pos < 12) return std::nullopt;  // truncated: libpng says so
        const uint32_t length = be32(p + pos);
        if (length > 0x7fffffffu || length > bytes.size() - pos - 12) return std::nullopt;
        const uint8_t* type = p + pos + 4;
        const uint8_t* data = type + 4;
        if (libdeflate_crc32(0, type, size_t(length) + 4) != be32(data + length)) return std::nullopt;
        for (int i = 0; i < 4; ++i)  // chunk types are ASCII letters; libpng refuses anything else
            if ((type[i] | 0x20) < 'a' || (type[i] | 0x20) > 'z') return std::nullopt;
        const std::string_view name(reinterpret_cast<const char*>(type), 4);
        pos += 12 + size_t(length);
        if (!seen_ihdr) {  // IHDR must come first
            if (name != "IHDR" || length != 13) return std::nullopt;
            c.width = be32(data);
            c.height = be32(data + 4);
            c.bit_depth = data[8];
            c.color_type = data[9];
            // compression, filter method and interlace must all be 0 (interlaced files go to libpng)
            if (c.width == 0 || c.height == 0 || c.width > 0x7fffffffu || c.height > 0x7fffffffu ||
                !valid_depth(c.color_type, c.bit_depth) || data[10] != 0 || data[11] != 0 || data[12] != 0)
                return std::nullopt;
            seen_ihdr = true;
        } else if (name == "IDAT") {
            if (idat_over) return std::nullopt;  // IDAT chunks must be consecutive
            c.idat.emplace_back(reinterpret_cast<const char*>(data), length);
        } else {
            if (!c.idat.empty()) idat_over = true;
            if (name == "IEND") break;
            if (name == "PLTE") {
                // libpng refuses a misplaced, repeated or malformed PLTE and warns about one in a gray image
                if (idat_over || seen_plte || (c.color_type & 2) == 0 || length == 0 || length % 3 || length > 768)
                    return std::nullopt;
                seen_plte = true;
            } else if ((type[0] & 0x20) == 0 || length > 8000000) {
                // an unknown critical chunk, or an ancillary one over libpng's default chunk size limit
                return std::nullopt;
            }
        }
    }
    if (c.idat.empty() || (c.color_type == 3 && !seen_plte)) return std::nullopt;
    return c;
}

libdeflate_decompressor* decompressor() {
    // One per thread: a libdeflate decompressor must not be shared between threads.
    thread_local const std::unique_ptr<libdeflate_decompressor, void (*)(libdeflate_decompressor*)> d(
        libdeflate_alloc_decompressor(), libdeflate_free_decompressor);
    return d.get();
}

// Inflates the joined IDAT data; the result must be exactly `size` bytes (libdeflate checks adler32).
std::optional<std::vector<uint8_t>> inflate_idat(const std::vector<std::string_view>& idat, size_t size) {
    std::string joined;  // only files with several IDAT chunks pay for a copy
    std::string_view stream = idat.front();
    if (idat.size() > 1) {
        for (const auto& part : idat) joined += part;
        stream = joined;
    }
    libdeflate_decompressor* d = decompressor();
    std::vector<uint8_t> out(size);
    if (!d || libdeflate_zlib_decompress(d, stream.data(), stream.size(), out.data(), out.size(), nullptr) != LIBDEFLATE_SUCCESS)
        return std::nullopt;
    return out;
}

uint8_t paeth(int a, int b, int c) {
    const int pa = std::abs(b - c), pb = std::abs(a - c), pc = std::abs(a + b - 2 * c);
    return uint8_t(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
}

// Undoes the PNG row filters in place. Each row is a filter byte then `row_bytes` bytes; `bpp` is
// the distance to the corresponding byte of the previous pixel (at least 1).
bool unfilter(uint8_t* data, size_t height, size_t row_bytes, size_t bpp) {
    const std::vector<uint8_t> zeros(row_bytes, 0);  // the row "above" the first one
    const uint8_t* prev = zeros.data();
    for (size_t y = 0; y < height; ++y) {
        uint8_t* row = data + y * (row_bytes + 1) + 1;
        const size_t n = row_bytes, k = std::min(bpp, n);
        switch (row[-1]) {
            case 0: break;
            case 1: for (size_t i = k; i < n; ++i) row[i] = uint8_t(row[i] + row[i - bpp]); break;
            case 2: for (size_t i = 0; i < n; ++i) row[i] = uint8_t(row[i] + prev[i]); break;
            case 3:
                for (size_t i = 0; i < k; ++i) row[i] = uint8_t(row[i] + prev[i] / 2);
                for (size_t i = k; i < n; ++i) row[i] = uint8_t(row[i] + (row[i - bpp] + prev[i]) / 2);
                break;
            case 4:
                for (size_t i = 0; i < k; ++i) row[i] = uint8_t(row[i] + prev[i]);  // Paeth(0, b, 0) = b
                for (size_t i = k; i < n; ++i) row[i] = uint8_t(row[i] + paeth(row[i - bpp], prev[i], prev[i - bpp]));
                break;
            default: return false;  // libpng reports a bad filter type
        }
        prev = row;
    }
    return true;
}

// Gives the image libpng's transforms in run_decode() would give: sub-byte samples unpacked to one
// byte each, and for ground truth (`raw` false) alpha dropped and 16-bit colour cut to its high byte.
// 8-bit palette and gray images (nearly all masks) need none of it: rows point into the inflated data.
void set_rows(DecodedImage* image, std::vector<uint8_t> inflated, size_t row_bytes, bool raw) {
    const size_t w = image->width, h = image->height;
    const int depth = image->bit_depth, type = image->color_type;
    const size_t channels = type == 2 ? 3 : type == 4 ? 2 : type == 6 ? 4 : 1;
    const size_t keep_channels = !raw && (type & 4) ? channels - 1 : channels;
    const size_t sample_bytes = depth == 16 ? 2 : 1;
    const size_t keep_bytes = !raw && (type & 2) && depth == 16 ? 1 : sample_bytes;
    image->rows.resize(h);
    if (depth >= 8 && keep_channels == channels && keep_bytes == sample_bytes) {
        image->pixels = std::move(inflated);
        image->row_bytes = row_bytes;
        for (size_t y = 0; y < h; ++y) image->rows[y] = image->pixels.data() + y * (row_bytes + 1) + 1;
        return;
    }
    image->row_bytes = depth < 8 ? w : w * keep_channels * keep_bytes;
    image->pixels.resize(image->row_bytes * h);
    for (size_t y = 0; y < h; ++y) {
        const uint8_t* src = inflated.data() + y * (row_bytes + 1) + 1;
        uint8_t* dst = image->pixels.data() + y * image->row_bytes;
        image->rows[y] = dst;
        if (depth < 8) {  // most significant bits first, as the specification packs them
            const unsigned mask = (1u << depth) - 1;
            for (size_t x = 0; x < w; ++x) {
                const size_t bit = x * size_t(depth);
                dst[x] = uint8_t((src[bit / 8] >> (8 - depth - int(bit % 8))) & mask);
            }
            continue;
        }
        for (size_t x = 0; x < w; ++x)
            for (size_t ch = 0; ch < keep_channels; ++ch)
                for (size_t b = 0; b < keep_bytes; ++b) *dst++ = src[(x * channels + ch) * sample_bytes + b];
    }
}

// The whole fast path; nullopt where libpng should decode the file instead.
std::optional<DecodedImage> decode_png_fast(std::string_view png_bytes, const PngLimits& limits, bool raw) {
    const auto chunks = read_chunks(png_bytes);
    if (!chunks) return std::nullopt;
    const int64_t pixels = int64_t(chunks->width) * int64_t(chunks->height);
    if (pixels > limits.max_pixels || pixels > (int64_t(1) << 40)) return std::nullopt;  // libpng reports the size
    const size_t channels = chunks->color_type == 2 ? 3 : chunks->color_type == 4 ? 2 : chunks->color_type == 6 ? 4 : 1;
    const size_t bits_per_pixel = channels * size_t(chunks->bit_depth);
    const size_t row_bytes = (chunks->width * bits_per_pixel + 7) / 8;
    auto inflated = inflate_idat(chunks->idat, chunks->height * (row_bytes + 1));
    if (!inflated || !unfilter(inflated->data(), chunks->height, row_bytes, std::max<size_t>(1, bits_per_pixel / 8)))
        return std::nullopt;
    DecodedImage image;
    image.width = chunks->width;
    image.height = chunks->height;
    image.color_type = chunks->color_type;
    image.bit_depth = chunks->bit_depth;
    set_rows(&image, std::move(*inflated), row_bytes, raw);
    return image;
}

DecodedImage decode_png(std::string_view png_bytes, const std::string& name, const PngLimits& limits, bool raw,
                        detail::PngDecoder decoder) {
    if (png_bytes.size() < 8 || png_sig_cmp(reinterpret_cast<png_const_bytep>(png_bytes.data()), 0, 8) != 0)
        throw FileError(name, "not a PNG file");
    // The size is compared from the header alone: a damaged file is left for the decoders to
    // describe, a well-formed one of the wrong size costs nothing to refuse.
    const auto* p = reinterpret_cast<const uint8_t*>(png_bytes.data());
    if (limits.expected_width > 0 && png_bytes.size() >= 24 && std::memcmp(p + 12, "IHDR", 4) == 0) {
        const uint32_t width = be32(p + 16), height = be32(p + 20);
        if (width != uint32_t(limits.expected_width) || height != uint32_t(limits.expected_height))
            throw FileError(name, fmt::format("size {}x{} differs from the ground truth's {}x{}", width, height,
                                              limits.expected_width, limits.expected_height));
    }
    if (decoder != detail::PngDecoder::libpng_only) {
        if (auto image = decode_png_fast(png_bytes, limits, raw)) return std::move(*image);
        if (decoder == detail::PngDecoder::fast_only)
            throw FileError(name, "the fast PNG decoder does not handle this file (libpng would decode it)");
    }
    return decode_png_libpng(png_bytes, name, limits, raw);
}

}  // namespace

LabelMap decode_label_png(std::string_view png_bytes, const std::string& name, const PngLimits& limits) {
    return detail::decode_label_png(png_bytes, name, limits, detail::PngDecoder::automatic);
}

LabelMap detail::decode_label_png(std::string_view png_bytes, const std::string& name, const PngLimits& limits,
                                  PngDecoder decoder) {
    const DecodedImage image = decode_png(png_bytes, name, limits, false, decoder);
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
    return detail::decode_prediction_png(png_bytes, name, limits, detail::PngDecoder::automatic);
}

LabelMap detail::decode_prediction_png(std::string_view png_bytes, const std::string& name, const PngLimits& limits,
                                       PngDecoder decoder) {
    const DecodedImage image = decode_png(png_bytes, name, limits, true, decoder);
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
