// What `run` needs from a model family, so a third family (MTTR) plugs in beside R2-VOS and
// ReferFormer: encode a clip once, then segment it for any number of sentences. Each family
// implements this with its own post-processing (ReferFormer/R2-VOS: postprocess_referformer,
// MTTR: postprocess_mttr).
#pragma once
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "model_zoo/postprocess.h"
#include "model_zoo/registry.h"

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

struct ModelSpec {
    std::string name;
    std::filesystem::path weights_dir = "models", weights_file, text_dir;
    bool allow_synthetic = false;
    torch::Device device = torch::kCPU;
};

struct LoadedSegmentationModel {
    std::unique_ptr<SegmentationModel> model;
    std::string family;
    std::filesystem::path weights;  // empty: synthetic weights
    int64_t parameters = 0;
    nlohmann::ordered_json config;  // what run.json records about the model
};

// The registry's model with its weights (the registry's message when they are missing).
LoadedSegmentationModel load_segmentation_model(const ModelSpec& spec);

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

// The families behind load_segmentation_model.
std::unique_ptr<SegmentationModel> make_referformer_family(LoadedModel loaded, BpeTokenizer tokenizer, torch::Device device);
std::unique_ptr<SegmentationModel> make_mttr_family(LoadedModel loaded, BpeTokenizer tokenizer, torch::Device device);

}  // namespace r2
