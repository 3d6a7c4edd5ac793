#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/pairs.h"
#include "core/sha256.h"
#include "core/ytvos_meta.h"
#include "dataset_builder/r2_builder.h"
#include "dataset_builder/source_tree.h"
#include "dataset_builder/synth.h"
#include "dataset_builder/text_rules.h"
#include "test_util.h"

using namespace r2;
using r2::test::TempDir;
namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

namespace {

// A Ref-YouTube-VOS metadata tree from {video: ({obj_id: category}, [(expression, obj_id)])}.
struct HandVideo {
    std::string name;
    std::vector<std::pair<std::string, std::string>> objects;      // id, category
    std::vector<std::pair<std::string, std::string>> expressions;  // text, obj_id
};

void write_tree(const fs::path& root, const std::vector<HandVideo>& videos) {
    VideoMeta meta;
    MetaExpressions exps;
    for (const auto& v : videos) {
        MetaVideo mv{v.name, {}};
        for (const auto& [id, c] : v.objects) mv.objects.push_back({id, c, {"00000", "00005"}});
        meta.videos.push_back(mv);
        ExpressionVideo ev{v.name, {}, {"00000", "00005"}};
        for (size_t i = 0; i < v.expressions.size(); ++i)
            ev.expressions.push_back({std::to_string(i), v.expressions[i].first, v.expressions[i].second});
        exps.videos.push_back(ev);
    }
    write_video_meta(root / "valid/meta.json", meta);
    write_meta_expressions(root / "meta_expressions/valid/meta_expressions.json", exps);
}

std::map<std::string, std::string> negatives(const R2Build& b) {
    std::map<std::string, std::string> m;
    for (const auto& p : b.pairs.pairs) m[p.positive_video] = p.negative_video;
    return m;
}

}  // namespace

TEST_CASE("text rules: tokens, plurals, stop words and synonyms") {
    CHECK(tokenize("Two Dogs, chasing puppies!") == std::vector<std::string>{"two", "dog", "chasing", "puppy"});
    CHECK(fold_plural("boxes") == "box");
    CHECK(fold_plural("grass") == "grass");
    CHECK(fold_plural("bus") == "bus");
    CHECK(fold_plural("women") == "woman");
    CHECK(content_words("the man on a horse") == std::vector<std::string>{"man", "horse"});
    const SynonymTable& t = default_synonyms();
    CHECK(t.categories_named("a woman riding a puppy") == std::set<std::string>{"person", "dog"});
    CHECK(t.categories_named("the sea lion next to the lion") == std::set<std::string>{"earless_seal", "lion"});
    CHECK(t.head_noun("a small brown puppy running") == std::vector<std::string>{"puppy"});
    CHECK(t.head_noun("something moving") .empty());
    const SynonymTable custom = parse_synonyms(R"({"_comment": "x", "gizmo": ["widget", "thing a ma jig"]})", "s.json");
    CHECK(custom.categories_named("the widgets") == std::set<std::string>{"gizmo"});
    CHECK(custom.categories_named("a thing a ma jig") == std::set<std::string>{"gizmo"});
}

TEST_CASE("text rules: ICU case folding and word breaks (typographic apostrophes, non-ASCII case)") {
    const std::vector<std::string> dog_s = {"dog", "s"};
    CHECK(tokenize("dog\u2019s") == dog_s);  // U+2019 RIGHT SINGLE QUOTATION MARK
    CHECK(tokenize("DOG's") == dog_s);
    CHECK(tokenize("Dog\u02BCs") == dog_s);  // U+02BC MODIFIER LETTER APOSTROPHE
    CHECK(content_words("the DOG\u2019s tail\u2014wagging") == std::vector<std::string>{"dog", "tail", "wagging"});
    CHECK(tokenize("\u00C9COLE Stra\u00DFe") == std::vector<std::string>{"\u00e9cole", "strasse"});  // full case folding
    CHECK(tokenize("\u0394\u0395\u039B\u03A4\u0391") == std::vector<std::string>{"\u03b4\u03b5\u03bb\u03c4\u03b1"});
    // ASCII text keeps its pre-ICU tokens: punctuation inside a UAX #29 word still separates.
    CHECK(tokenize("e.g. 3.5 a_b x:y don't") == std::vector<std::string>{"e", "g", "3", "5", "a", "b", "x", "y", "don", "t"});
    CHECK(tokenize("caf\xe9 dog") == std::vector<std::string>{"caf", "dog"});  // invalid UTF-8 separates
    const SynonymTable& t = default_synonyms();
    CHECK(t.categories_named("the DOG\u2019s ball") == std::set<std::string>{"ball", "dog"});
    CHECK(t.head_noun("a Puppy\u2019s toy") == std::vector<std::string>{"puppy"});
}

