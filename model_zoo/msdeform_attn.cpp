#include "model_zoo/msdeform_attn.h"
#include "model_zoo/cpu_features.h"

#ifdef R2BENCH_WITH_CUDA
#include "model_zoo/msdeform_attn_cuda.h"
#endif

#include <ATen/Parallel.h>

#include <atomic>
#include <cmath>

#define R2_MSDA_ISA baseline
#include "model_zoo/msdeform_attn_kernel.inc"
#undef R2_MSDA_ISA

namespace r2::nn {

#if defined(__x86_64__) && defined(R2BENCH_MSDA_AVX2)
void msda_cpu_avx2(const float* value, const int64_t* shapes, const int64_t* starts, const float* locations, const float* weights,
                   float* out, int64_t N, int64_t S, int64_t M, int64_t D, int64_t Lq, int64_t L, int64_t P);
void msda_cpu_backward_avx2(const float* value, const int64_t* shapes, const int64_t* starts, const float* locations, const float* weights,
                            const float* grad_out, float* grad_value, float* grad_locations, float* grad_weights, int64_t N, int64_t S,
                            int64_t M, int64_t D, int64_t Lq, int64_t L, int64_t P);
#endif

static std::atomic<bool> g_allow_avx2{true};
void set_msda_avx2_allowed(bool allowed) { g_allow_avx2 = allowed; }

namespace F = torch::nn::functional;

torch::Tensor ms_deform_attn_reference(const torch::Tensor& value, const torch::Tensor& spatial_shapes,
                                       const torch::Tensor& level_start_index, const torch::Tensor& sampling_locations,
                                       const torch::Tensor& attention_weights) {
    const int64_t N = value.size(0), M = value.size(2), D = value.size(3);
    const int64_t Lq = sampling_locations.size(1), L = sampling_locations.size(3), P = sampling_locations.size(4);
    const auto shapes = spatial_shapes.to(torch::kCPU);
    const auto starts = level_start_index.to(torch::kCPU);
    const torch::Tensor grids = 2 * sampling_locations - 1;  // grid_sample's [-1, 1]
    std::vector<torch::Tensor> sampled;
    for (int64_t l = 0; l < L; ++l) {
        const int64_t H = shapes[l][0].item<int64_t>(), W = shapes[l][1].item<int64_t>(), start = starts[l].item<int64_t>();
        // (N, H·W, M, D) → (N·M, D, H, W)
        const auto value_l = value.narrow(1, start, H * W).flatten(2).transpose(1, 2).reshape({N * M, D, H, W});
        // (N, Lq, M, P, 2) → (N·M, Lq, P, 2)
        const auto grid_l = grids.select(3, l).transpose(1, 2).flatten(0, 1);
        sampled.push_back(F::grid_sample(value_l, grid_l, F::GridSampleFuncOptions().mode(torch::kBilinear)
                                                              .padding_mode(torch::kZeros).align_corners(false)));  // (N·M, D, Lq, P)
    }
    // (N, Lq, M, L, P) → (N·M, 1, Lq, L·P)
    const auto weights = attention_weights.transpose(1, 2).reshape({N * M, 1, Lq, L * P});
    const auto out = (torch::stack(sampled, -2).flatten(-2) * weights).sum(-1).view({N, M * D, Lq});
    return out.transpose(1, 2).contiguous();
}

namespace {

void check_shapes(const torch::Tensor& value, const torch::Tensor& spatial_shapes, const torch::Tensor& level_start_index,
                  const torch::Tensor& sampling_locations, const torch::Tensor& attention_weights) {
    TORCH_CHECK(value.dim() == 4, "value must be (N, S, M, D)");
    TORCH_CHECK(sampling_locations.dim() == 6 && sampling_locations.size(5) == 2, "sampling_locations must be (N, Lq, M, L, P, 2)");
    TORCH_CHECK(attention_weights.dim() == 5, "attention_weights must be (N, Lq, M, L, P)");
    TORCH_CHECK(spatial_shapes.dim() == 2 && spatial_shapes.size(1) == 2 && spatial_shapes.size(0) == sampling_locations.size(3),
                "spatial_shapes must be (L, 2)");
    TORCH_CHECK(level_start_index.numel() == spatial_shapes.size(0), "level_start_index must have L entries");
    TORCH_CHECK(sampling_locations.size(0) == value.size(0) && sampling_locations.size(2) == value.size(2),
                "batch and heads of value and sampling_locations differ");
}

}  // namespace

torch::Tensor ms_deform_attn_cpu(const torch::Tensor& value_in, const torch::Tensor& spatial_shapes,
                                 const torch::Tensor& level_start_index, const torch::Tensor& sampling_locations_in,
                                 const torch::Tensor& attention_weights_in) {
    check_shapes(value_in, spatial_shapes, level_start_index, sampling_locations_in, attention_weights_in);
    const auto value = value_in.permute({0, 2, 1, 3}).contiguous();  // (N, M, S, D)
    const auto locations = sampling_locations_in.to(value.scalar_type()).contiguous();
    const auto weights = attention_weights_in.to(value.scalar_type()).contiguous();
    const auto shapes = spatial_shapes.to(torch::kCPU, torch::kInt64).contiguous();
    const auto starts = level_start_index.to(torch::kCPU, torch::kInt64).contiguous();
    const int64_t N = value.size(0), M = value.size(1), S = value.size(2), D = value.size(3);
    const int64_t Lq = locations.size(1), L = locations.size(3), P = locations.size(4);
    auto out = torch::empty({N, Lq, M * D}, value.options());
#if defined(__x86_64__) && defined(R2BENCH_MSDA_AVX2)
    static const bool avx2 = cpu_has_avx2_fma();
    if (avx2 && g_allow_avx2 && value.scalar_type() == torch::kFloat32) {
        msda_cpu_avx2(value.data_ptr<float>(), shapes.data_ptr<int64_t>(), starts.data_ptr<int64_t>(), locations.data_ptr<float>(),
                      weights.data_ptr<float>(), out.data_ptr<float>(), N, S, M, D, Lq, L, P);
        return out;
    }
#endif
    AT_DISPATCH_FLOATING_TYPES(value.scalar_type(), "ms_deform_attn_cpu", [&] {
        baseline::msda_cpu<scalar_t>(value.data_ptr<scalar_t>(), shapes.data_ptr<int64_t>(), starts.data_ptr<int64_t>(),
                                     locations.data_ptr<scalar_t>(), weights.data_ptr<scalar_t>(), out.data_ptr<scalar_t>(), N, S, M,
                                     D, Lq, L, P);
    });
    return out;
}

std::vector<torch::Tensor> ms_deform_attn_cpu_backward(const torch::Tensor& value_in, const torch::Tensor& spatial_shapes,
                                                       const torch::Tensor& level_start_index, const torch::Tensor& sampling_locations_in,
                                                       const torch::Tensor& attention_weights_in, const torch::Tensor& grad_output) {
    check_shapes(value_in, spatial_shapes, level_start_index, sampling_locations_in, attention_weights_in);
    const auto value = value_in.permute({0, 2, 1, 3}).contiguous();  // (N, M, S, D)
    const auto locations = sampling_locations_in.to(value.scalar_type()).contiguous();
    const auto weights = attention_weights_in.to(value.scalar_type()).contiguous();
    const auto grad_out = grad_output.to(value.scalar_type()).contiguous();
    const auto shapes = spatial_shapes.to(torch::kCPU, torch::kInt64).contiguous();
    const auto starts = level_start_index.to(torch::kCPU, torch::kInt64).contiguous();
    const int64_t N = value.size(0), M = value.size(1), S = value.size(2), D = value.size(3);
    const int64_t Lq = locations.size(1), L = locations.size(3), P = locations.size(4);
    TORCH_CHECK(grad_out.sizes() == torch::IntArrayRef({N, Lq, M * D}), "grad_output must be (N, Lq, M·D)");
    auto grad_value = torch::zeros_like(value), grad_locations = torch::zeros_like(locations), grad_weights = torch::zeros_like(weights);
    bool done = false;
#if defined(__x86_64__) && defined(R2BENCH_MSDA_AVX2)
    static const bool avx2 = cpu_has_avx2_fma();
    if (avx2 && g_allow_avx2 && value.scalar_type() == torch::kFloat32) {
        msda_cpu_backward_avx2(value.data_ptr<float>(), shapes.data_ptr<int64_t>(), starts.data_ptr<int64_t>(), locations.data_ptr<float>(),
                               weights.data_ptr<float>(), grad_out.data_ptr<float>(), grad_value.data_ptr<float>(),
                               grad_locations.data_ptr<float>(), grad_weights.data_ptr<float>(), N, S, M, D, Lq, L, P);
        done = true;
    }
#endif
    if (!done)
        AT_DISPATCH_FLOATING_TYPES(value.scalar_type(), "ms_deform_attn_cpu_backward", [&] {
            baseline::msda_cpu_backward<scalar_t>(value.data_ptr<scalar_t>(), shapes.data_ptr<int64_t>(), starts.data_ptr<int64_t>(),
                                                  locations.data_ptr<scalar_t>(), weights.data_ptr<scalar_t>(), grad_out.data_ptr<scalar_t>(),
                                                  grad_value.data_ptr<scalar_t>(), grad_locations.data_ptr<scalar_t>(),
                                                  grad_weights.data_ptr<scalar_t>(), N, S, M, D, Lq, L, P);
        });
    return {grad_value.permute({0, 2, 1, 3}).to(value_in.scalar_type()), grad_locations.to(sampling_locations_in.scalar_type()),
            grad_weights.to(attention_weights_in.scalar_type())};
}

namespace {

// The fast CPU kernel with its backward, for training (the grid_sample reference trains too, but
// builds (N·M, D, Lq, P) intermediates per level and runs several times slower).
struct MSDAFunction : torch::autograd::Function<MSDAFunction> {
    static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& value, const torch::Tensor& spatial_shapes,
                                 const torch::Tensor& level_start_index, const torch::Tensor& sampling_locations,
                                 const torch::Tensor& attention_weights) {
        ctx->save_for_backward({value, spatial_shapes, level_start_index, sampling_locations, attention_weights});
        return ms_deform_attn_cpu(value, spatial_shapes, level_start_index, sampling_locations, attention_weights);
    }
    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list grad_outputs) {
        const auto saved = ctx->get_saved_variables();
        const auto grads = ms_deform_attn_cpu_backward(saved[0], saved[1], saved[2], saved[3], saved[4], grad_outputs[0]);
        return {grads[0], torch::Tensor(), torch::Tensor(), grads[1], grads[2]};
    }
};

}  // namespace

