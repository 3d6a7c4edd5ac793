// The byte-level BPE tokenizer: token ids equal those of GPT-2's own encoder.py on a varied corpus
// (fixtures made by tests/fixtures/tokenizer/make_tokenizer_fixtures.py), and RoBERTa's wrapping.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "model_zoo/bpe_tokenizer.h"
#include "test_util.h"

using namespace r2;
namespace fs = std::filesystem;

static const fs::path kDir = fs::path(R2BENCH_FIXTURES) / "tokenizer";

TEST_CASE("tokenizer: GPT-2 pre-tokenization pieces") {
    CHECK(gpt2_pretokenize("Hello world") == std::vector<std::string>{"Hello", " world"});
    CHECK(gpt2_pretokenize("a   b") == std::vector<std::string>{"a", "  ", " b"});
    CHECK(gpt2_pretokenize("it's 42!") == std::vector<std::string>{"it", "'s", " 42", "!"});
    CHECK(gpt2_pretokenize("end  ") == std::vector<std::string>{"end", "  "});
    CHECK(gpt2_pretokenize("x\n\ny") == std::vector<std::string>{"x", "\n", "\n", "y"});
    CHECK(gpt2_pretokenize("caf\xc3\xa9!") == std::vector<std::string>{"caf\xc3\xa9", "!"});
    CHECK(gpt2_pretokenize("").empty());
}

TEST_CASE("tokenizer: ids equal GPT-2's encoder.py on a varied corpus") {
    const BpeTokenizer t = BpeTokenizer::load(kDir / "vocab.json", kDir / "merges.txt");
    CHECK(t.vocab_size() == 426);
    const auto cases = nlohmann::json::parse(read_file(kDir / "expected.json"));
    REQUIRE(cases.size() >= 15);
    for (const auto& c : cases) {
        const std::string text = c["text"];
        CAPTURE(text);
        const auto ids = c["ids"].get<std::vector<int64_t>>();
        CHECK(t.encode_plain(text) == ids);
        CHECK(t.decode(ids) == c["decoded"].get<std::string>());
    }
}

TEST_CASE("tokenizer: RoBERTa's <s> … </s>, truncation, padding and attention mask") {
    const BpeTokenizer t = BpeTokenizer::load(kDir / "vocab.json", kDir / "merges.txt");
    CHECK(t.bos_id() == 0);
    CHECK(t.pad_id() == 1);
    CHECK(t.eos_id() == 2);
    const auto plain = t.encode_plain("the dog");
    const Encoding e = t.encode("the dog");
    REQUIRE(e.ids.size() == plain.size() + 2);
    CHECK(e.ids.front() == 0);
    CHECK(e.ids.back() == 2);
    CHECK(e.attention_mask == std::vector<int64_t>(e.ids.size(), 1));
    const Encoding cut = t.encode("the small red star moving left below the blue ring", 5);
    CHECK(cut.ids.size() == 5);
    CHECK(cut.ids.back() == 2);
    const auto batch = t.encode_batch({"a", "the small red star"});
    REQUIRE(batch[0].ids.size() == batch[1].ids.size());
    CHECK(batch[0].ids.back() == 1);          // padded with <pad>
    CHECK(batch[0].attention_mask.back() == 0);
    CHECK(batch[0].attention_mask[2] == 1);   // "<s> a </s>"
    // Malformed files.
    r2::test::TempDir dir;
    write_file_atomically(dir / "merges.txt", std::string("#version: 0.2\nab\n"));
    CHECK_THROWS_WITH_AS(BpeTokenizer::load(kDir / "vocab.json", dir / "merges.txt"), doctest::Contains("line 2"), FileError);
    write_file_atomically(dir / "vocab.json", std::string("[1, 2]"));
    CHECK_THROWS_WITH_AS(BpeTokenizer::load(dir / "vocab.json", kDir / "merges.txt"), doctest::Contains("expected an object"), FileError);
}

TEST_CASE("tokenizer: the tiny models' byte tokenizer needs no files, maps each UTF-8 byte to 4 + byte, and round-trips") {
    const auto t = BpeTokenizer::byte_level();
    CHECK(t.vocab_size() == 260);
    const auto e = t.encode("a dog");
    CHECK(e.ids == std::vector<int64_t>{0, 4 + 'a', 4 + ' ', 4 + 'd', 4 + 'o', 4 + 'g', 2});
    CHECK(t.decode(t.encode_plain("the café’s cat")) == "the café’s cat");
    // "é" is two UTF-8 bytes, so two tokens.
    CHECK(t.encode_plain("é").size() == 2);
}
