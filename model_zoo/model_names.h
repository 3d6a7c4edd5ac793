// The runnable models' names, without libtorch: what `r2bench run --help` and `r2bench train --help`
// list (build/r2bench never links libtorch, so it cannot ask the registry, which builds modules).
// tests/test_registry.cpp checks that the registry's models are exactly these, in this order.
#pragma once
#include <string>
#include <vector>

namespace r2 {

struct ModelName {
    std::string name;
    bool bundled;  // weights ship with r2bench (the tiny models): runs with no downloads
};

inline const std::vector<ModelName>& runnable_model_names() {
    static const std::vector<ModelName> names = {
        {"r2vos_r50", false},        {"r2vos_vswin_t", false}, {"referformer_r50", false},
        {"referformer_swin_t", false}, {"referformer_vswin_t", false}, {"r2vos_tiny", true},
        {"r2vos_tiny_grounded", true}, {"referformer_tiny", true},  {"mttr_vswin_t", false},  {"mttr_tiny", true},
    };
    return names;
}

// "a, b and c" of the names (only the bundled ones when `bundled_only`).
inline std::string model_name_list(bool bundled_only = false) {
    std::vector<std::string> chosen;
    for (const auto& m : runnable_model_names())
        if (m.bundled || !bundled_only) chosen.push_back(m.name);
    std::string text;
    for (size_t i = 0; i < chosen.size(); ++i)
        text += (i == 0 ? "" : i + 1 == chosen.size() ? " and " : ", ") + chosen[i];
    return text;
}

}  // namespace r2
