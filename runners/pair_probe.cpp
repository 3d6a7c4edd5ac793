#include "runners/pair_probe.h"

#include <fmt/format.h>

#include "core/error.h"
#include "metrics/alignment.h"
#include "runners/segmentation_model.h"

namespace r2 {

namespace {

// The mean of distance(a, b) over the pairs a < b < n where it is defined.
template <typename Distance>
double mean_distance(int64_t n, Distance distance) {
    double sum = 0;
    int64_t count = 0;
    for (int64_t a = 0; a < n; ++a)
        for (int64_t b = a + 1; b < n; ++b) {
            const auto d = distance(a, b);
            if (!d.defined()) continue;
            sum += d.template item<double>();
            ++count;
        }
    return count ? sum / double(count) : 0;
}

}  // namespace

PairProbe probe_pair_head(const LoadedModel& m, const BpeTokenizer& tokenizer, const std::vector<TrainClip>& clips, const torch::Device& device) {
    nn::ReferFormer model = m.as<nn::ReferFormer>();
    if (!model || !model->config.is_r2vos()) throw Error("probe_pair_head: the model has no pair head (R2-VOS models only)");
    const int64_t N = int64_t(clips.size());
    if (N < 2) throw Error("probe_pair_head: needs at least 2 clips");
    torch::NoGradGuard no_grad;
    const bool was_training = model->is_training();
    model->eval();
    PairProbe probe;
    std::vector<nn::TextFeatures> texts;
    for (const auto& clip : clips) {
        probe.videos.push_back(clip.video);
        const auto tokens = tokenize_sentence(tokenizer, model->config.text_encoder, m.entry->preprocessing, clip.caption, device);
        texts.push_back(model->encode_text(tokens.input_ids, tokens.attention_mask));
    }
    std::vector<torch::Tensor> logits, pseudo, sentences;
    for (const auto& text : texts) sentences.push_back(text.sentence.squeeze(0).cpu());
    for (const auto& clip : clips) {
        const auto features = model->encode_clip(clip.frames.to(device));
        for (const auto& text : texts) {
            const auto out = model->decode(features, text, false);
            logits.push_back(out.pair_logit.reshape({}).cpu());
            pseudo.push_back(out.pseudo_sentence_feature.squeeze(0).cpu());
        }
    }
    model->train(was_training);
    probe.logits = torch::stack(logits).view({N, N}).to(torch::kFloat64);
    probe.pseudo = torch::stack(pseudo).view({N, N, -1}).to(torch::kFloat64);
    probe.sentence = torch::stack(sentences).to(torch::kFloat64);

    std::vector<double> fit, unfit;
    for (int64_t i = 0; i < N; ++i)
        for (int64_t j = 0; j < N; ++j) {
            if (i == j) fit.push_back(-probe.logits[i][j].item<double>());
            else if (probe.videos[size_t(i)] != probe.videos[size_t(j)]) unfit.push_back(-probe.logits[i][j].item<double>());
        }
    probe.auroc = auroc(fit, unfit);
    auto other_video = [&](int64_t a, int64_t b) { return probe.videos[size_t(a)] != probe.videos[size_t(b)]; };
    // Same sentence j, clips a and b of different videos; same clip i, sentences a and b of different videos.
    double across_videos = 0, across_sentences = 0;
    for (int64_t k = 0; k < N; ++k) {
        across_videos += mean_distance(N, [&](int64_t a, int64_t b) {
            return other_video(a, b) ? (probe.pseudo[a][k] - probe.pseudo[b][k]).norm() : torch::Tensor();
        });
        across_sentences += mean_distance(N, [&](int64_t a, int64_t b) {
            return other_video(a, b) ? (probe.pseudo[k][a] - probe.pseudo[k][b]).norm() : torch::Tensor();
        });
    }
    probe.pseudo_across_videos = across_videos / double(N), probe.pseudo_across_sentences = across_sentences / double(N);
    const auto unit = probe.sentence / probe.sentence.norm(2, 1, true).clamp_min(1e-12);
    const auto cosine = unit.matmul(unit.t());
    double max_cosine = -1;
    for (int64_t a = 0; a < N; ++a)
        for (int64_t b = a + 1; b < N; ++b)
            if (clips[size_t(a)].caption != clips[size_t(b)].caption) max_cosine = std::max(max_cosine, cosine[a][b].item<double>());
    probe.sentence_max_cosine = max_cosine;
    return probe;
}

}  // namespace r2
