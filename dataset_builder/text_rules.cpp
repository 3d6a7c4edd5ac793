#include "dataset_builder/text_rules.h"

#include <algorithm>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/sha256.h"

namespace r2 {

extern const char* const kDefaultSynonymsJson;  // generated from data/category_synonyms.json

std::string fold_plural(const std::string& w) {
    static const std::set<std::string> keep = {"grass", "bus", "glass", "dress", "cross", "octopus", "cactus", "this",
                                               "his", "its", "is", "was", "has", "as", "us", "lens", "series", "species",
                                               "chess", "moss", "boss", "gas", "iris", "canvas", "always", "across"};
    static const std::map<std::string, std::string> irregular = {
        {"men", "man"}, {"women", "woman"}, {"children", "child"}, {"people", "people"}, {"mice", "mouse"},
        {"geese", "goose"}, {"feet", "foot"}, {"teeth", "tooth"}, {"knives", "knife"}, {"wolves", "wolf"},
        {"leaves", "leaf"}, {"calves", "calf"}, {"sheep", "sheep"}, {"fish", "fish"}, {"deer", "deer"}};
    if (const auto it = irregular.find(w); it != irregular.end()) return it->second;
    if (w.size() <= 3 || keep.count(w)) return w;
    auto ends = [&](const char* s) { const std::string e(s); return w.size() > e.size() && w.compare(w.size() - e.size(), e.size(), e) == 0; };
    if (ends("ies")) return w.substr(0, w.size() - 3) + "y";
    if (ends("sses") || ends("xes") || ends("ches") || ends("shes") || ends("zes")) return w.substr(0, w.size() - 2);
    if (ends("ss") || ends("us") || ends("is")) return w;
    if (ends("s")) return w.substr(0, w.size() - 1);
    return w;
}

namespace {

// Word boundaries (UAX #29, with ICU's dictionaries for scripts written without spaces). The root
// locale keeps the result independent of the user's LANG. One iterator per thread: it holds the
// text being split, and creating one costs far more than a tokenize() call.
icu::BreakIterator& word_breaker() {
    thread_local const std::unique_ptr<icu::BreakIterator> breaker = [] {
        UErrorCode status = U_ZERO_ERROR;
        std::unique_ptr<icu::BreakIterator> b(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
        if (U_FAILURE(status) || !b) throw Error(fmt::format("ICU: cannot create a word break iterator ({})", u_errorName(status)));
        return b;
    }();
    return *breaker;
}

// Letters, combining marks and digits. UAX #29 keeps "dog’s", "dog's", "e.g" and "a_b" as one word;
// splitting them at everything else makes a possessive the bare noun plus the stop word "s", and
// keeps ASCII text tokenized exactly as before ICU (so existing R² sets rebuild identically).
// U+02BC MODIFIER LETTER APOSTROPHE is a letter to Unicode but an apostrophe in English text.
bool is_word_char(UChar32 c) {
    return c != 0x02BC && (U_GET_GC_MASK(c) & (U_GC_L_MASK | U_GC_M_MASK | U_GC_N_MASK)) != 0;
}

}  // namespace

std::vector<std::string> tokenize(const std::string& text) {
    // Full case folding ("DOG" → "dog", "Straße" → "strasse"); invalid UTF-8 becomes U+FFFD, a separator.
    icu::UnicodeString folded = icu::UnicodeString::fromUTF8(text);
    folded.foldCase(U_FOLD_CASE_DEFAULT);
    std::vector<std::string> tokens;
    auto emit = [&](int32_t begin, int32_t end) {
        if (begin >= end) return;
        std::string word;
        folded.tempSubStringBetween(begin, end).toUTF8String(word);
        tokens.push_back(fold_plural(word));
    };
    icu::BreakIterator& words = word_breaker();
    words.setText(folded);
    for (int32_t begin = words.first(), end = words.next(); end != icu::BreakIterator::DONE; begin = end, end = words.next()) {
        if (words.getRuleStatus() == UBRK_WORD_NONE) continue;  // spaces, punctuation, symbols
        int32_t piece = begin;
        for (int32_t i = begin; i < end;) {
            const UChar32 c = folded.char32At(i);
            const int32_t next = folded.moveIndex32(i, 1);
            if (!is_word_char(c)) emit(piece, i), piece = next;
            i = next;
        }
        emit(piece, end);
    }
    return tokens;
}

bool is_stop_word(const std::string& w) {
    static const std::set<std::string> words = {
        "a", "an", "the", "of", "to", "in", "on", "at", "by", "for", "from", "with", "without", "and", "or", "but",
        "is", "are", "was", "were", "be", "being", "been", "that", "which", "who", "whom", "whose", "this", "these",
        "those", "it", "its", "he", "she", "his", "her", "him", "they", "them", "their", "there", "here", "into", "onto",
        "up", "down", "over", "under", "out", "off", "as", "than", "then", "while", "very", "also", "some", "any", "all",
        "one", "two", "three", "other", "another", "s"};
    return words.count(w) > 0;
}

std::vector<std::string> content_words(const std::string& text) {
    std::vector<std::string> out;
    for (auto& t : tokenize(text))
        if (!is_stop_word(t)) out.push_back(std::move(t));
    return out;
}

namespace {

// Every (phrase, category) with the longest phrases first, so "sea lion" wins over "lion".
std::vector<std::pair<const std::vector<std::string>*, const std::string*>> phrases_longest_first(const SynonymTable& t) {
    std::vector<std::pair<const std::vector<std::string>*, const std::string*>> all;
    for (const auto& [category, phrases] : t.phrases_of_category)
        for (const auto& p : phrases) all.emplace_back(&p, &category);
    std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first->size() > b.first->size(); });
    return all;
}

}  // namespace

