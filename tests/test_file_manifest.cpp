#include <doctest/doctest.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/file_manifest.h"
#include "core/parallel.h"
#include "core/sha256.h"
#include "test_util.h"

using namespace r2;
using r2::test::TempDir;
namespace fs = std::filesystem;

TEST_CASE("file manifest: sorted paths, sizes and hashes; the hash follows content, not place or threads") {
    TempDir dir;
    write_file_atomically(dir / "a/b/2.png", "two");
    write_file_atomically(dir / "a/b/10.png", "ten!");
    write_file_atomically(dir / "a/c.txt", "");
    const auto entries = file_manifest(dir / "a");
    REQUIRE(entries.size() == 3);
    CHECK(entries[0].path == "b/10.png");  // byte order of the paths, not numeric
    CHECK(entries[1].path == "b/2.png");
    CHECK(entries[2].path == "c.txt");
    CHECK(entries[0].size == 4);
    CHECK(entries[1].sha256 == sha256_hex("two"));
    CHECK(entries[2].sha256 == sha256_hex(""));
    // The hash is one SHA-256 over "path\0size\nsha\n" per entry (hand-built here).
    std::string text;
    for (const auto& e : entries) text += e.path + std::string(1, '\0') + std::to_string(e.size) + "\n" + e.sha256 + "\n";
    const std::string hash = tree_hash(dir / "a");
    CHECK(hash == sha256_hex(text));

    fs::copy(dir / "a", dir / "copy", fs::copy_options::recursive);
    CHECK(tree_hash(dir / "copy") == hash);  // the same bytes elsewhere
    set_thread_count(1);
    CHECK(tree_hash(dir / "a") == hash);
    set_thread_count(0);

    write_file_atomically(dir / "copy/b/2.png", "tw0");  // one byte
    CHECK(tree_hash(dir / "copy") != hash);
    write_file_atomically(dir / "copy/b/2.png", "two");
    CHECK(tree_hash(dir / "copy") == hash);
    fs::rename(dir / "copy/c.txt", dir / "copy/d.txt");  // a renamed file
    CHECK(tree_hash(dir / "copy") != hash);
    fs::rename(dir / "copy/d.txt", dir / "copy/c.txt");
    fs::create_directories(dir / "copy/empty");  // folders alone hold no content
    CHECK(tree_hash(dir / "copy") == hash);

    CHECK_THROWS_WITH_AS(file_manifest(dir / "nowhere"), doctest::Contains("not a folder"), FileError);
}
