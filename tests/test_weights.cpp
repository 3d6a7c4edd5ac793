// Weight files: checkpoints written by PyTorch's torch.save (tests/fixtures/weights, made by
// make_weight_fixtures.py) read back value for value, and safetensors validated and fuzzed.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/rng.h"
#include "model_zoo/safetensors.h"
#include "model_zoo/torch_checkpoint.h"
#include "test_util.h"

using namespace r2;
using r2::test::TempDir;
namespace fs = std::filesystem;

static const fs::path kDir = fs::path(R2BENCH_FIXTURES) / "weights";

namespace {

double element(const OwnedTensor& t, size_t i) {
    const char* p = t.bytes.data() + i * dtype_size(t.dtype);
    switch (t.dtype) {
        case DType::F32: { float v; std::memcpy(&v, p, 4); return v; }
        case DType::F64: { double v; std::memcpy(&v, p, 8); return v; }
        case DType::F16: {
            uint16_t h; std::memcpy(&h, p, 2);
            const int e = (h >> 10) & 0x1f, m = h & 0x3ff, s = h >> 15 ? -1 : 1;
            if (e == 0) return s * std::ldexp(m, -24);
            return s * std::ldexp(1024 + m, e - 25);
        }
        case DType::BF16: { uint16_t h; std::memcpy(&h, p, 2); uint32_t b = uint32_t(h) << 16; float v; std::memcpy(&v, &b, 4); return v; }
        case DType::I64: { int64_t v; std::memcpy(&v, p, 8); return double(v); }
        case DType::I32: { int32_t v; std::memcpy(&v, p, 4); return v; }
        case DType::U8: case DType::BOOL: return uint8_t(*p);
        default: return NAN;
    }
}

void check_against_expected(const CheckpointTensors& c, const std::string& prefix = "") {
    const auto expected = nlohmann::json::parse(read_file(kDir / "expected.json"));
    REQUIRE(c.tensors.size() == expected.size());
    for (const auto& t : c.tensors) {
        CAPTURE(t.name);
        REQUIRE(expected.contains(prefix + t.name));
        const auto& e = expected[prefix + t.name];
        CHECK(dtype_name(t.dtype) == e["dtype"].get<std::string>());
        CHECK(t.shape == e["shape"].get<std::vector<int64_t>>());
        const auto values = e["values"];
        REQUIRE(t.bytes.size() == values.size() * dtype_size(t.dtype));
        for (size_t i = 0; i < values.size(); ++i) CHECK(element(t, i) == (values[i].is_boolean() ? double(values[i].get<bool>()) : values[i].get<double>()));
    }
}

}  // namespace

TEST_CASE("torch.save checkpoints read back value for value") {
    const CheckpointTensors plain = read_checkpoint(kDir / "plain.pth");
    check_against_expected(plain);
    CHECK(plain.warnings.empty());
    CHECK(plain.tensors.front().name == "backbone.conv1.weight");  // state-dict order is kept
}

TEST_CASE("official-style checkpoints: --key, prefixes, skipped objects") {
    // Auto-detects 'model', skips argparse.Namespace with a warning, never runs it.
    const CheckpointTensors c = read_checkpoint(kDir / "official_like.pth", "", "module.");
    check_against_expected(c);
    bool namespace_skipped = false;
    for (const auto& w : c.warnings) namespace_skipped |= w.find("argparse.Namespace") != std::string::npos;
    CHECK(namespace_skipped);
    const CheckpointTensors keyed = read_checkpoint(kDir / "official_like.pth", "model");
    CHECK(keyed.tensors.front().name == "module.backbone.conv1.weight");
    CHECK_THROWS_WITH_AS(read_checkpoint(kDir / "official_like.pth", "ema"), doctest::Contains("no top-level entry 'ema'"), FileError);
    CHECK_THROWS_WITH_AS(read_checkpoint(kDir / "official_like.pth", "args"), doctest::Contains("no dict of tensors"), FileError);
    // A wrong --key lists what is there, so the right one can be picked without Python.
    try {
        read_checkpoint(kDir / "official_like.pth", "nope");
        FAIL("expected a FileError");
    } catch (const FileError& e) {
        const std::string what = e.what();
        CHECK(what.find("no top-level entry 'nope'; its top-level entries:") != std::string::npos);
        CHECK(what.find("'model' (a dict of ") != std::string::npos);
        CHECK(what.find("'args' (an object, skipped)") != std::string::npos);
        CHECK(what.find("'epoch' (a number)") != std::string::npos);
    }
}

TEST_CASE("convert to safetensors and back") {
    TempDir dir;
    const CheckpointTensors c = read_checkpoint(kDir / "plain.pth");
    write_safetensors(dir / "w.safetensors", c.tensors, {{"format", "pt"}});
    const SafetensorsFile f = SafetensorsFile::open(dir / "w.safetensors");
    CHECK(f.metadata().at("format") == "pt");
    REQUIRE(f.tensors().size() == c.tensors.size());
    for (const auto& t : c.tensors) {
        const TensorView* v = f.find(t.name);
        REQUIRE(v != nullptr);
        CHECK(v->dtype == t.dtype);
        CHECK(v->shape == t.shape);
        CHECK(std::string(reinterpret_cast<const char*>(v->data), v->bytes) == t.bytes);
    }
    // The data section starts 8-byte aligned (the header is padded with spaces).
    const std::string bytes = read_file(dir / "w.safetensors");
    uint64_t header = 0;
    for (int i = 7; i >= 0; --i) header = (header << 8) | uint8_t(bytes[size_t(i)]);
    CHECK((8 + header) % 8 == 0);
    // .safetensors input goes through the same entry point (with a prefix strip).
    const CheckpointTensors again = read_checkpoint(dir / "w.safetensors", "", "backbone.");
    bool stripped = false;
    for (const auto& t : again.tensors) stripped |= t.name == "conv1.weight";
    CHECK(stripped);
    // Not a checkpoint at all.
    write_file_atomically(dir / "junk.pth", std::string("definitely not a zip"));
    CHECK_THROWS_WITH_AS(read_checkpoint(dir / "junk.pth"), doctest::Contains("not a torch.save zip checkpoint"), FileError);
}

