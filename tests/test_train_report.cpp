// The training report: train_log.jsonl as a resumed run writes it, the numeric-axis curve chart,
// and the page that puts them together.
#include <doctest/doctest.h>

#include <cmath>

#include <fstream>
#include <regex>

#include "core/atomic_file.h"
#include "core/error.h"
#include "reports/svg.h"
#include "reports/train_report.h"
#include "test_util.h"

using namespace r2;
using r2::test::TempDir;
namespace fs = std::filesystem;

namespace {

void write_text(const fs::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

size_t count_of(const std::string& haystack, const std::string& needle) {
    size_t n = 0;
    for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
    return n;
}

// The labels of one axis in drawing order: the y axis's stand right-aligned ('end'), the x
// axis's are centred with class 'tick'.
std::vector<std::string> axis_labels(const std::string& svg, bool y_axis) {
    static const std::regex label(R"(<text x='[-0-9.]+' y='[-0-9.]+' font-size='11' text-anchor='(\w+)'( class='tick')?>([^<]*)</text>)");
    std::vector<std::string> out;
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), label); it != std::sregex_iterator(); ++it) {
        const bool is_y = (*it)[1] == "end", is_x = (*it)[2].matched;
        if (y_axis ? is_y : is_x) out.push_back((*it)[3]);
    }
    return out;
}

// The d attribute of every <path>, in order.
std::vector<std::string> path_data(const std::string& svg) {
    static const std::regex path(R"(<path d='([^']*)')");
    std::vector<std::string> out;
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), path); it != std::sregex_iterator(); ++it) out.push_back((*it)[1]);
    return out;
}

}  // namespace

TEST_CASE("read_train_log keeps the last line of a repeated step and skips checkpoint events") {
    TempDir dir;
    const fs::path log_path = dir / "train_log.jsonl";
    write_text(log_path,
               R"({"step": 10, "loss": 3.0, "lr": 0.0001, "seconds": 5.0, "terms": {"loss_ce": 1.0, "loss_dice": 2.0}})"
               "\n"
               R"({"step": 20, "loss": 2.0, "lr": 0.0001, "seconds": 10.0, "terms": {"loss_ce": 0.5, "loss_dice": 1.5}})"
               "\n"
               R"({"event": "checkpoint", "step": 20, "path": "checkpoints/step20.pt"})"
               "\n"
               // The run resumed from an earlier checkpoint and logged step 20 again.
               R"({"step": 20, "loss": 2.5, "lr": 0.0002, "seconds": 12.0, "terms": {"loss_ce": 0.7, "loss_dice": 1.8}})"
               "\n"
               R"({"step": 30, "loss": 1.0, "seconds": 20.0})"
               "\n\n");
    const std::vector<TrainLogEntry> log = read_train_log(log_path);
    REQUIRE(log.size() == 3);
    CHECK(log[0].step == 10);
    CHECK(log[0].loss == 3.0);
    CHECK(log[0].terms.at("loss_dice") == 2.0);
    CHECK(log[1].step == 20);
    CHECK(log[1].loss == 2.5);
    CHECK(log[1].lr == doctest::Approx(0.0002));
    CHECK(log[1].seconds == 12.0);
    CHECK(log[1].terms.at("loss_ce") == doctest::Approx(0.7));
    CHECK(log[1].terms.at("loss_dice") == doctest::Approx(1.8));
    CHECK(log[2].step == 30);
    CHECK(log[2].loss == 1.0);
    CHECK(std::isnan(log[2].lr));  // left out of the line
    CHECK(log[2].terms.empty());
}

TEST_CASE("read_train_log names the file and the line of a malformed or step-less line") {
    TempDir dir;
    const fs::path log_path = dir / "train_log.jsonl";
    write_text(log_path, "{\"step\": 1, \"loss\": 2.0}\n{\"event\": \"checkpoint\"}\n{\"step\": 3, \"loss\": \n");
    try {
        read_train_log(log_path);
        FAIL("a malformed line was accepted");
    } catch (const FileError& e) {
        CHECK(e.file() == log_path);
        CHECK(e.problem().rfind("line 3: malformed JSON", 0) == 0);
        CHECK(std::string(e.what()).find(log_path.string() + ": line 3:") != std::string::npos);
    }
    write_text(log_path, "{\"step\": 1, \"loss\": 2.0}\n{\"loss\": 1.5, \"lr\": 0.001}\n");
    CHECK_THROWS_WITH_AS(read_train_log(log_path), doctest::Contains("train_log.jsonl: line 2: a loss line without \"step\""),
                         FileError);
    write_text(log_path, "{\"step\": 1, \"loss\": \"low\"}\n");
    CHECK_THROWS_WITH_AS(read_train_log(log_path), doctest::Contains("line 1: \"loss\" is not a number"), FileError);
    CHECK_THROWS_AS(read_train_log(dir / "missing.jsonl"), FileError);
}

