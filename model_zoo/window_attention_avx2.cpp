// Swin / Video Swin window attention in one pass per (window, head), built with AVX2 + FMA.
//
// Why: in a Video Swin forward the attention scores (heads · N² per window, N = 245 for a
// 5-frame window of 7 × 7) are the largest tensors, and PyTorch's way (bmm, + bias, + mask,
// softmax, bmm) makes five passes over them in memory and runs the two products as tiny GEMMs at
// a fraction of the CPU's speed. Here each query row's N scores live in a cache-resident buffer:
//   s_j = bias_ij + mask_ij + Σ_c (scale · q_ic) · k_jc    (vectorised over j, K transposed once)
//   p_j = exp(s_j − max s);  out_i = Σ_j p_j · v_j / Σ_j p_j  (vectorised over the head's channels)
// The same arithmetic as the official module in another summation order (float32 rounding only).
#include <ATen/Parallel.h>
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

namespace r2::nn {

namespace {

// exp(x) for 8 floats: Cephes' expf (range reduction by ln 2, degree-6 polynomial), relative error
// about 1e-7 over the softmax's range (x ≤ 0 here; very negative x underflows to 0 like expf).
inline __m256 exp256(__m256 x) {
    x = _mm256_max_ps(x, _mm256_set1_ps(-87.3f));
    x = _mm256_min_ps(x, _mm256_set1_ps(88.3f));
    __m256 fx = _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f));
    fx = _mm256_floor_ps(fx);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), x);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), x);
    const __m256 z = _mm256_mul_ps(x, x);
    __m256 y = _mm256_set1_ps(1.9875691500e-4f);
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507e-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073e-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894e-2f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459e-1f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201e-1f));
    y = _mm256_fmadd_ps(y, z, _mm256_add_ps(x, _mm256_set1_ps(1.0f)));
    const __m256i n = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(fx), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(n));
}

inline float horizontal_max(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}

inline float horizontal_sum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

// s[0..padded) += Σ_c query[c] · kt[c][·]: four vectors of keys at a time, their sums kept in
// registers across all channels (independent FMA chains instead of a store per channel).
inline void add_query_key_products(float* s, const float* kt, const float* query, int64_t d, int64_t padded) {
    int64_t j = 0;
    for (; j + 32 <= padded; j += 32) {
        __m256 a0 = _mm256_loadu_ps(s + j), a1 = _mm256_loadu_ps(s + j + 8), a2 = _mm256_loadu_ps(s + j + 16), a3 = _mm256_loadu_ps(s + j + 24);
        for (int64_t c = 0; c < d; ++c) {
            const __m256 qc = _mm256_set1_ps(query[c]);
            const float* k = kt + c * padded + j;
            a0 = _mm256_fmadd_ps(qc, _mm256_loadu_ps(k), a0);
            a1 = _mm256_fmadd_ps(qc, _mm256_loadu_ps(k + 8), a1);
            a2 = _mm256_fmadd_ps(qc, _mm256_loadu_ps(k + 16), a2);
            a3 = _mm256_fmadd_ps(qc, _mm256_loadu_ps(k + 24), a3);
        }
        _mm256_storeu_ps(s + j, a0), _mm256_storeu_ps(s + j + 8, a1), _mm256_storeu_ps(s + j + 16, a2), _mm256_storeu_ps(s + j + 24, a3);
    }
    for (; j < padded; j += 8) {
        __m256 a = _mm256_loadu_ps(s + j);
        for (int64_t c = 0; c < d; ++c) a = _mm256_fmadd_ps(_mm256_set1_ps(query[c]), _mm256_loadu_ps(kt + c * padded + j), a);
        _mm256_storeu_ps(s + j, a);
    }
}

