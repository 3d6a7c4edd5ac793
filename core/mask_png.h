// Mask PNGs: object-id label maps in, DAVIS-palette PNGs out.
//
// Ref-YouTube-VOS / DAVIS annotations are palette PNGs whose pixel *indices* are object ids;
// predictions are usually 8-bit grayscale (0/255). OpenCV's imread would turn palette images
// into colours, so decoding goes through libpng directly, or, for ordinary non-interlaced files,
// through a small PNG reader of our own that inflates with libdeflate (several times faster than
// zlib, which is most of libpng's decoding time).
#pragma once
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace r2 {

// One value per pixel, row-major: the object id (0 = background), or for a prediction any
// non-zero value meaning foreground.
struct LabelMap {
    int width = 0;
    int height = 0;
    std::vector<uint8_t> labels;  // size width * height

    LabelMap() = default;
    LabelMap(int w, int h, uint8_t fill = 0) : width(w), height(h), labels(size_t(w) * size_t(h), fill) {}
    uint8_t& at(int x, int y) { return labels[size_t(y) * size_t(width) + size_t(x)]; }
    uint8_t at(int x, int y) const { return labels[size_t(y) * size_t(width) + size_t(x)]; }
    bool operator==(const LabelMap& o) const {
        return width == o.width && height == o.height && labels == o.labels;
    }
};

struct PngLimits {
    // Images with more pixels are refused before any pixel data is decoded.
    int64_t max_pixels = int64_t(8192) * 8192;
    // When set (> 0), the size the image must have: eval passes the ground truth's, so that a
    // prediction claiming 8192x8192 is refused from its header (IHDR), before anything is inflated.
    int expected_width = 0, expected_height = 0;
};

// Decodes a ground-truth PNG into a label map (strict):
//  - palette images: the palette index of each pixel;
//  - grayscale (1–16 bit, alpha ignored): the gray value (16-bit values must be ≤ 255);
//  - RGB(A): the index of the pixel's colour in the DAVIS palette (an unknown colour is an error).
// Throws FileError naming `name` for corrupt, truncated or oversized images; a position in a
// message is written (x, y) = (column, row).
LabelMap decode_label_png(std::string_view png_bytes, const std::string& name, const PngLimits& limits = {});
LabelMap read_label_png(const std::filesystem::path& path, const PngLimits& limits = {});

// Decodes a prediction PNG into a 0/1 foreground map, accepting every common way to save a mask:
//  - grayscale of 1, 2, 4, 8 or 16 bits: foreground = a non-zero value (any 16-bit value, even 1);
//  - palette (1–8 bit): foreground = a non-zero index (the palette's colours and tRNS are ignored);
//  - RGB, 8 or 16 bits: foreground = any of R, G, B non-zero;
//  - with an alpha channel (gray+alpha, RGBA): a pixel whose alpha is 0 (fully transparent) is
//    background whatever its colour; any other alpha leaves the colour rule as it is.
// Throws FileError as decode_label_png does.
LabelMap decode_prediction_png(std::string_view png_bytes, const std::string& name, const PngLimits& limits = {});
LabelMap read_prediction_png(const std::filesystem::path& path, const PngLimits& limits = {});

namespace detail {
// Which decoder decode_label_png / decode_prediction_png use. `automatic` (what they do) tries the
// libdeflate fast path and falls back to libpng for anything it declines; the other two exist so
// tests and `bench eval` can run one decoder alone. `fast_only` throws FileError where the fast
// path declines (interlaced, bad chunk, ...).
enum class PngDecoder { automatic, libpng_only, fast_only };
LabelMap decode_label_png(std::string_view png_bytes, const std::string& name, const PngLimits& limits, PngDecoder decoder);
LabelMap decode_prediction_png(std::string_view png_bytes, const std::string& name, const PngLimits& limits,
                               PngDecoder decoder);
}  // namespace detail

// Reads only the header: {width, height}. Throws FileError on a non-PNG.
std::array<int, 2> read_png_size(const std::filesystem::path& path);

// Encodes an 8-bit palette PNG with the DAVIS palette (index = label).
std::string encode_palette_png(const LabelMap& labels);
// Writes it atomically.
void write_palette_png(const std::filesystem::path& path, const LabelMap& labels);

// The palette of DAVIS and Ref-YouTube-VOS annotations (the PASCAL VOC colour map).
const std::array<std::array<uint8_t, 3>, 256>& davis_palette();

}  // namespace r2
