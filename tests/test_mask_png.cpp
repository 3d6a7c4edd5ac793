#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include <libdeflate.h>
#include <opencv2/imgcodecs.hpp>
#include <png.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/mask_png.h"
#include "test_util.h"

using namespace r2;
using r2::test::TempDir;

TEST_CASE("the DAVIS palette is the PASCAL VOC colour map") {
    const auto& p = davis_palette();
    CHECK(p[0] == std::array<uint8_t, 3>{0, 0, 0});
    CHECK(p[1] == std::array<uint8_t, 3>{128, 0, 0});
    CHECK(p[2] == std::array<uint8_t, 3>{0, 128, 0});
    CHECK(p[3] == std::array<uint8_t, 3>{128, 128, 0});
    CHECK(p[9] == std::array<uint8_t, 3>{192, 0, 0});  // as in the DAVIS result PNGs
    CHECK(p[255] == std::array<uint8_t, 3>{224, 224, 192});
}

TEST_CASE("palette PNG round trip keeps every index") {
    TempDir dir;
    LabelMap m(70, 33);  // width not a multiple of 8 or 64
    for (int y = 0; y < m.height; ++y)
        for (int x = 0; x < m.width; ++x) m.at(x, y) = uint8_t((x * 7 + y * 13) % 256);
    write_palette_png(dir / "m.png", m);
    CHECK(read_label_png(dir / "m.png") == m);
    CHECK(read_png_size(dir / "m.png") == std::array<int, 2>{70, 33});
    // OpenCV sees the palette colours: index 1 is RGB (128, 0, 0).
    const cv::Mat colour = cv::imread((dir / "m.png").string(), cv::IMREAD_COLOR);
    m.at(0, 0) = 1;
    write_palette_png(dir / "one.png", m);
    const cv::Mat one = cv::imread((dir / "one.png").string(), cv::IMREAD_COLOR);
    CHECK(one.at<cv::Vec3b>(0, 0) == cv::Vec3b(0, 0, 128));
    CHECK(colour.rows == 33);
}

TEST_CASE("grayscale, 16-bit grayscale and RGB PNGs decode to labels") {
    TempDir dir;
    cv::Mat gray(4, 5, CV_8U, cv::Scalar(0));
    gray.at<uint8_t>(1, 2) = 255;
    gray.at<uint8_t>(3, 4) = 3;
    cv::imwrite((dir / "gray.png").string(), gray);
    const LabelMap g = read_label_png(dir / "gray.png");
    CHECK(g.width == 5);
    CHECK(g.height == 4);
    CHECK(g.at(2, 1) == 255);
    CHECK(g.at(4, 3) == 3);
    CHECK(g.at(0, 0) == 0);

    cv::Mat gray16(3, 3, CV_16U, cv::Scalar(0));
    gray16.at<uint16_t>(1, 1) = 7;
    cv::imwrite((dir / "gray16.png").string(), gray16);
    CHECK(read_label_png(dir / "gray16.png").at(1, 1) == 7);
    gray16.at<uint16_t>(2, 2) = 300;
    cv::imwrite((dir / "big16.png").string(), gray16);
    CHECK_THROWS_WITH_AS(read_label_png(dir / "big16.png"), doctest::Contains("does not fit an object id"), FileError);

    cv::Mat rgb(2, 3, CV_8UC3, cv::Scalar(0, 0, 0));
    rgb.at<cv::Vec3b>(0, 1) = cv::Vec3b(0, 0, 128);    // BGR of palette index 1
    rgb.at<cv::Vec3b>(1, 2) = cv::Vec3b(0, 128, 0);    // index 2
    rgb.at<cv::Vec3b>(1, 0) = cv::Vec3b(0, 0, 192);    // index 9
    cv::imwrite((dir / "rgb.png").string(), rgb);
    const LabelMap c = read_label_png(dir / "rgb.png");
    CHECK(c.at(1, 0) == 1);
    CHECK(c.at(2, 1) == 2);
    CHECK(c.at(0, 1) == 9);
    CHECK(c.at(0, 0) == 0);
    rgb.at<cv::Vec3b>(0, 0) = cv::Vec3b(1, 2, 3);
    cv::imwrite((dir / "odd.png").string(), rgb);
    CHECK_THROWS_WITH_AS(read_label_png(dir / "odd.png"), doctest::Contains("not in the DAVIS palette"), FileError);
}

