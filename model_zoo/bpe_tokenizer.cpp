#include "model_zoo/bpe_tokenizer.h"

#include <climits>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "core/atomic_file.h"
#include "core/error.h"

namespace r2 {

namespace {

bool is_letter(UChar32 c) {
    switch (u_charType(c)) {
        case U_UPPERCASE_LETTER: case U_LOWERCASE_LETTER: case U_TITLECASE_LETTER: case U_MODIFIER_LETTER: case U_OTHER_LETTER:
            return true;
        default: return false;
    }
}
bool is_number(UChar32 c) {
    const int8_t t = u_charType(c);
    return t == U_DECIMAL_DIGIT_NUMBER || t == U_LETTER_NUMBER || t == U_OTHER_NUMBER;
}
bool is_space(UChar32 c) { return u_isUWhiteSpace(c); }
bool is_other(UChar32 c) { return !is_space(c) && !is_letter(c) && !is_number(c); }

// GPT-2's byte ↔ unicode map: printable bytes stand for themselves, the rest are moved to 256+.
const std::vector<std::string>& byte_symbols() {
    static const std::vector<std::string> symbols = [] {
        std::vector<int> code(256, -1);
        for (int b = '!'; b <= '~'; ++b) code[size_t(b)] = b;
        for (int b = 0xA1; b <= 0xAC; ++b) code[size_t(b)] = b;
        for (int b = 0xAE; b <= 0xFF; ++b) code[size_t(b)] = b;
        int n = 0;
        for (int b = 0; b < 256; ++b)
            if (code[size_t(b)] < 0) code[size_t(b)] = 256 + n++;
        std::vector<std::string> out(256);
        for (int b = 0; b < 256; ++b) {
            char buffer[4];
            int32_t length = 0;
            U8_APPEND_UNSAFE(reinterpret_cast<uint8_t*>(buffer), length, code[size_t(b)]);
            out[size_t(b)] = std::string(buffer, size_t(length));
        }
        return out;
    }();
    return symbols;
}

}  // namespace

std::vector<std::string> gpt2_pretokenize(const std::string& text) {
    // Decode to code points, remembering byte offsets (invalid bytes become U+FFFD, one byte each).
    std::vector<UChar32> cp;
    std::vector<size_t> at;
    for (int32_t i = 0, n = int32_t(text.size()); i < n;) {
        at.push_back(size_t(i));
        UChar32 c;
        U8_NEXT(reinterpret_cast<const uint8_t*>(text.data()), i, n, c);
        cp.push_back(c < 0 ? 0xFFFD : c);
    }
    at.push_back(text.size());
    const size_t n = cp.size();
    std::vector<std::string> pieces;
    auto run = [&](size_t from, bool (*cls)(UChar32)) {
        while (from < n && cls(cp[from])) ++from;
        return from;
    };
    size_t i = 0;
    while (i < n) {
        size_t end = i;
        // 's 't 're 've 'm 'll 'd
        if (cp[i] == '\'' && i + 1 < n) {
            static const char* const suffixes[] = {"s", "t", "re", "ve", "m", "ll", "d"};
            for (const char* s : suffixes) {
                size_t k = 0;
                while (s[k] && i + 1 + k < n && cp[i + 1 + k] == UChar32(s[k])) ++k;
                if (!s[k]) {
                    end = i + 1 + k;
                    break;
                }
            }
        }
        // ' ?\p{L}+', ' ?\p{N}+', ' ?[^\s\p{L}\p{N}]+'
        for (bool (*cls)(UChar32) : {is_letter, is_number, is_other}) {
            if (end > i) break;
            const size_t start = (cp[i] == ' ' && i + 1 < n && cls(cp[i + 1])) ? i + 1 : i;
            if (cls(cp[start])) end = run(start, cls);
        }
        if (end == i && is_space(cp[i])) {
            const size_t j = run(i, is_space);
            // '\s+(?!\S)': the run, less its last space when a non-space follows; else '\s+'.
            end = (j == n || j - i == 1) ? j : j - 1;
        }
        if (end == i) end = i + 1;  // unreachable: the classes cover every code point
        pieces.push_back(text.substr(at[i], at[end] - at[i]));
        i = end;
    }
    return pieces;
}

BpeTokenizer BpeTokenizer::load(const std::filesystem::path& vocab_json, const std::filesystem::path& merges_txt) {
    BpeTokenizer t;
    nlohmann::json vocab;
    try {
        vocab = nlohmann::json::parse(read_file(vocab_json));
    } catch (const nlohmann::json::parse_error& e) {
        throw FileError(vocab_json, fmt::format("invalid JSON: {}", e.what()));
    }
    if (!vocab.is_object() || vocab.empty()) throw FileError(vocab_json, "expected an object {token: id}");
    for (const auto& [token, id] : vocab.items()) {
        if (!id.is_number_integer() || id.get<int64_t>() < 0) throw FileError(vocab_json, fmt::format("token '{}' has no valid id", token));
        t.vocab_[token] = id.get<int64_t>();
        if (size_t(id.get<int64_t>()) >= t.id_to_token_.size()) t.id_to_token_.resize(size_t(id.get<int64_t>()) + 1);
        t.id_to_token_[size_t(id.get<int64_t>())] = token;
    }
    auto special = [&](const char* name, int64_t& slot) {
        const auto it = t.vocab_.find(name);
        if (it != t.vocab_.end()) slot = it->second;
    };
    special("<s>", t.bos_), special("<pad>", t.pad_), special("</s>", t.eos_), special("<unk>", t.unk_);

    std::istringstream merges(read_file(merges_txt));
    std::string line;
    int rank = 0, number = 0;
    while (std::getline(merges, line)) {
        ++number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || (number == 1 && line.rfind("#version", 0) == 0)) continue;
        const size_t space = line.find(' ');
        if (space == std::string::npos || space == 0 || space + 1 == line.size() || line.find(' ', space + 1) != std::string::npos)
            throw FileError(merges_txt, fmt::format("line {}: expected two symbols separated by one space", number));
        t.ranks_.emplace(std::make_pair(line.substr(0, space), line.substr(space + 1)), rank++);
    }
    return t;
}

