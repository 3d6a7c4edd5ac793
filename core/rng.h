// The project's portable random numbers: xoshiro256** seeded through splitmix64, with
// unbiased bounded integers and a Fisher–Yates shuffle. Unlike std::uniform_int_distribution
// and std::shuffle (whose algorithms are left to the standard library), every value here is
// fixed by the seed on every platform and compiler, which is what makes `--seed` meaningful.
#pragma once
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace r2 {

uint64_t splitmix64(uint64_t& state);

class Rng {
public:
    explicit Rng(uint64_t seed);
    // A generator for one independent piece of work (a video, a frame): the same (seed, stream)
    // gives the same numbers whichever thread runs it and in whatever order.
    static Rng for_stream(uint64_t seed, uint64_t stream);
    // Directly from a full state (for known-answer tests against the reference implementation).
    static Rng from_state(uint64_t s0, uint64_t s1, uint64_t s2, uint64_t s3);

    uint64_t next();
    // Uniform in [0, n) without modulo bias (Lemire's multiply-and-reject); n > 0.
    uint64_t below(uint64_t n);
    // Uniform integer in [lo, hi], inclusive.
    int64_t between(int64_t lo, int64_t hi);
    // Uniform double in [0, 1) with 53 random bits.
    double uniform();
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    bool chance(double probability) { return uniform() < probability; }

    template <class T>
    void shuffle(std::vector<T>& items) {
        // Fisher–Yates from the back: items[i] swaps with a uniform position in [0, i].
        for (size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[size_t(below(i))]);
    }
    template <class T>
    const T& pick(const std::vector<T>& items) { return items[size_t(below(items.size()))]; }

private:
    Rng() = default;
    uint64_t s_[4] = {};
};

}  // namespace r2
