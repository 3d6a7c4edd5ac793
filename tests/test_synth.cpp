#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/mask_png.h"
#include "core/parallel.h"
#include "core/ref_davis.h"
#include "core/ytvos_meta.h"
#include "dataset_builder/synth.h"
#include "dataset_builder/synth_render.h"
#include "dataset_builder/synth_scene.h"
#include "test_util.h"

using namespace r2;
using namespace r2::synth;
using r2::test::TempDir;
namespace fs = std::filesystem;

namespace {

std::map<std::string, std::string> all_files(const fs::path& root) {
    std::map<std::string, std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(root))
        if (e.is_regular_file()) files[fs::relative(e.path(), root).string()] = read_file(e.path());
    return files;
}

// Finds the longest phrase of `phrases` in `text` (as whole words); returns its index or -1.
int find_phrase(const std::string& text, const std::vector<std::string>& phrases, size_t* where = nullptr) {
    int best = -1;
    const std::string padded = " " + text + " ";
    for (size_t i = 0; i < phrases.size(); ++i) {
        const size_t at = padded.find(" " + phrases[i] + " ");
        if (at != std::string::npos && (best < 0 || phrases[i].size() > phrases[size_t(best)].size())) {
            best = int(i);
            if (where) *where = at;
        }
    }
    return best;
}

// Reads an expression back into attributes using only the vocabulary, independently of how
// the generator chose them.
struct Parsed {
    int category = -1, colour = -1, size = -1, motion = -1, place = -1, relation = -1;
    int relation_category = -1, relation_colour = -1;
};

Parsed parse(const std::string& text) {
    std::vector<std::string> nouns, colour_names, relation_words;
    std::vector<int> noun_category, relation_kind;
    for (size_t c = 0; c < categories().size(); ++c)
        for (const auto& n : categories()[c].nouns) nouns.push_back(n), noun_category.push_back(int(c));
    for (const auto& c : colours()) colour_names.push_back(c.name);
    for (int r = 0; r < 4; ++r)
        for (const auto& p : relation_phrases(Relation(r))) relation_words.push_back(p), relation_kind.push_back(r);

    Parsed p;
    std::string head = text;
    size_t at = 0;
    const int rel = find_phrase(text, relation_words, &at);
    if (rel >= 0) {
        p.relation = relation_kind[size_t(rel)];
        const std::string tail = text.substr(at + relation_words[size_t(rel)].size());
        head = text.substr(0, at > 0 ? at - 1 : 0);
        const int n = find_phrase(tail, nouns);
        p.relation_category = n >= 0 ? noun_category[size_t(n)] : -2;
        p.relation_colour = find_phrase(tail, colour_names);
    }
    const int n = find_phrase(head, nouns);
    p.category = n >= 0 ? noun_category[size_t(n)] : -2;
    p.colour = find_phrase(head, colour_names);
    p.size = find_phrase(head, {"small", "medium", "big"});
    for (int m = 0; m < kMotionCount && p.motion < 0; ++m)
        if (find_phrase(head, motion_phrases(Motion(m))) >= 0) p.motion = m;
    for (int pl = 1; pl <= 4 && p.place < 0; ++pl)
        if (find_phrase(head, place_phrases(Place(pl))) >= 0) p.place = pl;
    return p;
}

SynthOptions tiny(uint64_t seed = 0) {
    SynthOptions o = synth_preset("tiny");
    o.seed = seed;
    return o;
}

}  // namespace

TEST_CASE("synth: at least 24 categories in at least 6 super-categories, distinct colours") {
    CHECK(categories().size() >= 24);
    CHECK(super_categories().size() >= 6);
    for (size_t c = 0; c < categories().size(); ++c) CHECK_MESSAGE(!shape_of(int(c)).empty(), categories()[c].name);
    // Every category's silhouette differs from every other's (drawn at the same pose).
    std::vector<cv::Mat> masks;
    for (size_t c = 0; c < categories().size(); ++c) {
        cv::Mat m(80, 80, CV_8U, cv::Scalar(0));
        draw_silhouette(m, int(c), Pose{40, 40, 30, 0});
        CHECK(cv::countNonZero(m) > 200);
        for (const auto& other : masks) CHECK(cv::countNonZero(m != other) > 40);
        masks.push_back(m);
    }
    // Motion, place and relation words never contain a category noun (the R² builder's lexical
    // rule would otherwise see a "circle" in "moving in a circle").
    std::vector<std::string> phrases;
    for (int m = 0; m < kMotionCount; ++m)
        for (const auto& p : motion_phrases(Motion(m))) phrases.push_back(p);
    for (int p = 1; p <= 4; ++p)
        for (const auto& x : place_phrases(Place(p))) phrases.push_back(x);
    for (int r = 0; r < 4; ++r)
        for (const auto& x : relation_phrases(Relation(r))) phrases.push_back(x);
    for (const auto& phrase : phrases)
        for (const auto& c : categories())
            for (const auto& noun : c.nouns) CHECK_MESSAGE(find_phrase(phrase, {noun}) < 0, phrase, " / ", noun);
}

