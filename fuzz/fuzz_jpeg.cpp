// JPEG frames (core/image_codecs.cpp, libturbojpeg): any bytes either decode to an RGB image of the
// size the header states, or throw r2::FileError; a decoded image re-encodes and decodes again to
// the same size.
#include "core/error.h"
#include "core/image_codecs.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto bytes = r2::fuzz::bytes(data, size);
    r2::Image8 image;
    try {
        image = r2::decode_jpeg_rgb(bytes, "fuzz.jpg", int64_t(1) << 20);  // quick runs; the limit is tested elsewhere
    } catch (const r2::FileError&) {
        return 0;
    }
    if (image.width <= 0 || image.height <= 0 || image.channels != 3 ||
        image.pixels.size() != size_t(image.width) * size_t(image.height) * 3)
        __builtin_trap();
    const std::string again = r2::encode_jpeg({image.pixels.data(), image.width, image.height, size_t(image.width) * 3, r2::PixelOrder::rgb}, 90);
    const r2::Image8 back = r2::decode_jpeg_rgb(again, "again.jpg");
    if (back.width != image.width || back.height != image.height) __builtin_trap();
    return 0;
}