namespace {

// Writes a PNG of any colour type and depth with libpng: `samples` holds each row's samples,
// one value per sample (16-bit samples are written big-endian, sub-byte ones packed).
void write_raw_png(const std::filesystem::path& path, int width, int height, int color_type, int bit_depth,
                   const std::vector<std::vector<unsigned>>& samples, int palette_size = 0) {
    FILE* file = std::fopen(path.string().c_str(), "wb");
    REQUIRE(file != nullptr);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png_create_info_struct(png);
    png_init_io(png, file);
    png_set_IHDR(png, info, png_uint_32(width), png_uint_32(height), bit_depth, color_type, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    std::vector<png_color> palette(size_t(std::max(palette_size, 1)));
    for (size_t i = 0; i < palette.size(); ++i) palette[i] = {png_byte(40 * i), 0, 0};  // index 0 is black
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_PLTE(png, info, palette.data(), palette_size);
    png_write_info(png, info);
    for (const auto& row : samples) {
        std::vector<png_byte> bytes(png_get_rowbytes(png, info), 0);
        for (size_t i = 0; i < row.size(); ++i) {
            if (bit_depth == 16) {
                bytes[2 * i] = png_byte(row[i] >> 8), bytes[2 * i + 1] = png_byte(row[i] & 255);
            } else if (bit_depth == 8) {
                bytes[i] = png_byte(row[i]);
            } else {  // packed, first sample in the most significant bits
                const size_t per_byte = size_t(8 / bit_depth);
                bytes[i / per_byte] |= png_byte(row[i] << (8 - bit_depth * int(i % per_byte + 1)));
            }
        }
        png_write_row(png, bytes.data());
    }
    png_write_end(png, nullptr);
    png_destroy_write_struct(&png, &info);
    std::fclose(file);
}

std::vector<uint8_t> foreground(const LabelMap& m) { return m.labels; }

}  // namespace

TEST_CASE("predictions: every common way to save a mask gives the same foreground") {
    TempDir dir;
    // Expected foreground of a 3x2 image, row-major: (1,0) and (0,1), (2,1).
    const std::vector<uint8_t> expected{0, 1, 0, 1, 0, 1};

    // 8-bit gray 0/255 and 0/1 (OpenCV).
    cv::Mat gray(2, 3, CV_8U, cv::Scalar(0));
    gray.at<uint8_t>(0, 1) = 255, gray.at<uint8_t>(1, 0) = 1, gray.at<uint8_t>(1, 2) = 128;
    cv::imwrite((dir / "gray8.png").string(), gray);
    CHECK(foreground(read_prediction_png(dir / "gray8.png")) == expected);

    // 16-bit gray: 1, 256 and 65535 are all foreground (no 8-bit stripping loses the 1).
    cv::Mat gray16(2, 3, CV_16U, cv::Scalar(0));
    gray16.at<uint16_t>(0, 1) = 1, gray16.at<uint16_t>(1, 0) = 256, gray16.at<uint16_t>(1, 2) = 65535;
    cv::imwrite((dir / "gray16.png").string(), gray16);
    CHECK(foreground(read_prediction_png(dir / "gray16.png")) == expected);
    // Ground truth stays strict: a 16-bit label over 255 is refused, with the position as (x, y).
    CHECK_THROWS_WITH_AS(read_label_png(dir / "gray16.png"), doctest::Contains("256 at (x, y) = (0, 1)"), FileError);

    // 1-bit gray (libpng).
    write_raw_png(dir / "gray1.png", 3, 2, PNG_COLOR_TYPE_GRAY, 1, {{0, 1, 0}, {1, 0, 1}});
    CHECK(foreground(read_prediction_png(dir / "gray1.png")) == expected);

    // Palette, 8-bit and 4-bit: a non-zero index (whatever its colour) is foreground.
    write_raw_png(dir / "pal8.png", 3, 2, PNG_COLOR_TYPE_PALETTE, 8, {{0, 3, 0}, {1, 0, 5}}, 6);
    CHECK(foreground(read_prediction_png(dir / "pal8.png")) == expected);
    write_raw_png(dir / "pal4.png", 3, 2, PNG_COLOR_TYPE_PALETTE, 4, {{0, 2, 0}, {1, 0, 5}}, 6);
    CHECK(foreground(read_prediction_png(dir / "pal4.png")) == expected);
    CHECK(read_label_png(dir / "pal4.png").at(2, 1) == 5);  // ground truth keeps the index

    // RGB 0/255 as many tools save masks, and a colour with one non-zero channel (OpenCV, BGR).
    cv::Mat rgb(2, 3, CV_8UC3, cv::Scalar(0, 0, 0));
    rgb.at<cv::Vec3b>(0, 1) = cv::Vec3b(255, 255, 255);
    rgb.at<cv::Vec3b>(1, 0) = cv::Vec3b(0, 0, 1);  // R = 1 only
    rgb.at<cv::Vec3b>(1, 2) = cv::Vec3b(7, 0, 0);  // B = 7 only
    cv::imwrite((dir / "rgb.png").string(), rgb);
    CHECK(foreground(read_prediction_png(dir / "rgb.png")) == expected);
    // Ground truth stays strict: white is not a DAVIS palette colour; the position is (x, y).
    CHECK_THROWS_WITH_AS(read_label_png(dir / "rgb.png"),
                         doctest::Contains("RGB colour (255, 255, 255) at (x, y) = (1, 0) is not in the DAVIS palette"),
                         FileError);

    // 16-bit RGB: a channel value of 1 (of 65535) is foreground.
    write_raw_png(dir / "rgb16.png", 3, 2, PNG_COLOR_TYPE_RGB, 16, {{0, 0, 0, 0, 0, 1, 0, 0, 0}, {1, 0, 0, 0, 0, 0, 0, 300, 0}});
    CHECK(foreground(read_prediction_png(dir / "rgb16.png")) == expected);

    // RGBA: alpha 0 makes a pixel background whatever its colour; any other alpha keeps the colour rule.
    cv::Mat rgba(2, 3, CV_8UC4, cv::Scalar(0, 0, 0, 255));
    rgba.at<cv::Vec4b>(0, 1) = cv::Vec4b(255, 255, 255, 255);
    rgba.at<cv::Vec4b>(1, 0) = cv::Vec4b(0, 0, 9, 1);      // barely opaque red: foreground
    rgba.at<cv::Vec4b>(1, 2) = cv::Vec4b(0, 200, 0, 128);  // half-transparent green: foreground
    rgba.at<cv::Vec4b>(0, 0) = cv::Vec4b(255, 255, 255, 0);  // white but fully transparent: background
    rgba.at<cv::Vec4b>(0, 2) = cv::Vec4b(0, 0, 0, 0);        // transparent black: background
    cv::imwrite((dir / "rgba.png").string(), rgba);
    CHECK(foreground(read_prediction_png(dir / "rgba.png")) == expected);
    // The ground-truth reader ignores alpha, as before: (0, 0) is white, not a palette colour.
    CHECK_THROWS_WITH_AS(read_label_png(dir / "rgba.png"), doctest::Contains("at (x, y) = (0, 0)"), FileError);

    // Gray + alpha (libpng), 8 and 16 bits: alpha 0 hides a non-zero gray.
    write_raw_png(dir / "ga8.png", 3, 2, PNG_COLOR_TYPE_GRAY_ALPHA, 8, {{255, 0, 255, 255, 0, 255}, {3, 255, 0, 0, 9, 1}});
    CHECK(foreground(read_prediction_png(dir / "ga8.png")) == expected);
    write_raw_png(dir / "ga16.png", 3, 2, PNG_COLOR_TYPE_GRAY_ALPHA, 16,
                  {{0, 65535, 1, 1, 65535, 0}, {2, 65535, 0, 0, 1, 256}});
    CHECK(foreground(read_prediction_png(dir / "ga16.png")) == expected);

    // Corrupt predictions are refused with the file name, as ground truth is.
    write_file_atomically(dir / "bad.png", std::string("not a png"));
    CHECK_THROWS_WITH_AS(read_prediction_png(dir / "bad.png"), doctest::Contains("bad.png"), FileError);
    PngLimits small;
    small.max_pixels = 5;
    CHECK_THROWS_WITH_AS(read_prediction_png(dir / "rgb.png", small), doctest::Contains("over the limit"), FileError);
}

TEST_CASE("corrupt, truncated, foreign and oversized files are refused with the file name") {
    TempDir dir;
    LabelMap m(64, 64, 1);
    for (int i = 0; i < 64; ++i) m.at(i, i) = 2;
    const std::string png = encode_palette_png(m);

    write_file_atomically(dir / "truncated.png", png.substr(0, png.size() / 2));
    CHECK_THROWS_WITH_AS(read_label_png(dir / "truncated.png"), doctest::Contains("truncated.png: corrupt PNG"), FileError);

    std::string flipped = png;
    flipped[flipped.size() / 2] = char(flipped[flipped.size() / 2] ^ 0x5a);  // breaks the IDAT CRC
    write_file_atomically(dir / "flipped.png", flipped);
    CHECK_THROWS_WITH_AS(read_label_png(dir / "flipped.png"), doctest::Contains("flipped.png: corrupt PNG"), FileError);

    write_file_atomically(dir / "text.png", "hello, this is not an image");
    CHECK_THROWS_WITH_AS(read_label_png(dir / "text.png"), doctest::Contains("not a PNG file"), FileError);
    CHECK_THROWS_AS(read_png_size(dir / "text.png"), FileError);
    CHECK_THROWS_WITH_AS(read_label_png(dir / "absent.png"), doctest::Contains("absent.png"), FileError);

    write_file_atomically(dir / "ok.png", png);
    PngLimits small;
    small.max_pixels = 64 * 64 - 1;
    CHECK_THROWS_WITH_AS(read_label_png(dir / "ok.png", small), doctest::Contains("over the limit"), FileError);
    small.max_pixels = 64 * 64;
    CHECK(read_label_png(dir / "ok.png", small) == m);
}

TEST_CASE("atomic writes leave no temporary files and create folders") {
    TempDir dir;
    write_file_atomically(dir / "a/b/c.txt", std::string("hello"));
    CHECK(read_file(dir / "a/b/c.txt") == "hello");
    int entries = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir / "a/b")) (void)e, ++entries;
    CHECK(entries == 1);
    // A writer that fails leaves neither the target nor the temporary file.
    CHECK_THROWS(write_file_atomically(dir / "a/b/d.txt", [](std::ostream& out) {
        out << "partial";
        throw Error("boom");
    }));
    CHECK_FALSE(std::filesystem::exists(dir / "a/b/d.txt"));
    entries = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir / "a/b")) (void)e, ++entries;
    CHECK(entries == 1);
}

