// Robust outputs: per_frame.h5 validation and attributes, the streamed SHA-256, ICU UTF-8 checks.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include <hdf5.h>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/ref_davis.h"
#include "core/sha256.h"
#include "reports/per_frame_h5.h"
#include "test_util.h"

using namespace r2;
using r2::test::TempDir;
namespace fs = std::filesystem;

namespace {

PerFrameTable small_table() {
    PerFrameTable t;
    t.has_gt = t.has_pairs = true;
    t.expressions = {{"v1", "0", "1", "v2", "the dog\u2019s tail"}, {"v2", "0", "1", "v1", "a cat"}};
    t.positive = {{0, "00000", 0.5, 0.25, 100}, {0, "00005", 1.0, 1.0, 0}, {1, "00000", 0.0, 0.0, 7}};
    t.negative = {{0, "00000", 3}, {1, "00000", 0}};
    return t;
}

// What reading the file throws ("" when it reads).
std::string read_error(const fs::path& path) {
    try {
        read_per_frame_h5(path);
    } catch (const FileError& e) {
        CHECK(e.file() == path);
        return e.what();
    }
    return "";
}

// Replaces dataset /name of an existing file by one of `type` and shape `dims` holding `data`.
void replace_dataset(const fs::path& path, const std::string& name, hid_t type, const std::vector<hsize_t>& dims, const void* data) {
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    REQUIRE(file >= 0);
    REQUIRE(H5Ldelete(file, name.c_str(), H5P_DEFAULT) >= 0);
    const hid_t space = H5Screate_simple(int(dims.size()), dims.data(), nullptr);
    const hid_t set = H5Dcreate2(file, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(set >= 0);
    REQUIRE(H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0);
    H5Dclose(set), H5Sclose(space), H5Fclose(file);
}

std::string string_attribute(hid_t object, const char* name) {
    if (H5Aexists(object, name) <= 0) return "<missing>";
    const hid_t attr = H5Aopen(object, name, H5P_DEFAULT);
    const hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    char* value = nullptr;
    std::string out = H5Aread(attr, type, &value) >= 0 && value ? value : "<unreadable>";
    H5free_memory(value);
    H5Tclose(type), H5Aclose(attr);
    return out;
}

template <class T>
std::vector<T> number_attribute(hid_t object, const char* name, hid_t type, size_t n) {
    std::vector<T> values(n);
    if (H5Aexists(object, name) <= 0) return {};
    const hid_t attr = H5Aopen(object, name, H5P_DEFAULT);
    const hid_t space = H5Aget_space(attr);
    if (size_t(H5Sget_simple_extent_npoints(space)) == n) H5Aread(attr, type, values.data());
    else values.clear();
    H5Sclose(space), H5Aclose(attr);
    return values;
}

}  // namespace

TEST_CASE("per_frame.h5: round trip of a hand-made table") {
    TempDir dir;
    const PerFrameTable t = small_table();
    write_per_frame_h5(dir / "p.h5", t);
    const PerFrameTable back = read_per_frame_h5(dir / "p.h5");
    CHECK(back.has_gt);
    CHECK(back.has_pairs);
    REQUIRE(back.expressions.size() == 2);
    CHECK(back.expressions[0].text == "the dog\u2019s tail");
    CHECK(back.expressions[1].negative_video == "v1");
    REQUIRE(back.positive.size() == 3);
    CHECK(back.positive[0].j == 0.5);
    CHECK(back.positive[0].f == 0.25);
    CHECK(back.positive[2].expression == 1);
    CHECK(back.positive[2].pixels == 7);
    REQUIRE(back.negative.size() == 2);
    CHECK(back.negative[0].pixels == 3);
    CHECK(back.negative[1].frame == "00000");
}

TEST_CASE("per_frame.h5: every dataset and group says what it holds") {
    TempDir dir;
    write_per_frame_h5(dir / "p.h5", small_table());
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    const hid_t file = H5Fopen((dir / "p.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    REQUIRE(file >= 0);
    CHECK(string_attribute(file, "format") == "r2bench per_frame");
    CHECK(number_attribute<int>(file, "format_version", H5T_NATIVE_INT, 1) == std::vector<int>{1});
    CHECK(string_attribute(file, "description").find("/positive") != std::string::npos);
    for (const char* group : {"expressions", "positive", "negative"}) {
        const hid_t g = H5Gopen2(file, group, H5P_DEFAULT);
        REQUIRE(g >= 0);
        CHECK_MESSAGE(string_attribute(g, "description").find("one row per") != std::string::npos, group);
        H5Gclose(g);
    }
    struct Expected {
        const char* name;
        const char* unit;  // nullptr: strings, no unit
    };
    for (const Expected& x : {Expected{"expressions/video", nullptr}, {"expressions/exp_id", nullptr}, {"expressions/obj_id", nullptr},
                              {"expressions/negative_video", nullptr}, {"expressions/text", nullptr}, {"positive/expression", "index"},
                              {"positive/frame", nullptr}, {"positive/J", "fraction"}, {"positive/F", "fraction"},
                              {"positive/pixels", "pixels"}, {"negative/expression", "index"}, {"negative/frame", nullptr},
                              {"negative/pixels", "pixels"}}) {
        const hid_t set = H5Dopen2(file, x.name, H5P_DEFAULT);
        REQUIRE_MESSAGE(set >= 0, x.name);
        const std::string description = string_attribute(set, "description");
        CHECK_MESSAGE(description.size() > 10, x.name);
        CHECK_MESSAGE(description[0] != '<', x.name);
        CHECK_MESSAGE(string_attribute(set, "unit") == (x.unit ? x.unit : "<missing>"), x.name);
        H5Dclose(set);
    }
    for (const char* name : {"positive/J", "positive/F"}) {
        const hid_t set = H5Dopen2(file, name, H5P_DEFAULT);
        CHECK_MESSAGE((number_attribute<double>(set, "valid_range", H5T_NATIVE_DOUBLE, 2) == std::vector<double>{0.0, 1.0}), name);
        H5Dclose(set);
    }
    for (const char* name : {"positive/pixels", "negative/pixels", "positive/expression"}) {
        const hid_t set = H5Dopen2(file, name, H5P_DEFAULT);
        CHECK_MESSAGE((number_attribute<int64_t>(set, "valid_min", H5T_NATIVE_INT64, 1) == std::vector<int64_t>{0}), name);
        H5Dclose(set);
    }
    H5Fclose(file);
}

TEST_CASE("per_frame.h5: the bytes depend only on the table (no timestamps)") {
    TempDir dir;
    write_per_frame_h5(dir / "a.h5", small_table());
    // HDF5 timestamps have a resolution of one second: a second later they would differ.
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    write_per_frame_h5(dir / "b.h5", small_table());
    const std::string a = read_file(dir / "a.h5"), b = read_file(dir / "b.h5");
    CHECK(a.size() > 1000);
    CHECK(a == b);
}

TEST_CASE("per_frame.h5: truncated, foreign and malformed files are clear errors") {
    TempDir dir;
    const fs::path good = dir / "good.h5";
    write_per_frame_h5(good, small_table());
    const std::string bytes = read_file(good);

    SUBCASE("truncated") {
        for (size_t keep : {bytes.size() / 2, size_t(600), size_t(100)}) {
            write_file_atomically(dir / "cut.h5", bytes.substr(0, keep));
            const std::string e = read_error(dir / "cut.h5");
            CHECK_MESSAGE(e.find((dir / "cut.h5").string()) == 0, e);
            CHECK_MESSAGE(e.find("truncated") != std::string::npos, e);
        }
    }
    SUBCASE("not HDF5") {
        write_file_atomically(dir / "text.h5", "J,F\n0.5,0.5\n");
        CHECK(read_error(dir / "text.h5") == (dir / "text.h5").string() + ": not an HDF5 file");
        CHECK(read_error(dir / "absent.h5") == (dir / "absent.h5").string() + ": not found");
    }
    SUBCASE("a two-dimensional dataset") {
        const std::vector<double> zeros(6, 0.0);
        replace_dataset(good, "positive/J", H5T_NATIVE_DOUBLE, {3, 2}, zeros.data());
        CHECK(read_error(good) == good.string() + ": /positive/J has shape (3, 2), expected one dimension");
    }
    SUBCASE("a dataset shorter than its group") {
        const std::vector<double> two = {0.5, 0.5};
        replace_dataset(good, "positive/F", H5T_NATIVE_DOUBLE, {2}, two.data());
        CHECK(read_error(good) ==
              good.string() + ": /positive/F has 2 rows but /positive/expression has 3: the file is truncated or inconsistent");
    }
    SUBCASE("a wrong dtype") {
        const std::vector<double> pixels = {1, 2, 3};
        replace_dataset(good, "positive/pixels", H5T_NATIVE_DOUBLE, {3}, pixels.data());
        CHECK(read_error(good) == good.string() + ": /positive/pixels holds floating-point values, expected integer");
    }
    SUBCASE("an expression index past /expressions") {
        const std::vector<int32_t> index = {0, 0, 9};
        replace_dataset(good, "positive/expression", H5T_NATIVE_INT32, {3}, index.data());
        CHECK(read_error(good) == good.string() + ": /positive/expression row 2 is 9, not a row of /expressions (it has 2)");
    }
    SUBCASE("J outside [0, 1]") {
        const std::vector<double> j = {0.5, 1.5, 0};
        replace_dataset(good, "positive/J", H5T_NATIVE_DOUBLE, {3}, j.data());
        CHECK(read_error(good) == good.string() + ": /positive/J row 1 is 1.5, outside [0, 1]");
    }
    SUBCASE("a missing dataset") {
        const hid_t file = H5Fopen(good.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
        REQUIRE(H5Ldelete(file, "negative/frame", H5P_DEFAULT) >= 0);
        H5Fclose(file);
        CHECK(read_error(good) == good.string() + ": missing dataset /negative/frame");
    }
}

TEST_CASE("SHA-256 (OpenSSL): known answers, files streamed in chunks") {
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    TempDir dir;
    write_file_atomically(dir / "empty", "");
    CHECK(sha256_file(dir / "empty") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    // Larger than the 1 MiB read chunk, and not a multiple of it; digests from Python's hashlib.
    write_file_atomically(dir / "a3m", std::string(3000000, 'a'));
    CHECK(sha256_file(dir / "a3m") == "2a152c894398719c0570f83fac34ac03a0f6e8e474b995c2403aa5434f7b9dd4");
    std::string pattern(3 * 1048576 + 123, '\0');
    for (size_t i = 0; i < pattern.size(); ++i) pattern[i] = char(i % 251);
    write_file_atomically(dir / "pattern", pattern);
    const std::string expected = "a9cdd46fa6f30331f1872b73511bba6fc8221737478e9f522dcae7e4b3474e24";
    CHECK(sha256_file(dir / "pattern") == expected);
    CHECK(sha256_hex(pattern) == expected);
    CHECK(Sha256().update(pattern.substr(0, 5)).update_file(dir / "empty").update(pattern.substr(5)).hex() == expected);
    CHECK_THROWS_WITH_AS(sha256_file(dir / "absent"), doctest::Contains("absent: cannot open"), FileError);
    CHECK_THROWS_AS(sha256_file(dir.path), FileError);  // a folder is not a file
}

TEST_CASE("UTF-8 validation (ICU) and the Latin-1 fallback of Ref-DAVIS text") {
    CHECK(is_valid_utf8(""));
    CHECK(is_valid_utf8("caf\xc3\xa9 \xe2\x80\x99 \xf0\x9f\x90\xb6"));
    CHECK_FALSE(is_valid_utf8("caf\xe9"));          // Latin-1
    CHECK_FALSE(is_valid_utf8("\xc0\xaf"));         // overlong "/"
    CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));     // a UTF-16 surrogate
    CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
    CHECK_FALSE(is_valid_utf8("ab\xe2\x82"));        // cut in the middle of a character
    CHECK(to_utf8("caf\xe9") == "caf\xc3\xa9");
    CHECK(to_utf8("\xed\xa0\x80") == "\xc3\xad\xc2\xa0\xc2\x80");  // invalid UTF-8 is read as Latin-1
    CHECK(to_utf8("dog\xe2\x80\x99s") == "dog\xe2\x80\x99s");       // valid text is kept as is
}
