#include "dataset_builder/synth_render.h"

#include <cmath>

#include <opencv2/imgproc.hpp>

namespace r2::synth {

namespace {

using Contour = std::vector<cv::Point2d>;

Contour ellipse(double cx, double cy, double rx, double ry, double from = 0, double to = 360, int n = 40) {
    Contour c;
    for (int i = 0; i <= n; ++i) {
        const double a = (from + (to - from) * i / n) * M_PI / 180;
        c.emplace_back(cx + rx * std::cos(a), cy + ry * std::sin(a));
    }
    return c;
}
Contour circle(double cx, double cy, double r) { return ellipse(cx, cy, r, r); }
Contour rect(double x0, double y0, double x1, double y1) { return {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}; }
Contour star(int points, double inner, double outer) {
    Contour c;
    for (int i = 0; i < 2 * points; ++i) {
        const double a = -M_PI / 2 + i * M_PI / points, r = i % 2 ? inner : outer;
        c.emplace_back(r * std::cos(a), r * std::sin(a));
    }
    return c;
}
Contour heart() {
    Contour c;
    for (int i = 0; i < 60; ++i) {
        const double t = 2 * M_PI * i / 60;
        const double x = 16 * std::pow(std::sin(t), 3);
        const double y = 13 * std::cos(t) - 5 * std::cos(2 * t) - 2 * std::cos(3 * t) - std::cos(4 * t);
        c.emplace_back(x / 17.0, -y / 17.0 + 0.1);
    }
    return c;
}
ShapePart add(std::vector<Contour> contours) { return {std::move(contours), false}; }
ShapePart cut(std::vector<Contour> contours) { return {std::move(contours), true}; }

std::vector<std::vector<ShapePart>> make_shapes() {
    std::vector<std::vector<ShapePart>> s(categories().size());
    auto set = [&](const char* name, std::vector<ShapePart> parts) {
        for (size_t i = 0; i < categories().size(); ++i)
            if (categories()[i].name == name) s[i] = std::move(parts);
    };
    set("circle", {add({circle(0, 0, 1)})});
    set("square", {add({rect(-0.8, -0.8, 0.8, 0.8)})});
    set("triangle", {add({{{0, -1}, {0.87, 0.55}, {-0.87, 0.55}}})});
    set("star", {add({star(5, 0.45, 1)})});
    set("ring", {add({circle(0, 0, 1), circle(0, 0, 0.55)})});
    set("cross", {add({rect(-0.3, -1, 0.3, 1)}), add({rect(-1, -0.3, 1, 0.3)})});
    set("fish", {add({ellipse(-0.15, 0, 0.75, 0.42)}), add({{{0.45, 0}, {1, -0.5}, {1, 0.5}}}), cut({circle(-0.55, -0.1, 0.08)})});
    set("bird", {add({ellipse(0, 0.1, 0.55, 0.3)}), add({{{-0.2, 0.05}, {0.15, -0.9}, {0.4, 0.05}}}),
                 add({circle(-0.6, -0.05, 0.22)}), add({{{-0.78, -0.12}, {-1, -0.02}, {-0.78, 0.05}}})});
    set("turtle", {add({ellipse(0, 0, 0.7, 0.5)}), add({ellipse(0.85, 0, 0.22, 0.18)}), add({circle(-0.45, -0.45, 0.17)}),
                   add({circle(0.45, -0.45, 0.17)}), add({circle(-0.45, 0.45, 0.17)}), add({circle(0.45, 0.45, 0.17)})});
    set("snail", {add({circle(0.1, -0.2, 0.6)}), cut({circle(0.1, -0.2, 0.25)}), add({rect(-0.95, 0.3, 0.85, 0.6)}),
                  add({{{-0.8, 0.3}, {-0.95, -0.4}, {-0.85, -0.4}, {-0.7, 0.3}}})});
    set("car", {add({rect(-1, -0.2, 1, 0.35)}), add({{{-0.5, -0.2}, {-0.3, -0.62}, {0.4, -0.62}, {0.62, -0.2}}}),
                add({circle(-0.55, 0.4, 0.25)}), add({circle(0.55, 0.4, 0.25)})});
    set("truck", {add({rect(-1, -0.75, 0.3, 0.35)}), add({rect(0.36, -0.35, 1, 0.35)}), add({circle(-0.6, 0.42, 0.22)}),
                  add({circle(0.1, 0.42, 0.22)}), add({circle(0.72, 0.42, 0.22)})});
    set("boat", {add({{{-1, 0.2}, {1, 0.2}, {0.7, 0.6}, {-0.7, 0.6}}}), add({rect(-0.04, -0.9, 0.04, 0.2)}),
                 add({{{0.08, -0.85}, {0.08, 0.12}, {0.75, 0.12}}})});
    set("rocket", {add({ellipse(0, 0, 0.3, 0.9)}), add({{{-0.28, 0.3}, {-0.6, 0.85}, {-0.2, 0.62}}}),
                   add({{{0.28, 0.3}, {0.6, 0.85}, {0.2, 0.62}}}), cut({circle(0, -0.25, 0.11)})});
    set("tree", {add({ellipse(0, -0.35, 0.68, 0.62)}), add({rect(-0.15, 0.15, 0.15, 1)})});
    std::vector<ShapePart> flower;
    for (int i = 0; i < 6; ++i) {
        const double a = i * M_PI / 3;
        flower.push_back(add({circle(0.55 * std::cos(a), 0.55 * std::sin(a), 0.36)}));
    }
    flower.push_back(cut({circle(0, 0, 0.22)}));
    set("flower", flower);
    set("mushroom", {add({ellipse(0, 0.05, 0.95, 0.75, 180, 360)}), add({rect(-0.25, 0, 0.25, 0.85)})});
    set("cactus", {add({rect(-0.2, -0.95, 0.2, 0.95)}), add({rect(-0.7, -0.05, -0.2, 0.12)}), add({rect(-0.7, -0.6, -0.53, 0.1)}),
                   add({rect(0.2, -0.35, 0.65, -0.2)}), add({rect(0.5, -0.85, 0.65, -0.2)})});
    set("person", {add({circle(0, -0.75, 0.23)}), add({{{-0.38, -0.47}, {0.38, -0.47}, {0.27, 0.3}, {-0.27, 0.3}}}),
                   add({rect(-0.26, 0.3, -0.05, 1)}), add({rect(0.05, 0.3, 0.26, 1)})});
    set("robot", {add({rect(-0.35, -0.98, 0.35, -0.52)}), add({rect(-0.58, -0.46, 0.58, 0.45)}), add({rect(-0.45, 0.45, -0.15, 1)}),
                  add({rect(0.15, 0.45, 0.45, 1)}), cut({rect(-0.22, -0.85, -0.08, -0.7)}), cut({rect(0.08, -0.85, 0.22, -0.7)})});
    Contour ghost = ellipse(0, -0.2, 0.7, 0.75, 180, 360);
    for (int i = 0; i <= 6; ++i) ghost.emplace_back(0.7 - i * 0.7 / 3.0, i % 2 ? 0.75 : 0.95);
    set("ghost", {add({ghost}), cut({circle(-0.25, -0.35, 0.12)}), cut({circle(0.25, -0.35, 0.12)})});
    set("snowman", {add({circle(0, 0.45, 0.52)}), add({circle(0, -0.25, 0.36)}), add({circle(0, -0.75, 0.23)})});
    set("cup", {add({{{-0.62, -0.62}, {0.5, -0.62}, {0.4, 0.72}, {-0.52, 0.72}}}),
                add({ellipse(0.6, 0, 0.36, 0.32), ellipse(0.6, 0, 0.2, 0.16)})});
    set("lamp", {add({{{-0.6, -0.2}, {0.6, -0.2}, {0.35, -0.92}, {-0.35, -0.92}}}), add({rect(-0.06, -0.2, 0.06, 0.8)}),
                 add({rect(-0.45, 0.8, 0.45, 1)})});
    set("chair", {add({rect(-0.6, 0, 0.6, 0.16)}), add({rect(0.44, -0.92, 0.6, 0)}), add({rect(-0.6, 0.16, -0.46, 0.92)}),
                  add({rect(0.46, 0.16, 0.6, 0.92)})});
    set("umbrella", {add({ellipse(0, -0.05, 1, 0.72, 180, 360)}), add({rect(-0.05, -0.05, 0.05, 0.72)}),
                     add({ellipse(-0.15, 0.72, 0.2, 0.2, 0, 180, 20), ellipse(-0.15, 0.72, 0.1, 0.1, 0, 180, 20)})});
    set("arrow", {add({{{-1, -0.2}, {0.2, -0.2}, {0.2, -0.55}, {1, 0}, {0.2, 0.55}, {0.2, 0.2}, {-1, 0.2}}})});
    set("heart", {add({heart()})});
    set("moon", {add({circle(0, 0, 0.92)}), cut({circle(0.42, -0.18, 0.78)})});
    set("lightning", {add({{{0.25, -1}, {-0.5, 0.12}, {-0.05, 0.12}, {-0.3, 1}, {0.55, -0.22}, {0.08, -0.22}, {0.4, -1}}})});
    return s;
}

}  // namespace

const std::vector<ShapePart>& shape_of(int category) {
    static const std::vector<std::vector<ShapePart>> shapes = make_shapes();
    return shapes.at(size_t(category));
}

cv::Rect draw_silhouette(cv::Mat& mask, int category, const Pose& pose) {
    const double c = std::cos(pose.angle * M_PI / 180), s = std::sin(pose.angle * M_PI / 180);
    const cv::Rect frame(0, 0, mask.cols, mask.rows);
    const int reach = int(std::ceil(pose.radius * 1.45)) + 2;
    const cv::Rect box = cv::Rect(int(pose.x) - reach, int(pose.y) - reach, 2 * reach + 1, 2 * reach + 1) & frame;
    if (box.empty()) return box;
    mask(box).setTo(0);
    // Sub-pixel vertices (4 fractional bits) so slow motion moves the outline smoothly.
    constexpr int kShift = 4;
    for (const ShapePart& part : shape_of(category)) {
        std::vector<std::vector<cv::Point>> polygons;
        for (const auto& contour : part.contours) {
            std::vector<cv::Point> poly;
            for (const auto& p : contour) {
                const double x = pose.x + pose.radius * (c * p.x - s * p.y);
                const double y = pose.y + pose.radius * (s * p.x + c * p.y);
                poly.emplace_back(int(std::lround(x * (1 << kShift))), int(std::lround(y * (1 << kShift))));
            }
            polygons.push_back(std::move(poly));
        }
        cv::fillPoly(mask, polygons, cv::Scalar(part.subtract ? 0 : 255), cv::LINE_8, kShift);
    }
    return box;
}

VideoCanvas prepare_canvas(const SynthVideo& video) {
    const int frames = int(video.frames.size());
    const int pan_w = int(std::ceil(std::abs(video.pan_x) * std::max(0, frames - 1))) + 1;
    const int pan_h = int(std::ceil(std::abs(video.pan_y) * std::max(0, frames - 1))) + 1;
    Rng rng = Rng::for_stream(video.background_seed, 0);
    // A coarse grid of colours around the base colour, smoothly interpolated.
    cv::Mat grid(5, 8, CV_8UC3);
    for (int y = 0; y < grid.rows; ++y)
        for (int x = 0; x < grid.cols; ++x)
            for (int ch = 0; ch < 3; ++ch)
                grid.at<cv::Vec3b>(y, x)[ch] = cv::saturate_cast<uint8_t>(video.background_rgb[size_t(2 - ch)] + rng.between(-45, 45));
    VideoCanvas canvas;
    cv::resize(grid, canvas.background, cv::Size(video.width + pan_w, video.height + pan_h), 0, 0, cv::INTER_CUBIC);
    // Fixed fine texture (grain) that pans with the background.
    for (int y = 0; y < canvas.background.rows; ++y) {
        auto* row = canvas.background.ptr<cv::Vec3b>(y);
        for (int x = 0; x < canvas.background.cols; ++x) {
            const int d = int(rng.below(25)) - 12;
            for (int ch = 0; ch < 3; ++ch) row[x][ch] = cv::saturate_cast<uint8_t>(row[x][ch] + d);
        }
    }
    canvas.offset_x0 = video.pan_x < 0 ? pan_w - 1 : 0;
    canvas.offset_y0 = video.pan_y < 0 ? pan_h - 1 : 0;
    return canvas;
}

void render_frame(const SynthVideo& video, const VideoCanvas& canvas, int t, cv::Mat& image, LabelMap& labels) {
    const int w = video.width, h = video.height;
    const int ox = std::clamp(canvas.offset_x0 + int(std::lround(video.pan_x * t)), 0, canvas.background.cols - w);
    const int oy = std::clamp(canvas.offset_y0 + int(std::lround(video.pan_y * t)), 0, canvas.background.rows - h);
    canvas.background(cv::Rect(ox, oy, w, h)).copyTo(image);
    labels = LabelMap(w, h);

    std::vector<const SynthObject*> order;
    for (const auto& o : video.objects) order.push_back(&o);
    std::sort(order.begin(), order.end(), [](const SynthObject* a, const SynthObject* b) { return a->depth < b->depth; });
    cv::Mat mask(h, w, CV_8U, cv::Scalar(0));
    for (const SynthObject* o : order) {
        const Pose pose = o->pose(t, w, h);
        const cv::Rect box = draw_silhouette(mask, o->category, pose);
        const auto& rgb = colours()[size_t(o->colour)].rgb;
        for (int y = box.y; y < box.y + box.height; ++y) {
            const uint8_t* m = mask.ptr<uint8_t>(y);
            auto* px = image.ptr<cv::Vec3b>(y);
            for (int x = box.x; x < box.x + box.width; ++x) {
                if (!m[x]) continue;
                labels.at(x, y) = uint8_t(o->id);
                // Texture in object coordinates would need the inverse pose; screen-space
                // patterns read just as well and keep drawing cheap.
                double shade = 1.0 - 0.15 * (y - pose.y) / std::max(1.0, pose.radius);
                switch (o->texture) {
                    case Texture::plain: break;
                    case Texture::stripes: shade *= ((x + y) / 5) % 2 ? 0.72 : 1.0; break;
                    case Texture::dots: shade *= ((x % 8 - 4) * (x % 8 - 4) + (y % 8 - 4) * (y % 8 - 4) < 5) ? 0.6 : 1.0; break;
                    case Texture::checker: shade *= ((x / 6 + y / 6) % 2) ? 0.75 : 1.0; break;
                }
                for (int ch = 0; ch < 3; ++ch) px[x][ch] = cv::saturate_cast<uint8_t>(rgb[size_t(2 - ch)] * shade);
            }
        }
    }
    // Sensor noise, fixed by (video, frame).
    Rng rng = Rng::for_stream(video.background_seed, uint64_t(t) + 1);
    const int amplitude = std::max(1, int(video.noise));
    for (int y = 0; y < h; ++y) {
        auto* px = image.ptr<uint8_t>(y);
        for (int x = 0; x < 3 * w; x += 8) {
            uint64_t bits = rng.next();
            for (int k = 0; k < 8 && x + k < 3 * w; ++k, bits >>= 8)
                px[x + k] = cv::saturate_cast<uint8_t>(px[x + k] + int(bits & 0xff) % (2 * amplitude + 1) - amplitude);
        }
    }
}

}  // namespace r2::synth
