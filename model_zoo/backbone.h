// The backbone interface every model builds on (detectron2's Backbone.output_shape(), in small):
// a clip of frames in, one feature map per level out, finest first, with the channels and strides
// a head needs to size itself. ResNet-50, Swin-T, Video Swin-T and the tiny CNN are
// interchangeable behind it; image backbones run the frames as a batch, Video Swin across time.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace r2::nn {

struct BackboneShape {
    std::vector<int64_t> channels;  // per level, finest first
    std::vector<int64_t> strides;   // 4, 8, 16, 32 (MTTR's Video Swin: 4, 8, 16)
};

class Backbone {
public:
    virtual ~Backbone() = default;
    // frames (T, 3, H, W) of one clip, ImageNet-normalised → per level (T, C_l, ⌈H/s_l⌉, ⌈W/s_l⌉).
    virtual std::vector<torch::Tensor> forward(const torch::Tensor& frames) = 0;
    virtual BackboneShape output_shape() const = 0;
    // The module holding the parameters, registered by a model under the official prefix
    // (`backbone.0.body` for ReferFormer / R2-VOS, `backbone` for MTTR).
    virtual std::shared_ptr<torch::nn::Module> module() = 0;
};

// "resnet50", "swin_t", "video_swin_t", "video_swin_t_3stage" (MTTR's, strides 4-16) or "tiny_cnn"; throws r2::Error naming the choices otherwise.
std::unique_ptr<Backbone> make_backbone(const std::string& name);
// What make_backbone(name)->output_shape() gives, without building it.
BackboneShape backbone_shape(const std::string& name);
const std::vector<std::string>& backbone_names();

}  // namespace r2::nn
