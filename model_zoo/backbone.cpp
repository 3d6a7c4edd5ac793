#include "model_zoo/backbone.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.h"
#include "model_zoo/resnet.h"
#include "model_zoo/swin.h"
#include "model_zoo/tiny_backbone.h"
#include "model_zoo/video_swin.h"

namespace r2::nn {

namespace {

// One adapter for the image backbones: their forward already takes a batch of frames.
template <typename Holder>
class ImageBackbone final : public Backbone {
public:
    ImageBackbone(Holder holder, BackboneShape shape) : holder_(std::move(holder)), shape_(std::move(shape)) {}
    std::vector<torch::Tensor> forward(const torch::Tensor& frames) override { return holder_->forward(frames); }
    BackboneShape output_shape() const override { return shape_; }
    std::shared_ptr<torch::nn::Module> module() override { return holder_.ptr(); }

private:
    Holder holder_;
    BackboneShape shape_;
};

class VideoSwinBackbone final : public Backbone {
public:
    explicit VideoSwinBackbone(const VideoSwinConfig& config) : swin_(config), shape_(shape_of(config)) {}
    static BackboneShape shape_of(const VideoSwinConfig& config) {
        BackboneShape shape;
        for (size_t i = 0; i < config.depths.size(); ++i) shape.channels.push_back(config.embed_dim << i), shape.strides.push_back(4 << i);
        return shape;
    }
    std::vector<torch::Tensor> forward(const torch::Tensor& frames) override { return swin_->forward(frames, frames.size(0)); }
    BackboneShape output_shape() const override { return shape_; }
    std::shared_ptr<torch::nn::Module> module() override { return swin_.ptr(); }

private:
    VideoSwinTransformer swin_;
    BackboneShape shape_;
};

}  // namespace

const std::vector<std::string>& backbone_names() {
    static const std::vector<std::string> names = {"resnet50", "swin_t", "video_swin_t", "video_swin_t_3stage", "tiny_cnn"};
    return names;
}

BackboneShape backbone_shape(const std::string& name) {
    const std::vector<int64_t> strides = {4, 8, 16, 32};
    if (name == "resnet50") return {{256, 512, 1024, 2048}, strides};
    if (name == "swin_t") return {{96, 192, 384, 768}, strides};
    if (name == "video_swin_t") return VideoSwinBackbone::shape_of(VideoSwinConfig::video_swin_t());
    if (name == "video_swin_t_3stage") return VideoSwinBackbone::shape_of(VideoSwinConfig::video_swin_t_3stage());
    if (name == "tiny_cnn") return {{16, 32, 64, 128}, strides};
    throw Error(fmt::format("unknown backbone '{}' (choices: {})", name, fmt::join(backbone_names(), ", ")));
}

std::unique_ptr<Backbone> make_backbone(const std::string& name) {
    const BackboneShape shape = backbone_shape(name);
    if (name == "resnet50") return std::make_unique<ImageBackbone<ResNet50>>(ResNet50(), shape);
    if (name == "swin_t") return std::make_unique<ImageBackbone<SwinTransformer>>(SwinTransformer(), shape);
    if (name == "video_swin_t") return std::make_unique<VideoSwinBackbone>(VideoSwinConfig::video_swin_t());
    // MTTR keeps the first three stages only (strides 4, 8, 16); its checkpoints hold no 4th.
    if (name == "video_swin_t_3stage") return std::make_unique<VideoSwinBackbone>(VideoSwinConfig::video_swin_t_3stage());
    return std::make_unique<ImageBackbone<TinyBackbone>>(TinyBackbone(), shape);  // tiny_cnn
}

}  // namespace r2::nn
