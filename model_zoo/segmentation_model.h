// What `run` needs from a loaded model, whatever its family: encode a clip once, then segment it
// for any number of sentences. Each family (model_zoo/model_family.h) implements it with its own
// post-processing (R2-VOS/ReferFormer: postprocess_referformer, MTTR: postprocess_mttr).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "model_zoo/bpe_tokenizer.h"
#include "model_zoo/postprocess.h"
#include "model_zoo/preprocessing.h"
#include "model_zoo/roberta.h"

namespace r2 {

// One sentence on one clip, at the original frame size.
struct SegmentResult {
    int64_t best_query = 0;
    std::vector<double> frame_scores;  // per frame: the chosen query's class probability
    double alignment = 1.0;            // A: high = the sentence fits the video
    bool rejected = false;             // the model said the pair is negative: masks are empty
    torch::Tensor masks;               // (T, H, W) uint8 0/1 on the CPU, already empty when rejected
};

class SegmentationModel {
public:
    struct Clip {
        virtual ~Clip() = default;
    };
    virtual ~SegmentationModel() = default;
    virtual const Preprocessing& preprocessing() const = 0;
    // frames: (T, 3, h, w) resized and normalised, on the model's device.
    virtual std::shared_ptr<const Clip> encode_clip(const torch::Tensor& frames) = 0;
    virtual SegmentResult segment(const Clip& clip, const std::string& sentence, int64_t height, int64_t width) = 0;
};

// A sentence as the model's official inference feeds it: lower-cased with its whitespace
// normalised where the model's dataset code does that (MTTR), tokenized, and cut to the text
// encoder's position table (keeping </s>, as Hugging Face's truncation does). (1, L) int64 each.
struct SentenceTokens {
    torch::Tensor input_ids, attention_mask;
};
SentenceTokens tokenize_sentence(const BpeTokenizer& tokenizer, const nn::RobertaConfig& text_config, const Preprocessing& pre,
                                 const std::string& sentence, const torch::Device& device);

// A post-processed prediction as the runner keeps it (on the CPU, masks emptied when rejected).
SegmentResult to_segment_result(const nn::ClipPrediction& prediction);

// The SegmentationModel of every family: `encode` turns a clip into what the family computes once
// per clip (Features), and `segment` decodes it with one tokenized sentence into masks at the
// original size. The functions hold the model (its module stays alive with them).
template <class Features>
class EncodeOnceSegmentation final : public SegmentationModel {
public:
    using Encode = std::function<Features(const torch::Tensor& frames)>;
    using Segment = std::function<SegmentResult(const Features& clip, const SentenceTokens& sentence, int64_t height, int64_t width)>;
    EncodeOnceSegmentation(Preprocessing preprocessing, BpeTokenizer tokenizer, nn::RobertaConfig text_config, torch::Device device,
                           Encode encode, Segment segment)
        : preprocessing_(preprocessing), tokenizer_(std::move(tokenizer)), text_config_(std::move(text_config)), device_(device),
          encode_(std::move(encode)), segment_(std::move(segment)) {}
    const Preprocessing& preprocessing() const override { return preprocessing_; }
    std::shared_ptr<const Clip> encode_clip(const torch::Tensor& frames) override {
        auto clip = std::make_shared<EncodedClip>();
        clip->features = encode_(frames);
        return clip;
    }
    SegmentResult segment(const Clip& clip, const std::string& sentence, int64_t height, int64_t width) override {
        const SentenceTokens tokens = tokenize_sentence(tokenizer_, text_config_, preprocessing_, sentence, device_);
        return segment_(static_cast<const EncodedClip&>(clip).features, tokens, height, width);
    }

private:
    struct EncodedClip : Clip {
        Features features;
    };
    Preprocessing preprocessing_;
    BpeTokenizer tokenizer_;
    nn::RobertaConfig text_config_;
    torch::Device device_;
    Encode encode_;
    Segment segment_;
};

}  // namespace r2