#ifdef R2BENCH_WITH_CUDA
torch::Tensor ms_deform_attn_cuda(const torch::Tensor& value, const torch::Tensor& spatial_shapes, const torch::Tensor& level_start_index,
                                  const torch::Tensor& sampling_locations, const torch::Tensor& attention_weights) {
    check_shapes(value, spatial_shapes, level_start_index, sampling_locations, attention_weights);
    return ms_deform_attn_cuda_forward(value, spatial_shapes, level_start_index, sampling_locations, attention_weights);
}
bool ms_deform_attn_cuda_built() { return true; }
#else
torch::Tensor ms_deform_attn_cuda(const torch::Tensor&, const torch::Tensor&, const torch::Tensor&, const torch::Tensor&,
                                  const torch::Tensor&) {
    TORCH_CHECK(false, "r2bench was built without CUDA kernels (configure with -DR2BENCH_CUDA=ON and a CUDA libtorch)");
}
bool ms_deform_attn_cuda_built() { return false; }
#endif

torch::Tensor ms_deform_attn(const torch::Tensor& value, const torch::Tensor& spatial_shapes, const torch::Tensor& level_start_index,
                             const torch::Tensor& sampling_locations, const torch::Tensor& attention_weights, MSDAKernel kernel) {
    if (value.is_cuda()) return ms_deform_attn_cuda(value, spatial_shapes, level_start_index, sampling_locations, attention_weights);
    if (kernel == MSDAKernel::reference)
        return ms_deform_attn_reference(value, spatial_shapes, level_start_index, sampling_locations, attention_weights);
    const bool needs_grad = torch::GradMode::is_enabled() &&
                            (value.requires_grad() || sampling_locations.requires_grad() || attention_weights.requires_grad());
    if (needs_grad) return MSDAFunction::apply(value, spatial_shapes, level_start_index, sampling_locations, attention_weights);
    return ms_deform_attn_cpu(value, spatial_shapes, level_start_index, sampling_locations, attention_weights);
}