TEST_CASE("synth: the tree reads back through the Ref-YouTube-VOS readers") {
    TempDir dir;
    const SynthReport report = write_synth_dataset(dir / "ds", tiny());
    CHECK(report.train_videos + report.valid_videos == 6);
    for (const char* split : {"train", "valid"}) {
        const VideoMeta meta = read_video_meta(dir / "ds" / split / "meta.json");
        const MetaExpressions exps = read_meta_expressions(dir / "ds/meta_expressions" / split / "meta_expressions.json");
        check_expressions_against_meta(exps, meta, "meta_expressions.json");
        REQUIRE(meta.videos.size() == exps.videos.size());
        for (const auto& v : exps.videos) {
            CHECK(v.frames.size() == 4);
            CHECK(v.frames[1] == "00005");  // Ref-YouTube-VOS frame stride
            CHECK(v.name.size() == 10);
            const MetaVideo* mv = meta.find(v.name);
            REQUIRE(mv != nullptr);
            CHECK(mv->objects.size() >= 1);
            CHECK(mv->objects.size() <= 4);
            for (const auto& frame : v.frames) {
                const LabelMap labels = read_label_png(dir / "ds" / split / "Annotations" / v.name / (frame + ".png"));
                CHECK(labels.width == 64);
                const cv::Mat jpg = cv::imread((dir / "ds" / split / "JPEGImages" / v.name / (frame + ".jpg")).string());
                CHECK(jpg.cols == 64);
                CHECK(jpg.rows == 64);
                // meta.json lists, per object, exactly the frames where it is visible.
                for (const auto& o : mv->objects) {
                    const bool visible = std::count(labels.labels.begin(), labels.labels.end(), uint8_t(std::stoi(o.id))) > 0;
                    const bool listed = std::find(o.frames.begin(), o.frames.end(), frame) != o.frames.end();
                    CHECK(visible == listed);
                }
            }
            std::map<std::string, int> per_object;
            for (const auto& e : v.expressions) ++per_object[e.obj_id];
            for (const auto& [id, n] : per_object) CHECK((n >= 1 && n <= 3));
        }
    }
    CHECK(fs::exists(dir / "ds/synth_stats.json"));
    CHECK_FALSE(fs::exists(dir / "ds.partial"));
    // A second run into a non-empty folder is refused, and leaves it alone.
    CHECK_THROWS_WITH_AS(write_synth_dataset(dir / "ds", tiny()), doctest::Contains("not empty"), r2::FileError);
}

TEST_CASE("synth: every expression names its object and no other") {
    for (uint64_t seed : {0, 1, 2, 3}) {
        SynthOptions o = synth_preset("small");
        o.seed = seed;
        int checked = 0;
        for (const PlannedVideo& p : plan_videos(o)) {
            const SynthVideo& v = p.video;
            for (const SynthExpression& e : v.expressions) {
                CAPTURE(e.text);
                CHECK(objects_matching(v, e.attributes) == std::vector<int>{e.object_id});
                // The words say what the attributes say.
                const Parsed parsed = parse(e.text);
                const ExpressionAttributes& a = e.attributes;
                CHECK(parsed.category == a.category);
                CHECK(parsed.colour == (a.colour ? *a.colour : -1));
                CHECK(parsed.size == (a.size ? int(*a.size) : -1));
                CHECK(parsed.motion == (a.motion ? int(*a.motion) : -1));
                CHECK(parsed.place == (a.place ? int(*a.place) : -1));
                CHECK(parsed.relation == (a.relation ? int(*a.relation) : -1));
                if (a.relation) {
                    const SynthObject& other = v.objects[size_t(a.relation_object - 1)];
                    CHECK(parsed.relation_category == other.category);
                    CHECK(parsed.relation_colour == other.colour);
                }
                ++checked;
            }
        }
        CHECK(checked > 150);
    }
}

