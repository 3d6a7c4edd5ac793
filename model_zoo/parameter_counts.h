// Parameter counts from the configurations alone, without building a module: `r2bench models`
// lists every model in milliseconds instead of building them all (23-34 s, 883 MB). Each count is
// what parameter_count(module) gives for the built module (torch's parameters(): weights and
// biases, not buffers such as frozen batch norm statistics); tests/test_registry.cpp checks that
// for every registered model.
#pragma once
#include <cstdint>
#include <string>

#include "model_zoo/mttr.h"
#include "model_zoo/referformer.h"
#include "model_zoo/roberta.h"
#include "model_zoo/swin.h"
#include "model_zoo/video_swin.h"

namespace r2::nn {

int64_t parameter_count(const RobertaConfig& config);
int64_t parameter_count(const SwinConfig& config);
int64_t parameter_count(const VideoSwinConfig& config);
// A backbone by its registry name (backbone_names()): resnet50, swin_t, video_swin_t, …
int64_t backbone_parameter_count(const std::string& name);
int64_t parameter_count(const ReferFormerConfig& config);
int64_t parameter_count(const MTTRConfig& config);

}  // namespace r2::nn
