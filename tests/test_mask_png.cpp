#include <doctest/doctest.h>

#include <fstream>

#include <opencv2/imgcodecs.hpp>

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
