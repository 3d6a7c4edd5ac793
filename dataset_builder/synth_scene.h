// What a synthetic referring-video looks like before it is drawn: its objects (category,
// colour, texture, size, motion, depth) and the expressions that refer to them.
//
// Categories are procedural silhouettes in super-categories (so "unrelated video" is
// meaningful for the R² builder); expressions come from a small grammar over category, colour,
// size, motion, position and relations, and each is checked to match exactly one object.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/rng.h"

namespace r2::synth {

struct Category {
    std::string name;
    std::string super_category;
    std::vector<std::string> nouns;  // words an expression may use for it (name first)
};
const std::vector<Category>& categories();
std::vector<std::string> super_categories();

struct Colour {
    std::string name;
    std::array<uint8_t, 3> rgb;
};
const std::vector<Colour>& colours();

enum class Motion { still, left, right, up, down, bouncing, circling, growing, shrinking, spinning };
constexpr int kMotionCount = 10;
const char* motion_name(Motion m);

enum class Texture { plain, stripes, dots, checker };
enum class SizeClass { small, medium, big };
const char* size_word(SizeClass s);

// Object pose at one frame, in pixels.
struct Pose {
    double x = 0, y = 0;      // centre
    double radius = 0;        // the silhouette fits a circle of this radius
    double angle = 0;         // degrees
};

struct SynthObject {
    int id = 0;               // 1..K, also the annotation palette index
    int category = 0;         // index into categories()
    int colour = 0;           // index into colours()
    Texture texture = Texture::plain;
    SizeClass size = SizeClass::medium;
    Motion motion = Motion::still;
    int depth = 0;            // drawing order: larger is in front
    // Motion parameters (pixels and degrees per frame).
    double x0 = 0, y0 = 0, vx = 0, vy = 0, radius0 = 0, angle0 = 0, spin = 0, growth = 0;
    double orbit_radius = 0, orbit_speed = 0;

    Pose pose(int t, int width, int height) const;
};

// Where an object mostly is in the frame ("on the left" / "at the top"), or none.
enum class Place { none, left, right, top, bottom };
// How one object lies relative to another.
enum class Relation { left_of, right_of, above, below };

// The attributes an expression uses; category is always present.
struct ExpressionAttributes {
    int category = 0;
    std::string noun;
    std::optional<int> colour;
    std::optional<SizeClass> size;
    std::optional<Motion> motion;
    std::optional<Place> place;
    std::optional<Relation> relation;
    int relation_object = 0;  // id of the object the relation refers to (described by colour + category)
};

struct SynthExpression {
    int object_id = 0;
    std::string text;
    ExpressionAttributes attributes;
};

struct SynthVideo {
    std::string name;
    int width = 0, height = 0;
    std::vector<std::string> frames;
    std::vector<SynthObject> objects;  // ordered by id
    std::vector<SynthExpression> expressions;
    // Background: a smooth colour field, panned by the camera.
    uint64_t background_seed = 0;
    std::array<uint8_t, 3> background_rgb{};
    double pan_x = 0, pan_y = 0;  // pixels per frame
    double noise = 0;             // per-pixel noise amplitude
};

// What is true of an object over the whole video (used to word and check expressions).
struct ObjectFacts {
    double mean_x = 0, mean_y = 0;  // mean centre over frames
    Place horizontal = Place::none, vertical = Place::none;
};
ObjectFacts object_facts(const SynthObject& o, const SynthVideo& v);
bool relation_holds(Relation r, const ObjectFacts& a, const ObjectFacts& b, int width, int height);

// Ids of the objects of `video` that every attribute describes.
std::vector<int> objects_matching(const SynthVideo& video, const ExpressionAttributes& a);

// Samples a video: 1..4 objects with unique (category, colour), their motion, and
// `expressions_per_object[k]` expressions for object k + 1 (each resolving to it alone).
SynthVideo sample_video(Rng& rng, const std::string& name, int width, int height, int frames, int frame_stride,
                        const std::vector<int>& expressions_per_object);

// Words an expression of the given attributes; `rng` picks among synonyms and phrasings.
std::string word_expression(const ExpressionAttributes& a, const SynthVideo& video, Rng& rng);

// Phrases for each attribute (exposed so tests can parse expressions back).
std::vector<std::string> motion_phrases(Motion m);
std::vector<std::string> place_phrases(Place p);
std::vector<std::string> relation_phrases(Relation r);

}  // namespace r2::synth