// out[0..8·Blocks) = inv · Σ_j p_j · v_j (v_j at stride `row`) for 8·Blocks channels. Two
// accumulators per block (even and odd j) so the FMAs do not wait on each other; Blocks is a
// template argument so that they stay in registers.
template <int Blocks>
inline void weighted_values_blocks(const float* p, const float* v, int64_t row, int64_t N, float inv, float* out) {
    __m256 even[Blocks], odd[Blocks];
    for (int k = 0; k < Blocks; ++k) even[k] = odd[k] = _mm256_setzero_ps();
    int64_t j = 0;
    for (; j + 1 < N; j += 2) {
        const __m256 pe = _mm256_set1_ps(p[j]), po = _mm256_set1_ps(p[j + 1]);
        const float* ve = v + j * row;
        const float* vo = ve + row;
        for (int k = 0; k < Blocks; ++k) {
            even[k] = _mm256_fmadd_ps(pe, _mm256_loadu_ps(ve + 8 * k), even[k]);
            odd[k] = _mm256_fmadd_ps(po, _mm256_loadu_ps(vo + 8 * k), odd[k]);
        }
    }
    if (j < N) {
        const __m256 pe = _mm256_set1_ps(p[j]);
        for (int k = 0; k < Blocks; ++k) even[k] = _mm256_fmadd_ps(pe, _mm256_loadu_ps(v + j * row + 8 * k), even[k]);
    }
    for (int k = 0; k < Blocks; ++k) _mm256_storeu_ps(out + 8 * k, _mm256_mul_ps(_mm256_add_ps(even[k], odd[k]), _mm256_set1_ps(inv)));
}

// out[0..d) = inv · Σ_j p_j · v_j, 32 channels at a time (every Swin here has d = 32).
inline void weighted_values(const float* p, const float* v, int64_t row, int64_t N, int64_t d, float inv, float* out) {
    int64_t c = 0;
    for (; c + 32 <= d; c += 32) weighted_values_blocks<4>(p, v + c, row, N, inv, out + c);
    for (; c < d; c += 8) weighted_values_blocks<1>(p, v + c, row, N, inv, out + c);
}

}  // namespace

// qkv (B_, N, 3, heads, d) contiguous, the qkv Linear's output as is; bias (heads, N, N); mask
// (nW, N, N) or null (window b uses mask b % nW, as the official view(B, nW, …) does);
// out (B_, N, heads · d). d must be a multiple of 8.
void window_attention_avx2(const float* qkv, const float* bias, const float* mask, float* out, int64_t B_, int64_t N, int64_t heads,
                           int64_t d, int64_t nW, float scale) {
    const int64_t C = heads * d, row = 3 * C, padded = (N + 7) / 8 * 8;
    at::parallel_for(0, B_ * heads, 1, [&](int64_t begin, int64_t end) {
        std::vector<float> kt(static_cast<size_t>(d * padded));
        std::vector<float> scores(static_cast<size_t>(padded));
        float* s = scores.data();
        for (int64_t task = begin; task < end; ++task) {
            const int64_t b = task / heads, h = task % heads;
            const float* q = qkv + b * N * row + h * d;
            const float* k = q + C;
            const float* v = q + 2 * C;
            // K transposed to (d, padded): the score loop then runs over keys with unit stride.
            for (int64_t j = 0; j < N; ++j)
                for (int64_t c = 0; c < d; ++c) kt[size_t(c * padded + j)] = k[j * row + c];
            const float* bias_h = bias + h * N * N;
            const float* mask_w = mask ? mask + (b % nW) * N * N : nullptr;
            std::vector<float> scaled_query(static_cast<size_t>(d));
            for (int64_t i = 0; i < N; ++i) {
                // Scores start from the bias (+ mask); padding lanes start at −inf and stay there.
                for (int64_t j = 0; j < N; ++j) s[j] = bias_h[i * N + j] + (mask_w ? mask_w[i * N + j] : 0.f);
                for (int64_t j = N; j < padded; ++j) s[j] = -std::numeric_limits<float>::infinity();
                const float* qi = q + i * row;
                for (int64_t c = 0; c < d; ++c) scaled_query[size_t(c)] = qi[c] * scale;
                add_query_key_products(s, kt.data(), scaled_query.data(), d, padded);
                // Softmax over the row, in place.
                __m256 vmax = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
                for (int64_t j = 0; j < padded; j += 8) vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(&s[j]));
                const __m256 smax = _mm256_set1_ps(horizontal_max(vmax));
                __m256 vsum = _mm256_setzero_ps();
                for (int64_t j = 0; j < padded; j += 8) {
                    const __m256 p = exp256(_mm256_sub_ps(_mm256_loadu_ps(&s[j]), smax));
                    _mm256_storeu_ps(&s[j], p);
                    vsum = _mm256_add_ps(vsum, p);
                }
                weighted_values(s, v, row, N, d, 1.f / horizontal_sum(vsum), out + (b * N + i) * C + h * d);
            }
        }
    });
}

}  // namespace r2::nn
