#include "metrics/bitmask.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace r2 {

namespace {

// Packs one row of bytes into bits: bit x is set where (byte == value) != invert.
// With invert=true and value=0 this is "byte != 0".
void pack_row(const uint8_t* bytes, int width, uint8_t value, bool invert, uint64_t* out) {
    int x = 0;
    int word = 0;
#if defined(__SSE2__)
    const __m128i target = _mm_set1_epi8(char(value));
    for (; x + 64 <= width; x += 64, ++word) {
        uint64_t w = 0;
        for (int k = 0; k < 4; ++k) {
            const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes + x + 16 * k));
            w |= uint64_t(uint16_t(_mm_movemask_epi8(_mm_cmpeq_epi8(v, target)))) << (16 * k);
        }
        out[word] = invert ? ~w : w;
    }
#endif
    for (; x < width; x += 64, ++word) {
        uint64_t w = 0;
        const int n = width - x < 64 ? width - x : 64;
        for (int k = 0; k < n; ++k) w |= uint64_t((bytes[x + k] == value) != invert) << k;
        out[word] = w;
    }
}

BitMask pack(const LabelMap& labels, uint8_t value, bool invert) {
    BitMask m(labels.width, labels.height);
    for (int y = 0; y < labels.height; ++y)
        pack_row(labels.labels.data() + size_t(y) * size_t(labels.width), labels.width, value, invert, m.row(y));
    return m;
}

}  // namespace

BitMask mask_of_label(const LabelMap& labels, uint8_t id) { return pack(labels, id, false); }
BitMask mask_of_foreground(const LabelMap& labels) { return pack(labels, 0, true); }

BitMask mask_of_foreground(const uint8_t* bytes, int width, int height, std::ptrdiff_t row_stride) {
    BitMask m(width, height);
    for (int y = 0; y < height; ++y) pack_row(bytes + std::ptrdiff_t(y) * row_stride, width, 0, true, m.row(y));
    return m;
}

int64_t count(const BitMask& m) {
    int64_t n = 0;
    for (uint64_t w : m.bits) n += __builtin_popcountll(w);
    return n;
}

int64_t count_and(const BitMask& a, const BitMask& b) {
    int64_t n = 0;
    for (size_t i = 0; i < a.bits.size(); ++i) n += __builtin_popcountll(a.bits[i] & b.bits[i]);
    return n;
}

int64_t count_or(const BitMask& a, const BitMask& b) {
    int64_t n = 0;
    for (size_t i = 0; i < a.bits.size(); ++i) n += __builtin_popcountll(a.bits[i] | b.bits[i]);
    return n;
}

}  // namespace r2