TEST_CASE("svg curves: one path per series on nice numeric ticks") {
    const std::vector<double> steps = {0, 250, 500, 750, 1000};
    const std::string s = svg::curves({{"loss", steps, {4, 3, 2, 1.5, 1}}, {"loss_ce", steps, {3.5, 2, 1, 0.5, 0.25}}}, "Total loss",
                                      "step", "loss", false);
    CHECK(s.rfind("<svg", 0) == 0);
    CHECK(count_of(s, "<path") == 2);
    CHECK(axis_labels(s, false) == std::vector<std::string>{"0", "200", "400", "600", "800", "1000"});
    CHECK(axis_labels(s, true) == std::vector<std::string>{"0", "1", "2", "3", "4"});
    const std::vector<std::string> d = path_data(s);
    REQUIRE(d.size() == 2);
    // Plot from x = 56 to 520 and y = 214 (0) up to 34 (4): the loss starts at the top left corner
    // and ends at 1 on the right edge.
    CHECK(d[0] == "M56.0,34.0L172.0,79.0L288.0,124.0L404.0,146.5L520.0,169.0");
    CHECK(d[1].rfind("M56.0,56.5L", 0) == 0);
    CHECK(s.find(">Total loss</text>") != std::string::npos);
    CHECK(s.find(">step</text>") != std::string::npos);
    CHECK(s.find(">loss_ce</text>") != std::string::npos);  // in the legend
    CHECK(s.find("<title>loss_ce</title>") != std::string::npos);

    // A learning rate of 1e-4 gets one notation on the whole axis, not a mix of 0.0001 and 2.5e-05.
    const std::string lr = svg::curves({{"learning rate", {0, 100}, {1e-4, 1e-4}}}, "Learning rate", "step", "lr", false);
    CHECK(axis_labels(lr, true) == std::vector<std::string>{"0", "2.5e-5", "5e-5", "7.5e-5", "1e-4"});
}

TEST_CASE("svg curves with log_y: decade ticks, and values at or below 0 are left out") {
    const std::string s = svg::curves({{"loss_dice", {1, 2, 3, 4, 5, 6}, {10, 1, 0, -1, 0.1, 0.01}}, {"loss_off", {1, 2}, {0, 0}}},
                                      "Loss terms", "step", "loss", true);
    CHECK(axis_labels(s, true) == std::vector<std::string>{"0.01", "0.1", "1", "10"});
    CHECK(axis_labels(s, false) == std::vector<std::string>{"1", "2", "3", "4", "5", "6"});
    const std::vector<std::string> d = path_data(s);
    REQUIRE(d.size() == 1);  // the series with no positive value draws no line
    // Two pieces, broken where the values were 0 and -1: 10 at the top (y 34), 0.01 at the bottom (214).
    CHECK(d[0] == "M56.0,34.0L148.8,94.0M427.2,154.0L520.0,214.0");
    CHECK(s.find(">loss_off (no positive values)</text>") != std::string::npos);

    // A lone positive value between two gaps still shows, as a zero-length segment.
    const std::string lone = svg::curves({{"x", {0, 1, 2}, {0, 1, -2}}}, "t", "step", "v", true);
    const std::vector<std::string> lone_d = path_data(lone);
    REQUIRE(lone_d.size() == 1);
    CHECK(lone_d[0] == "M288.0,214.0L288.0,214.0");

    // Decades below 0.001 are written 1eN, all of them, rather than a mix of 0.01 and 1e-05.
    const std::string small = svg::curves({{"loss_bbox", {0, 1}, {1, 2e-5}}}, "t", "step", "v", true);
    CHECK(axis_labels(small, true) == std::vector<std::string>{"1e-5", "1e-4", "1e-3", "1e-2", "1e-1", "1e0"});
}

