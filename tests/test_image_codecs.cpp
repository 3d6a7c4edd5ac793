// core/image_codecs.h: JPEG frames decode to exactly PIL's pixels (the models' parity depends on
// it), and the encoders write the bytes OpenCV's imencode wrote before them (synth's frames, the
// reference runs' masks and the reports' thumbnails keep their bytes).
#include <doctest/doctest.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/image_codecs.h"
#include "core/rng.h"
#include "test_util.h"

using namespace r2;
using r2::test::run_command;
using r2::test::TempDir;
namespace fs = std::filesystem;

namespace {

// A lossless PNG (PIL's decode, saved by the fixture script) as RGB.
Image8 png_rgb(const fs::path& path) {
    const cv::Mat bgr = cv::imread(path.string(), cv::IMREAD_COLOR);
    REQUIRE_MESSAGE(!bgr.empty(), path.string());
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    Image8 im;
    im.width = rgb.cols, im.height = rgb.rows;
    im.pixels.assign(rgb.data, rgb.data + rgb.total() * 3);
    return im;
}

// Pixels that differ, and the largest difference.
std::pair<size_t, int> difference(const Image8& a, const Image8& b) {
    REQUIRE(a.width == b.width);
    REQUIRE(a.height == b.height);
    REQUIRE(a.pixels.size() == b.pixels.size());
    size_t n = 0;
    int most = 0;
    for (size_t i = 0; i < a.pixels.size(); ++i) {
        const int d = std::abs(int(a.pixels[i]) - int(b.pixels[i]));
        n += d != 0, most = std::max(most, d);
    }
    return {n, most};
}

// A frame like synth's: smooth gradients, hard coloured edges and noise (what chroma subsampling and
// the DCT treat differently).
cv::Mat test_frame(int width, int height, int channels, uint64_t seed) {
    Rng rng(seed);
    cv::Mat m(height, width, CV_8UC(channels));
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x)
            for (int c = 0; c < channels; ++c) {
                const int edge = ((x / 9 + y / 6 + c) % 3) * 90;
                m.ptr(y)[x * channels + c] = uint8_t((x * 3 + y * (c + 1) + edge + int(rng.between(0, 30))) % 256);
            }
    return m;
}

ImageView view(const cv::Mat& m, PixelOrder order) { return {m.data, m.cols, m.rows, m.step, order}; }

std::string imencode(const cv::Mat& m, const std::string& ext, const std::vector<int>& params) {
    std::vector<uint8_t> bytes;
    REQUIRE(cv::imencode(ext, m, bytes, params));
    return std::string(bytes.begin(), bytes.end());
}

}  // namespace

TEST_CASE("JPEG frames decode to exactly PIL's Image.open(...).convert('RGB') (subsamplings, gray, progressive, EXIF)") {
    // tests/fixtures/jpeg: saved and decoded by PIL (make_jpeg_fixtures.py); tests/fixtures/resize:
    // synth frames PIL re-saved at odd sizes, with PIL's decode kept beside them.
    int cases = 0;
    for (const char* folder : {"jpeg", "resize"}) {
        const fs::path dir = fs::path(R2BENCH_FIXTURES) / folder;
        const auto manifest = nlohmann::json::parse(read_file(dir / "cases.json"));
        for (const auto& c : manifest.at("cases")) {
            const std::string name = c["name"];
            CAPTURE(name);
            const fs::path pil = dir / (name + (std::string(folder) == "jpeg" ? "_pil.png" : "_decoded.png"));
            const Image8 decoded = read_jpeg_rgb(dir / (name + ".jpg"));
            CHECK(decoded.channels == 3);
            const auto [pixels, most] = difference(decoded, png_rgb(pil));
            CHECK(pixels == 0);
            CHECK(most == 0);
            ++cases;
        }
    }
    CHECK(cases >= 12);
    // The EXIF orientation tag (6: rotate 90°) is ignored as PIL ignores it: 40x24 stays 40x24
    // (OpenCV's imread would turn it to 24x40).
    const Image8 tagged = read_jpeg_rgb(fs::path(R2BENCH_FIXTURES) / "jpeg" / "exif_rotated.jpg");
    CHECK(tagged.width == 40);
    CHECK(tagged.height == 24);
}

TEST_CASE("a JPEG r2bench writes decodes to PIL's pixels too (live, where Debian's python3-pil is installed)") {
    if (run_command("/usr/bin/python3 -c 'import PIL.Image' 2>/dev/null") != 0) {
        MESSAGE("skipped: /usr/bin/python3 has no PIL (scripts/setup.sh --python installs python3-pil); the committed "
                "fixtures above still check the decoder");
        return;
    }
    TempDir dir;
    for (const auto& [width, height, quality] : std::vector<std::tuple<int, int, int>>{{83, 47, 90}, {16, 16, 75}, {121, 9, 95}}) {
        CAPTURE(width);
        const fs::path jpg = dir / fmt::format("{}x{}.jpg", width, height), raw = dir / fmt::format("{}x{}.rgb", width, height);
        write_file_atomically(jpg, encode_jpeg(view(test_frame(width, height, 3, uint64_t(width)), PixelOrder::bgr), quality));
        REQUIRE(run_command(fmt::format("/usr/bin/python3 -c \"import sys; from PIL import Image; "
                                        "open(sys.argv[2], 'wb').write(Image.open(sys.argv[1]).convert('RGB').tobytes())\" '{}' '{}'",
                                        jpg.string(), raw.string())) == 0);
        const Image8 ours = read_jpeg_rgb(jpg);
        const std::string pil = read_file(raw);
        REQUIRE(pil.size() == ours.pixels.size());
        CHECK(pil == std::string(ours.pixels.begin(), ours.pixels.end()));
    }
}

