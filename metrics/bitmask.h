// A binary mask packed 64 pixels to a word. Boundary extraction, dilation and the pixel
// counts of J, F and R all become word-wide AND/OR/XOR and popcounts on this form.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/mask_png.h"

namespace r2 {

struct BitMask {
    int width = 0;
    int height = 0;
    int words_per_row = 0;      // ceil(width / 64); bits past `width` are always 0
    std::vector<uint64_t> bits;  // row-major, words_per_row words per row; bit x of a row is
                                 // bit (x % 64) of word (x / 64)

    BitMask() = default;
    BitMask(int w, int h) : width(w), height(h), words_per_row((w + 63) / 64), bits(size_t(words_per_row) * size_t(h), 0) {}

    uint64_t* row(int y) { return bits.data() + size_t(y) * size_t(words_per_row); }
    const uint64_t* row(int y) const { return bits.data() + size_t(y) * size_t(words_per_row); }
    bool get(int x, int y) const { return (row(y)[x >> 6] >> (x & 63)) & 1u; }
    void set(int x, int y, bool on = true) {
        const uint64_t bit = uint64_t(1) << (x & 63);
        if (on) row(y)[x >> 6] |= bit; else row(y)[x >> 6] &= ~bit;
    }
    // Mask of the valid bits of the last word of a row.
    uint64_t last_word_mask() const { return (width % 64) ? (uint64_t(1) << (width % 64)) - 1 : ~uint64_t(0); }
    bool operator==(const BitMask& o) const { return width == o.width && height == o.height && bits == o.bits; }
};

// Pixels whose label equals `id` (ground truth: one object of a label map).
BitMask mask_of_label(const LabelMap& labels, uint8_t id);
// Pixels whose label is not 0 (predictions: any non-zero value is foreground).
BitMask mask_of_foreground(const LabelMap& labels);
// The same on bytes in place (a numpy bool/uint8 array: no copy): `height` rows of `width`
// contiguous bytes, `row_stride` bytes apart.
BitMask mask_of_foreground(const uint8_t* bytes, int width, int height, std::ptrdiff_t row_stride);

int64_t count(const BitMask& m);
int64_t count_and(const BitMask& a, const BitMask& b);
int64_t count_or(const BitMask& a, const BitMask& b);

}  // namespace r2
