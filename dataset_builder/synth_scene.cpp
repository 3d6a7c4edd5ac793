#include "dataset_builder/synth_scene.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "core/error.h"
#include "core/wording.h"

namespace r2::synth {

const std::vector<Category>& categories() {
    static const std::vector<Category> list = {
        {"circle", "shape", {"circle", "disc"}},
        {"square", "shape", {"square"}},
        {"triangle", "shape", {"triangle"}},
        {"star", "shape", {"star"}},
        {"ring", "shape", {"ring", "donut"}},
        {"cross", "shape", {"cross", "plus sign"}},
        {"fish", "animal", {"fish"}},
        {"bird", "animal", {"bird"}},
        {"turtle", "animal", {"turtle"}},
        {"snail", "animal", {"snail"}},
        {"car", "vehicle", {"car", "automobile"}},
        {"truck", "vehicle", {"truck", "lorry"}},
        {"boat", "vehicle", {"boat", "sailboat"}},
        {"rocket", "vehicle", {"rocket"}},
        {"tree", "plant", {"tree"}},
        {"flower", "plant", {"flower"}},
        {"mushroom", "plant", {"mushroom"}},
        {"cactus", "plant", {"cactus"}},
        {"person", "people", {"person", "man", "woman", "figure"}},
        {"robot", "people", {"robot", "android"}},
        {"ghost", "people", {"ghost"}},
        {"snowman", "people", {"snowman"}},
        {"cup", "household", {"cup", "mug"}},
        {"lamp", "household", {"lamp"}},
        {"chair", "household", {"chair", "seat"}},
        {"umbrella", "household", {"umbrella"}},
        {"arrow", "symbol", {"arrow"}},
        {"heart", "symbol", {"heart"}},
        {"moon", "symbol", {"moon", "crescent"}},
        {"lightning", "symbol", {"lightning bolt", "bolt"}},
    };
    return list;
}

std::vector<std::string> super_categories() {
    std::vector<std::string> out;
    for (const auto& c : categories())
        if (std::find(out.begin(), out.end(), c.super_category) == out.end()) out.push_back(c.super_category);
    return out;
}

const std::vector<Colour>& colours() {
    static const std::vector<Colour> list = {
        {"red", {220, 40, 40}},    {"green", {40, 170, 60}},  {"blue", {40, 80, 220}},
        {"yellow", {240, 210, 40}}, {"orange", {245, 140, 30}}, {"purple", {150, 60, 190}},
        {"white", {240, 240, 240}}, {"black", {25, 25, 25}},
    };
    return list;
}

const char* motion_name(Motion m) {
    static const char* names[] = {"still", "left", "right", "up", "down", "bouncing", "circling", "growing", "shrinking", "spinning"};
    return names[int(m)];
}

const char* size_word(SizeClass s) {
    static const char* words[] = {"small", "medium", "big"};
    return words[int(s)];
}

std::vector<std::string> motion_phrases(Motion m) {
    switch (m) {
        case Motion::still: return {"standing still", "not moving"};
        case Motion::left: return {"moving left", "moving to the left", "going left"};
        case Motion::right: return {"moving right", "moving to the right", "going right"};
        case Motion::up: return {"moving up", "rising", "going up"};
        case Motion::down: return {"moving down", "falling", "going down"};
        case Motion::bouncing: return {"bouncing around", "bouncing"};
        case Motion::circling: return {"circling", "going round in loops"};  // no category noun ("circle") in motion words
        case Motion::growing: return {"growing", "getting bigger"};
        case Motion::shrinking: return {"shrinking", "getting smaller"};
        case Motion::spinning: return {"spinning", "rotating"};
    }
    return {};
}

std::vector<std::string> place_phrases(Place p) {
    switch (p) {
        case Place::left: return {"on the left", "on the left side"};
        case Place::right: return {"on the right", "on the right side"};
        case Place::top: return {"at the top", "near the top"};
        case Place::bottom: return {"at the bottom", "near the bottom"};
        case Place::none: return {};
    }
    return {};
}

std::vector<std::string> relation_phrases(Relation r) {
    switch (r) {
        case Relation::left_of: return {"left of", "to the left of"};
        case Relation::right_of: return {"right of", "to the right of"};
        case Relation::above: return {"above", "over"};
        case Relation::below: return {"below", "under"};
    }
    return {};
}

// ---------------------------------------------------------------------------------------------

static double triangle_wave(double x, double lo, double hi) {
    // Reflects x into [lo, hi] as a ball bouncing between two walls.
    const double span = hi - lo;
    if (span <= 0) return lo;
    double u = std::fmod(x - lo, 2 * span);
    if (u < 0) u += 2 * span;
    return lo + (u <= span ? u : 2 * span - u);
}

Pose SynthObject::pose(int t, int width, int height) const {
    Pose p{x0, y0, radius0, angle0 + spin * t};
    switch (motion) {
        case Motion::still: break;
        case Motion::left: case Motion::right: case Motion::up: case Motion::down:
            p.x = x0 + vx * t, p.y = y0 + vy * t;
            break;
        case Motion::bouncing:
            p.x = triangle_wave(x0 + vx * t, radius0, width - radius0);
            p.y = triangle_wave(y0 + vy * t, radius0, height - radius0);
            break;
        case Motion::circling: {
            const double a = orbit_speed * t;
            p.x = x0 + orbit_radius * std::cos(a), p.y = y0 + orbit_radius * std::sin(a);
            break;
        }
        case Motion::growing: case Motion::shrinking:
            p.radius = std::max(2.0, radius0 * (1.0 + growth * t));
            break;
        case Motion::spinning: break;
    }
    return p;
}

ObjectFacts object_facts(const SynthObject& o, const SynthVideo& v) {
    ObjectFacts f;
    const int n = int(v.frames.size());
    for (int t = 0; t < n; ++t) {
        const Pose p = o.pose(t, v.width, v.height);
        f.mean_x += p.x / n, f.mean_y += p.y / n;
    }
    if (f.mean_x < 0.35 * v.width) f.horizontal = Place::left;
    if (f.mean_x > 0.65 * v.width) f.horizontal = Place::right;
    if (f.mean_y < 0.35 * v.height) f.vertical = Place::top;
    if (f.mean_y > 0.65 * v.height) f.vertical = Place::bottom;
    return f;
}

bool relation_holds(Relation r, const ObjectFacts& a, const ObjectFacts& b, int width, int height) {
    // A clear margin, so that a person looking at the video would agree.
    switch (r) {
        case Relation::left_of: return a.mean_x < b.mean_x - 0.15 * width;
        case Relation::right_of: return a.mean_x > b.mean_x + 0.15 * width;
        case Relation::above: return a.mean_y < b.mean_y - 0.15 * height;
        case Relation::below: return a.mean_y > b.mean_y + 0.15 * height;
    }
    return false;
}

std::vector<int> objects_matching(const SynthVideo& video, const ExpressionAttributes& a) {
    std::vector<ObjectFacts> facts;
    for (const auto& o : video.objects) facts.push_back(object_facts(o, video));
    const SynthObject* other = nullptr;
    for (const auto& o : video.objects)
        if (o.id == a.relation_object) other = &o;
    std::vector<int> ids;
    for (size_t i = 0; i < video.objects.size(); ++i) {
        const SynthObject& o = video.objects[i];
        if (o.category != a.category) continue;
        if (a.colour && o.colour != *a.colour) continue;
        if (a.size && o.size != *a.size) continue;
        if (a.motion && o.motion != *a.motion) continue;
        if (a.place) {
            const bool horizontal = *a.place == Place::left || *a.place == Place::right;
            if ((horizontal ? facts[i].horizontal : facts[i].vertical) != *a.place) continue;
        }
        if (a.relation) {
            if (!other || other->id == o.id) continue;
            const size_t j = size_t(other - video.objects.data());
            if (!relation_holds(*a.relation, facts[i], facts[j], video.width, video.height)) continue;
        }
        ids.push_back(o.id);
    }
    return ids;
}

std::string word_expression(const ExpressionAttributes& a, const SynthVideo& video, Rng& rng) {
    const bool definite = rng.chance(0.7);
    std::string words;
    if (a.size) words += std::string(" ") + size_word(*a.size);
    if (a.colour) words += " " + colours()[size_t(*a.colour)].name;
    words += " " + a.noun;
    std::string text = std::string(definite ? "the" : indefinite_article(words.substr(1))) + words;  // "an orange boat"
    if (a.motion) text += " " + rng.pick(motion_phrases(*a.motion));
    if (a.place) text += " " + rng.pick(place_phrases(*a.place));
    if (a.relation) {
        const SynthObject* other = nullptr;
        for (const auto& o : video.objects)
            if (o.id == a.relation_object) other = &o;
        if (!other) throw Error("word_expression: relation to a missing object");
        text += " " + rng.pick(relation_phrases(*a.relation)) + " the " + colours()[size_t(other->colour)].name + " " +
                categories()[size_t(other->category)].nouns.front();
    }
    return text;
}

namespace {

void sample_motion(SynthObject& o, Rng& rng, int width, int height, int frames) {
    const double span = std::max(1, frames - 1);
    const double m = std::min(width, height);
    o.x0 = rng.uniform(0.2, 0.8) * width;
    o.y0 = rng.uniform(0.2, 0.8) * height;
    o.angle0 = rng.uniform(-25, 25);
    switch (o.motion) {
        case Motion::still: break;
        case Motion::left: case Motion::right: {
            // Travel 30–90% of the width; sometimes start or end outside the frame (enter / leave).
            const double distance = rng.uniform(0.3, 0.9) * width;
            const double start = rng.uniform(0.05, 1.15 - distance / width) * width;
            o.vx = (o.motion == Motion::right ? 1 : -1) * distance / span;
            o.x0 = o.motion == Motion::right ? start : width - start;
            o.vy = rng.uniform(-0.05, 0.05) * height / span;
            break;
        }
        case Motion::up: case Motion::down: {
            const double distance = rng.uniform(0.3, 0.8) * height;
            const double start = rng.uniform(0.1, 1.1 - distance / height) * height;
            o.vy = (o.motion == Motion::down ? 1 : -1) * distance / span;
            o.y0 = o.motion == Motion::down ? start : height - start;
            o.vx = rng.uniform(-0.05, 0.05) * width / span;
            break;
        }
        case Motion::bouncing:
            o.vx = (rng.chance(0.5) ? 1 : -1) * rng.uniform(0.8, 1.6) * width / span;
            o.vy = (rng.chance(0.5) ? 1 : -1) * rng.uniform(0.8, 1.6) * height / span;
            break;
        case Motion::circling:
            o.orbit_radius = rng.uniform(0.12, 0.22) * m;
            o.orbit_speed = rng.uniform(1.0, 2.0) * 2 * M_PI / span;
            break;
        case Motion::growing: o.growth = rng.uniform(0.6, 1.2) / span; break;
        case Motion::shrinking: o.growth = -rng.uniform(0.35, 0.55) / span; break;
        case Motion::spinning: o.spin = (rng.chance(0.5) ? 1 : -1) * rng.uniform(180, 540) / span; break;
    }
}

}  // namespace

SynthVideo sample_video(Rng& rng, const std::string& name, int width, int height, int frames, int frame_stride,
                        const std::vector<int>& expressions_per_object) {
    SynthVideo v;
    v.name = name;
    v.width = width, v.height = height;
    for (int t = 0; t < frames; ++t) v.frames.push_back(fmt::format("{:05d}", t * frame_stride));
    v.background_seed = rng.next();
    v.background_rgb = {uint8_t(rng.between(60, 190)), uint8_t(rng.between(60, 190)), uint8_t(rng.between(60, 190))};
    if (rng.chance(0.5)) {
        v.pan_x = rng.uniform(-0.3, 0.3) * width / std::max(1, frames - 1);
        v.pan_y = rng.uniform(-0.15, 0.15) * height / std::max(1, frames - 1);
    }
    v.noise = rng.uniform(2, 10);

    const int count = int(expressions_per_object.size());
    std::vector<int> depths(static_cast<size_t>(count));
    for (int k = 0; k < count; ++k) depths[size_t(k)] = k;
    rng.shuffle(depths);
    std::set<std::pair<int, int>> used;  // (category, colour): unique per video, so colour + noun always resolves
    const double m = std::min(width, height);
    for (int k = 0; k < count; ++k) {
        SynthObject o;
        o.id = k + 1;
        do {
            o.category = int(rng.below(categories().size()));
            o.colour = int(rng.below(colours().size()));
        } while (!used.insert({o.category, o.colour}).second);
        o.texture = Texture(rng.below(4));
        o.size = SizeClass(rng.below(3));
        static const double lo[] = {0.08, 0.15, 0.24}, hi[] = {0.12, 0.21, 0.32};
        o.radius0 = rng.uniform(lo[int(o.size)], hi[int(o.size)]) * m;
        o.motion = Motion(rng.below(kMotionCount));
        o.depth = depths[size_t(k)];
        sample_motion(o, rng, width, height, frames);
        v.objects.push_back(o);
    }

    // Expressions: random attribute subsets, kept only when they single out their object.
    std::set<std::string> texts;
    for (const SynthObject& o : v.objects) {
        for (int e = 0; e < expressions_per_object[size_t(o.id - 1)]; ++e) {
            SynthExpression best;
            for (int attempt = 0; attempt < 40; ++attempt) {
                ExpressionAttributes a;
                a.category = o.category;
                a.noun = rng.pick(categories()[size_t(o.category)].nouns);
                // Late attempts fall back to colour + category, unique by construction.
                const bool fallback = attempt >= 30;
                if (fallback || rng.chance(0.7)) a.colour = o.colour;
                if (!fallback && o.size != SizeClass::medium && rng.chance(0.4)) a.size = o.size;
                if (!fallback && rng.chance(0.5)) a.motion = o.motion;
                const ObjectFacts facts = object_facts(o, v);
                if (!fallback && rng.chance(0.3)) {
                    std::vector<Place> places;
                    if (facts.horizontal != Place::none) places.push_back(facts.horizontal);
                    if (facts.vertical != Place::none) places.push_back(facts.vertical);
                    if (!places.empty()) a.place = rng.pick(places);
                }
                if (!fallback && v.objects.size() > 1 && rng.chance(0.3)) {
                    const SynthObject& other = v.objects[size_t(rng.below(v.objects.size()))];
                    if (other.id != o.id) {
                        std::vector<Relation> holding;
                        for (Relation r : {Relation::left_of, Relation::right_of, Relation::above, Relation::below})
                            if (relation_holds(r, facts, object_facts(other, v), width, height)) holding.push_back(r);
                        if (!holding.empty()) a.relation = rng.pick(holding), a.relation_object = other.id;
                    }
                }
                if (objects_matching(v, a) != std::vector<int>{o.id}) continue;
                const std::string text = word_expression(a, v, rng);
                if (texts.count(text) && !fallback) continue;
                best = {o.id, text, a};
                if (!texts.count(text)) break;
            }
            if (best.object_id == 0) throw Error(fmt::format("synth: could not word an expression for object {} of {}", o.id, name));
            texts.insert(best.text);
            v.expressions.push_back(best);
        }
    }
    return v;
}

}  // namespace r2::synth
