#include "dataset_builder/synth.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <tbb/parallel_for.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/image_codecs.h"
#include "core/mask_png.h"
#include "core/progress.h"
#include "core/coco_rle.h"
#include "core/ref_davis.h"
#include "core/rng.h"
#include "core/ytvos_meta.h"
#include "dataset_builder/synth_render.h"
#include "dataset_builder/synth_scene.h"

namespace r2::synth {
namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

SynthOptions synth_preset(const std::string& name) {
    SynthOptions o;
    o.preset = name;
    if (name == "tiny") {
        o.videos = 6, o.valid_fraction = 0.5, o.frames = 4, o.width = 64, o.height = 64;
    } else if (name == "small") {
        o.videos = 40, o.valid_fraction = 0.5, o.frames = 12, o.width = 320, o.height = 240;
    } else if (name == "ytvos-valid") {
        // The public Ref-YouTube-VOS valid split: 202 videos, 834 expressions, ~30 frames of 360p.
        o.videos = 202, o.valid_fraction = 1.0, o.frames = 30, o.frames_jitter = 0.2, o.width = 640, o.height = 360;
        o.valid_expressions = 834;
    } else {
        throw Error(fmt::format("unknown preset '{}' (choose tiny, small or ytvos-valid)", name));
    }
    return o;
}

namespace {

// Objects per video: 1..4, mostly 2–3 (as in Ref-YouTube-VOS).
int sample_object_count(Rng& rng) {
    const double u = rng.uniform();
    return u < 0.2 ? 1 : u < 0.55 ? 2 : u < 0.85 ? 3 : 4;
}

}  // namespace

std::vector<PlannedVideo> plan_videos(const SynthOptions& o) {
    if (o.videos < 1) throw Error("synth: --videos must be at least 1");
    if (o.frames < 1) throw Error("synth: --frames must be at least 1");
    if (o.width < 16 || o.height < 16)
        throw Error(fmt::format("synth: --width and --height must be at least 16 (asked for {}x{})", o.width, o.height));
    if (o.valid_fraction < 0 || o.valid_fraction > 1) throw Error("synth: --valid-fraction must be in [0, 1]");
    const bool davis = o.layout == Layout::ref_davis;
    if (davis && o.valid_expressions > 0)
        throw Error("synth: --valid-expressions cannot be used with --format ref-davis (4 expressions per object)");

    Rng master(o.seed);
    const int n_valid = int(std::lround(o.videos * o.valid_fraction));
    const int n_train = o.videos - n_valid;
    struct Counts {
        int frames;
        std::vector<int> per_object;
    };
    std::vector<Counts> counts(size_t(o.videos));
    for (auto& c : counts) {
        const double jitter = o.frames_jitter > 0 ? master.uniform(-o.frames_jitter, o.frames_jitter) : 0.0;
        c.frames = std::max(1, int(std::lround(o.frames * (1 + jitter))));
        c.per_object.resize(size_t(sample_object_count(master)));
        for (auto& e : c.per_object) e = davis ? 4 : int(master.between(1, 3));
    }
    if (o.valid_expressions > 0) {
        // Nudge per-object counts (within 1..3) until the valid split has exactly the target.
        auto total = [&] {
            int n = 0;
            for (int v = n_train; v < o.videos; ++v)
                for (int e : counts[size_t(v)].per_object) n += e;
            return n;
        };
        std::vector<std::pair<int, int>> slots;
        for (int v = n_train; v < o.videos; ++v)
            for (int k = 0; k < int(counts[size_t(v)].per_object.size()); ++k) slots.emplace_back(v, k);
        if (int(slots.size()) > o.valid_expressions || 3 * int(slots.size()) < o.valid_expressions)
            throw Error(fmt::format("synth: {} valid expressions cannot be spread over {} objects (1..3 each)",
                                    o.valid_expressions, slots.size()));
        for (int n = total(); n != o.valid_expressions;) {
            auto [v, k] = slots[size_t(master.below(slots.size()))];
            int& e = counts[size_t(v)].per_object[size_t(k)];
            if (n > o.valid_expressions && e > 1) --e, --n;
            else if (n < o.valid_expressions && e < 3) ++e, ++n;
        }
    }

    std::vector<PlannedVideo> videos;
    std::map<std::string, int> names;
    for (int i = 0; i < o.videos; ++i) {
        std::string name;
        if (!davis) {
            do name = fmt::format("{:010x}", master.next() >> 24);  // 10 hex digits, like "003234408d"
            while (names.count(name));
        }
        Rng rng = Rng::for_stream(o.seed, uint64_t(i) + 1);
        SynthVideo video = sample_video(rng, name, o.width, o.height, counts[size_t(i)].frames, davis ? 1 : 5,
                                        counts[size_t(i)].per_object);
        if (davis) {
            // DAVIS names say what is in the video ("bike-packing"); ours: first object and motion.
            const SynthObject& first = video.objects.front();
            std::string base = categories()[size_t(first.category)].name + "-" + motion_name(first.motion);
            std::replace(base.begin(), base.end(), ' ', '-');
            video.name = fmt::format("{}-{}", base, ++names[base]);
        }
        names[video.name];
        videos.push_back({i < n_train ? "train" : "valid", std::move(video)});
    }
    return videos;
}

namespace {

struct RenderedVideo {
    std::vector<std::vector<std::string>> object_frames;  // per object: frames where it is visible
    std::vector<std::vector<ojson>> object_rle;            // MeViS: per object, per frame: COCO RLE or null
    std::vector<double> area_fractions;                   // per (object, frame) where visible
    int invisible = 0;                                    // (object, frame) pairs with no pixel
};

std::string jpeg(const cv::Mat& image, int quality) {
    return encode_jpeg({image.data, image.cols, image.rows, image.step, PixelOrder::bgr}, quality);
}

ojson attributes_json(const ExpressionAttributes& a) {
    ojson j{{"category", categories()[size_t(a.category)].name}, {"noun", a.noun}};
    if (a.colour) j["colour"] = colours()[size_t(*a.colour)].name;
    if (a.size) j["size"] = size_word(*a.size);
    if (a.motion) j["motion"] = motion_name(*a.motion);
    if (a.place) {
        static const char* places[] = {"none", "left", "right", "top", "bottom"};
        j["place"] = places[int(*a.place)];
    }
    if (a.relation) {
        static const char* relations[] = {"left_of", "right_of", "above", "below"};
        j["relation"] = relations[int(*a.relation)];
        j["relation_object"] = std::to_string(a.relation_object);
    }
    return j;
}

// MeViS: per split folder (train, valid_u) meta_expressions.json, whose expressions carry obj_id
// (0-based within the video) and anno_id (unique in the split) lists, and mask_dict.json. Videos of
// two or more objects get one more expression, for their first two objects together.
void write_mevis_metadata(const fs::path& tmp, const std::vector<PlannedVideo>& videos, const std::vector<RenderedVideo>& rendered,
                          std::map<std::string, MetaExpressions>& expressions) {
    for (const char* split : {"train", "valid"}) {
        MetaExpressions& meta = expressions[split];
        ojson mask_dict = ojson::object();
        int anno = 0;
        size_t v = 0;
        for (size_t i = 0; i < videos.size(); ++i) {
            if (videos[i].split != split) continue;
            ExpressionVideo& ev = meta.videos[v++];
            const SynthVideo& video = videos[i].video;
            std::map<int, int> anno_of;  // object id → anno_id
            for (size_t k = 0; k < video.objects.size(); ++k) {
                anno_of[video.objects[k].id] = anno;
                mask_dict[std::to_string(anno++)] = rendered[i].object_rle[k];
            }
            for (auto& e : ev.expressions) {
                const int id = std::stoi(e.obj_id);
                e.raw = ojson{{"exp", e.text}, {"obj_id", {id - 1}}, {"anno_id", {anno_of[id]}}};
                e.obj_id = std::to_string(id - 1);
            }
            if (video.objects.size() >= 2) {
                // "the red star moving left and the blue circle": the first expression of each of two objects.
                std::map<int, std::string> first_text;
                for (const auto& x : video.expressions) first_text.emplace(x.object_id, x.text);
                const int a = video.objects[0].id, b = video.objects[1].id;
                const std::string text = first_text[a] + " and " + first_text[b];
                Expression both{std::to_string(ev.expressions.size()), text, fmt::format("{},{}", a - 1, b - 1),
                                ojson{{"exp", text}, {"obj_id", {a - 1, b - 1}}, {"anno_id", {anno_of[a], anno_of[b]}}}};
                ev.expressions.push_back(std::move(both));
            }
            ev.extra = ojson{{"vid_id", int(v - 1)}};
        }
        const std::string dir = std::string(split) == "valid" ? "valid_u" : split;
        // Written here (not by write_meta_expressions) to keep MeViS' keys: obj_id and anno_id lists, vid_id.
        ojson json_videos = ojson::object();
        for (const auto& ev : meta.videos) {
            ojson exps = ojson::object();
            for (const auto& e : ev.expressions) exps[e.id] = expression_entry_json(e);
            json_videos[ev.name] = ojson{{"expressions", std::move(exps)}, {"vid_id", ev.extra.at("vid_id")}, {"frames", ev.frames}};
        }
        write_file_atomically(tmp / dir / "meta_expressions.json", ojson{{"videos", std::move(json_videos)}}.dump() + "\n");
        write_file_atomically(tmp / dir / "mask_dict.json", mask_dict.dump() + "\n");
    }
}

}  // namespace

SynthReport write_synth_dataset(const fs::path& out, const SynthOptions& o) {
    const auto start = std::chrono::steady_clock::now();
    if (fs::exists(out) && !(fs::is_directory(out) && fs::is_empty(out)))
        throw FileError(out, "already exists and is not empty (choose a new --out folder)");
    const fs::path tmp = out.parent_path() / fmt::format(".{}.partial-{}", out.filename().string(), ::getpid());
    fs::remove_all(tmp);
    fs::create_directories(tmp);

    try {
        const std::vector<PlannedVideo> videos = plan_videos(o);
        const bool davis = o.layout == Layout::ref_davis;
        const bool mevis = o.layout == Layout::mevis;
        if (mevis && o.metadata_only) throw Error("synth: --metadata-only cannot write MeViS masks (they live in mask_dict.json)");
        auto split_dir = [&](const std::string& split) { return mevis && split == "valid" ? std::string("valid_u") : split; };
        auto image_path = [&](const PlannedVideo& p, const std::string& frame) {
            return davis ? tmp / "DAVIS/JPEGImages/480p" / p.video.name / (frame + ".jpg")
                         : tmp / split_dir(p.split) / "JPEGImages" / p.video.name / (frame + ".jpg");
        };
        auto mask_path = [&](const PlannedVideo& p, const std::string& frame) {
            return davis ? tmp / "DAVIS/Annotations/480p" / p.video.name / (frame + ".png")
                         : tmp / p.split / "Annotations" / p.video.name / (frame + ".png");
        };

        int64_t total_frames = 0;
        for (const auto& p : videos) total_frames += int64_t(p.video.frames.size());
        std::vector<RenderedVideo> rendered(videos.size());
        Progress progress(o.metadata_only ? "planning videos" : "rendering frames", size_t(total_frames));
        tbb::parallel_for(size_t(0), videos.size(), [&](size_t i) {
            const PlannedVideo& p = videos[i];
            const SynthVideo& v = p.video;
            RenderedVideo& r = rendered[i];
            r.object_frames.resize(v.objects.size());
            if (o.metadata_only) {
                for (auto& frames : r.object_frames) frames = v.frames;
                progress.advance(v.frames.size());
                return;
            }
            const VideoCanvas canvas = prepare_canvas(v);
            cv::Mat image;
            LabelMap labels;
            for (int t = 0; t < int(v.frames.size()); ++t) {
                render_frame(v, canvas, t, image, labels);
                write_file_atomically(image_path(p, v.frames[size_t(t)]), jpeg(image, o.jpeg_quality));
                const fs::path png = mask_path(p, v.frames[size_t(t)]);
                if (mevis) {
                    // One COCO RLE per object and frame (null where it is not visible), as mask_dict.json holds them.
                    r.object_rle.resize(v.objects.size());
                    for (size_t k = 0; k < v.objects.size(); ++k) {
                        LabelMap object(labels.width, labels.height);
                        bool any = false;
                        for (size_t i = 0; i < labels.labels.size(); ++i)
                            if (labels.labels[i] == k + 1) object.labels[i] = 1, any = true;
                        r.object_rle[k].push_back(any ? ojson(nlohmann::json(coco_rle_json(encode_coco_rle(object)))) : ojson());
                    }
                } else {
                    write_palette_png(png, labels);
                }
                if (davis) {
                    const fs::path unsupervised = tmp / "DAVIS/Annotations_unsupervised/480p" / v.name / png.filename();
                    fs::create_directories(unsupervised.parent_path());
                    fs::create_hard_link(png, unsupervised);
                }
                std::vector<int64_t> area(v.objects.size() + 1, 0);
                for (uint8_t id : labels.labels) ++area[id];
                for (size_t k = 0; k < v.objects.size(); ++k) {
                    if (area[k + 1] > 0) {
                        r.object_frames[k].push_back(v.frames[size_t(t)]);
                        r.area_fractions.push_back(double(area[k + 1]) / double(labels.labels.size()));
                    } else {
                        ++r.invisible;
                    }
                }
                progress.advance();
            }
        });
        progress.finish();

        // Metadata, split by split, in video order.
        SynthReport report;
        std::map<std::string, VideoMeta> meta;
        std::map<std::string, MetaExpressions> expressions;
        ojson scenes = ojson::object();
        for (size_t i = 0; i < videos.size(); ++i) {
            const PlannedVideo& p = videos[i];
            const SynthVideo& v = p.video;
            MetaVideo mv{v.name, {}};
            ojson objects = ojson::object();
            for (size_t k = 0; k < v.objects.size(); ++k) {
                const SynthObject& ob = v.objects[k];
                const Category& c = categories()[size_t(ob.category)];
                mv.objects.push_back({std::to_string(ob.id), c.name, rendered[i].object_frames[k]});
                static const char* textures[] = {"plain", "stripes", "dots", "checker"};
                objects[std::to_string(ob.id)] = ojson{{"category", c.name}, {"super_category", c.super_category},
                                                       {"colour", colours()[size_t(ob.colour)].name},
                                                       {"size", size_word(ob.size)}, {"motion", motion_name(ob.motion)},
                                                       {"texture", textures[int(ob.texture)]}, {"depth", ob.depth}};
            }
            meta[p.split].videos.push_back(std::move(mv));
            ExpressionVideo ev{v.name, {}, v.frames};
            ojson scene_expressions = ojson::object();
            for (size_t e = 0; e < v.expressions.size(); ++e) {
                const SynthExpression& x = v.expressions[e];
                ev.expressions.push_back({std::to_string(e), x.text, std::to_string(x.object_id)});
                scene_expressions[std::to_string(e)] =
                    ojson{{"obj_id", std::to_string(x.object_id)}, {"attributes", attributes_json(x.attributes)}};
            }
            (p.split == "train" ? report.train_expressions : report.valid_expressions) += int(ev.expressions.size());
            (p.split == "train" ? report.train_videos : report.valid_videos) += 1;
            expressions[p.split].videos.push_back(std::move(ev));
            scenes[v.name] = ojson{{"split", p.split}, {"width", v.width}, {"height", v.height},
                                   {"objects", std::move(objects)}, {"expressions", std::move(scene_expressions)}};
            report.frames += int64_t(v.frames.size());
        }

        if (mevis) {
            write_mevis_metadata(tmp, videos, rendered, expressions);
            report.train_expressions = int(expressions["train"].expression_count());  // with the two-object ones
            report.valid_expressions = int(expressions["valid"].expression_count());
        } else if (!davis) {
            for (const char* split : {"train", "valid"}) {
                write_video_meta(tmp / split / "meta.json", meta[split]);
                write_meta_expressions(tmp / "meta_expressions" / split / "meta_expressions.json", expressions[split]);
            }
        } else {
            // DAVIS lists, categories and the four text files (each object's expressions e0..e3
            // go to annot1, annot1_full_video, annot2, annot2_full_video).
            ojson semantics = ojson::object();
            std::array<std::string, 4> text_files;
            for (const char* split : {"train", "valid"}) {
                std::string list;
                for (const auto& ev : expressions[split].videos) list += ev.name + "\n";
                write_file_atomically(tmp / "DAVIS/ImageSets/2017" / (std::string(split) == "train" ? "train.txt" : "val.txt"), list);
            }
            for (const auto& p : videos) {
                ojson objects = ojson::object();
                for (const auto& ob : p.video.objects) objects[std::to_string(ob.id)] = categories()[size_t(ob.category)].name;
                semantics[p.video.name] = std::move(objects);
                std::map<int, int> seen;
                for (const auto& x : p.video.expressions)
                    text_files[size_t(seen[x.object_id]++)] += fmt::format("{} {} \"{}\"\n", p.video.name, x.object_id, x.text);
            }
            write_file_atomically(tmp / "DAVIS/davis_semantics.json", semantics.dump() + "\n");
            for (size_t f = 0; f < 4; ++f)
                write_file_atomically(tmp / "davis_text_annotations" / ref_davis_text_files()[f], text_files[f]);
        }

        // Statistics a user checks before trusting the data.
        ojson category_stats = ojson::object();
        for (const auto& c : categories()) category_stats[c.name] = ojson{{"super_category", c.super_category}, {"objects", 0}};
        std::map<int, int> objects_per_video, expressions_per_object;
        std::vector<double> areas;
        int invisible = 0;
        for (size_t i = 0; i < videos.size(); ++i) {
            const SynthVideo& v = videos[i].video;
            ++objects_per_video[int(v.objects.size())];
            std::map<int, int> per_object;
            for (const auto& x : v.expressions) ++per_object[x.object_id];
            for (const auto& ob : v.objects) {
                category_stats[categories()[size_t(ob.category)].name]["objects"] =
                    category_stats[categories()[size_t(ob.category)].name]["objects"].get<int>() + 1;
                ++expressions_per_object[per_object[ob.id]];
            }
            areas.insert(areas.end(), rendered[i].area_fractions.begin(), rendered[i].area_fractions.end());
            invisible += rendered[i].invisible;
        }
        std::sort(areas.begin(), areas.end());
        auto quantile = [&](double q) { return areas.empty() ? 0.0 : areas[size_t(q * double(areas.size() - 1))]; };
        ojson histogram = ojson::object();
        const double edges[] = {0.0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0};
        for (size_t b = 0; b + 1 < std::size(edges); ++b) {
            const auto lo = std::lower_bound(areas.begin(), areas.end(), edges[b]);
            const auto hi = b + 2 == std::size(edges) ? areas.end() : std::lower_bound(areas.begin(), areas.end(), edges[b + 1]);
            histogram[fmt::format("[{:g}%, {:g}%)", 100 * edges[b], 100 * edges[b + 1])] = int(hi - lo);
        }
        auto counts_json = [](const std::map<int, int>& m) {
            ojson j = ojson::object();
            for (const auto& [k, n] : m) j[std::to_string(k)] = n;
            return j;
        };
        const ojson stats{
            {"generator", "r2bench synth"},
            {"preset", o.preset},
            {"seed", o.seed},
            {"format", davis ? "ref-davis" : mevis ? "mevis" : "ref-youtube-vos"},
            {"width", o.width},
            {"height", o.height},
            {"splits", {{"train", {{"videos", report.train_videos}, {"expressions", report.train_expressions}}},
                        {"valid", {{"videos", report.valid_videos}, {"expressions", report.valid_expressions}}}}},
            {"frames", report.frames},
            {"super_categories", super_categories()},
            {"categories", category_stats},
            {"objects_per_video", counts_json(objects_per_video)},
            {"expressions_per_object", counts_json(expressions_per_object)},
            {"mask_area_fraction", {{"min", quantile(0)}, {"p10", quantile(0.1)}, {"median", quantile(0.5)},
                                    {"p90", quantile(0.9)}, {"max", quantile(1)}, {"histogram", histogram}}},
            {"object_frames_not_visible", invisible},
        };
        write_file_atomically(tmp / "synth_stats.json", stats.dump(2) + "\n");
        write_file_atomically(tmp / "synth_scenes.json", ojson{{"videos", scenes}}.dump(1) + "\n");

        if (fs::exists(out)) fs::remove(out);  // an empty folder
        if (!out.parent_path().empty()) fs::create_directories(out.parent_path());
        fs::rename(tmp, out);
        report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return report;
    } catch (...) {
        std::error_code ec;
        fs::remove_all(tmp, ec);
        throw;
    }
}

}  // namespace r2::synth
