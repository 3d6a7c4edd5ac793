// The R2-VOS paper's ablations as configurations of r2vos_tiny (model_zoo/ablations.h) and
// `r2bench ablate` (runners/ablate.h): each row changes what it says and nothing else, builds, and
// is found by name everywhere a model is; a whole (short) table trains, runs, scores and is written.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "dataset_builder/r2_builder.h"
#include "dataset_builder/source_tree.h"
#include "dataset_builder/synth.h"
#include "model_zoo/referformer_family.h"
#include "model_zoo/ablations.h"
#include "model_zoo/parameter_counts.h"
#include "runners/ablate.h"
#include "runners/trainer.h"
#include "test_util.h"

namespace fs = std::filesystem;
using namespace r2;

TEST_CASE("ablation configurations: 4 + 5 + 3 + 3 rows, each r2vos_tiny with its one change, found by name, counted from its configuration") {
    CHECK(ablation_table(3).size() == 4);
    CHECK(ablation_table(4).size() == 5);
    CHECK(ablation_table(5).size() == 3);
    CHECK(ablation_table(6).size() == 3);
    CHECK(ablation_table(2).empty());
    const RunnableModel& tiny = *find_runnable_model("r2vos_tiny");
    for (const auto& row : ablation_rows()) {
        INFO(row.config);
        CHECK(find_runnable_model("r2vos_tiny:" + row.config) == &row.model);
        CHECK(find_ablation(row.config) == &row);
        CHECK_FALSE(row.model.bundled_weights);
        const auto& family = referformer_family_of(row.model);
        nn::ReferFormer model(family.config);
        int64_t parameters = 0;
        for (const auto& p : model->parameters()) parameters += p.numel();
        CHECK(parameters == nn::parameter_count(family.config));
        CHECK(parameters == row.model.family->parameter_count());
    }
    CHECK(find_runnable_model("r2vos_tiny:t9-nothing") == nullptr);
    // Table 3 takes the parts away from the top; the last row is r2vos_tiny itself.
    auto config_of = [](const char* name) { return referformer_family_of(find_ablation(name)->model).config; };
    auto losses_of = [](const char* name) { return referformer_family_of(find_ablation(name)->model).losses; };
    const auto baseline = config_of("t3-baseline");
    CHECK_FALSE(baseline.dual_fpn);
    CHECK_FALSE(baseline.neg_cls);
    CHECK_FALSE(config_of("t3-eg").neg_cls);
    CHECK(config_of("t3-eg").dual_fpn);
    CHECK(config_of("t3-cc").neg_cls);
    CHECK_FALSE(config_of("t3-cc").mix_query);
    CHECK(config_of("t3-ft").mix_query == referformer_family_of(tiny).config.mix_query);
    // Table 4 changes only the cycle's loss weights; 5 the queries; 6 the clip length.
    CHECK(losses_of("t4-point").cycle_mse == 1);
    CHECK(losses_of("t4-point").cycle_dist == 0);
    CHECK(losses_of("t4-angle").cycle_angle == 1);
    CHECK(losses_of("t4-angle").cycle_dist == 0);
    CHECK(losses_of("t4-none").cycle_cls == referformer_family_of(tiny).losses.cycle_cls);  // the pair classifier still trains
    CHECK(config_of("t5-q9").num_queries == 9);
    CHECK(find_ablation("t6-w5")->model.train_frames == 5);
    CHECK(default_recipe(find_ablation("t6-w1")->model).frames == 1);
    CHECK(default_recipe(tiny).frames == 3);
}

TEST_CASE("ablate: a short Table 5 trains, runs and scores every row, writes table_5.{md,csv,html}, and a rerun reuses the rows") {
    const test::TempDir dir;
    auto train = synth::synth_preset("tiny");
    train.seed = 5, train.videos = 4, train.valid_fraction = 0, train.frames = 5;
    synth::write_synth_dataset(dir.path / "train", train);
    auto held_out = synth::synth_preset("tiny");
    held_out.seed = 11;
    synth::write_synth_dataset(dir.path / "held_out", held_out);
    const SourceTree source = read_source_tree(dir.path / "held_out", SourceFormat::ref_youtube_vos, "valid");
    write_r2(dir.path / "r2", build_r2(source, nullptr, {}), source, nullptr, false, false);

    AblateOptions o;
    o.table = 5, o.out = dir.path / "ablate", o.steps = 2, o.data = dir.path / "train", o.source = dir.path / "held_out";
    o.pairs = dir.path / "r2" / "r2_pairs.json";
    const auto rows = run_ablation(o);
    REQUIRE(rows.size() == 3);
    for (const auto& r : rows) {
        INFO(r.row->config);
        REQUIRE(r.jf.has_value());
        REQUIRE(r.r.has_value());
        CHECK(*r.jf >= 0);
        CHECK(*r.jf <= 1);
        CHECK(r.pair_bce > 0);  // every row of Table 5 has the pair head
        CHECK(fs::is_regular_file(o.out / "rows" / r.row->config / "eval" / "summary.json"));
        CHECK_FALSE(r.reused);
    }
    const std::string md = read_file(o.out / "table_5.md");
    CHECK(md.find("| 1 query | `t5-q1` |") != std::string::npos);
    CHECK(md.find("| 9 queries | `t5-q9` |") != std::string::npos);
    CHECK(read_file(o.out / "table_5.csv").find("5,1 query,t5-q1,") != std::string::npos);
    CHECK(read_file(o.out / "table_5.html").find("<code>t5-q9</code>") != std::string::npos);
    // A rerun reuses every row and gives the same values.
    const auto again = run_ablation(o);
    for (size_t i = 0; i < rows.size(); ++i) {
        CHECK(again[i].reused);
        CHECK(again[i].jf == rows[i].jf);
        CHECK(again[i].r == rows[i].r);
    }
    // Bad options are refused before anything is trained.
    o.table = 7;
    CHECK_THROWS_WITH_AS(run_ablation(o), doctest::Contains("tables are 3, 4, 5 and 6"), Error);
    o.table = 5, o.source.clear();
    CHECK_THROWS_WITH_AS(run_ablation(o), doctest::Contains("go together"), Error);
}

TEST_CASE("ablate: the table files from hand-made rows, with the claim of Table 3") {
    std::vector<AblateRowResult> rows;
    for (const auto* row : ablation_table(3)) {
        AblateRowResult r;
        r.row = row, r.j = 0.5, r.f = 0.6, r.jf = 0.55, r.r = row->config == "t3-cc" || row->config == "t3-ft" ? 0.9 : 0.1, r.jfr = 0.4;
        r.train_seconds = 12;
        rows.push_back(r);
    }
    const std::string md = ablation_markdown(3, rows, 150);
    CHECK(md.find("each trained 150 steps") != std::string::npos);
    CHECK(md.find("| +CC | `t3-cc` | 55.0 | 50.0 | 60.0 | 90.0 | 40.0 | n/a | - | 12 |") != std::string::npos);
    CHECK(md.find("moves R from 10.0 (+EG) to 90.0: +80.0 points") != std::string::npos);
    const std::string csv = ablation_csv(rows);
    CHECK(csv.rfind("table,row,config,J&F,J,F,R,J&F&R,AUROC,pair_bce,train_seconds,run_seconds\n", 0) == 0);
    CHECK(csv.find("3,+EG,t3-eg,0.550000,0.500000,0.600000,0.100000,0.400000,,,12.0,0.0\n") != std::string::npos);
    CHECK(ablation_html(3, rows, 150).find("<td>+FT</td>") != std::string::npos);
}
