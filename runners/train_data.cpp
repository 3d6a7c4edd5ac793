#include "runners/train_data.h"

#include <algorithm>
#include <bitset>
#include <set>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include "core/error.h"
#include "core/mask_png.h"
#include "core/ytvos_meta.h"
#include "runners/model_input.h"
#include "runners/model_runner.h"
#include "runners/pil_resize.h"

namespace r2 {
namespace fs = std::filesystem;

namespace {

fs::path annotation_path(const fs::path& root, const std::string& video, const std::string& frame) {
    return root / "train" / "Annotations" / video / (frame + ".png");
}

// The colour-preserving half of SSD's PhotometricDistort, which ReferFormer applies to every
// frame independently: brightness ±32, contrast and saturation ×[0.5, 1.5], each with p = 0.5.
// Hue shifts and channel swaps are left out: the synthetic sentences name colours, and a hue
// shift would make "the green boat" wrong.
void photometric_distort(Image8& image, Rng& rng) {
    cv::Mat rgb(image.height, image.width, CV_8UC3, image.pixels.data());
    cv::Mat f;
    rgb.convertTo(f, CV_32FC3);
    if (rng.chance(0.5)) f += cv::Scalar::all(rng.uniform(-32, 32));
    const bool contrast_first = rng.chance(0.5);
    const auto contrast = [&] {
        if (rng.chance(0.5)) f *= rng.uniform(0.5, 1.5);
    };
    if (contrast_first) contrast();
    if (rng.chance(0.5)) {
        cv::Mat hsv;
        cv::Mat clipped;
        cv::min(cv::max(f, 0), 255, clipped);
        cv::cvtColor(clipped / 255.0, hsv, cv::COLOR_RGB2HSV);
        std::vector<cv::Mat> channels;
        cv::split(hsv, channels);
        channels[1] = cv::min(channels[1] * rng.uniform(0.5, 1.5), 1.0);
        cv::merge(channels, hsv);
        cv::cvtColor(hsv, f, cv::COLOR_HSV2RGB);
        f *= 255.0;
    }
    if (!contrast_first) contrast();
    f.convertTo(rgb, CV_8UC3);  // saturates to [0, 255]
}

LabelMap resize_nearest(const LabelMap& labels, int width, int height) {
    cv::Mat in(labels.height, labels.width, CV_8UC1, const_cast<uint8_t*>(labels.labels.data()));
    LabelMap out(width, height);
    cv::Mat dst(height, width, CV_8UC1, out.labels.data());
    cv::resize(in, dst, cv::Size(width, height), 0, 0, cv::INTER_NEAREST);
    return out;
}

}  // namespace

std::string swap_left_right(const std::string& sentence) {
    std::string out;
    size_t i = 0;
    const auto is_letter = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; };
    while (i < sentence.size()) {
        size_t j = i;
        while (j < sentence.size() && is_letter(sentence[j])) ++j;
        if (j == i) {
            out += sentence[i++];
            continue;
        }
        const std::string word = sentence.substr(i, j - i);
        out += word == "left" ? "right" : word == "right" ? "left" : word;
        i = j;
    }
    return out;
}

