// Small helpers for messages people read: "1 frame" / "2 frames", "a" / "an".
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace r2 {

// "1 frame", "2 frames"; `plural_form` for nouns that do not just take an "s".
inline std::string plural(int64_t n, std::string_view noun, std::string_view plural_form = {}) {
    if (n == 1) return fmt::format("1 {}", noun);
    return plural_form.empty() ? fmt::format("{} {}s", n, noun) : fmt::format("{} {}", n, plural_form);
}

// The indefinite article for a word by its spelling (vowel letter → "an"): right for every word
// the synthetic grammar uses ("an orange boat", "a red star", "a unicorn" is not among them).
inline std::string_view indefinite_article(std::string_view word) {
    return !word.empty() && std::string_view("aeiouAEIOU").find(word.front()) != std::string_view::npos ? "an" : "a";
}

}  // namespace r2
