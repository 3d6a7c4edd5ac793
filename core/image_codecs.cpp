#include "core/image_codecs.h"

#include <png.h>
#include <turbojpeg.h>
#include <zlib.h>

#include <csetjmp>
#include <memory>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/error.h"

namespace r2 {

namespace {

struct TjDestroy {
    void operator()(void* handle) const { tjDestroy(handle); }
};
using TjHandle = std::unique_ptr<void, TjDestroy>;

int channels_of(PixelOrder order) {
    switch (order) {
        case PixelOrder::gray: return 1;
        case PixelOrder::rgb:
        case PixelOrder::bgr: return 3;
        case PixelOrder::bgra: return 4;
    }
    return 3;
}

void check_view(const ImageView& image, const char* what) {
    if (!image.pixels || image.width <= 0 || image.height <= 0 ||
        image.row_bytes < size_t(image.width) * size_t(channels_of(image.order)))
        throw Error(fmt::format("cannot encode a {}x{} image as {}", image.width, image.height, what));
}

}  // namespace

Image8 decode_jpeg_rgb(std::string_view jpeg_bytes, const std::filesystem::path& name, int64_t max_pixels) {
    const TjHandle tj(tjInitDecompress());
    if (!tj) throw Error(fmt::format("TurboJPEG could not start a decoder: {}", tjGetErrorStr2(nullptr)));
    const auto* bytes = reinterpret_cast<const unsigned char*>(jpeg_bytes.data());
    int width = 0, height = 0, subsampling = 0, colorspace = 0;
    if (tjDecompressHeader3(tj.get(), bytes, static_cast<unsigned long>(jpeg_bytes.size()), &width, &height, &subsampling,
                            &colorspace) != 0)
        throw FileError(name, fmt::format("cannot decode: not a JPEG ({})", tjGetErrorStr2(tj.get())));
    if (width <= 0 || height <= 0 || int64_t(width) * height > max_pixels)
        throw FileError(name, fmt::format("a {}x{} JPEG is larger than the {} pixels r2bench reads", width, height, max_pixels));
    Image8 image;
    image.width = width, image.height = height, image.channels = 3;
    image.pixels.resize(size_t(width) * size_t(height) * 3);
    // flags 0: accurate integer IDCT and fancy (smooth) chroma upsampling, libjpeg's defaults and PIL's.
    if (tjDecompress2(tj.get(), bytes, static_cast<unsigned long>(jpeg_bytes.size()), image.pixels.data(), width, 0, height,
                      TJPF_RGB, 0) == 0)
        return image;
    if (tjGetErrorCode(tj.get()) != TJERR_WARNING)
        throw FileError(name, fmt::format("cannot decode this JPEG ({})", tjGetErrorStr2(tj.get())));
    // A warning (a few extraneous bytes, say) still gives the whole image, as PIL accepts it, unless
    // the data stops before the end-of-image marker: PIL refuses a truncated file, and so does r2bench.
    if (jpeg_bytes.rfind("\xFF\xD9") == std::string_view::npos)
        throw FileError(name, fmt::format("truncated JPEG: the data ends before the end-of-image marker ({})", tjGetErrorStr2(tj.get())));
    return image;
}

Image8 read_jpeg_rgb(const std::filesystem::path& path) {
    if (!std::filesystem::exists(path)) throw FileError(path, "no such file");
    return decode_jpeg_rgb(read_file(path), path);
}

std::string encode_jpeg(const ImageView& image, int quality) {
    check_view(image, "JPEG");
    const TjHandle tj(tjInitCompress());
    if (!tj) throw Error(fmt::format("TurboJPEG could not start an encoder: {}", tjGetErrorStr2(nullptr)));
    int format = TJPF_RGB, subsampling = TJSAMP_420;
    switch (image.order) {
        case PixelOrder::gray: format = TJPF_GRAY, subsampling = TJSAMP_GRAY; break;
        case PixelOrder::rgb: format = TJPF_RGB; break;
        case PixelOrder::bgr: format = TJPF_BGR; break;
        case PixelOrder::bgra: format = TJPF_BGRX; break;
    }
    unsigned char* out = nullptr;
    unsigned long size = 0;
    // TurboJPEG picks the fast IDCT below quality 96; libjpeg (and so OpenCV) keeps the accurate one.
    const int status = tjCompress2(tj.get(), image.pixels, image.width, int(image.row_bytes), image.height, format, &out, &size,
                                   subsampling, quality, TJFLAG_ACCURATEDCT);
    std::string bytes = status == 0 ? std::string(reinterpret_cast<const char*>(out), size) : std::string();
    tjFree(out);
    if (status != 0) throw Error(fmt::format("JPEG encoding failed: {}", tjGetErrorStr2(tj.get())));
    return bytes;
}

namespace {

struct PngSink {
    std::string bytes;
    std::string error;
};

void on_png_error(png_structp png, png_const_charp message) {
    static_cast<PngSink*>(png_get_error_ptr(png))->error = message;
    std::longjmp(png_jmpbuf(png), 1);
}
void on_png_warning(png_structp, png_const_charp) {}
void append_png_bytes(png_structp png, png_bytep data, size_t count) {
    static_cast<PngSink*>(png_get_io_ptr(png))->bytes.append(reinterpret_cast<const char*>(data), count);
}
void flush_nothing(png_structp) {}

// OpenCV's PngEncoder::write, settings and call order alike.
bool write_png(png_structp png, png_infop info, const ImageView& image, int zlib_level, png_bytep* rows) {
    if (setjmp(png_jmpbuf(png))) return false;
    png_set_write_fn(png, png_get_error_ptr(png), append_png_bytes, flush_nothing);
    // OpenCV: Z_RLE by default, Z_DEFAULT_STRATEGY once IMWRITE_PNG_COMPRESSION is given.
    if (zlib_level >= 0) {
        png_set_compression_level(png, zlib_level);
        png_set_compression_strategy(png, Z_DEFAULT_STRATEGY);
    } else {
        png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_SUB);
        png_set_compression_level(png, Z_BEST_SPEED);
        png_set_compression_strategy(png, Z_RLE);
    }
    const int channels = channels_of(image.order);
    png_set_IHDR(png, info, png_uint_32(image.width), png_uint_32(image.height), 8,
                 channels == 1 ? PNG_COLOR_TYPE_GRAY : channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_RGBA, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    if (image.order == PixelOrder::bgr || image.order == PixelOrder::bgra) png_set_bgr(png);
    png_write_image(png, rows);
    png_write_end(png, nullptr);
    return true;
}

}  // namespace

std::string encode_png(const ImageView& image, int zlib_level) {
    check_view(image, "PNG");
    PngSink sink;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink, on_png_error, on_png_warning);
    png_infop info = png ? png_create_info_struct(png) : nullptr;
    if (!png || !info) {
        png_destroy_write_struct(&png, &info);
        throw Error("libpng could not allocate an encoder");
    }
    std::vector<png_bytep> rows(size_t(image.height));
    for (int y = 0; y < image.height; ++y) rows[size_t(y)] = const_cast<png_bytep>(image.pixels + size_t(y) * image.row_bytes);
    const bool ok = write_png(png, info, image, zlib_level > 9 ? 9 : zlib_level, rows.data());
    png_destroy_write_struct(&png, &info);
    if (!ok) throw Error("PNG encoding failed: " + sink.error);
    return std::move(sink.bytes);
}

}  // namespace r2
