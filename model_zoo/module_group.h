// A module that only groups children, so that parameters get the official dotted names
// ("attention.self.query.weight", "patch_embed.proj.weight") without a class per level.
#pragma once
#include <torch/torch.h>

namespace r2::nn {

struct Group : torch::nn::Module {};

}  // namespace r2::nn
