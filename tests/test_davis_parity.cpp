// Parity with davis2017-evaluation: tests/fixtures/davis/expected.json holds the values that
// its own Python functions give on the committed masks (made by
// tests/fixtures/make_davis_fixtures.py; see that script for how to rerun it).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/mask_png.h"
#include "metrics/bitmask.h"
#include "metrics/frame_metrics.h"
#include "metrics/statistics.h"

using namespace r2;

static const std::filesystem::path kDir = std::filesystem::path(R2BENCH_FIXTURES) / "davis";

TEST_CASE("J and F equal davis2017-evaluation on the fixtures") {
    const auto expected = nlohmann::json::parse(read_file(kDir / "expected.json"));
    REQUIRE(expected["frames"].size() >= 10);
    for (const auto& c : expected["frames"]) {
        const std::string name = c["name"];
        CAPTURE(name);
        const LabelMap gt_labels = read_label_png(kDir / (name + "_gt.png"));
        const BitMask gt = mask_of_label(gt_labels, uint8_t(c["obj_id"].get<int>()));
        const BitMask pred = mask_of_foreground(read_label_png(kDir / (name + "_pred.png")));
        CHECK(jaccard(gt, pred) == doctest::Approx(c["J"].get<double>()).epsilon(1e-12));
        CHECK(boundary_f(gt, pred).f == doctest::Approx(c["F"].get<double>()).epsilon(1e-12));
    }
}

TEST_CASE("mean, recall and decay equal davis2017-evaluation's db_statistics") {
    const auto expected = nlohmann::json::parse(read_file(kDir / "expected.json"));
    REQUIRE(expected["series"].size() >= 5);
    for (const auto& c : expected["series"]) {
        const std::vector<double> values = c["values"];
        CAPTURE(values.size());
        const SeriesStats s = series_stats(values);
        CHECK(s.mean == doctest::Approx(c["mean"].get<double>()).epsilon(1e-12));
        CHECK(s.recall == doctest::Approx(c["recall"].get<double>()).epsilon(1e-12));
        CHECK(s.decay == doctest::Approx(c["decay"].get<double>()).epsilon(1e-12));
    }
}