TEST_CASE("encode_jpeg writes the bytes OpenCV's imencode wrote (synth frames and thumbnails keep theirs)") {
    for (const int quality : {75, 90, 95, 100}) {
        CAPTURE(quality);
        const cv::Mat bgr = test_frame(70, 39, 3, uint64_t(quality));
        const std::string ours = encode_jpeg(view(bgr, PixelOrder::bgr), quality);
        CHECK(ours == imencode(bgr, ".jpg", {cv::IMWRITE_JPEG_QUALITY, quality}));
        const cv::Mat gray = test_frame(33, 20, 1, uint64_t(quality));
        CHECK(encode_jpeg(view(gray, PixelOrder::gray), quality) == imencode(gray, ".jpg", {cv::IMWRITE_JPEG_QUALITY, quality}));
        // RGB order gives the same file as the BGR Mat it came from.
        cv::Mat rgb;
        cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
        CHECK(encode_jpeg(view(rgb, PixelOrder::rgb), quality) == ours);
    }
    // A view into a wider Mat (row_bytes > width * 3) encodes only its own columns.
    const cv::Mat wide = test_frame(90, 30, 3, 7);
    const cv::Mat part = wide(cv::Rect(5, 2, 40, 20));
    CHECK(encode_jpeg(view(part, PixelOrder::bgr), 90) == imencode(part.clone(), ".jpg", {cv::IMWRITE_JPEG_QUALITY, 90}));
}

TEST_CASE("encode_png writes the bytes OpenCV's imencode wrote (masks: default level; thumbnails: level 9, BGR and BGRA)") {
    cv::Mat mask = cv::Mat::zeros(37, 53, CV_8U);
    cv::circle(mask, {20, 18}, 11, cv::Scalar(255), -1);
    CHECK(encode_png(view(mask, PixelOrder::gray)) == imencode(mask, ".png", {}));
    const cv::Mat bgr = test_frame(48, 27, 3, 3), bgra = test_frame(48, 27, 4, 4);
    CHECK(encode_png(view(bgr, PixelOrder::bgr), 9) == imencode(bgr, ".png", {cv::IMWRITE_PNG_COMPRESSION, 9}));
    CHECK(encode_png(view(bgra, PixelOrder::bgra), 9) == imencode(bgra, ".png", {cv::IMWRITE_PNG_COMPRESSION, 9}));
    // And they decode back to the same pixels.
    const std::string png = encode_png(view(bgra, PixelOrder::bgra), 9);
    const cv::Mat back = cv::imdecode(std::vector<uint8_t>(png.begin(), png.end()), cv::IMREAD_UNCHANGED);
    REQUIRE(back.type() == CV_8UC4);
    CHECK(cv::countNonZero(back.reshape(1) != bgra.reshape(1)) == 0);
    CHECK_THROWS_AS(encode_png(ImageView{}), Error);
}

TEST_CASE("a missing, truncated or non-JPEG frame is an error naming the file") {
    TempDir dir;
    const std::string good = encode_jpeg(view(test_frame(64, 40, 3, 1), PixelOrder::bgr), 90);
    auto problem = [](const fs::path& path) {
        try {
            read_jpeg_rgb(path);
        } catch (const FileError& e) {
            CHECK(e.file() == path);
            return e.problem();
        }
        FAIL("no error for " << path);
        return std::string();
    };
    CHECK(problem(dir / "absent.jpg") == "no such file");
    write_file_atomically(dir / "text.jpg", "this is not a JPEG");
    CHECK(problem(dir / "text.jpg").find("not a JPEG") != std::string::npos);
    write_file_atomically(dir / "empty.jpg", "");
    CHECK(problem(dir / "empty.jpg").find("not a JPEG") != std::string::npos);
    write_file_atomically(dir / "header_only.jpg", good.substr(0, 200));
    CHECK_FALSE(problem(dir / "header_only.jpg").empty());
    write_file_atomically(dir / "cut.jpg", good.substr(0, good.size() * 2 / 3));
    CHECK(problem(dir / "cut.jpg").find("truncated JPEG") != std::string::npos);
    // Bytes after the end-of-image marker are ignored, as PIL ignores them.
    write_file_atomically(dir / "trailing.jpg", good + "trailing bytes");
    CHECK(read_jpeg_rgb(dir / "trailing.jpg").pixels == decode_jpeg_rgb(good, "good.jpg").pixels);
    // A header claiming more pixels than allowed is refused before any pixel is decoded.
    CHECK_THROWS_AS(decode_jpeg_rgb(good, "big.jpg", 64 * 40 - 1), FileError);
    CHECK(decode_jpeg_rgb(good, "ok.jpg", 64 * 40).width == 64);
}
