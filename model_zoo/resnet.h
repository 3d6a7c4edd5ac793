// ResNet-50 as torchvision builds it (v1.5: stride on the 3x3 conv), with frozen batch norm as
// DETR / ReferFormer use it, returning layer1..layer4 (strides 4, 8, 16, 32; 256, 512, 1024,
// 2048 channels). Parameter names equal torchvision's (conv1.weight, layer1.0.downsample.0.weight,
// …); official ReferFormer/R2-VOS checkpoints hold them under "backbone.0.body.".
#pragma once
#include <torch/torch.h>

namespace r2::nn {

// y = (x − running_mean) / sqrt(running_var + eps) · weight + bias, with fixed statistics and
// affine parameters (all four are buffers, as in DETR's FrozenBatchNorm2d; eps 1e-5).
struct FrozenBatchNorm2dImpl : torch::nn::Module {
    explicit FrozenBatchNorm2dImpl(int64_t channels, double eps = 1e-5);
    torch::Tensor forward(const torch::Tensor& x);
    torch::Tensor weight, bias, running_mean, running_var;
    double eps;
};
TORCH_MODULE(FrozenBatchNorm2d);

struct BottleneckImpl : torch::nn::Module {
    BottleneckImpl(int64_t inplanes, int64_t planes, int64_t stride, bool downsample);
    torch::Tensor forward(const torch::Tensor& x);
    torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
    FrozenBatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
    torch::nn::Sequential downsample{nullptr};  // conv 1x1 (stride) + frozen BN, where shapes change
};
TORCH_MODULE(Bottleneck);

struct ResNet50Impl : torch::nn::Module {
    ResNet50Impl();
    // x (B, 3, H, W), ImageNet-normalised → {layer1 (B,256,H/4,W/4), layer2 (B,512,H/8,W/8),
    // layer3 (B,1024,H/16,W/16), layer4 (B,2048,H/32,W/32)} (sizes rounded up).
    std::vector<torch::Tensor> forward(const torch::Tensor& x);
    torch::nn::Conv2d conv1{nullptr};
    FrozenBatchNorm2d bn1{nullptr};
    torch::nn::Sequential layer1{nullptr}, layer2{nullptr}, layer3{nullptr}, layer4{nullptr};
};
TORCH_MODULE(ResNet50);

}  // namespace r2::nn
