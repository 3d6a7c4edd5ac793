#include "model_zoo/segmentation_model.h"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace r2 {

SegmentResult to_segment_result(const nn::ClipPrediction& p) {
    SegmentResult r;
    r.best_query = p.best_query;
    const auto scores = p.frame_scores.to(torch::kCPU, torch::kDouble).contiguous();
    r.frame_scores.assign(scores.data_ptr<double>(), scores.data_ptr<double>() + scores.numel());
    r.alignment = p.alignment;
    r.rejected = p.rejected;
    r.masks = p.output_masks().to(torch::kCPU).contiguous();
    return r;
}

SentenceTokens tokenize_sentence(const BpeTokenizer& tokenizer, const nn::RobertaConfig& text_config, const Preprocessing& pre,
                                 const std::string& sentence, const torch::Device& device) {
    std::string text = sentence;
    if (pre.lowercase_text) {
        // " ".join(text.lower().split()), as MTTR's dataset cleans a query (ASCII case only, like
        // the other byte-level steps here; Ref-YouTube-VOS expressions are ASCII).
        std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return char(std::tolower(c)); });
        std::istringstream words(text);
        std::string word, joined;
        while (words >> word) joined += (joined.empty() ? "" : " ") + word;
        text = joined;
    }
    // RoBERTa numbers positions from pad_id + 1, so a sentence longer than the position table
    // would index past it: cut it there (keeping </s>), as Hugging Face's truncation does. Only
    // the tiny models' 66 positions are reached by real expressions (byte-level tokens).
    const Encoding enc = tokenizer.encode(text, size_t(text_config.max_position_embeddings - text_config.pad_token_id - 1));
    const auto n = int64_t(enc.ids.size());
    return {torch::tensor(enc.ids, torch::kInt64).view({1, n}).to(device),
            torch::tensor(enc.attention_mask, torch::kInt64).view({1, n}).to(device)};
}

}  // namespace r2
