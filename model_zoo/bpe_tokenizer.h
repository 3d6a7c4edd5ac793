// The byte-level BPE tokenizer of GPT-2 and RoBERTa, reading Hugging Face's vocab.json and
// merges.txt: GPT-2's pre-tokenization pattern ('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+|
// ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+, Unicode classes from ICU), the byte-to-unicode map, merges by
// rank, and RoBERTa's <s> … </s>, <pad> and attention mask.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace r2 {

struct Encoding {
    std::vector<int64_t> ids;
    std::vector<int64_t> attention_mask;  // 1 for tokens, 0 for padding
};

class BpeTokenizer {
public:
    // Throws FileError naming the file for unreadable or malformed vocab/merges files.
    static BpeTokenizer load(const std::filesystem::path& vocab_json, const std::filesystem::path& merges_txt);
    // The built-in tokenizer of the tiny models: <s> 0, <pad> 1, </s> 2, <unk> 3, then the 256
    // bytes (4 + byte) and no merges, so every UTF-8 byte is one token and no files are needed.
    static BpeTokenizer byte_level();

    // BPE token ids of the text (no special tokens), as GPT-2's encoder.py gives them.
    std::vector<int64_t> encode_plain(const std::string& utf8) const;
    // RoBERTa's encoding: <s> tokens </s>, cut to max_length (keeping </s>), padded with <pad> to
    // pad_to (0: no padding).
    Encoding encode(const std::string& utf8, size_t max_length = 512, size_t pad_to = 0) const;
    // Pads a batch to its longest member (Hugging Face's padding="longest").
    std::vector<Encoding> encode_batch(const std::vector<std::string>& texts, size_t max_length = 512) const;
    std::string decode(const std::vector<int64_t>& ids) const;

    int64_t bos_id() const { return bos_; }
    int64_t eos_id() const { return eos_; }
    int64_t pad_id() const { return pad_; }
    int64_t unk_id() const { return unk_; }
    size_t vocab_size() const { return vocab_.size(); }

private:
    std::vector<std::string> bpe(const std::string& token) const;
    std::unordered_map<std::string, int64_t> vocab_;
    std::vector<std::string> id_to_token_;
    std::map<std::pair<std::string, std::string>, int> ranks_;
    int64_t bos_ = 0, pad_ = 1, eos_ = 2, unk_ = 3;
};

// GPT-2's pre-tokenization alone (exposed for tests): the pieces of the text, in UTF-8.
std::vector<std::string> gpt2_pretokenize(const std::string& utf8);

}  // namespace r2