TEST_CASE("svg curves keep a long run to a few points per pixel column") {
    svg::Curve loss{"loss", {}, {}};
    for (int i = 0; i < 20000; ++i) loss.x.push_back(i), loss.y.push_back(1 + (i % 7) * 0.1);
    const std::vector<std::string> d = path_data(svg::curves({loss}, "t", "step", "loss", false));
    REQUIRE(d.size() == 1);
    const size_t points = count_of(d[0], ",");
    CHECK(points <= 4 * 465);  // first, lowest, highest and last of each of the 464 columns
    CHECK(points >= 2 * 464);
    CHECK(d[0].rfind("M56.0,", 0) == 0);
}

TEST_CASE("write_train_report writes the summary and the three charts") {
    TempDir dir;
    std::vector<TrainLogEntry> log;
    for (int i = 0; i < 40; ++i) {
        TrainLogEntry e;
        e.step = 10 * (i + 1);
        e.loss = 20 - 0.5 * i;
        e.lr = i < 20 ? 1e-4 : 1e-5;
        e.seconds = double(e.step) / 2;  // 2 steps per second
        e.terms = {{"loss_ce", 0.25 * e.loss}, {"loss_dice", 0.75 * e.loss}};
        log.push_back(e);
    }
    const fs::path html_path = dir / "out" / "train_report.html";
    write_train_report(html_path, "ReferFormer <tiny>", log);
    const std::string html = read_file(html_path);
    CHECK(html.find("<title>r2bench training report: ReferFormer &lt;tiny&gt;</title>") != std::string::npos);
    CHECK(html.find("<h1>r2bench training report: ReferFormer &lt;tiny&gt;</h1>") != std::string::npos);
    // 400 steps, loss 20 → 0.5: the first 10 steps average (20 + … + 15.5) / 10 = 17.75, the last
    // 10 (5 + … + 0.5) / 10 = 2.75; 2 steps/s.
    CHECK(html.find("<td>400</td><td>17.75</td><td>2.75</td><td>2</td>") != std::string::npos);
    CHECK(initial_loss(log) == 17.75);
    CHECK(final_loss(log) == 2.75);
    CHECK(count_of(html, "<svg") == 3);
    CHECK(html.find(">Total loss</text>") != std::string::npos);
    CHECK(html.find(">Loss terms: final decoder layer (log scale)</text>") != std::string::npos);
    CHECK(html.find(">Learning rate</text>") != std::string::npos);
    CHECK(html.find(">moving average of 2 steps</text>") != std::string::npos);
    // loss and its moving average, two terms, the learning rate.
    CHECK(count_of(html, "<path") == 5);
    CHECK(html.find(">loss_ce</text>") != std::string::npos);
    CHECK(html.find(">loss_dice</text>") != std::string::npos);
    size_t files = 0;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir / "out")) ++files;
    CHECK(files == 1);  // no temporary file left beside it

    // Steps per second skip the clock restarting at a resume.
    log[20].seconds = 1;
    for (int i = 21; i < 40; ++i) log[size_t(i)].seconds = 1 + (double(log[size_t(i)].step) - 210) / 2;
    write_train_report(html_path, "ReferFormer", log);
    CHECK(read_file(html_path).find("<td>2.75</td><td>2</td>") != std::string::npos);
}