TEST_CASE("builder: the lexical rule matches \"dog\u2019s\" and \"DOG's\" to a video holding a dog") {
    TempDir dir;
    write_tree(dir.path, {{"A", {{"1", "ball"}}, {{"the dog\u2019s ball", "1"}}},
                          {"B", {{"1", "ball"}}, {{"the DOG's ball", "1"}}},
                          {"D", {{"1", "dog"}}, {{"an animal on the left", "1"}}},
                          {"C", {{"1", "cat"}}, {{"the cat", "1"}}}});
    const SourceTree s = read_source_tree(dir.path, SourceFormat::ref_youtube_vos, "valid");
    const R2Rules lexical_only{false, true, false};
    auto video = [&](const std::string& name) -> const SourceVideo& {
        const auto it = std::find_if(s.videos.begin(), s.videos.end(), [&](const SourceVideo& v) { return v.name == name; });
        REQUIRE(it != s.videos.end());
        return *it;
    };
    CHECK_FALSE(r2_compatible(video("A"), video("D"), s, s, lexical_only, default_synonyms()));
    CHECK_FALSE(r2_compatible(video("B"), video("D"), s, s, lexical_only, default_synonyms()));
    CHECK(r2_compatible(video("A"), video("C"), s, s, lexical_only, default_synonyms()));
    CHECK(r2_compatible(video("A"), video("D"), s, s, R2Rules{false, false, false}, default_synonyms()));
}

TEST_CASE("builder: the only valid permutation is found, for every seed") {
    // Rule 1 alone: A→C is forced (B holds a cat), B→A is forced (C holds a dog), so C→B.
    TempDir dir;
    write_tree(dir.path, {{"A", {{"1", "cat"}, {"2", "horse"}}, {{"the cat", "1"}}},
                          {"B", {{"1", "dog"}, {"2", "cat"}}, {{"the dog", "1"}}},
                          {"C", {{"1", "person"}, {"2", "dog"}}, {{"the person", "1"}}}});
    const SourceTree source = read_source_tree(dir.path, SourceFormat::ref_youtube_vos, "valid");
    for (uint64_t seed = 0; seed < 8; ++seed) {
        R2BuildOptions o;
        o.seed = seed;
        o.rules = {true, false, false};
        const auto n = negatives(build_r2(source, nullptr, o));
        CHECK(n == std::map<std::string, std::string>{{"A", "C"}, {"B", "A"}, {"C", "B"}});
    }
}

TEST_CASE("builder: an infeasible source is refused with the videos that cannot be matched") {
    TempDir dir;
    write_tree(dir.path, {{"v1", {{"1", "person"}}, {{"a man walking", "1"}}},
                          {"v2", {{"1", "person"}, {"2", "dog"}}, {{"a woman with a dog", "1"}}},
                          {"v3", {{"1", "cat"}}, {{"the cat", "1"}}}});
    const SourceTree source = read_source_tree(dir.path, SourceFormat::ref_youtube_vos, "valid");
    try {
        build_r2(source, nullptr, {});
        FAIL("expected InfeasibleError");
    } catch (const InfeasibleError& e) {
        const std::string msg = e.what();
        CHECK(msg.find("Hall's condition") != std::string::npos);
        CHECK(msg.find("v1 (person)") != std::string::npos);
        CHECK(msg.find("v2 (dog, person)") != std::string::npos);
        CHECK(msg.find("referred-category, lexical") != std::string::npos);
        CHECK(msg.find("--no-referred-category --no-lexical") != std::string::npos);
    }
    // And --strict on a feasible set names --strict as the relaxation.
    TempDir d2;
    write_tree(d2.path, {{"a", {{"1", "circle"}}, {{"the circle", "1"}}},
                         {"b", {{"1", "square"}}, {{"the square", "1"}}}});
    ojson supers{{"circle", "shape"}, {"square", "shape"}};
    write_file_atomically(d2 / "supers.json", supers.dump());
    const SourceTree s2 = read_source_tree(d2.path, SourceFormat::ref_youtube_vos, "valid", d2 / "supers.json");
    R2BuildOptions strict;
    strict.rules.strict = true;
    CHECK_THROWS_WITH_AS(build_r2(s2, nullptr, strict), doctest::Contains("feasible with: drop --strict"), InfeasibleError);
    CHECK(negatives(build_r2(s2, nullptr, {})) == std::map<std::string, std::string>{{"a", "b"}, {"b", "a"}});
}