BpeTokenizer BpeTokenizer::byte_level() {
    BpeTokenizer t;
    const char* specials[] = {"<s>", "<pad>", "</s>", "<unk>"};
    for (const char* s : specials) t.vocab_[s] = int64_t(t.id_to_token_.size()), t.id_to_token_.push_back(s);
    for (int b = 0; b < 256; ++b) {
        const auto& symbol = byte_symbols()[size_t(b)];
        t.vocab_[symbol] = int64_t(t.id_to_token_.size()), t.id_to_token_.push_back(symbol);
    }
    return t;
}

std::vector<std::string> BpeTokenizer::bpe(const std::string& token) const {
    // Split into symbols (one UTF-8 character each), then merge the best-ranked pair until none applies.
    std::vector<std::string> word;
    for (int32_t i = 0, n = int32_t(token.size()); i < n;) {
        const int32_t start = i;
        UChar32 c;
        U8_NEXT(reinterpret_cast<const uint8_t*>(token.data()), i, n, c);
        word.push_back(token.substr(size_t(start), size_t(i - start)));
    }
    while (word.size() > 1) {
        int best = INT_MAX;
        size_t best_at = 0;
        for (size_t k = 0; k + 1 < word.size(); ++k) {
            const auto it = ranks_.find({word[k], word[k + 1]});
            if (it != ranks_.end() && it->second < best) best = it->second, best_at = k;
        }
        if (best == INT_MAX) break;
        const std::string first = word[best_at], second = word[best_at + 1];
        std::vector<std::string> merged;
        for (size_t k = 0; k < word.size();) {
            if (k + 1 < word.size() && word[k] == first && word[k + 1] == second) {
                merged.push_back(first + second);
                k += 2;
            } else {
                merged.push_back(word[k++]);
            }
        }
        word = std::move(merged);
    }
    return word;
}

std::vector<int64_t> BpeTokenizer::encode_plain(const std::string& text) const {
    std::vector<int64_t> ids;
    for (const std::string& piece : gpt2_pretokenize(text)) {
        std::string mapped;
        for (unsigned char b : piece) mapped += byte_symbols()[b];
        for (const std::string& symbol : bpe(mapped)) {
            const auto it = vocab_.find(symbol);
            ids.push_back(it != vocab_.end() ? it->second : unk_);
        }
    }
    return ids;
}

Encoding BpeTokenizer::encode(const std::string& text, size_t max_length, size_t pad_to) const {
    Encoding e;
    e.ids.push_back(bos_);
    for (int64_t id : encode_plain(text)) e.ids.push_back(id);
    if (max_length >= 2 && e.ids.size() + 1 > max_length) e.ids.resize(max_length - 1);
    e.ids.push_back(eos_);
    e.attention_mask.assign(e.ids.size(), 1);
    while (e.ids.size() < pad_to) e.ids.push_back(pad_), e.attention_mask.push_back(0);
    return e;
}

std::vector<Encoding> BpeTokenizer::encode_batch(const std::vector<std::string>& texts, size_t max_length) const {
    std::vector<Encoding> out;
    size_t longest = 0;
    for (const auto& t : texts) {
        out.push_back(encode(t, max_length));
        longest = std::max(longest, out.back().ids.size());
    }
    for (auto& e : out)
        while (e.ids.size() < longest) e.ids.push_back(pad_), e.attention_mask.push_back(0);
    return out;
}

std::string BpeTokenizer::decode(const std::vector<int64_t>& ids) const {
    static const std::unordered_map<std::string, unsigned char> byte_of = [] {
        std::unordered_map<std::string, unsigned char> m;
        for (int b = 0; b < 256; ++b) m[byte_symbols()[size_t(b)]] = uint8_t(b);
        return m;
    }();
    std::string out;
    for (int64_t id : ids) {
        if (id == bos_ || id == eos_ || id == pad_ || id < 0 || size_t(id) >= id_to_token_.size()) continue;
        const std::string& token = id_to_token_[size_t(id)];
        for (int32_t i = 0, n = int32_t(token.size()); i < n;) {
            const int32_t start = i;
            UChar32 c;
            U8_NEXT(reinterpret_cast<const uint8_t*>(token.data()), i, n, c);
            const auto it = byte_of.find(token.substr(size_t(start), size_t(i - start)));
            if (it != byte_of.end()) out += char(it->second);
        }
    }
    return out;
}

}  // namespace r2
