#include <doctest/doctest.h>

#include <opencv2/imgproc.hpp>

#include "core/rng.h"
#include "metrics/bitmask.h"
#include "metrics/frame_metrics.h"
#include "metrics/robustness.h"
#include "test_util.h"

using namespace r2;
using r2::test::labels_from_rows;

static BitMask bits(const std::vector<std::string>& rows) { return mask_of_foreground(labels_from_rows(rows)); }

static std::vector<std::string> rows_of(const BitMask& m) {
    std::vector<std::string> rows;
    for (int y = 0; y < m.height; ++y) {
        std::string r;
        for (int x = 0; x < m.width; ++x) r += m.get(x, y) ? '1' : '.';
        rows.push_back(r);
    }
    return rows;
}

TEST_CASE("packing labels into bits") {
    const LabelMap m = labels_from_rows({".12.", "2..1"});
    CHECK(rows_of(mask_of_label(m, 1)) == std::vector<std::string>{".1..", "...1"});
    CHECK(rows_of(mask_of_label(m, 2)) == std::vector<std::string>{"..1.", "1..."});
    CHECK(rows_of(mask_of_foreground(m)) == std::vector<std::string>{".11.", "1..1"});
    // Wide rows (SIMD path plus tail) and padding bits stay zero.
    LabelMap wide(130, 2, 0);
    wide.at(0, 0) = 5, wide.at(63, 0) = 5, wide.at(64, 0) = 5, wide.at(129, 1) = 9;
    const BitMask fg = mask_of_foreground(wide);
    CHECK(count(fg) == 4);
    CHECK(fg.get(63, 0));
    CHECK(fg.get(64, 0));
    CHECK(fg.get(129, 1));
    CHECK((fg.row(1)[2] & ~fg.last_word_mask()) == 0);
    const BitMask empty_fg = mask_of_foreground(LabelMap(130, 2, 0));
    CHECK(count(empty_fg) == 0);
}

TEST_CASE("J: hand-computed IoU and its empty cases") {
    const BitMask gt = bits({"....", ".11.", ".11.", "...."});
    CHECK(jaccard(gt, bits({"....", ".1..", ".1..", "...."})) == doctest::Approx(2.0 / 4.0));
    CHECK(jaccard(gt, bits({"....", "..11", "..11", "...."})) == doctest::Approx(2.0 / 6.0));
    CHECK(jaccard(gt, gt) == 1.0);
    const BitMask empty = bits({"....", "....", "....", "...."});
    CHECK(jaccard(empty, empty) == 1.0);  // both empty ⇒ 1, as DAVIS
    CHECK(jaccard(gt, empty) == 0.0);
    CHECK(jaccard(empty, gt) == 0.0);
    const BitMask full = bits({"1111", "1111", "1111", "1111"});
    CHECK(jaccard(full, gt) == doctest::Approx(4.0 / 16.0));
}

TEST_CASE("seg2bmap: DAVIS boundary rules, edge by edge") {
    // One pixel: it and its west, north and north-west neighbours are boundary pixels
    // (the boundary is offset half a pixel towards the origin).
    CHECK(rows_of(seg2bmap(bits({"....", ".1..", "....", "...."}))) ==
          std::vector<std::string>{"11..", "11..", "....", "...."});
    // A full mask has no boundary at all: the image border does not count.
    CHECK(count(seg2bmap(bits({"111", "111", "111"}))) == 0);
    // Last row compares with the east neighbour only; last column with the south only;
    // the bottom-right pixel is never a boundary.
    CHECK(rows_of(seg2bmap(bits({"...", "...", ".11"}))) == std::vector<std::string>{"...", "111", "1.."});
    CHECK(rows_of(seg2bmap(bits({"..1", "..1", "..1"}))) == std::vector<std::string>{".1.", ".1.", ".1."});
    CHECK(rows_of(seg2bmap(bits({"...", "...", "..1"}))) == std::vector<std::string>{"...", ".11", ".1."});
    // A horizontal thin line: every line pixel differs from its south neighbour.
    // (All the cases here were also checked against davis2017's _seg2bmap.)
    CHECK(rows_of(seg2bmap(bits({".....", ".111.", "....."}))) ==
          std::vector<std::string>{"1111.", "1111.", "....."});
    // Single row and single column images.
    CHECK(rows_of(seg2bmap(bits({".11."}))) == std::vector<std::string>{"1.1."});
    CHECK(rows_of(seg2bmap(bits({".", "1", "1", "."}))) == std::vector<std::string>{"1", ".", "1", "."});
}

TEST_CASE("boundary radius is ceil(0.008 * diagonal)") {
    CHECK(boundary_radius(854, 480) == 8);   // 0.008 * 979.6 = 7.84
    CHECK(boundary_radius(640, 360) == 6);   // 0.008 * 734.3 = 5.87
    CHECK(boundary_radius(64, 64) == 1);     // 0.008 * 90.5 = 0.72
    CHECK(boundary_radius(1920, 1080) == 18);
    CHECK(boundary_radius(100, 100, 3.0) == 3);  // bound_th >= 1 is a pixel count
}

