// A look inside R2-VOS's pair head: every clip of a set with every clip's sentence, so that what
// the head is given can be measured (is the sentence feature s different per sentence, does the
// pseudo sentence feature p change with the video) and what it does (does its logit separate a
// clip's own sentence from another video's). The measurements the pair-head issue was diagnosed
// with, kept as a function so that a test and `train` can ask them of any weights.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "model_zoo/bpe_tokenizer.h"
#include "model_zoo/registry.h"
#include "runners/train_data.h"

namespace r2 {

struct PairProbe {
    std::vector<std::string> videos;  // clip i's video; sentence j is clip j's caption
    torch::Tensor logits;             // (N, N) clip i with sentence j: > 0 says "does not fit" (the official label 1)
    torch::Tensor pseudo;             // (N, N, C) p of clip i with sentence j
    torch::Tensor sentence;           // (N, C) s of sentence j
    // Fitting pairs (i == j) against unfitting ones (sentence j from another video), scored by −logit.
    std::optional<double> auroc;
    // Mean Euclidean distance between p's of the same sentence on clips of different videos, and of
    // the same clip with sentences of different videos: a p that ignores the video has the first
    // near 0 (0.035 against 0.39 in the untrained-head diagnosis).
    double pseudo_across_videos = 0, pseudo_across_sentences = 0;
    // The largest cosine similarity between the s of two different sentences (0.996 when the
    // pooled feature read only the first token).
    double sentence_max_cosine = 0;
};

// R2-VOS models only (r2::Error otherwise); the model is run in eval mode without gradients and
// left in the mode it was in.
PairProbe probe_pair_head(const LoadedModel& model, const BpeTokenizer& tokenizer, const std::vector<TrainClip>& clips,
                          const torch::Device& device = torch::kCPU);

}  // namespace r2
