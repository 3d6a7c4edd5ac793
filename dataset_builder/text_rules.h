// Words in expressions: tokenizing, stop words, plural folding, and the synonym table that maps
// words to object categories ("puppy" → dog, "woman" → person). The R² builder uses these to
// decide which categories an expression refers to and which category words a video holds.
#pragma once
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace r2 {

// Words of UTF-8 text, case-folded with ICU and split at ICU word boundaries and at the
// punctuation inside words, with plurals folded: "Dogs," → "dog"; "DOG's" and "dog’s" (U+2019)
// → "dog", "s". ASCII text gives its alphanumeric runs, lower-cased.
std::vector<std::string> tokenize(const std::string& text);
// Plural folding: "puppies" → "puppy", "boxes" → "box", "dogs" → "dog" (not "grass", "bus").
std::string fold_plural(const std::string& word);
bool is_stop_word(const std::string& word);
// tokenize() minus stop words.
std::vector<std::string> content_words(const std::string& text);

struct SynonymTable {
    // category → its words and phrases (tokenized and folded), the category's own name first.
    std::map<std::string, std::vector<std::vector<std::string>>> phrases_of_category;
    std::string sha256;  // of the file it came from

    // Categories named anywhere in the text (longest phrases first, as whole tokens).
    std::set<std::string> categories_named(const std::string& text) const;
    // The first phrase of the text that names a category (tokens), or empty.
    std::vector<std::string> head_noun(const std::string& text) const;
    // Every token of the category's name and synonyms (empty for an unknown category).
    std::vector<std::string> words_of(const std::string& category) const;
};

// The table shipped with r2bench (data/category_synonyms.json, built into the binary).
const SynonymTable& default_synonyms();
// An editable copy: {"category": ["word", "two words", …], …}; keys starting with "_" are comments.
SynonymTable load_synonyms(const std::filesystem::path& path);
SynonymTable parse_synonyms(const std::string& json_text, const std::string& name);

}  // namespace r2