TEST_CASE("builder: invariants on synthetic trees of several sizes and seeds, and verify-dataset agrees") {
    for (int videos : {6, 40, 120}) {
        TempDir dir;
        synth::SynthOptions o = synth::synth_preset("small");
        o.videos = videos, o.valid_fraction = 1.0, o.metadata_only = true, o.seed = uint64_t(videos);
        synth::write_synth_dataset(dir / "src", o);
        const SourceTree source = read_source_tree(dir / "src", SourceFormat::ref_youtube_vos, "valid");
        for (uint64_t seed : {0, 1}) {
            R2BuildOptions opts;
            opts.seed = seed;
            const R2Build b = build_r2(source, nullptr, opts);
            CAPTURE(videos);
            size_t expressions = 0;
            for (const auto& v : source.videos) expressions += v.expressions.size();
            CHECK(b.pairs.pairs.size() == expressions);
            std::map<std::string, int> used;
            for (const auto& [pos, neg] : negatives(b)) {
                CHECK(pos != neg);
                ++used[neg];
            }
            CHECK(used.size() == source.videos.size());
            for (const auto& [v, n] : used) CHECK(n == 1);
            const fs::path out = dir / fmt::format("out{}", seed);
            write_r2(out, b, source, nullptr, false, false);
            CHECK(verify_r2(out, source, nullptr, default_synonyms()).empty());
        }
    }
}

TEST_CASE("builder: golden r2_pairs.json hash for --seed 0 on the tiny preset") {
    // Fixes the benchmark's definition: the synth tiny tree (seed 0), rules 1+2, seed 0.
    // Changing the generator, the builder or data/category_synonyms.json changes this hash.
    TempDir dir;
    synth::write_synth_dataset(dir / "tiny", synth::synth_preset("tiny"));
    const SourceTree source = read_source_tree(dir / "tiny", SourceFormat::ref_youtube_vos, "valid");
    const R2Build a = build_r2(source, nullptr, {});
    const R2Build b = build_r2(source, nullptr, {});
    const std::string json = r2_pairs_to_json(a.pairs);
    CHECK(json == r2_pairs_to_json(b.pairs));
    CHECK(sha256_hex(json) == "db9e83e58460baf6d143fa1da80e1015befc2f76b82986b2b9af3b3a1ac10eae");
}

TEST_CASE("builder: a Ref-DAVIS17 negative pool rescues an infeasible source, each pool video once") {
    TempDir dir;
    write_tree(dir / "src", {{"p1", {{"1", "person"}}, {{"a man", "1"}}},
                             {"p2", {{"1", "person"}}, {{"a woman", "1"}}},
                             {"p3", {{"1", "person"}}, {{"a boy", "1"}}}});
    synth::SynthOptions o = synth::synth_preset("tiny");
    o.layout = synth::Layout::ref_davis;
    o.seed = 11;
    synth::write_synth_dataset(dir / "pool", o);
    const SourceTree source = read_source_tree(dir / "src", SourceFormat::ref_youtube_vos, "valid");
    const SourceTree pool = read_source_tree(dir / "pool", SourceFormat::ref_davis, "valid");
    CHECK_THROWS_AS(build_r2(source, nullptr, {}), InfeasibleError);
    const R2Build b = build_r2(source, &pool, {});
    CHECK(b.pool_videos_used == 3);
    std::set<std::string> used;
    for (const auto& p : b.pairs.pairs) {
        CHECK(p.negative_source == "pool");
        CHECK(used.insert(p.negative_video).second);
    }
    write_r2(dir / "out", b, source, &pool, true, false);
    CHECK(verify_r2(dir / "out", source, &pool, default_synonyms()).empty());
    CHECK_FALSE(verify_r2(dir / "out", source, nullptr, default_synonyms()).empty());  // the pool is needed to verify
    // --link-frames laid out the pool's frames under the source split.
    const auto& first = b.pairs.pairs.front();
    CHECK(fs::exists(dir / "out/valid/JPEGImages" / first.negative_video / (first.negative_frames.front() + ".jpg")));
    CHECK(fs::hard_link_count(dir / "out/valid/JPEGImages" / first.negative_video / (first.negative_frames.front() + ".jpg")) >= 2);
    const R2Pairs back = read_r2_pairs(dir / "out/r2_pairs.json");
    CHECK(back.pairs.front().negative_source == "pool");
}

