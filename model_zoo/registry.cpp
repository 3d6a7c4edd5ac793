#include "model_zoo/registry.h"

#include "model_zoo/resnet.h"
#include "model_zoo/roberta.h"
#include "model_zoo/safetensors.h"
#include "model_zoo/swin.h"
#include "model_zoo/tiny_backbone.h"
#include "model_zoo/video_swin.h"

namespace r2 {

const std::vector<RegisteredModel>& registered_models() {
    static const std::vector<RegisteredModel> models = {
        {"resnet50", "backbone", "ResNet-50 (frozen BN)", "-",
         "torchvision / official R2-VOS, ReferFormer checkpoints under backbone.0.body. (convert-weights --strip-prefix)",
         [] { return nn::ResNet50().ptr(); }},
        {"swin_t", "backbone", "Swin-T (window 7)", "-", "ReferFormer's swin_t_p4w7 under backbone.0.body.",
         [] { return nn::SwinTransformer().ptr(); }},
        {"video_swin_t", "backbone", "Video Swin-T (patch 1x4x4, window 8x7x7)", "-",
         "ReferFormer video_swin_t_p4w7 under backbone.0.body., MTTR under backbone.", [] { return nn::VideoSwinTransformer().ptr(); }},
        {"tiny_cnn", "backbone", "tiny CNN (16-128 channels)", "-", "trained by r2bench for the tiny models",
         [] { return nn::TinyBackbone().ptr(); }},
        {"roberta-base", "text encoder", "-", "RoBERTa, 12 layers", "Hugging Face roberta-base (ReferFormer, MTTR), under text_encoder.",
         [] { return nn::RobertaModel(nn::RobertaConfig::roberta_base()).ptr(); }},
        {"distilroberta-base", "text encoder", "-", "RoBERTa, 6 layers", "Hugging Face distilroberta-base (R2-VOS default), under text_encoder.",
         [] { return nn::RobertaModel(nn::RobertaConfig::distilroberta_base()).ptr(); }},
    };
    return models;
}

const RegisteredModel* find_model(const std::string& name) {
    for (const auto& m : registered_models())
        if (m.name == name) return &m;
    return nullptr;
}

int64_t parameter_count(torch::nn::Module& module) {
    int64_t n = 0;
    for (const auto& p : module.parameters()) n += p.numel();
    return n;
}

std::vector<ModelStatus> model_statuses(const std::filesystem::path& weights_dir, bool strict) {
    std::vector<ModelStatus> out;
    for (const auto& m : registered_models()) {
        ModelStatus s;
        s.model = &m;
        const auto module = m.make();
        s.parameters = parameter_count(*module);
        s.weights = weights_dir / (m.name + ".safetensors");
        s.found = std::filesystem::exists(s.weights);
        if (s.found) s.load = load_state_dict(*module, tensors_from_file(SafetensorsFile::open(s.weights)), strict);
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace r2
