#include <doctest/doctest.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/pairs.h"
#include "core/ytvos_meta.h"
#include "test_util.h"

using namespace r2;
using r2::test::TempDir;

static const char* kExpressions = R"({"videos": {
  "b0c": {"expressions": {"0": {"exp": "a person riding a bike", "obj_id": "1"},
                          "1": {"exp": "the bike", "obj_id": "2"}},
          "frames": ["00000", "00005", "00010"]},
  "a1d": {"expressions": {"0": {"exp": "a dog"}}, "frames": ["00000"]}}})";

static const char* kMeta = R"({"videos": {
  "b0c": {"objects": {"1": {"category": "person", "frames": ["00000", "00005"]},
                      "2": {"category": "bike", "frames": ["00000"]}}},
  "a1d": {"objects": {"1": {"category": "dog", "frames": ["00000"]}}}}})";

TEST_CASE("meta_expressions.json reads in file order and round-trips") {
    const MetaExpressions m = parse_meta_expressions(kExpressions, "x.json");
    REQUIRE(m.videos.size() == 2);
    CHECK(m.videos[0].name == "b0c");  // file order, not sorted
    CHECK(m.videos[0].expressions[1].text == "the bike");
    CHECK(m.videos[0].expressions[1].obj_id == "2");
    CHECK(m.videos[1].expressions[0].obj_id.empty());
    CHECK(m.videos[0].frames.size() == 3);
    CHECK(m.expression_count() == 3);
    CHECK(m.find("a1d")->find_expression("0")->text == "a dog");
    CHECK(m.find("zzz") == nullptr);

    TempDir dir;
    write_meta_expressions(dir / "m.json", m);
    const MetaExpressions back = read_meta_expressions(dir / "m.json");
    CHECK(meta_expressions_to_json(back) == meta_expressions_to_json(m));
    CHECK(back.videos[0].expressions[0].text == "a person riding a bike");
}

TEST_CASE("meta.json reads objects and round-trips") {
    const VideoMeta m = parse_video_meta(kMeta, "meta.json");
    CHECK(m.find("b0c")->find_object("2")->category == "bike");
    CHECK(m.find("b0c")->find_object("1")->frames.size() == 2);
    TempDir dir;
    write_video_meta(dir / "meta.json", m);
    CHECK(video_meta_to_json(read_video_meta(dir / "meta.json")) == video_meta_to_json(m));
    check_expressions_against_meta(parse_meta_expressions(kExpressions, "e.json"), m, "e.json");
}

TEST_CASE("metadata problems name the file, the video and the key") {
    CHECK_THROWS_WITH_AS(parse_meta_expressions("{\"videos\": {\"v\": {\"frames\": [\"0\"]}}}", "bad.json"),
                         "bad.json: video 'v': missing key 'expressions'", FileError);
    CHECK_THROWS_WITH_AS(
        parse_meta_expressions(R"({"videos": {"v": {"expressions": {"0": {"obj_id": "1"}}, "frames": ["0"]}}})", "bad.json"),
        "bad.json: video 'v' expression '0': missing key 'exp'", FileError);
    CHECK_THROWS_WITH_AS(
        parse_meta_expressions(R"({"videos": {"v": {"expressions": {}, "frames": ["0", "5", "0"]}}})", "bad.json"),
        "bad.json: video 'v' frames: duplicate frame '0'", FileError);
    CHECK_THROWS_WITH_AS(parse_meta_expressions(R"({"videos": {"v": {"expressions": {}, "frames": []}}})", "bad.json"),
                         "bad.json: video 'v': 'frames' is empty", FileError);
    CHECK_THROWS_WITH_AS(parse_meta_expressions("{\"vid", "bad.json"), doctest::Contains("bad.json: invalid JSON"), FileError);
    CHECK(parse_video_meta(R"({"videos": {"v": {"objects": {"1": {"category": "cat"}}}}})", "m").videos[0].objects[0].frames.empty());
    CHECK_THROWS_WITH_AS(parse_video_meta(R"({"videos": {"v": {"objects": {"1": {"frames": []}}}}})", "meta.json"),
                         "meta.json: video 'v' object '1': missing key 'category'", FileError);
    CHECK_THROWS_WITH_AS(read_meta_expressions("/nonexistent/meta_expressions.json"),
                         doctest::Contains("/nonexistent/meta_expressions.json: cannot open"), FileError);

    const VideoMeta meta = parse_video_meta(kMeta, "meta.json");
    const MetaExpressions unknown = parse_meta_expressions(
        R"({"videos": {"b0c": {"expressions": {"0": {"exp": "x", "obj_id": "7"}}, "frames": ["00000"]},
                       "new": {"expressions": {}, "frames": ["00000"]}}})", "e.json");
    CHECK_THROWS_WITH_AS(check_expressions_against_meta(unknown, meta, "e.json"),
                         doctest::Contains("video 'b0c' expression '0': unknown object id '7'"), FileError);
    CHECK_THROWS_WITH_AS(check_expressions_against_meta(unknown, meta, "e.json"),
                         doctest::Contains("video 'new' is not in meta.json"), FileError);
}

TEST_CASE("natural order of ids and frames") {
    CHECK(natural_less("2", "10"));
    CHECK_FALSE(natural_less("10", "2"));
    CHECK(natural_less("00005", "00010"));
    CHECK(natural_less("abc", "abd"));
}

TEST_CASE("r2_pairs.json round trip and validation") {
    R2Pairs pairs;
    pairs.provenance["seed"] = 0;
    pairs.pairs.push_back({"v1", "0", "a cat", "1", "v2", {"00000", "00005"}, {"00000"}});
    pairs.pairs.push_back({"v2", "0", "a car", "", "v1", {"00000"}, {"00000", "00005"}});
    TempDir dir;
    write_r2_pairs(dir / "p.json", pairs);
    const R2Pairs back = read_r2_pairs(dir / "p.json");
    CHECK(back.provenance["seed"] == 0);
    REQUIRE(back.pairs.size() == 2);
    CHECK(back.pairs[0].negative_video == "v2");
    CHECK(back.pairs[1].obj_id.empty());
    CHECK(r2_pairs_to_json(back) == r2_pairs_to_json(pairs));

    CHECK_THROWS_WITH_AS(parse_r2_pairs(R"({"schema_version": 9, "pairs": []})", "p.json"),
                         doctest::Contains("schema_version 9 is not supported"), FileError);
    CHECK_THROWS_WITH_AS(parse_r2_pairs(R"({"schema_version": 1, "pairs": [{"positive_video": "a"}]})", "p.json"),
                         "p.json: pairs[0]: missing key 'exp_id'", FileError);
    CHECK_THROWS_WITH_AS(
        parse_r2_pairs(R"({"schema_version": 1, "pairs": [
          {"positive_video": "a", "exp_id": "0", "negative_video": "b", "positive_frames": ["0"], "negative_frames": ["0"]},
          {"positive_video": "a", "exp_id": "0", "negative_video": "c", "positive_frames": ["0"], "negative_frames": ["0"]}]})",
                       "p.json"),
        doctest::Contains("appears twice"), FileError);
}