namespace {

// The fast (libdeflate) decoder against libpng's. A PNG form for the comparison tests.
struct PngForm {
    int color_type, bit_depth;
    bool trns;  // a tRNS chunk (palette only), which neither decoder may let change the result
};

void append_to_string(png_structp png, png_bytep data, size_t count) {
    static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<const char*>(data), count);
}
void flush_nothing(png_structp) {}

// Encodes `width` x `height` varied pixels of `form` in memory with libpng, every row with
// `filters` (a PNG_FILTER_* mask). With `for_labels` the values are ones the ground-truth reader
// accepts (16-bit gray <= 255, RGB colours from the DAVIS palette); otherwise anything, with
// zeros (background, transparent) common.
std::string encode_test_png(const PngForm& form, int width, int height, int filters, bool for_labels,
                            int interlace = PNG_INTERLACE_NONE) {
    std::string out;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png_create_info_struct(png);
    png_set_write_fn(png, &out, append_to_string, flush_nothing);
    png_set_IHDR(png, info, png_uint_32(width), png_uint_32(height), form.bit_depth, form.color_type, interlace,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    const int levels = form.bit_depth == 16 ? 65536 : 1 << form.bit_depth;
    std::vector<png_color> palette(size_t(std::min(levels, 256)));
    for (size_t i = 0; i < palette.size(); ++i) palette[i] = {png_byte(i), png_byte(255 - i), png_byte(3 * i)};
    std::vector<png_byte> alpha(palette.size() / 2 + 1, 0);  // a few transparent entries
    if (form.color_type == PNG_COLOR_TYPE_PALETTE) png_set_PLTE(png, info, palette.data(), int(palette.size()));
    if (form.trns) png_set_tRNS(png, info, alpha.data(), int(alpha.size()), nullptr);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, filters);
    png_write_info(png, info);
    const int channels = png_get_channels(png, info);
    const bool colour = (form.color_type & PNG_COLOR_MASK_COLOR) && form.color_type != PNG_COLOR_TYPE_PALETTE;
    const bool has_alpha = (form.color_type & PNG_COLOR_MASK_ALPHA) != 0;
    uint32_t state = 12345;
    auto next = [&] { return (state = state * 1103515245u + 12345u) >> 8; };
    const size_t row_bytes = png_get_rowbytes(png, info);
    std::vector<std::vector<png_byte>> rows(size_t(height), std::vector<png_byte>(row_bytes, 0));
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x) {
            const unsigned index = next() % 256;  // the DAVIS palette colour of RGB ground truth
            for (int c = 0; c < channels; ++c) {
                unsigned v = next() % 3 == 0 ? 0 : (x * 37 + y * 11 + int(next() % 5)) % levels;
                if (has_alpha && c == channels - 1) v = next() % 4 == 0 ? 0 : next() % levels;
                else if (for_labels && colour) v = (davis_palette()[index][size_t(c)] << (form.bit_depth - 8)) |
                                                   (form.bit_depth == 16 ? next() % 256 : 0);
                else if (for_labels && form.bit_depth == 16) v %= 256;
                png_byte* row = rows[size_t(y)].data();
                const size_t i = size_t(x * channels + c);
                if (form.bit_depth == 16) {
                    row[2 * i] = png_byte(v >> 8), row[2 * i + 1] = png_byte(v & 255);
                } else if (form.bit_depth == 8) {
                    row[i] = png_byte(v);
                } else {
                    const size_t per_byte = size_t(8 / form.bit_depth);
                    row[i / per_byte] |= png_byte(v << (8 - form.bit_depth * int(i % per_byte + 1)));
                }
            }
        }
    std::vector<png_bytep> row_pointers;
    for (auto& row : rows) row_pointers.push_back(row.data());
    png_write_image(png, row_pointers.data());
    png_write_end(png, nullptr);
    png_destroy_write_struct(&png, &info);
    return out;
}