TrainSet TrainSet::open(const fs::path& root, const TrainDataOptions& options) {
    if (options.frames < 1) throw Error("train data: --frames must be at least 1");
    if (options.shorter_sides.empty()) throw Error("train data: no training scales");
    TrainSet set;
    set.root_ = root;
    set.options_ = options;
    const fs::path expressions_file = root / "meta_expressions" / "train" / "meta_expressions.json";
    if (!fs::exists(expressions_file))
        throw FileError(expressions_file, "missing: --data must be a Ref-YouTube-VOS-layout folder with a train split "
                                          "(r2bench synth writes one)");
    const MetaExpressions meta = read_meta_expressions(expressions_file);
    for (const auto& v : meta.videos) {
        Video video;
        video.name = v.name;
        video.frames = v.frames;
        for (const auto& e : v.expressions) {
            const auto ids = object_ids(e);
            if (ids.size() != 1)
                throw FileError(expressions_file, fmt::format("video '{}' expression '{}': training needs exactly one obj_id", v.name, e.id));
            int object = 0;
            try {
                object = std::stoi(ids[0]);
            } catch (const std::exception&) {
                throw FileError(expressions_file, fmt::format("video '{}' expression '{}': obj_id '{}' is not a number", v.name, e.id, ids[0]));
            }
            if (object < 1 || object > 255)
                throw FileError(expressions_file, fmt::format("video '{}' expression '{}': obj_id {} is not a palette index 1..255", v.name, e.id, object));
            if (e.text.find_first_not_of(" \t\n") == std::string::npos)
                throw FileError(expressions_file, fmt::format("video '{}' expression '{}': empty sentence", v.name, e.id));
            video.expressions.push_back({e.id, e.text, object});
        }
        if (video.expressions.empty()) continue;
        // Which objects each frame shows: the MTTR windows keep only those where the referred
        // object appears, and clips are redrawn where it never does.
        std::vector<std::bitset<256>> present(video.frames.size());
        for (size_t f = 0; f < video.frames.size(); ++f) {
            const fs::path frame = frame_path(root, "train", video.name, video.frames[f]);
            if (!fs::exists(frame)) throw FileError(frame, "missing frame (listed in meta_expressions.json)");
            const LabelMap labels = read_label_png(annotation_path(root, video.name, video.frames[f]));
            for (const uint8_t l : labels.labels) present[f].set(l);
        }
        const size_t index = set.videos_.size();
        const int64_t L = int64_t(video.frames.size()), T = options.frames;
        for (size_t e = 0; e < video.expressions.size(); ++e) {
            const int object = video.expressions[e].object;
            if (options.sampling == ClipSampling::referred_windows) {
                // Consecutive windows; a short last window is replaced by the last T frames.
                for (int64_t start = 0; start < L; start += T) {
                    const int64_t s = std::max<int64_t>(0, std::min(start, L - T));
                    bool appears = false;
                    for (int64_t f = s; f < std::min(L, s + T); ++f) appears = appears || present[size_t(f)].test(size_t(object));
                    if (appears) set.samples_.push_back({index, e, s});
                }
            } else {
                for (int64_t f = 0; f < L; f += T) set.samples_.push_back({index, e, f});
            }
        }
        set.videos_.push_back(std::move(video));
    }
    if (set.samples_.empty()) throw FileError(expressions_file, "no training samples (no video with an expression)");
    return set;
}

size_t TrainSet::expression_count() const {
    size_t n = 0;
    for (const auto& v : videos_) n += v.expressions.size();
    return n;
}

std::string TrainSet::caption_of(size_t sample) const {
    const auto& s = samples_[sample];
    return videos_[s.video].expressions[s.expression].text;
}

TrainClip TrainSet::load(size_t sample, Rng& rng) const {
    for (int attempt = 0; attempt < 100; ++attempt) {
        TrainClip clip = load_once(samples_[sample], rng);
        if (clip.valid.sum().item<double>() > 0) return clip;
        sample = size_t(rng.below(samples_.size()));
    }
    throw Error(fmt::format("train data in {}: 100 clips in a row without the referred object; are the annotations empty?", root_.string()));
}