TEST_CASE("disk dilation equals OpenCV's dilate with skimage's disk") {
    Rng rng(11);
    for (int trial = 0; trial < 24; ++trial) {
        const int w = int(rng.between(1, 200)), h = int(rng.between(1, 60)), r = int(rng.between(0, 12));
        const double density = trial % 3 == 0 ? 0.3 : 0.01;
        LabelMap m(w, h);
        for (auto& v : m.labels) v = rng.chance(density) ? 1 : 0;
        cv::Mat src(h, w, CV_8U, m.labels.data());
        cv::Mat kernel(2 * r + 1, 2 * r + 1, CV_8U, cv::Scalar(0));
        for (int y = -r; y <= r; ++y)
            for (int x = -r; x <= r; ++x)
                if (x * x + y * y <= r * r) kernel.at<uint8_t>(y + r, x + r) = 1;
        cv::Mat dst;
        cv::dilate(src, dst, kernel);
        LabelMap expected(w, h);
        std::copy(dst.data, dst.data + w * h, expected.labels.begin());
        const BitMask mine = dilate_disk(mask_of_foreground(m), r);
        CHECK_MESSAGE(mine == mask_of_foreground(expected), "w=", w, " h=", h, " r=", r);

        // count_within (sparse probing or dense rows, whichever it picks) equals |points ∧ dilation|.
        LabelMap p(w, h);
        for (auto& v : p.labels) v = rng.chance(density) ? 1 : 0;
        const BitMask points = mask_of_foreground(p);
        CHECK(count_within(points, mask_of_foreground(m), r) == count_and(points, mine));
    }
}

TEST_CASE("F: hand-computed precision, recall and the empty cases") {
    // 10x10: diagonal 14.1, radius ceil(0.113) = 1.
    const std::vector<std::string> square = {
        "..........", "..........", "..1111....", "..1111....", "..1111....",
        "..1111....", "..........", "..........", "..........", ".........."};
    const BitMask gt = bits(square);
    CHECK(boundary_f(gt, gt).f == 1.0);
    const BoundaryScore none = boundary_f(gt, bits(std::vector<std::string>(10, "..........")));
    CHECK(none.precision == 1.0);  // no predicted boundary: precision 1, recall 0 ⇒ F 0
    CHECK(none.recall == 0.0);
    CHECK(none.f == 0.0);
    const BoundaryScore hallucinated = boundary_f(bits(std::vector<std::string>(10, "..........")), gt);
    CHECK(hallucinated.precision == 0.0);
    CHECK(hallucinated.recall == 1.0);
    CHECK(hallucinated.f == 0.0);
    const BitMask empty = bits(std::vector<std::string>(10, ".........."));
    CHECK(boundary_f(empty, empty).f == 1.0);
    // A full ground truth has no boundary either: an empty prediction then scores F = 1 (J = 0).
    const BitMask full = bits(std::vector<std::string>(10, "1111111111"));
    CHECK(boundary_f(full, empty).f == 1.0);
    CHECK(jaccard(full, empty) == 0.0);

    // The square shifted right by 3 (columns 5..8). Both outlines are 5x5 rings of 16 px
    // (rows 1..5, columns 1..5 and 4..8). With the radius-1 cross, the prediction's ring pixels
    // within reach of the ground truth's are its whole column 4 (5 px) and its top and bottom
    // pixels in columns 5 and 6 (4 px): 9 of 16, and the same the other way round.
    std::vector<std::string> shifted = square;
    for (auto& row : shifted) row = "..." + row.substr(0, 7);
    const BitMask pred = bits(shifted);
    CHECK(count(seg2bmap(gt)) == 16);
    CHECK(count(seg2bmap(pred)) == 16);
    const BoundaryScore s = boundary_f(gt, pred);
    CHECK(s.precision == 9.0 / 16.0);
    CHECK(s.recall == 9.0 / 16.0);
    CHECK(s.f == doctest::Approx(0.5625));  // davis2017's f_measure gives 0.5625 too
}

TEST_CASE("one pixel and thin line cases") {
    // One-pixel GT and a one-pixel prediction one step diagonally away, radius 1.
    std::vector<std::string> a(10, ".........."), b(10, "..........");
    a[4][4] = '1';
    b[5][5] = '1';
    const BoundaryScore s = boundary_f(bits(a), bits(b));
    // Each pixel has a 2x2 boundary block; blocks {3,4}x{3,4} and {4,5}x{4,5} overlap at (4,4):
    // within radius 1 of the other block are 3 of 4 pixels on each side.
    CHECK(s.precision == doctest::Approx(0.75));
    CHECK(s.recall == doctest::Approx(0.75));
    CHECK(jaccard(bits(a), bits(b)) == 0.0);
    // Identical thin lines score 1.
    std::vector<std::string> line(10, "..........");
    line[3] = ".11111111.";
    CHECK(boundary_f(bits(line), bits(line)).f == 1.0);
    CHECK(jaccard(bits(line), bits(line)) == 1.0);
}

TEST_CASE("R and J&F&R") {
    CHECK(*robustness(1000, 0) == 1.0);
    CHECK(*robustness(1000, 250) == doctest::Approx(0.75));
    CHECK(*robustness(100, 300) == doctest::Approx(-2.0));  // no clamping
    CHECK(*robustness(0, 0) == 1.0);
    CHECK_FALSE(robustness(0, 5).has_value());
    // The paper's Table 2: (54.8 + 56.5 + 30.6) / 3 = 47.3.
    CHECK(*jfr(0.548, 0.565, 0.306) == doctest::Approx(0.473).epsilon(1e-9));
    CHECK_FALSE(jfr(0.5, 0.5, std::nullopt).has_value());
}