std::set<std::string> SynonymTable::categories_named(const std::string& text) const {
    const std::vector<std::string> tokens = tokenize(text);
    std::vector<char> used(tokens.size(), 0);
    std::set<std::string> found;
    for (const auto& [phrase, category] : phrases_longest_first(*this)) {
        const size_t n = phrase->size();
        for (size_t i = 0; i + n <= tokens.size(); ++i) {
            if (std::any_of(used.begin() + long(i), used.begin() + long(i + n), [](char u) { return u; })) continue;
            if (std::equal(phrase->begin(), phrase->end(), tokens.begin() + long(i))) {
                found.insert(*category);
                // Other categories sharing this exact phrase ("disc") are named too.
                for (const auto& [c2, ps] : phrases_of_category)
                    for (const auto& p : ps)
                        if (p == *phrase) found.insert(c2);
                std::fill(used.begin() + long(i), used.begin() + long(i + n), 1);
            }
        }
    }
    return found;
}

std::vector<std::string> SynonymTable::head_noun(const std::string& text) const {
    const std::vector<std::string> tokens = tokenize(text);
    const auto phrases = phrases_longest_first(*this);
    for (size_t i = 0; i < tokens.size(); ++i)
        for (const auto& [phrase, category] : phrases)
            if (i + phrase->size() <= tokens.size() && std::equal(phrase->begin(), phrase->end(), tokens.begin() + long(i)))
                return *phrase;
    return {};
}

std::vector<std::string> SynonymTable::words_of(const std::string& category) const {
    std::vector<std::string> words;
    const auto it = phrases_of_category.find(category);
    if (it != phrases_of_category.end())
        for (const auto& p : it->second) words.insert(words.end(), p.begin(), p.end());
    return words;
}

SynonymTable parse_synonyms(const std::string& json_text, const std::string& name) {
    nlohmann::ordered_json j;
    try {
        j = nlohmann::ordered_json::parse(json_text);
    } catch (const nlohmann::json::parse_error& e) {
        throw FileError(name, fmt::format("invalid JSON: {}", e.what()));
    }
    if (!j.is_object()) throw FileError(name, "expected an object {category: [words]}");
    SynonymTable t;
    t.sha256 = sha256_hex(json_text);
    for (const auto& [category, words] : j.items()) {
        if (!category.empty() && category[0] == '_') continue;
        if (!words.is_array()) throw FileError(name, fmt::format("'{}': expected an array of words", category));
        auto& phrases = t.phrases_of_category[category];
        std::string readable = category;
        std::replace(readable.begin(), readable.end(), '_', ' ');
        phrases.push_back(tokenize(readable));
        for (const auto& w : words) {
            if (!w.is_string()) throw FileError(name, fmt::format("'{}': words must be strings", category));
            auto tokens = tokenize(w.get<std::string>());
            if (!tokens.empty() && std::find(phrases.begin(), phrases.end(), tokens) == phrases.end()) phrases.push_back(tokens);
        }
    }
    return t;
}

SynonymTable load_synonyms(const std::filesystem::path& path) { return parse_synonyms(read_file(path), path.string()); }

const SynonymTable& default_synonyms() {
    static const SynonymTable table = parse_synonyms(kDefaultSynonymsJson, "data/category_synonyms.json");
    return table;
}

}  // namespace r2