TrainClip TrainSet::load_once(const Sample& sample, Rng& rng) const {
    const Video& video = videos_[sample.video];
    const auto& referral = video.expressions[sample.expression];
    const int64_t L = int64_t(video.frames.size()), T = options_.frames;

    // Which frames.
    std::vector<int64_t> indices;
    if (options_.sampling == ClipSampling::referred_windows) {
        for (int64_t t = 0; t < T; ++t) indices.push_back(std::min(sample.frame + t, L - 1));  // short videos repeat the last frame
    } else {
        // ReferFormer: the anchor frame, one frame 1–3 before and one 1–3 after it (clamped),
        // then the rest drawn from outside that span.
        indices.push_back(sample.frame);
        if (T >= 2) indices.push_back(std::max<int64_t>(0, sample.frame - rng.between(1, 3)));
        if (T >= 3) indices.push_back(std::min<int64_t>(L - 1, sample.frame + rng.between(1, 3)));
        const int64_t lo = *std::min_element(indices.begin(), indices.end()), hi = *std::max_element(indices.begin(), indices.end());
        std::vector<int64_t> outside;
        for (int64_t f = 0; f < L; ++f)
            if (f < lo || f > hi) outside.push_back(f);
        rng.shuffle(outside);
        while (int64_t(indices.size()) < T) {
            if (!outside.empty()) {
                indices.push_back(outside.back());
                outside.pop_back();
            } else {
                indices.push_back(rng.between(0, L - 1));
            }
        }
        std::sort(indices.begin(), indices.end());
    }

    TrainClip clip;
    clip.video = video.name;
    clip.expression_id = referral.id;
    clip.frame_indices = indices;
    clip.caption = referral.text;
    if (options_.preprocessing.lowercase_text) {
        std::string lowered;
        for (const char c : clip.caption) lowered += char(std::tolower(static_cast<unsigned char>(c)));
        clip.caption = lowered;
    }
    clip.flipped = rng.chance(options_.flip_probability);
    if (clip.flipped) clip.caption = swap_left_right(clip.caption);
    const int64_t shorter = options_.shorter_sides[size_t(rng.below(options_.shorter_sides.size()))];

    std::vector<torch::Tensor> frames, labels;
    int width = 0, height = 0;
    for (const int64_t f : indices) {
        Image8 image = read_rgb_jpeg(frame_path(root_, "train", video.name, video.frames[size_t(f)]));
        LabelMap label = read_label_png(annotation_path(root_, video.name, video.frames[size_t(f)]));
        if (label.width != image.width || label.height != image.height)
            throw FileError(annotation_path(root_, video.name, video.frames[size_t(f)]),
                            fmt::format("annotation is {}x{}, its frame {}x{}", label.width, label.height, image.width, image.height));
        if (clip.flipped) {
            cv::Mat rgb(image.height, image.width, CV_8UC3, image.pixels.data());
            cv::flip(rgb, rgb, 1);
            cv::Mat l(label.height, label.width, CV_8UC1, label.labels.data());
            cv::flip(l, l, 1);
        }
        if (options_.photometric) photometric_distort(image, rng);
        const auto size = options_.max_longer_side > 0
                              ? detr_resize_size(image.width, image.height, int(shorter), int(options_.max_longer_side))
                              : torchvision_resize_size(image.width, image.height, int(shorter));
        width = size[0], height = size[1];
        frames.push_back(to_model_input(pil_resize_bilinear(image, width, height), options_.preprocessing));
        const LabelMap resized = resize_nearest(label, width, height);
        labels.push_back(torch::from_blob(const_cast<uint8_t*>(resized.labels.data()), {height, width}, torch::kUInt8).clone());
    }
    const int64_t m = std::max<int64_t>(1, options_.pad_multiple);
    const int64_t padded_h = (height + m - 1) / m * m, padded_w = (width + m - 1) / m * m;
    namespace F = torch::nn::functional;
    const auto pad = [&](const torch::Tensor& x) {
        return F::pad(x, F::PadFuncOptions({0, padded_w - width, 0, padded_h - height}));
    };
    clip.frames = pad(torch::stack(frames));
    const auto label_stack = pad(torch::stack(labels));  // (T, H, W) uint8 object ids
    clip.referred_masks = (label_stack == referral.object).to(torch::kFloat32);

    // Boxes from the mask extent (x2 = last column, inclusive, as ytvos.py), valid where the box
    // has positive area (the official Check), normalised by the unpadded size.
    clip.boxes = torch::zeros({T, 4});
    clip.valid = torch::zeros({T});
    for (int64_t t = 0; t < T; ++t) {
        const auto nz = clip.referred_masks[t].nonzero();  // (n, 2): y, x
        if (nz.size(0) == 0) continue;
        const double y1 = nz.select(1, 0).min().item<double>(), y2 = nz.select(1, 0).max().item<double>();
        const double x1 = nz.select(1, 1).min().item<double>(), x2 = nz.select(1, 1).max().item<double>();
        if (!(x2 > x1 && y2 > y1)) continue;
        clip.valid[t] = 1;
        clip.boxes[t] = torch::tensor({float((x1 + x2) / 2 / width), float((y1 + y2) / 2 / height), float((x2 - x1) / width),
                                       float((y2 - y1) / height)});
    }

    // MTTR: every object seen in the clip, the referred one among them.
    std::set<int> objects;
    for (int64_t t = 0; t < T; ++t) {
        const auto ids = std::get<0>(at::_unique(label_stack[t]));
        for (int64_t i = 0; i < ids.size(0); ++i)
            if (const int id = ids[i].item<int>(); id != 0) objects.insert(id);
    }
    objects.insert(referral.object);
    std::vector<torch::Tensor> object_masks;
    for (const int id : objects) {
        if (id == referral.object) clip.referred_object = int64_t(object_masks.size());
        object_masks.push_back((label_stack == id).to(torch::kFloat32));
    }
    clip.object_masks = torch::stack(object_masks, 1);  // (T, O, H, W)
    return clip;
}

}  // namespace r2