TEST_CASE("train report: 15 loss terms on charts of distinct colours, and the held-out validation passes") {
    TempDir dir;
    // R2-VOS's terms: 5 of the final layer, 5 cycle terms, 5 of an auxiliary layer.
    const std::vector<std::string> names = {"loss_ce",        "loss_bbox",        "loss_giou",         "loss_mask",
                                            "loss_dice",      "loss_cycle_dist",  "loss_cycle_angle",  "loss_cycle_mse",
                                            "loss_cycle_cls", "loss_cycle_contrastive", "loss_ce_0",   "loss_bbox_0",
                                            "loss_giou_0",    "loss_mask_0",      "loss_dice_0"};
    std::vector<TrainLogEntry> log;
    for (int i = 0; i < 5; ++i) {
        TrainLogEntry e;
        e.step = i + 1, e.loss = 10.0 - i, e.lr = 1e-4, e.seconds = i;
        for (size_t t = 0; t < names.size(); ++t) e.terms[names[t]] = 1.0 + double(t);
        log.push_back(e);
    }
    // Fewer steps than the window: all of them.
    CHECK(initial_loss(log) == 8.0);
    CHECK(final_loss(log) == 8.0);
    write_file_atomically(dir / "log.jsonl",
                          "{\"step\": 1, \"loss\": 2}\n"
                          "{\"event\": \"validation\", \"step\": 2, \"J\": 0.5, \"F\": 0.7, \"J&F\": 0.6, \"R\": 0.25, "
                          "\"J&F&R\": 0.4833, \"AUROC\": 0.5, \"alignment_std\": 0.00004, \"expressions\": 8}\n"
                          "{\"event\": \"validation\", \"step\": 4, \"J\": 0.5, \"F\": 0.7, \"J&F\": 0.6, \"R\": null, "
                          "\"J&F&R\": null, \"AUROC\": 0.75, \"alignment_std\": 0.2, \"expressions\": 8}\n"
                          "{\"event\": \"validation\", \"step\": 2, \"J\": 0.5, \"F\": 0.7, \"J&F\": 0.6, \"R\": 0.5, "
                          "\"J&F&R\": 0.6, \"AUROC\": 0.5, \"alignment_std\": 0.00004, \"expressions\": 8}\n");
    auto validation = read_validation_log(dir / "log.jsonl");
    REQUIRE(validation.size() == 2);  // the later line of step 2 wins
    CHECK(validation[0].step == 2);
    CHECK(validation[0].r == 0.5);
    CHECK(validation[0].degenerate());
    CHECK(std::isnan(validation[1].r));
    CHECK_FALSE(validation[1].degenerate());
    CHECK(read_train_log(dir / "log.jsonl").size() == 1);  // validation lines are not steps

    write_train_report(dir / "a.html", "r2vos_tiny", log, validation);
    std::string html = read_file(dir / "a.html");
    // Total loss, validation, final layer (5), cycle (5), auxiliary (5), learning rate: no chart over 8 series.
    CHECK(count_of(html, "<svg") == 6);
    CHECK(html.find(">Loss terms: R2-VOS cycle terms (log scale)</text>") != std::string::npos);
    CHECK(html.find(">Loss terms: auxiliary decoder layers (log scale)</text>") != std::string::npos);
    CHECK(html.find(">Held-out validation (8 expressions per pass)</text>") != std::string::npos);
    CHECK(html.find(">alignment AUROC</text>") != std::string::npos);
    // Each pass is marked (J&F's markers are circles: two passes and the legend's).
    CHECK(count_of(html, "<circle") == 3);
    CHECK(html.find("<title>J&amp;F: 60 at 4</title>") != std::string::npos);
    // The summary holds the last pass: J&F 60.0, R n/a, AUROC 75.0; its head is not degenerate.
    CHECK(html.find("<td>60.0</td><td>n/a</td><td>n/a</td><td>75.0</td>") != std::string::npos);
    CHECK(html.find("do not separate pairs") == std::string::npos);
    validation.pop_back();
    write_train_report(dir / "b.html", "r2vos_tiny", log, validation);
    html = read_file(dir / "b.html");
    CHECK(html.find("The alignment scores do not separate pairs: their standard deviation is 4e-05") != std::string::npos);
    CHECK(html.find("<td>60.0</td><td>50.0</td><td>60.0</td><td>50.0</td>") != std::string::npos);

    // Without validation and with 9 terms of one group: two charts of that group (8 + 1).
    for (auto& e : log)
        for (int k = 1; k <= 4; ++k) e.terms["loss_extra" + std::to_string(k)] = 1.0;
    write_train_report(dir / "c.html", "r2vos_tiny", log);
    html = read_file(dir / "c.html");
    CHECK(html.find(">Loss terms: final decoder layer (1 of 2; log scale)</text>") != std::string::npos);
    CHECK(html.find(">Loss terms: final decoder layer (2 of 2; log scale)</text>") != std::string::npos);
    CHECK(html.find("Held-out") == std::string::npos);
}