// The label map, or the error message.
template <class Decode>
std::string outcome(Decode decode, std::string_view bytes, detail::PngDecoder decoder, LabelMap* map) {
    try {
        *map = decode(bytes, "test.png", PngLimits{}, decoder);
        return "ok";
    } catch (const FileError& e) {
        return e.what();
    }
}

const std::vector<PngForm> kAllForms = {
    {PNG_COLOR_TYPE_GRAY, 1, false},       {PNG_COLOR_TYPE_GRAY, 2, false},    {PNG_COLOR_TYPE_GRAY, 4, false},
    {PNG_COLOR_TYPE_GRAY, 8, false},       {PNG_COLOR_TYPE_GRAY, 16, false},   {PNG_COLOR_TYPE_PALETTE, 1, false},
    {PNG_COLOR_TYPE_PALETTE, 2, true},     {PNG_COLOR_TYPE_PALETTE, 4, false}, {PNG_COLOR_TYPE_PALETTE, 4, true},
    {PNG_COLOR_TYPE_PALETTE, 8, false},    {PNG_COLOR_TYPE_PALETTE, 8, true},  {PNG_COLOR_TYPE_RGB, 8, false},
    {PNG_COLOR_TYPE_RGB, 16, false},       {PNG_COLOR_TYPE_GRAY_ALPHA, 8, false}, {PNG_COLOR_TYPE_GRAY_ALPHA, 16, false},
    {PNG_COLOR_TYPE_RGB_ALPHA, 8, false},  {PNG_COLOR_TYPE_RGB_ALPHA, 16, false},
};

}  // namespace

