#include "model_zoo/resnet.h"

namespace r2::nn {

namespace {
torch::nn::Conv2d conv(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding) {
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).bias(false));
}
}  // namespace

FrozenBatchNorm2dImpl::FrozenBatchNorm2dImpl(int64_t channels, double eps_) : eps(eps_) {
    weight = register_buffer("weight", torch::ones({channels}));
    bias = register_buffer("bias", torch::zeros({channels}));
    running_mean = register_buffer("running_mean", torch::zeros({channels}));
    running_var = register_buffer("running_var", torch::ones({channels}));
}

torch::Tensor FrozenBatchNorm2dImpl::forward(const torch::Tensor& x) {
    // Inference batch norm with the stored statistics is exactly the frozen formula, in one fused
    // pass over x instead of a multiply and an add.
    return torch::batch_norm(x, weight, bias, running_mean, running_var, /*training=*/false, /*momentum=*/0.0, eps,
                             /*cudnn_enabled=*/true);
}

BottleneckImpl::BottleneckImpl(int64_t inplanes, int64_t planes, int64_t stride, bool with_downsample) {
    conv1 = register_module("conv1", conv(inplanes, planes, 1, 1, 0));
    bn1 = register_module("bn1", FrozenBatchNorm2d(planes));
    conv2 = register_module("conv2", conv(planes, planes, 3, stride, 1));
    bn2 = register_module("bn2", FrozenBatchNorm2d(planes));
    conv3 = register_module("conv3", conv(planes, planes * 4, 1, 1, 0));
    bn3 = register_module("bn3", FrozenBatchNorm2d(planes * 4));
    if (with_downsample)
        downsample = register_module("downsample", torch::nn::Sequential(conv(inplanes, planes * 4, 1, stride, 0), FrozenBatchNorm2d(planes * 4)));
}

torch::Tensor BottleneckImpl::forward(const torch::Tensor& x) {
    auto y = torch::relu(bn1(conv1(x)));
    y = torch::relu(bn2(conv2(y)));
    y = bn3(conv3(y));
    return torch::relu(y + (downsample ? downsample->forward(x) : x));
}

ResNet50Impl::ResNet50Impl() {
    conv1 = register_module("conv1", conv(3, 64, 7, 2, 3));
    bn1 = register_module("bn1", FrozenBatchNorm2d(64));
    int64_t inplanes = 64;
    auto make_layer = [&](int64_t planes, int64_t blocks, int64_t stride) {
        torch::nn::Sequential layer;
        layer->push_back(Bottleneck(inplanes, planes, stride, stride != 1 || inplanes != planes * 4));
        inplanes = planes * 4;
        for (int64_t b = 1; b < blocks; ++b) layer->push_back(Bottleneck(inplanes, planes, 1, false));
        return layer;
    };
    layer1 = register_module("layer1", make_layer(64, 3, 1));
    layer2 = register_module("layer2", make_layer(128, 4, 2));
    layer3 = register_module("layer3", make_layer(256, 6, 2));
    layer4 = register_module("layer4", make_layer(512, 3, 2));
}

std::vector<torch::Tensor> ResNet50Impl::forward(const torch::Tensor& x) {
    auto y = torch::relu(bn1(conv1(x)));
    y = torch::max_pool2d(y, 3, 2, 1);
    const auto c2 = layer1->forward(y);
    const auto c3 = layer2->forward(c2);
    const auto c4 = layer3->forward(c3);
    const auto c5 = layer4->forward(c4);
    return {c2, c3, c4, c5};
}

}  // namespace r2::nn