TEST_CASE("builder: MeViS format round trip") {
    TempDir dir;
    const ojson mevis = ojson::parse(R"({"videos": {
      "m1": {"expressions": {"0": {"exp": "the cat jumping", "obj_id": [0], "anno_id": [10]},
                             "1": {"exp": "two cats moving", "obj_id": [0, 1], "anno_id": [10, 11]}},
             "vid_id": 1, "frames": ["00000", "00001"]},
      "m2": {"expressions": {"0": {"exp": "a car turning left", "obj_id": [0], "anno_id": [20]}},
             "vid_id": 2, "frames": ["00000", "00001", "00002"]},
      "m3": {"expressions": {"0": {"exp": "the bird flying away", "obj_id": [0], "anno_id": [30]}},
             "vid_id": 3, "frames": ["00000"]}}})");
    write_file_atomically(dir / "mevis/valid_u/meta_expressions.json", mevis.dump());
    const SourceTree source = read_source_tree(dir / "mevis", SourceFormat::mevis, "valid_u");
    CHECK(object_ids(source.videos[0].expressions[1]) == std::vector<std::string>{"0", "1"});
    const R2Build b = build_r2(source, nullptr, {});
    write_r2(dir / "out", b, source, nullptr, false, false);
    const ojson negative = ojson::parse(read_file(dir / "out/meta_expressions.json"));
    const auto n = negatives(b);
    for (const auto& [positive, neg] : n) {
        const ojson& entry = negative["videos"][neg];
        CHECK(entry["expressions"] == mevis["videos"][positive]["expressions"]);  // unchanged, anno_ids and all
        CHECK(entry["frames"] == mevis["videos"][neg]["frames"]);                 // the negative video's frames
        CHECK(entry["vid_id"] == mevis["videos"][neg]["vid_id"]);
    }
    CHECK(negative["videos"].size() == 3);
    CHECK(verify_r2(dir / "out", source, nullptr, default_synonyms()).empty());
    CHECK(read_r2_pairs(dir / "out/r2_pairs.json").pairs[1].obj_id == "0,1");
}

TEST_CASE("verify-dataset catches tampering") {
    TempDir dir;
    synth::SynthOptions o = synth::synth_preset("small");
    o.metadata_only = true;
    synth::write_synth_dataset(dir / "src", o);
    const SourceTree source = read_source_tree(dir / "src", SourceFormat::ref_youtube_vos, "valid");
    const R2Build b = build_r2(source, nullptr, {});
    write_r2(dir / "out", b, source, nullptr, false, false);
    REQUIRE(verify_r2(dir / "out", source, nullptr, default_synonyms()).empty());

    SUBCASE("a pair pointing at its own video") {
        R2Pairs pairs = read_r2_pairs(dir / "out/r2_pairs.json");
        pairs.pairs[0].negative_video = pairs.pairs[0].positive_video;
        pairs.pairs[0].negative_frames = pairs.pairs[0].positive_frames;
        write_r2_pairs(dir / "out/r2_pairs.json", pairs);
        const auto v = verify_r2(dir / "out", source, nullptr, default_synonyms());
        bool self = false;
        for (const auto& s : v) self |= s.find("paired with its own video") != std::string::npos;
        CHECK(self);
    }
    SUBCASE("an edited negative meta file") {
        std::string meta = read_file(dir / "out/meta_expressions.json");
        meta[meta.find("\"exp\":\"") + 7] = 'X';
        write_file_atomically(dir / "out/meta_expressions.json", meta);
        const auto v = verify_r2(dir / "out", source, nullptr, default_synonyms());
        REQUIRE(v.size() == 1);
        CHECK(v[0] == "meta_expressions.json does not match r2_pairs.json");
    }
    SUBCASE("a changed source") {
        std::string text = read_file(dir / "src/meta_expressions/valid/meta_expressions.json");
        write_file_atomically(dir / "src/meta_expressions/valid/meta_expressions.json", text + " ");
        const SourceTree changed = read_source_tree(dir / "src", SourceFormat::ref_youtube_vos, "valid");
        const auto v = verify_r2(dir / "out", changed, nullptr, default_synonyms());
        REQUIRE_FALSE(v.empty());
        CHECK(v[0].find("metadata differs") != std::string::npos);
    }
    SUBCASE("a rule broken by a swapped pair") {
        // Find two positives whose negatives, when swapped, break rule 1 or 2; swap them.
        R2Pairs pairs = read_r2_pairs(dir / "out/r2_pairs.json");
        std::map<std::string, std::string> n;
        for (const auto& p : pairs.pairs) n[p.positive_video] = p.negative_video;
        const SourceVideo* broken = nullptr;
        const SourceVideo* culprit = nullptr;
        for (const auto& a : source.videos) {
            for (const auto& c : source.videos)
                if (&a != &c && !r2_compatible(a, c, source, source, {}, default_synonyms())) { broken = &a, culprit = &c; break; }
            if (broken) break;
        }
        REQUIRE(broken != nullptr);
        // Point broken's expressions at culprit, and culprit's former positive at broken's old negative.
        std::string former;
        for (const auto& [pos, neg] : n) if (neg == culprit->name) former = pos;
        const std::string old = n[broken->name];
        for (auto& p : pairs.pairs) {
            if (p.positive_video == broken->name) p.negative_video = culprit->name, p.negative_frames = culprit->frames;
            else if (p.positive_video == former) {
                const SourceVideo* o2 = nullptr;
                for (const auto& x : source.videos) if (x.name == old) o2 = &x;
                p.negative_video = old, p.negative_frames = o2->frames;
            }
        }
        write_r2_pairs(dir / "out/r2_pairs.json", pairs);
        const auto v = verify_r2(dir / "out", source, nullptr, default_synonyms());
        bool rule = false;
        for (const auto& s : v) rule |= s.find("break the rules") != std::string::npos;
        CHECK(rule);
    }
}