TEST_CASE("the fast png decoder gives exactly libpng's result for every form, width and filter") {
    const int filters[] = {PNG_FILTER_NONE, PNG_FILTER_SUB, PNG_FILTER_UP, PNG_FILTER_AVG, PNG_FILTER_PAETH, PNG_ALL_FILTERS};
    for (const PngForm& form : kAllForms)
        for (int width : {1, 3, 7, 13, 64})
            for (int filter : filters)
                for (bool for_labels : {true, false}) {
                    CAPTURE(form.color_type);
                    CAPTURE(form.bit_depth);
                    CAPTURE(form.trns);
                    CAPTURE(width);
                    CAPTURE(filter);
                    const std::string png = encode_test_png(form, width, 9, filter, for_labels);
                    for (bool labels : {true, false}) {
                        CAPTURE(labels);
                        const auto decode = labels ? &detail::decode_label_png : &detail::decode_prediction_png;
                        LabelMap fast, slow, automatic;
                        const std::string slow_outcome = outcome(decode, png, detail::PngDecoder::libpng_only, &slow);
                        // The fast path must take every such file (a decline would hide a gap), and agree.
                        CHECK(outcome(decode, png, detail::PngDecoder::fast_only, &fast) == slow_outcome);
                        CHECK(outcome(decode, png, detail::PngDecoder::automatic, &automatic) == slow_outcome);
                        // Label-friendly images decode as ground truth, every image as a prediction.
                        if (for_labels || !labels) CHECK(slow_outcome == "ok");
                        if (slow_outcome == "ok") {
                            CHECK(fast == slow);
                            CHECK(automatic == slow);
                        }
                    }
                }
}