TEST_CASE("safetensors: every header violation has its own error") {
    auto file = [](const std::string& header, const std::string& data) {
        std::string out(8, '\0');
        for (int i = 0; i < 8; ++i) out[size_t(i)] = char((header.size() >> (8 * i)) & 0xff);
        return out + header + data;
    };
    const std::string data(16, 'x');
    auto error_of = [](const std::string& bytes) {
        try {
            SafetensorsFile::parse(bytes, "t.safetensors");
        } catch (const FileError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(error_of("abc").find("shorter than the 8-byte header length") != std::string::npos);
    CHECK(error_of(std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8)).find("over the") != std::string::npos);
    CHECK(error_of(file("{}", "").substr(0, 9)).find("runs past the end") != std::string::npos);
    CHECK(error_of(file("{not json", data)).find("not JSON") != std::string::npos);
    CHECK(error_of(file("[1,2]", data)).find("not a JSON object") != std::string::npos);
    CHECK(error_of(file(R"({"a": {"dtype": "F99", "shape": [1], "data_offsets": [0, 4]}})", data)).find("unknown dtype 'F99'") != std::string::npos);
    CHECK(error_of(file(R"({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 4]}})", data)).find("shape × dtype size is 12 bytes but data_offsets span 4") != std::string::npos);
    CHECK(error_of(file(R"({"a": {"dtype": "F32", "shape": [2, 4], "data_offsets": [0, 32]}})", data)).find("past the data") != std::string::npos);
    CHECK(error_of(file(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [8, 4]}})", data)).find("go backwards") != std::string::npos);
    CHECK(error_of(file(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})", data)).find("overlap") != std::string::npos);
    CHECK(error_of(file(R"({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})", data)).find("non-negative integer") != std::string::npos);
    CHECK(error_of(file(R"({"a": {"dtype": "F32", "shape": [1]}})", data)).find("needs dtype, shape and data_offsets") != std::string::npos);
    CHECK(error_of(file(R"({"__metadata__": {"k": 3}})", data)).find("not a string") != std::string::npos);
    CHECK(error_of(file(R"({"a": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 4]}})", data)).find("absurdly large") != std::string::npos);
    // A valid file with an empty tensor and metadata.
    const std::string ok = file(R"({"__metadata__": {"k": "v"}, "e": {"dtype": "I64", "shape": [0], "data_offsets": [0, 0]}, "a": {"dtype": "U8", "shape": [2, 8], "data_offsets": [0, 16]}})", data);
    CHECK(error_of(ok) == "no error");
    CHECK_THROWS_WITH_AS(SafetensorsFile::open("/nonexistent.safetensors"), doctest::Contains("/nonexistent.safetensors: cannot open"), FileError);
    CHECK_THROWS_AS(encode_safetensors({{"bad", DType::F32, {3}, std::string(4, '\0')}}), Error);
}

TEST_CASE("safetensors: fuzzing with truncations, bit flips and random bytes never crashes") {
    std::vector<OwnedTensor> tensors = {{"w", DType::F32, {2, 3}, std::string(24, '\1')},
                                        {"b", DType::BF16, {5}, std::string(10, '\2')},
                                        {"m", DType::BOOL, {3}, std::string(3, '\1')}};
    const std::string good = encode_safetensors(tensors, {{"format", "pt"}});
    CHECK(SafetensorsFile::parse(good, "good").tensors().size() == 3);
    int refused = 0, accepted = 0;
    auto attempt = [&](const std::string& bytes) {
        try {
            const SafetensorsFile f = SafetensorsFile::parse(bytes, "fuzz");
            // Whatever is accepted must be internally consistent.
            for (const auto& t : f.tensors()) {
                CHECK(t.data >= reinterpret_cast<const uint8_t*>(bytes.data()));
                CHECK(t.data + t.bytes <= reinterpret_cast<const uint8_t*>(bytes.data()) + bytes.size());
                CHECK(size_t(t.numel()) * dtype_size(t.dtype) == t.bytes);
            }
            ++accepted;
        } catch (const FileError&) {
            ++refused;
        }
    };
    for (size_t n = 0; n < good.size(); ++n) attempt(good.substr(0, n));
    Rng rng(99);
    for (int i = 0; i < 3000; ++i) {
        std::string m = good;
        const int flips = int(rng.between(1, 4));
        for (int k = 0; k < flips; ++k) m[size_t(rng.below(m.size()))] ^= char(1 << rng.below(8));
        attempt(m);
    }
    for (int i = 0; i < 500; ++i) {
        std::string r(size_t(rng.between(0, 200)), '\0');
        for (auto& c : r) c = char(rng.below(256));
        attempt(r);
    }
    CHECK(refused > 3000);
    CHECK(accepted > 0);  // flips inside the data bytes keep a valid file
}