// The frame-list rule, one for every reader: a duplicated frame name in a video's frame list is
// an error naming the file, the video and the frame (eval's side: tests/test_evaluation.cpp).
TEST_CASE("builder: a duplicated frame is refused by build-dataset and verify-dataset") {
    TempDir dir;
    write_tree(dir / "src", {{"A", {{"1", "cat"}}, {{"the cat", "1"}}}, {"B", {{"1", "dog"}}, {{"the dog", "1"}}}});
    const SourceTree source = read_source_tree(dir / "src", SourceFormat::ref_youtube_vos, "valid");
    write_r2(dir / "out", build_r2(source, nullptr, {}), source, nullptr, false, false);
    REQUIRE(verify_r2(dir / "out", source, nullptr, default_synonyms()).empty());

    SUBCASE("build-dataset: in the source's meta_expressions.json") {
        const fs::path file = dir / "src/meta_expressions/valid/meta_expressions.json";
        MetaExpressions meta = read_meta_expressions(file);
        meta.videos[1].frames = {"00000", "00005", "00000"};
        write_meta_expressions(file, meta);
        CHECK_THROWS_WITH_AS(read_source_tree(dir / "src", SourceFormat::ref_youtube_vos, "valid"),
                             (file.string() + ": video 'B' frames: duplicate frame '00000'").c_str(), FileError);
    }
    SUBCASE("verify-dataset: in the built r2_pairs.json") {
        const fs::path file = dir / "out/r2_pairs.json";
        R2Pairs pairs = read_r2_pairs(file);
        pairs.pairs[0].negative_frames.push_back(pairs.pairs[0].negative_frames.front());
        write_r2_pairs(file, pairs);
        CHECK_THROWS_WITH_AS(verify_r2(dir / "out", source, nullptr, default_synonyms()),
                             (file.string() + ": pairs[0]: video '" + pairs.pairs[0].negative_video +
                              "' negative_frames: duplicate frame '00000'").c_str(),
                             FileError);
    }
}

TEST_CASE("builder: the source is read by the shared metadata reader (MeViS obj_id lists, raw entries kept)") {
    const MetaExpressions meta = parse_meta_expressions(
        R"({"videos": {"v": {"expressions": {"0": {"exp": "two cats", "obj_id": [0, 1], "anno_id": [7, 8]}},
                              "frames": ["00000"], "vid_id": 3}}})",
        "m.json");
    const Expression& e = meta.videos[0].expressions[0];
    CHECK(e.obj_id == "0,1");
    CHECK(object_ids(e) == std::vector<std::string>{"0", "1"});
    CHECK(expression_entry_json(e).dump() == R"({"exp":"two cats","obj_id":[0,1],"anno_id":[7,8]})");
    CHECK(meta.videos[0].extra.dump() == R"({"vid_id":3})");
    CHECK(expression_entry_json(Expression{"1", "a dog", "2", {}}).dump() == R"({"exp":"a dog","obj_id":"2"})");
}
