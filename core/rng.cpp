#include "core/rng.h"

#include "core/error.h"

namespace r2 {

uint64_t splitmix64(uint64_t& state) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

Rng::Rng(uint64_t seed) {
    uint64_t state = seed;
    for (auto& s : s_) s = splitmix64(state);
}

Rng Rng::for_stream(uint64_t seed, uint64_t stream) {
    uint64_t state = stream;
    const uint64_t mixed = splitmix64(state);
    return Rng(seed ^ mixed);
}

Rng Rng::from_state(uint64_t s0, uint64_t s1, uint64_t s2, uint64_t s3) {
    Rng rng;
    rng.s_[0] = s0, rng.s_[1] = s1, rng.s_[2] = s2, rng.s_[3] = s3;
    return rng;
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t Rng::next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
}

uint64_t Rng::below(uint64_t n) {
    if (n == 0) throw Error("Rng::below(0): empty range");
    // Lemire, "Fast Random Integer Generation in an Interval" (2019).
    unsigned __int128 product = (unsigned __int128)next() * n;
    uint64_t low = uint64_t(product);
    if (low < n) {
        const uint64_t threshold = (0 - n) % n;
        while (low < threshold) {
            product = (unsigned __int128)next() * n;
            low = uint64_t(product);
        }
    }
    return uint64_t(product >> 64);
}

int64_t Rng::between(int64_t lo, int64_t hi) {
    if (hi < lo) throw Error("Rng::between: empty range");
    return lo + int64_t(below(uint64_t(hi - lo) + 1));
}

double Rng::uniform() { return double(next() >> 11) * 0x1.0p-53; }

}  // namespace r2
