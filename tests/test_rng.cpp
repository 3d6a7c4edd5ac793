#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>
#include <set>
#include <cstdlib>

#include "core/rng.h"

using namespace r2;

TEST_CASE("xoshiro256** matches the reference implementation (known answers)") {
    // From the reference C code of Blackman & Vigna with state {1, 2, 3, 4}.
    Rng rng = Rng::from_state(1, 2, 3, 4);
    CHECK(rng.next() == 11520ULL);
    CHECK(rng.next() == 0ULL);
    CHECK(rng.next() == 1509978240ULL);
    CHECK(rng.next() == 1215971899390074240ULL);
    CHECK(rng.next() == 1216172134540287360ULL);
}

TEST_CASE("splitmix64 seeding gives fixed values on every platform") {
    uint64_t state = 0;
    CHECK(splitmix64(state) == 0xe220a8397b1dcdafULL);
    // Golden values computed independently (Python big integers) for Rng(0) and Rng(42).
    Rng zero(0);
    CHECK(zero.next() == 11091344671253066420ULL);
    CHECK(zero.next() == 13793997310169335082ULL);
    CHECK(zero.next() == 1900383378846508768ULL);
    Rng r42(42);
    CHECK(r42.next() == 1546998764402558742ULL);
    CHECK(r42.next() == 6990951692964543102ULL);
    CHECK(r42.next() == 12544586762248559009ULL);
}

TEST_CASE("bounded integers: known answers, range and no modulo bias") {
    Rng rng(42);
    const std::vector<uint64_t> expected = {0, 3, 6, 9, 9, 7, 7, 8};  // Lemire's method, computed in Python
    for (uint64_t e : expected) CHECK(rng.below(10) == e);

    Rng counts_rng(7);
    // n = 3 * 2^62 maps 2^64 raw values unevenly under plain modulo (the low third twice as
    // likely); the rejection step must make the three thirds equally likely.
    const uint64_t n = 3ULL << 62;
    int thirds[3] = {0, 0, 0};
    for (int i = 0; i < 30000; ++i) ++thirds[counts_rng.below(n) / (1ULL << 62)];
    for (int t : thirds) CHECK(std::abs(t - 10000) < 400);

    for (int i = 0; i < 1000; ++i) {
        const int64_t v = counts_rng.between(-3, 3);
        CHECK(v >= -3);
        CHECK(v <= 3);
        const double u = counts_rng.uniform();
        CHECK(u >= 0.0);
        CHECK(u < 1.0);
    }
    CHECK_THROWS(counts_rng.below(0));
}

TEST_CASE("Fisher–Yates shuffle is a deterministic permutation") {
    std::vector<int> a(50), b(50);
    std::iota(a.begin(), a.end(), 0);
    b = a;
    Rng r1(5), r2(5);
    r1.shuffle(a);
    r2.shuffle(b);
    CHECK(a == b);
    std::vector<int> sorted = a;
    std::sort(sorted.begin(), sorted.end());
    for (int i = 0; i < 50; ++i) CHECK(sorted[size_t(i)] == i);
    CHECK(a != sorted);  // 50! permutations: the identity would mean the shuffle did nothing

    // Every position is reachable: over many shuffles of 4 items, all 24 orders appear.
    std::set<std::vector<int>> orders;
    Rng r(9);
    for (int i = 0; i < 2000; ++i) {
        std::vector<int> v = {0, 1, 2, 3};
        r.shuffle(v);
        orders.insert(v);
    }
    CHECK(orders.size() == 24);
}

TEST_CASE("streams are independent of order") {
    Rng a = Rng::for_stream(3, 17), b = Rng::for_stream(3, 17), c = Rng::for_stream(3, 18);
    const uint64_t first = a.next();
    CHECK(first == b.next());
    CHECK(first != c.next());
}

#include "core/sha256.h"

TEST_CASE("SHA-256 known answers (FIPS 180-4 examples)") {
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    std::string million(1000000, 'a');
    CHECK(sha256_hex(million) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    // Streaming in odd pieces gives the same digest.
    Sha256 s;
    for (size_t i = 0; i < million.size(); i += 777) s.update(std::string_view(million).substr(i, 777));
    CHECK(s.hex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
