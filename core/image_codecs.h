// 8-bit images in and out of JPEG and PNG without OpenCV's imgcodecs (whose Debian build pulls
// about 120 libraries into every process that links it): JPEG through libjpeg-turbo's TurboJPEG
// API, PNG through libpng.
//
// Decoding matches PIL's Image.open(path).convert("RGB"), which the official model scripts use:
// the same libjpeg-turbo, the same accurate integer IDCT and fancy upsampling, grayscale copied
// to R, G and B, and no EXIF rotation (OpenCV's imread rotates; PIL does not).
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace r2 {

// An 8-bit interleaved image (RGB: channels = 3), row-major.
struct Image8 {
    int width = 0, height = 0, channels = 3;
    std::vector<uint8_t> pixels;  // height * width * channels
};

// Pixels owned elsewhere (an Image8, a cv::Mat): `row_bytes` apart, channels in `order`.
enum class PixelOrder { gray, rgb, bgr, bgra };
struct ImageView {
    const uint8_t* pixels = nullptr;
    int width = 0, height = 0;
    size_t row_bytes = 0;
    PixelOrder order = PixelOrder::rgb;
};

// JPEG bytes -> RGB. Throws FileError naming `name` when the bytes are not a JPEG that decodes,
// or when the image has more than max_pixels pixels (refused from the header).
Image8 decode_jpeg_rgb(std::string_view jpeg_bytes, const std::filesystem::path& name,
                       int64_t max_pixels = int64_t(16384) * 16384);
// Reads and decodes a file; FileError names it when it is missing, unreadable or corrupt.
Image8 read_jpeg_rgb(const std::filesystem::path& path);

// Baseline JPEG, 4:2:0, accurate DCT: the bytes OpenCV's imencode(".jpg", {IMWRITE_JPEG_QUALITY, q})
// writes with the same libjpeg-turbo. Throws Error on an empty image.
std::string encode_jpeg(const ImageView& image, int quality);

// PNG of 8-bit gray, RGB (from rgb or bgr) or RGBA (from bgra) pixels. `zlib_level` 0-9 as
// OpenCV's IMWRITE_PNG_COMPRESSION; fast_png_level (-1) is OpenCV's default when no level is given
// (level 1, the Sub filter, Z_RLE); with a level, OpenCV's zlib defaults. The bytes equal imencode's.
inline constexpr int fast_png_level = -1;
std::string encode_png(const ImageView& image, int zlib_level = fast_png_level);

}  // namespace r2
