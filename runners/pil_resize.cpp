#include "runners/pil_resize.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace r2 {

namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;  // Resample.c's PRECISION_BITS

double triangle(double x) {
    x = std::fabs(x);
    return x < 1.0 ? 1.0 - x : 0.0;
}

// precompute_coeffs + normalize_coeffs_8bpc of Resample.c for the box [0, in_size).
struct Coefficients {
    int ksize = 0;
    std::vector<int> xmin, xcount;  // per output pixel: first input pixel and how many
    std::vector<int32_t> k;         // out_size * ksize fixed-point weights
};

Coefficients precompute(int in_size, int out_size) {
    const double scale = double(float(in_size) - 0.0f) / out_size;  // PIL's box is float
    const double filterscale = scale < 1.0 ? 1.0 : scale;
    const double support = 1.0 * filterscale;  // bilinear support 1, widened when downscaling
    Coefficients c;
    c.ksize = int(std::ceil(support)) * 2 + 1;
    c.xmin.resize(size_t(out_size));
    c.xcount.resize(size_t(out_size));
    c.k.assign(size_t(out_size) * size_t(c.ksize), 0);
    std::vector<double> w(size_t(c.ksize));
    for (int xx = 0; xx < out_size; ++xx) {
        const double center = (xx + 0.5) * scale;
        const double ss = 1.0 / filterscale;
        int xmin = int(center - support + 0.5);  // C's truncating cast, as PIL
        if (xmin < 0) xmin = 0;
        int xmax = int(center + support + 0.5);
        if (xmax > in_size) xmax = in_size;
        xmax -= xmin;
        double ww = 0.0;
        for (int x = 0; x < xmax; ++x) {
            w[size_t(x)] = triangle((x + xmin - center + 0.5) * ss);
            ww += w[size_t(x)];
        }
        for (int x = 0; x < xmax; ++x) {
            const double v = ww != 0.0 ? w[size_t(x)] / ww : w[size_t(x)];
            c.k[size_t(xx) * size_t(c.ksize) + size_t(x)] =
                v < 0 ? int32_t(-0.5 + v * (1 << kPrecisionBits)) : int32_t(0.5 + v * (1 << kPrecisionBits));
        }
        c.xmin[size_t(xx)] = xmin;
        c.xcount[size_t(xx)] = xmax;
    }
    return c;
}

uint8_t clip8(int64_t in) {
    if (in >= (int64_t(1) << kPrecisionBits << 8)) return 255;
    if (in <= 0) return 0;
    return uint8_t(in >> kPrecisionBits);
}

}  // namespace

Image8 pil_resize_bilinear(const Image8& in, int width, int height) {
    if (in.width <= 0 || in.height <= 0 || width <= 0 || height <= 0 || in.channels <= 0)
        throw Error("resize: empty image or size");
    if (width == in.width && height == in.height) return in;
    const int ch = in.channels;
    // Horizontal pass first (when the width changes), then vertical, rounding to uint8 in between.
    Image8 tmp = in;
    if (width != in.width) {
        const Coefficients c = precompute(in.width, width);
        tmp.width = width;
        tmp.pixels.assign(size_t(in.height) * size_t(width) * size_t(ch), 0);
        for (int y = 0; y < in.height; ++y) {
            const uint8_t* row = &in.pixels[size_t(y) * size_t(in.width) * size_t(ch)];
            uint8_t* out = &tmp.pixels[size_t(y) * size_t(width) * size_t(ch)];
            for (int xx = 0; xx < width; ++xx) {
                const int32_t* k = &c.k[size_t(xx) * size_t(c.ksize)];
                const int xmin = c.xmin[size_t(xx)], n = c.xcount[size_t(xx)];
                for (int b = 0; b < ch; ++b) {
                    int64_t ss = int64_t(1) << (kPrecisionBits - 1);
                    for (int x = 0; x < n; ++x) ss += int64_t(row[size_t(x + xmin) * size_t(ch) + size_t(b)]) * k[x];
                    out[size_t(xx) * size_t(ch) + size_t(b)] = clip8(ss);
                }
            }
        }
    }
    if (height == tmp.height) return tmp;
    const Coefficients c = precompute(tmp.height, height);
    Image8 out;
    out.width = tmp.width;
    out.height = height;
    out.channels = ch;
    const size_t stride = size_t(tmp.width) * size_t(ch);
    out.pixels.assign(size_t(height) * stride, 0);
    std::vector<int64_t> acc(stride);
    for (int yy = 0; yy < height; ++yy) {
        const int32_t* k = &c.k[size_t(yy) * size_t(c.ksize)];
        const int ymin = c.xmin[size_t(yy)], n = c.xcount[size_t(yy)];
        std::fill(acc.begin(), acc.end(), int64_t(1) << (kPrecisionBits - 1));
        for (int y = 0; y < n; ++y) {
            const uint8_t* row = &tmp.pixels[size_t(y + ymin) * stride];
            for (size_t i = 0; i < stride; ++i) acc[i] += int64_t(row[i]) * k[y];
        }
        uint8_t* dst = &out.pixels[size_t(yy) * stride];
        for (size_t i = 0; i < stride; ++i) dst[i] = clip8(acc[i]);
    }
    return out;
}

std::array<int, 2> torchvision_resize_size(int width, int height, int shorter_side, int max_longer_side) {
    const bool wide = width > height;  // torchvision: short, long = (w, h) if w <= h else (h, w)
    const int shorter = wide ? height : width, longer = wide ? width : height;
    int new_short = shorter_side;
    int new_long = int(double(shorter_side) * longer / shorter);
    if (max_longer_side > 0 && new_long > max_longer_side) {
        new_short = int(double(max_longer_side) * new_short / new_long);
        new_long = max_longer_side;
    }
    return wide ? std::array<int, 2>{new_long, new_short} : std::array<int, 2>{new_short, new_long};
}

std::array<int, 2> detr_resize_size(int width, int height, int shorter_side, int max_longer_side) {
    const double shorter = std::min(width, height), longer = std::max(width, height);
    int size = shorter_side;
    if (max_longer_side > 0 && longer / shorter * size > max_longer_side)
        size = int(std::nearbyint(max_longer_side * shorter / longer));  // Python's round(): half to even
    if ((width <= height && width == size) || (height <= width && height == size)) return {width, height};
    if (width < height) return {size, int(double(size) * height / width)};
    return {int(double(size) * width / height), size};
}

}  // namespace r2