TEST_CASE("synth: the annotation PNGs are exactly the drawn objects") {
    TempDir dir;
    write_synth_dataset(dir / "ds", tiny(5));
    int frames = 0, object_pixels = 0;
    for (const PlannedVideo& p : plan_videos(tiny(5))) {
        const VideoCanvas canvas = prepare_canvas(p.video);
        for (int t = 0; t < int(p.video.frames.size()); ++t) {
            cv::Mat image;
            LabelMap labels;
            render_frame(p.video, canvas, t, image, labels);
            const LabelMap png = read_label_png(dir / "ds" / p.split / "Annotations" / p.video.name / (p.video.frames[size_t(t)] + ".png"));
            CHECK(png == labels);
            // And each object's pixels carry roughly its colour in the JPEG.
            const cv::Mat jpg = cv::imread((dir / "ds" / p.split / "JPEGImages" / p.video.name / (p.video.frames[size_t(t)] + ".jpg")).string());
            for (const SynthObject& o : p.video.objects) {
                cv::Mat mask(labels.height, labels.width, CV_8U, labels.labels.data());
                cv::Mat inside = mask == o.id;
                if (cv::countNonZero(inside) < 30) continue;
                const cv::Scalar mean = cv::mean(jpg, inside);
                const auto& rgb = colours()[size_t(o.colour)].rgb;
                const double distance = std::abs(mean[2] - rgb[0]) + std::abs(mean[1] - rgb[1]) + std::abs(mean[0] - rgb[2]);
                CHECK_MESSAGE(distance < 150, categories()[size_t(o.category)].name);
                object_pixels += cv::countNonZero(inside);
            }
            ++frames;
        }
    }
    CHECK(frames == 24);
    CHECK(object_pixels > 1000);
}

TEST_CASE("synth: same seed gives the same bytes on 1 and 2 threads, and another seed differs") {
    TempDir dir;
    set_thread_count(1);
    write_synth_dataset(dir / "a", tiny(7));
    set_thread_count(2);
    write_synth_dataset(dir / "b", tiny(7));
    write_synth_dataset(dir / "c", tiny(8));
    set_thread_count(0);
    const auto a = all_files(dir / "a"), b = all_files(dir / "b"), c = all_files(dir / "c");
    CHECK(a.size() > 50);
    CHECK(a == b);
    CHECK(a != c);
    CHECK(read_file(dir / "a/synth_stats.json") != read_file(dir / "c/synth_stats.json"));
}

TEST_CASE("synth: the ytvos-valid preset matches the public valid split's counts") {
    const SynthOptions o = synth_preset("ytvos-valid");
    const auto videos = plan_videos(o);
    size_t expressions = 0;
    for (const auto& p : videos) {
        CHECK(p.split == "valid");
        expressions += p.video.expressions.size();
        CHECK(p.video.frames.size() >= 24);
        CHECK(p.video.frames.size() <= 36);
    }
    CHECK(videos.size() == 202);
    CHECK(expressions == 834);
    CHECK_THROWS_WITH_AS(synth_preset("huge"), doctest::Contains("unknown preset"), r2::Error);
}

TEST_CASE("synth: --format ref-davis reads back through the Ref-DAVIS17 reader") {
    TempDir dir;
    SynthOptions o = tiny(3);
    o.layout = Layout::ref_davis;
    write_synth_dataset(dir / "davis", o);
    CHECK(fs::exists(dir / "davis/DAVIS/ImageSets/2017/val.txt"));
    CHECK(fs::exists(dir / "davis/davis_text_annotations/Davis17_annot2_full_video.txt"));
    int videos = 0;
    for (const char* split : {"train", "valid"}) {
        const RefDavisSplit s = read_ref_davis(dir / "davis", split);
        check_expressions_against_meta(s.expressions, s.meta, "ref-davis");
        for (const auto& v : s.expressions.videos) {
            ++videos;
            CHECK(v.frames == std::vector<std::string>{"00000", "00001", "00002", "00003"});
            const MetaVideo* mv = s.meta.find(v.name);
            REQUIRE(mv != nullptr);
            CHECK(v.expressions.size() == 4 * mv->objects.size());  // two annotators x (first frame, full video)
            for (size_t i = 0; i < v.expressions.size(); ++i) CHECK(v.expressions[i].obj_id == mv->objects[i / 4].id);
            CHECK(fs::exists(dir / "davis/DAVIS/Annotations_unsupervised/480p" / v.name / "00000.png"));
            read_label_png(dir / "davis/DAVIS/Annotations/480p" / v.name / "00003.png");
        }
    }
    CHECK(videos == 6);
    CHECK(to_utf8(std::string("caf\xe9")) == "caf\xc3\xa9");  // Latin-1 text files are converted
    CHECK(to_utf8("café") == "café");
}