TEST_CASE("interlaced png falls back to libpng and still decodes") {
    for (const PngForm& form : kAllForms) {
        CAPTURE(form.color_type);
        CAPTURE(form.bit_depth);
        const std::string png = encode_test_png(form, 13, 11, PNG_ALL_FILTERS, false, PNG_INTERLACE_ADAM7);
        LabelMap fast, slow, automatic;
        CHECK(outcome(&detail::decode_prediction_png, png, detail::PngDecoder::libpng_only, &slow) == "ok");
        CHECK(outcome(&detail::decode_prediction_png, png, detail::PngDecoder::automatic, &automatic) == "ok");
        CHECK(automatic == slow);
        CHECK_THROWS_WITH_AS(detail::decode_prediction_png(png, "i.png", {}, detail::PngDecoder::fast_only),
                             doctest::Contains("i.png"), FileError);
    }
}

TEST_CASE("png with a truncated IDAT or a corrupted chunk is refused naming the file") {
    TempDir dir;
    const std::string png = encode_test_png({PNG_COLOR_TYPE_GRAY, 8, false}, 64, 40, PNG_ALL_FILTERS, false);
    // Find the (single) IDAT chunk: length at idat - 4, data at idat + 4.
    const size_t idat = png.find("IDAT");
    REQUIRE(idat != std::string::npos);
    const auto* u = reinterpret_cast<const uint8_t*>(png.data());
    const uint32_t length = (uint32_t(u[idat - 4]) << 24) | (uint32_t(u[idat - 3]) << 16) | (uint32_t(u[idat - 2]) << 8) | u[idat - 1];

    // An IDAT holding half its zlib stream, with a valid CRC: the chunks are fine, the image data is short.
    std::string half = png.substr(0, idat - 4);
    const uint32_t half_length = length / 2;
    for (int s = 24; s >= 0; s -= 8) half += char((half_length >> s) & 255);
    half += png.substr(idat, 4 + half_length);
    const uint32_t crc = libdeflate_crc32(0, half.data() + idat, 4 + half_length);
    for (int s = 24; s >= 0; s -= 8) half += char((crc >> s) & 255);
    half += png.substr(idat + 8 + length);  // IEND
    write_file_atomically(dir / "short_idat.png", half);
    CHECK_THROWS_WITH_AS(read_prediction_png(dir / "short_idat.png"), doctest::Contains("short_idat.png: corrupt PNG"), FileError);
    CHECK_THROWS_WITH_AS(read_label_png(dir / "short_idat.png"), doctest::Contains("short_idat.png: corrupt PNG"), FileError);

    // A file cut in the middle of IDAT.
    write_file_atomically(dir / "cut.png", png.substr(0, idat + 4 + length / 2));
    CHECK_THROWS_WITH_AS(read_prediction_png(dir / "cut.png"), doctest::Contains("cut.png: corrupt PNG"), FileError);

    // A flipped byte in IHDR (its CRC no longer matches) and in the IDAT data.
    for (size_t at : {size_t(18), idat + 4 + length / 2}) {
        std::string bad = png;
        bad[at] = char(bad[at] ^ 0x21);
        write_file_atomically(dir / "flipped.png", bad);
        CHECK_THROWS_WITH_AS(read_prediction_png(dir / "flipped.png"), doctest::Contains("flipped.png: corrupt PNG"), FileError);
        CHECK_THROWS_WITH_AS(detail::decode_prediction_png(bad, "f.png", {}, detail::PngDecoder::fast_only),
                             doctest::Contains("f.png"), FileError);
    }
}
