#include "dataset_builder/r2_builder.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <unordered_map>

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include "core/atomic_file.h"
#include "core/wording.h"
#include "core/rng.h"
#include "core/sha256.h"

namespace r2 {
namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

namespace {

// ---- what each video holds and refers to, as sets of ids over one shared vocabulary ----------

struct Bits {
    std::vector<uint64_t> words;
    void set(int i) {
        if (size_t(i / 64) >= words.size()) words.resize(size_t(i / 64) + 1, 0);
        words[size_t(i / 64)] |= uint64_t(1) << (i % 64);
    }
    bool intersects(const Bits& o) const {
        const size_t n = std::min(words.size(), o.words.size());
        for (size_t i = 0; i < n; ++i)
            if (words[i] & o.words[i]) return true;
        return false;
    }
};

struct Vocabulary {
    std::unordered_map<std::string, int> ids;
    std::vector<std::string> names;
    int id(const std::string& s) {
        auto [it, inserted] = ids.emplace(s, int(names.size()));
        if (inserted) names.push_back(s);
        return it->second;
    }
};

struct Profile {
    Bits categories, referred, content_words, present_words, supers;
    std::set<std::string> category_names, referred_names;
};

Profile profile_of(const SourceVideo& v, const SourceTree& tree, const SynonymTable& synonyms, Vocabulary& categories,
                   Vocabulary& words, Vocabulary& supers) {
    Profile p;
    // Categories present: from the objects where the source has them, else named in its expressions.
    if (!v.objects.empty()) {
        for (const auto& o : v.objects) p.category_names.insert(o.category);
    } else {
        for (const auto& e : v.expressions)
            for (const auto& c : synonyms.categories_named(e.text)) p.category_names.insert(c);
    }
    // Categories referred to: each expression's object where known, else what its text names.
    for (const auto& e : v.expressions) {
        const std::vector<std::string> ids = object_ids(e);
        bool known = !ids.empty();
        std::set<std::string> of_objects;
        for (const auto& id : ids) {
            const SourceObject* o = v.find_object(id);
            if (!o) known = false;
            else of_objects.insert(o->category);
        }
        const std::set<std::string> referred = known ? of_objects : synonyms.categories_named(e.text);
        p.referred_names.insert(referred.begin(), referred.end());
    }
    for (const auto& c : p.category_names) {
        p.categories.set(categories.id(c));
        if (const auto it = tree.super_category.find(c); it != tree.super_category.end()) p.supers.set(supers.id(it->second));
        std::vector<std::string> ws = synonyms.words_of(c);
        if (ws.empty()) {
            std::string readable = c;
            std::replace(readable.begin(), readable.end(), '_', ' ');
            ws = tokenize(readable);
        }
        for (const auto& w : ws) p.present_words.set(words.id(w));
    }
    for (const auto& c : p.referred_names) p.referred.set(categories.id(c));
    for (const auto& e : v.expressions) {
        for (const auto& w : content_words(e.text)) p.content_words.set(words.id(w));
        for (const auto& w : synonyms.head_noun(e.text)) p.present_words.set(words.id(w));
    }
    return p;
}

enum Rejection { kSelf = 1, kReferred = 2, kLexical = 4, kStrict = 8 };

int rejections(const Profile& v, const Profile& n, bool same_video) {
    int r = same_video ? kSelf : 0;
    if (v.referred.intersects(n.categories)) r |= kReferred;
    if (v.content_words.intersects(n.present_words)) r |= kLexical;
    if (v.categories.intersects(n.categories) || v.supers.intersects(n.supers)) r |= kStrict;
    return r;
}

int rule_mask(const R2Rules& rules) {
    return kSelf | (rules.referred_category ? kReferred : 0) | (rules.lexical ? kLexical : 0) | (rules.strict ? kStrict : 0);
}

// ---- matching --------------------------------------------------------------------------------

struct Matching {
    std::vector<int> of_left, of_right;
    int size = 0;
};

// Maximum matching: shuffled greedy, then Kuhn's augmenting paths in shuffled order.
Matching match(const std::vector<std::vector<int>>& adjacency, int right_count, Rng& rng) {
    const int n = int(adjacency.size());
    Matching m{std::vector<int>(size_t(n), -1), std::vector<int>(size_t(right_count), -1), 0};
    std::vector<int> order(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) order[size_t(i)] = i;
    rng.shuffle(order);
    for (int i : order)
        for (int j : adjacency[size_t(i)])
            if (m.of_right[size_t(j)] < 0) {
                m.of_left[size_t(i)] = j, m.of_right[size_t(j)] = i, ++m.size;
                break;
            }
    std::vector<int> seen(size_t(right_count), -1);
    std::function<bool(int, int)> augment = [&](int i, int stamp) {
        for (int j : adjacency[size_t(i)]) {
            if (seen[size_t(j)] == stamp) continue;
            seen[size_t(j)] = stamp;
            if (m.of_right[size_t(j)] < 0 || augment(m.of_right[size_t(j)], stamp)) {
                m.of_left[size_t(i)] = j, m.of_right[size_t(j)] = i;
                return true;
            }
        }
        return false;
    };
    for (int i : order)
        if (m.of_left[size_t(i)] < 0 && augment(i, i)) ++m.size;
    return m;
}

// König: the left vertices reachable from unmatched ones by alternating paths form a set S
// whose neighbourhood is smaller than S (Hall's condition fails there).
std::pair<std::vector<int>, std::vector<int>> hall_violator(const std::vector<std::vector<int>>& adjacency,
                                                            const Matching& m, int right_count) {
    std::vector<char> left_seen(adjacency.size(), 0), right_seen(size_t(right_count), 0);
    std::vector<int> queue;
    for (size_t i = 0; i < adjacency.size(); ++i)
        if (m.of_left[i] < 0) left_seen[i] = 1, queue.push_back(int(i));
    for (size_t q = 0; q < queue.size(); ++q)
        for (int j : adjacency[size_t(queue[q])])
            if (!right_seen[size_t(j)]) {
                right_seen[size_t(j)] = 1;
                const int back = m.of_right[size_t(j)];
                if (back >= 0 && !left_seen[size_t(back)]) left_seen[size_t(back)] = 1, queue.push_back(back);
            }
    std::vector<int> s, ns;
    for (size_t i = 0; i < left_seen.size(); ++i)
        if (left_seen[i]) s.push_back(int(i));
    for (size_t j = 0; j < right_seen.size(); ++j)
        if (right_seen[j]) ns.push_back(int(j));
    return {s, ns};
}

struct Problem {
    std::vector<const SourceVideo*> candidates;  // source videos, then pool videos
    std::vector<const SourceTree*> candidate_tree;
    std::vector<Profile> left, right;
    std::vector<std::vector<int>> reject;  // reject[i][j]: Rejection bits
};

Problem make_problem(const SourceTree& source, const SourceTree* pool, const SynonymTable& synonyms) {
    Problem p;
    Vocabulary categories, words, supers;
    for (const auto& v : source.videos) p.candidates.push_back(&v), p.candidate_tree.push_back(&source);
    if (pool)
        for (const auto& v : pool->videos) p.candidates.push_back(&v), p.candidate_tree.push_back(pool);
    for (size_t j = 0; j < p.candidates.size(); ++j)
        p.right.push_back(profile_of(*p.candidates[j], *p.candidate_tree[j], synonyms, categories, words, supers));
    p.left.assign(p.right.begin(), p.right.begin() + long(source.videos.size()));
    p.reject.assign(source.videos.size(), std::vector<int>(p.candidates.size(), 0));
    tbb::parallel_for(size_t(0), source.videos.size(), [&](size_t i) {
        for (size_t j = 0; j < p.candidates.size(); ++j) p.reject[i][j] = rejections(p.left[i], p.right[j], i == j);
    });
    return p;
}

std::vector<std::vector<int>> adjacency_for(const Problem& p, int mask, Rng* rng) {
    std::vector<std::vector<int>> adjacency(p.left.size());
    for (size_t i = 0; i < p.left.size(); ++i) {
        for (size_t j = 0; j < p.candidates.size(); ++j)
            if ((p.reject[i][j] & mask) == 0) adjacency[i].push_back(int(j));
        if (rng) rng->shuffle(adjacency[i]);
    }
    return adjacency;
}

std::string describe(const SourceVideo& v, const Profile& profile) {
    std::string cats;
    for (const auto& c : profile.category_names) cats += (cats.empty() ? "" : ", ") + c;
    return fmt::format("{} ({})", v.name, cats.empty() ? "no known categories" : cats);
}

std::string rules_text(const R2Rules& r) {
    std::vector<std::string> on;
    if (r.referred_category) on.push_back("referred-category");
    if (r.lexical) on.push_back("lexical");
    if (r.strict) on.push_back("strict");
    std::string s;
    for (const auto& x : on) s += (s.empty() ? "" : ", ") + x;
    return s.empty() ? "none" : s;
}

ojson provenance_of(const SourceTree& t) {
    return ojson{{"name", t.root.filename().string()}, {"format", source_format_name(t.format)}, {"split", t.split},
                 {"videos", t.videos.size()}, {"metadata_sha256", t.metadata_sha256}};
}

ojson rules_json(const R2Rules& r) {
    return ojson{{"referred_category", r.referred_category}, {"lexical", r.lexical}, {"strict", r.strict}};
}

std::string negative_meta(const SourceTree& source, const std::vector<const SourceVideo*>& negative_of) {
    ojson videos = ojson::object();
    for (size_t i = 0; i < source.videos.size(); ++i) {
        const SourceVideo& positive = source.videos[i];
        const SourceVideo& negative = *negative_of[i];
        ojson expressions = ojson::object();
        for (const auto& e : positive.expressions) expressions[e.id] = expression_entry_json(e);
        ojson entry = ojson::object();
        for (const auto& [k, v] : negative.extra.items()) entry[k] = v;
        entry["expressions"] = std::move(expressions);
        entry["frames"] = negative.frames;
        videos[negative.name] = std::move(entry);
    }
    return ojson{{"videos", std::move(videos)}}.dump() + "\n";
}

}  // namespace

bool r2_compatible(const SourceVideo& video, const SourceVideo& negative, const SourceTree& video_tree,
                   const SourceTree& negative_tree, const R2Rules& rules, const SynonymTable& synonyms) {
    Vocabulary categories, words, supers;
    const Profile a = profile_of(video, video_tree, synonyms, categories, words, supers);
    const Profile b = profile_of(negative, negative_tree, synonyms, categories, words, supers);
    const bool same = &video == &negative || (&video_tree == &negative_tree && video.name == negative.name);
    return (rejections(a, b, same) & rule_mask(rules)) == 0;
}

R2Build build_r2(const SourceTree& source, const SourceTree* pool, const R2BuildOptions& options) {
    const SynonymTable& synonyms = options.synonyms ? *options.synonyms : default_synonyms();
    if (source.videos.size() < 2) throw Error("build-dataset: the source needs at least 2 videos");
    const Problem problem = make_problem(source, pool, synonyms);
    const int right_count = int(problem.candidates.size());
    const int mask = rule_mask(options.rules);

    Rng rng(options.seed);
    const auto adjacency = adjacency_for(problem, mask, &rng);
    const Matching m = match(adjacency, right_count, rng);
    const int n = int(source.videos.size());

    if (m.size < n) {
        // Say which videos cannot be served, and which relaxation would make the set feasible.
        const auto [s, ns] = hall_violator(adjacency, m, right_count);
        std::string text = fmt::format(
            "no valid R² assignment under the rules [{}]: {} of {} cannot get an unrelated negative video.\n"
            "{} {} compatible, together, with only {} (Hall's condition fails):",
            rules_text(options.rules), n - m.size, plural(n, "video"), s.size() == 1 ? "This" : fmt::format("These {}", s.size()),
            s.size() == 1 ? "video is" : "videos are", plural(int64_t(ns.size()), "candidate video"));
        for (size_t k = 0; k < s.size() && k < 12; ++k)
            text += "\n  " + describe(source.videos[size_t(s[k])], problem.left[size_t(s[k])]);
        if (s.size() > 12) text += fmt::format("\n  … and {} more", s.size() - 12);
        std::vector<std::pair<std::string, R2Rules>> relaxations;
        R2Rules r = options.rules;
        if (r.strict) relaxations.push_back({"drop --strict", R2Rules{r.referred_category, r.lexical, false}});
        if (r.lexical) relaxations.push_back({"--no-lexical", R2Rules{r.referred_category, false, r.strict}});
        if (r.referred_category) relaxations.push_back({"--no-referred-category", R2Rules{false, r.lexical, r.strict}});
        if (r.strict && r.lexical) relaxations.push_back({"drop --strict and --no-lexical", R2Rules{r.referred_category, false, false}});
        if (r.referred_category && r.lexical) relaxations.push_back({"--no-referred-category --no-lexical", R2Rules{false, false, r.strict}});
        std::string feasible;
        for (const auto& [label, relaxed] : relaxations) {
            Rng probe(options.seed);
            if (match(adjacency_for(problem, rule_mask(relaxed), nullptr), right_count, probe).size == n) {
                feasible = label;
                break;
            }
        }
        text += feasible.empty() ? "\nNo single relaxation of the rules makes this source feasible; add videos with --negative-pool."
                                 : fmt::format("\nThe set becomes feasible with: {}.", feasible);
        throw InfeasibleError(text);
    }

    R2Build build;
    std::vector<const SourceVideo*> negative_of(static_cast<size_t>(n));
    std::vector<std::string> negative_source(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
        const int j = m.of_left[size_t(i)];
        negative_of[size_t(i)] = problem.candidates[size_t(j)];
        negative_source[size_t(i)] = j < n ? "source" : "pool";
        if (j >= n) ++build.pool_videos_used;
    }

    build.pairs.provenance["generator"] = "r2bench build-dataset";
    build.pairs.provenance["seed"] = options.seed;
    build.pairs.provenance["source"] = provenance_of(source);
    build.pairs.provenance["negative_pool"] = pool ? provenance_of(*pool) : ojson(nullptr);
    build.pairs.provenance["rules"] = rules_json(options.rules);
    build.pairs.provenance["synonyms_sha256"] = synonyms.sha256;
    size_t expression_count = 0;
    std::map<std::string, int> referred_counts, category_counts;
    for (int i = 0; i < n; ++i) {
        const SourceVideo& v = source.videos[size_t(i)];
        for (const auto& e : v.expressions) {
            R2Pair pair{v.name, e.id, e.text, e.obj_id, negative_of[size_t(i)]->name, v.frames, negative_of[size_t(i)]->frames};
            pair.negative_source = negative_source[size_t(i)];
            build.pairs.pairs.push_back(std::move(pair));
            ++expression_count;
        }
        for (const auto& c : problem.left[size_t(i)].referred_names) ++referred_counts[c];
        for (const auto& c : problem.left[size_t(i)].category_names) ++category_counts[c];
    }

    // Why candidates were refused, pair by pair (a pair can break several rules).
    int64_t self = 0, referred = 0, lexical = 0, strict = 0, compatible = 0;
    std::vector<int> options_per_video;
    for (int i = 0; i < n; ++i) {
        for (int j = 0; j < right_count; ++j) {
            const int r = problem.reject[size_t(i)][size_t(j)];
            self += (r & kSelf) != 0, referred += (r & kReferred) != 0, lexical += (r & kLexical) != 0, strict += (r & kStrict) != 0;
        }
        compatible += int64_t(adjacency[size_t(i)].size());
        options_per_video.push_back(int(adjacency[size_t(i)].size()));
    }
    std::sort(options_per_video.begin(), options_per_video.end());
    auto counts_json = [](const std::map<std::string, int>& m) {
        ojson j = ojson::object();
        for (const auto& [k, v] : m) j[k] = v;
        return j;
    };
    build.stats = ojson{
        {"schema_version", 1},
        {"seed", options.seed},
        {"rules", rules_json(options.rules)},
        {"videos", n},
        {"expressions", expression_count},
        {"pool_videos", pool ? pool->videos.size() : 0},
        {"negatives_from_source", n - build.pool_videos_used},
        {"negatives_from_pool", build.pool_videos_used},
        {"candidate_pairs", int64_t(n) * right_count},
        {"compatible_pairs", compatible},
        {"rejected_pairs", {{"self", self}, {"referred_category", referred}, {"lexical", lexical}, {"strict", strict}}},
        {"rejections_enforced", {{"referred_category", options.rules.referred_category}, {"lexical", options.rules.lexical},
                                 {"strict", options.rules.strict}}},
        {"compatible_negatives_per_video", {{"min", options_per_video.front()},
                                            {"median", options_per_video[options_per_video.size() / 2]},
                                            {"max", options_per_video.back()}}},
        {"videos_per_category", counts_json(category_counts)},
        {"videos_referring_to_category", counts_json(referred_counts)},
    };
    build.negative_meta_json = negative_meta(source, negative_of);
    return build;
}

void write_r2(const fs::path& out, const R2Build& build, const SourceTree& source, const SourceTree* pool,
              bool link_frames, bool symlinks) {
    // Render everything first; then write, each file atomically.
    const std::string pairs = r2_pairs_to_json(build.pairs);
    const std::string stats = build.stats.dump(2) + "\n";
    if (link_frames) {
        std::map<std::string, const SourceTree*> tree_of;
        for (const auto& v : source.videos) tree_of[v.name] = &source;
        if (pool)
            for (const auto& v : pool->videos) tree_of.emplace(v.name, pool);
        std::set<std::string> done;
        for (const auto& p : build.pairs.pairs) {
            if (!done.insert(p.negative_video).second) continue;
            const SourceTree& tree = p.negative_source == "pool" ? *pool : source;
            const fs::path dir = out / source.split / "JPEGImages" / p.negative_video;
            fs::create_directories(dir);
            for (const auto& frame : p.negative_frames) {
                const fs::path from = tree.frames_dir / p.negative_video / (frame + ".jpg");
                const fs::path to = dir / (frame + ".jpg");
                if (!fs::exists(from)) throw FileError(from, "frame not found (needed by --link-frames)");
                std::error_code ec;
                fs::remove(to, ec);
                if (symlinks) fs::create_symlink(fs::absolute(from), to, ec);
                else fs::create_hard_link(from, to, ec);
                if (ec)
                    throw FileError(to, fmt::format("cannot {}link to {}: {}{}", symlinks ? "sym" : "hard ", from.string(),
                                                    ec.message(), symlinks ? "" : " (different file systems? use --symlinks)"));
            }
        }
        write_file_atomically(out / "meta_expressions" / source.split / "meta_expressions.json", build.negative_meta_json);
    }
    write_file_atomically(out / "meta_expressions.json", build.negative_meta_json);
    write_file_atomically(out / "r2_stats.json", stats);
    write_file_atomically(out / "r2_pairs.json", pairs);
}

std::vector<std::string> verify_r2(const fs::path& out, const SourceTree& source, const SourceTree* pool,
                                   const SynonymTable& synonyms) {
    std::vector<std::string> v;
    const R2Pairs pairs = read_r2_pairs(out / "r2_pairs.json");
    const ojson& prov = pairs.provenance;
    if (!prov.contains("source") || prov["source"].value("metadata_sha256", "") != source.metadata_sha256)
        v.push_back("the source's metadata differs from the one the set was built from (metadata_sha256)");
    const bool built_with_pool = prov.contains("negative_pool") && !prov["negative_pool"].is_null();
    if (built_with_pool && !pool) v.push_back("the set was built with a negative pool: pass it with --negative-pool");
    if (built_with_pool && pool && prov["negative_pool"].value("metadata_sha256", "") != pool->metadata_sha256)
        v.push_back("the negative pool's metadata differs from the one the set was built from");
    if (prov.value("synonyms_sha256", "") != synonyms.sha256)
        v.push_back("the synonym table differs from the one the set was built with (pass the same --synonyms)");
    R2Rules rules;
    if (prov.contains("rules")) {
        rules.referred_category = prov["rules"].value("referred_category", true);
        rules.lexical = prov["rules"].value("lexical", true);
        rules.strict = prov["rules"].value("strict", false);
    }

    std::map<std::string, const SourceVideo*> source_videos, pool_videos;
    for (const auto& x : source.videos) source_videos[x.name] = &x;
    if (pool)
        for (const auto& x : pool->videos) pool_videos[x.name] = &x;
    std::map<std::pair<std::string, std::string>, int> seen;
    std::map<std::string, std::string> negative_of;   // positive → negative
    std::map<std::string, std::string> positive_of;   // negative → positive
    std::vector<const SourceVideo*> negatives_in_order;
    for (const auto& p : pairs.pairs) {
        const std::string where = fmt::format("expression '{}' of '{}'", p.exp_id, p.positive_video);
        ++seen[{p.positive_video, p.exp_id}];
        const auto pv = source_videos.find(p.positive_video);
        if (pv == source_videos.end()) {
            v.push_back(where + ": the video is not in the source");
            continue;
        }
        if (p.positive_frames != pv->second->frames) v.push_back(where + ": positive frames differ from the source");
        if (p.negative_video == p.positive_video) v.push_back(where + ": paired with its own video");
        const bool from_pool = p.negative_source == "pool";
        const auto& pool_or_source = from_pool ? pool_videos : source_videos;
        const auto nv = pool_or_source.find(p.negative_video);
        if (nv == pool_or_source.end()) {
            v.push_back(fmt::format("{}: negative video '{}' is not in the {}", where, p.negative_video, from_pool ? "pool" : "source"));
            continue;
        }
        if (p.negative_frames != nv->second->frames) v.push_back(where + ": negative frames differ from the negative video's");
        auto [it, inserted] = negative_of.emplace(p.positive_video, p.negative_video);
        if (!inserted && it->second != p.negative_video)
            v.push_back(fmt::format("video '{}' has two negative videos ('{}' and '{}')", p.positive_video, it->second, p.negative_video));
        if (inserted) {
            auto [n_it, n_inserted] = positive_of.emplace(p.negative_video, p.positive_video);
            if (!n_inserted)
                v.push_back(fmt::format("video '{}' is the negative of both '{}' and '{}'", p.negative_video, n_it->second, p.positive_video));
            const SourceTree& negative_tree = from_pool ? *pool : source;
            if (!r2_compatible(*pv->second, *nv->second, source, negative_tree, rules, synonyms))
                v.push_back(fmt::format("videos '{}' and '{}' break the rules [{}]", p.positive_video, p.negative_video, rules_text(rules)));
        }
    }
    for (const auto& x : source.videos) {
        for (const auto& e : x.expressions) {
            const int n = seen.count({x.name, e.id}) ? seen[{x.name, e.id}] : 0;
            if (n != 1) v.push_back(fmt::format("expression '{}' of '{}' appears {} times (expected once)", e.id, x.name, n));
        }
        if (!pool && !positive_of.count(x.name)) v.push_back(fmt::format("video '{}' is never a negative", x.name));
    }
    // The negative meta file must say exactly what the pairs say.
    std::vector<const SourceVideo*> order;
    bool complete = true;
    for (const auto& x : source.videos) {
        const auto it = negative_of.find(x.name);
        if (it == negative_of.end()) { complete = false; break; }
        const auto s = source_videos.find(it->second);
        const auto q = pool_videos.find(it->second);
        order.push_back(s != source_videos.end() ? s->second : q != pool_videos.end() ? q->second : nullptr);
        if (!order.back()) { complete = false; break; }
    }
    if (complete) {
        const fs::path meta = out / "meta_expressions.json";
        if (!fs::exists(meta)) v.push_back("meta_expressions.json is missing");
        else if (read_file(meta) != negative_meta(source, order)) v.push_back("meta_expressions.json does not match r2_pairs.json");
    }
    return v;
}

}  // namespace r2