MSDeformAttnImpl::MSDeformAttnImpl(int64_t d_model_, int64_t n_levels_, int64_t n_heads_, int64_t n_points_)
    : d_model(d_model_), n_levels(n_levels_), n_heads(n_heads_), n_points(n_points_) {
    TORCH_CHECK(d_model % n_heads == 0, "d_model must be divisible by n_heads");
    sampling_offsets = register_module("sampling_offsets", torch::nn::Linear(d_model, n_heads * n_levels * n_points * 2));
    attention_weights = register_module("attention_weights", torch::nn::Linear(d_model, n_heads * n_levels * n_points));
    value_proj = register_module("value_proj", torch::nn::Linear(d_model, d_model));
    output_proj = register_module("output_proj", torch::nn::Linear(d_model, d_model));
}

torch::Tensor MSDeformAttnImpl::forward(const torch::Tensor& query, const torch::Tensor& reference_points,
                                        const torch::Tensor& input_flatten, const torch::Tensor& spatial_shapes,
                                        const torch::Tensor& level_start_index, const torch::Tensor& padding_mask) {
    const int64_t N = query.size(0), Lq = query.size(1), S = input_flatten.size(1);
    auto value = value_proj(input_flatten);  // (N, S, C)
    if (padding_mask.defined()) value = value.masked_fill(padding_mask.unsqueeze(-1), 0.0);
    value = value.view({N, S, n_heads, d_model / n_heads});
    const auto offsets = sampling_offsets(query).view({N, Lq, n_heads, n_levels, n_points, 2});
    auto weights = attention_weights(query).view({N, Lq, n_heads, n_levels * n_points}).softmax(-1);
    weights = weights.view({N, Lq, n_heads, n_levels, n_points});
    torch::Tensor locations;
    using torch::indexing::None;
    using torch::indexing::Slice;
    if (reference_points.size(-1) == 2) {
        // Offsets are in pixels of each level: divide by (W_l, H_l).
        const auto normalizer = torch::stack({spatial_shapes.select(1, 1), spatial_shapes.select(1, 0)}, -1).to(query.dtype());
        locations = reference_points.index({Slice(), Slice(), None, Slice(), None, Slice()}) +
                    offsets / normalizer.index({None, None, None, Slice(), None, Slice()});
    } else {
        TORCH_CHECK(reference_points.size(-1) == 4, "reference_points must end in 2 (points) or 4 (boxes)");
        locations = reference_points.index({Slice(), Slice(), None, Slice(), None, Slice(None, 2)}) +
                    offsets / double(n_points) * reference_points.index({Slice(), Slice(), None, Slice(), None, Slice(2, None)}) * 0.5;
    }
    const auto out = ms_deform_attn(value, spatial_shapes, level_start_index, locations, weights, kernel);
    return output_proj(out);
}

}  // namespace r2::nn
