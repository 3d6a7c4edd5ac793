#include "model_zoo/registry.h"

#include <cstdlib>

#include <fmt/format.h>

#include "core/data_dir.h"
#include "core/error.h"
#include "model_zoo/ablations.h"
#include "model_zoo/model_names.h"
#include "model_zoo/mttr_family.h"
#include "model_zoo/parameter_counts.h"
#include "model_zoo/referformer_family.h"
#include "model_zoo/synthetic_weights.h"

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
         [] { return nn::ResNet50().ptr(); }, [] { return nn::backbone_parameter_count("resnet50"); }},
        {"swin_t", "backbone", "Swin-T (window 7)", "-", "ReferFormer's swin_t_p4w7 under backbone.0.body.",
         [] { return nn::SwinTransformer().ptr(); }, [] { return nn::backbone_parameter_count("swin_t"); }},
        {"video_swin_t", "backbone", "Video Swin-T (patch 1x4x4, window 8x7x7)", "-",
         "ReferFormer video_swin_t_p4w7 under backbone.0.body.", [] { return nn::VideoSwinTransformer().ptr(); },
         [] { return nn::backbone_parameter_count("video_swin_t"); }},
        {"video_swin_t_3stage", "backbone", "Video Swin-T, stages 1-3 (strides 4-16)", "-", "MTTR under backbone.",
         [] { return nn::VideoSwinTransformer(nn::VideoSwinConfig::video_swin_t_3stage()).ptr(); },
         [] { return nn::backbone_parameter_count("video_swin_t_3stage"); }},
        {"tiny_cnn", "backbone", "tiny CNN (16-128 channels)", "-", "trained by r2bench for the tiny models",
         [] { return nn::TinyBackbone().ptr(); }, [] { return nn::backbone_parameter_count("tiny_cnn"); }},
        {"roberta-base", "text encoder", "-", "RoBERTa, 12 layers", "Hugging Face roberta-base (ReferFormer, MTTR), under text_encoder.",
         [] { return nn::RobertaModel(nn::RobertaConfig::roberta_base()).ptr(); },
         [] { return nn::parameter_count(nn::RobertaConfig::roberta_base()); }},
        {"distilroberta-base", "text encoder", "-", "RoBERTa, 6 layers", "Hugging Face distilroberta-base (R2-VOS default), under text_encoder.",
         [] { return nn::RobertaModel(nn::RobertaConfig::distilroberta_base()).ptr(); },
         [] { return nn::parameter_count(nn::RobertaConfig::distilroberta_base()); }},
    };
    static const std::vector<RegisteredModel> all = [] {
        std::vector<RegisteredModel> v = models;
        for (const auto& m : runnable_models())
            v.push_back({m.name, "model", m.backbone, m.text_encoder, m.weights_help, [family = m.family] { return family->build(); },
                         [family = m.family] { return family->parameter_count(); }});
        return v;
    }();
    return all;
}

const std::vector<RunnableModel>& runnable_models() {
    static const std::vector<RunnableModel> models = [] {
        const std::string r2vos_help =
            "official R2-VOS checkpoint: checkpoint.pth (ResNet-50), linked from the lxa9867/R2VOS README; then "
            "r2bench convert-weights checkpoint.pth models/{}.safetensors --key model";
        const std::string referformer_help =
            "official ReferFormer checkpoint: the Ref-YouTube-VOS model of this backbone in the wjn922/ReferFormer README's "
            "model zoo; then r2bench convert-weights CHECKPOINT.pth models/{1}.safetensors --key model";
        auto r2vos = [&](const std::string& name, const std::string& backbone, const std::string& label) {
            RunnableModel m;
            m.name = name, m.backbone = label, m.text_encoder = "distilroberta-base (roberta-base if 12 layers)";
            m.description = "R2-VOS (ICCV 2023): ReferFormer + cycle head + pair classifier";
            m.weights_help = fmt::format(r2vos_help, name);
            m.family = std::make_shared<ReferFormerFamily>(nn::ReferFormerConfig::r2vos(backbone));
            return m;
        };
        auto referformer = [&](const std::string& name, const std::string& backbone, const std::string& label) {
            RunnableModel m;
            m.name = name, m.backbone = label, m.text_encoder = "roberta-base";
            m.description = "ReferFormer (CVPR 2022)";
            m.weights_help = fmt::format(referformer_help, name, name);
            m.family = std::make_shared<ReferFormerFamily>(nn::ReferFormerConfig::referformer(backbone));
            return m;
        };
        auto tiny = [](RunnableModel m, std::shared_ptr<const ModelFamily> family) {
            m.backbone = "tiny CNN", m.text_encoder = "tiny RoBERTa (2 layers, bytes)";
            m.builtin_tokenizer = m.bundled_weights = true;
            // 0.4 × the official 360: the tiny models are trained and run at 144 px (a 640x360
            // frame becomes 256x144), which keeps CPU training and the demo within minutes
            // (ReferFormer's pixel decoder attends over every stride-4 pixel of a frame).
            m.preprocessing.shorter_side = 144;
            m.weights_help = "bundled: trained by r2bench on synthetic data (scripts/train_tiny.sh)";
            m.family = std::move(family);
            return m;
        };
        auto mttr = [](const std::string& name, nn::MTTRConfig config) {
            RunnableModel m;
            m.name = name, m.backbone = "Video Swin-T (3 stages)", m.text_encoder = "roberta-base (no pooler)";
            m.description = "MTTR (CVPR 2022): multimodal DETR over video and words, no pair head";
            m.weights_help = "official MTTR checkpoint (mttr2021/MTTR README, refer-youtube-vos_window-12.pth.tar): r2bench "
                             "convert-weights refer-youtube-vos_window-12.pth.tar models/" + name + ".safetensors --key model_state_dict";
            m.family = std::make_shared<MTTRFamily>(std::move(config));
            // configs/refer_youtube_vos.yaml: eval_short_size 360, eval_max_size 640 (DETR's rule);
            // the dataset lower-cases the expression and normalises its whitespace.
            m.preprocessing.max_longer_side = 640;
            m.preprocessing.detr_max_size = true;
            m.preprocessing.lowercase_text = true;
            m.checkpoint.official_key = "model_state_dict";
            m.checkpoint.alias_prefixes.clear();
            return m;
        };
        return std::vector<RunnableModel>{
            r2vos("r2vos_r50", "resnet50", "ResNet-50"),
            [&] {
                auto m = r2vos("r2vos_vswin_t", "video_swin_t", "Video Swin-T");
                m.weights_help = "no official checkpoint (lxa9867/R2VOS released ResNet-50 only): convert your own with "
                                 "r2bench convert-weights checkpoint.pth models/r2vos_vswin_t.safetensors --key model";
                return m;
            }(),
            referformer("referformer_r50", "resnet50", "ResNet-50"),
            referformer("referformer_swin_t", "swin_t", "Swin-T"),
            referformer("referformer_vswin_t", "video_swin_t", "Video Swin-T"),
            tiny(r2vos("r2vos_tiny", "tiny_cnn", ""), std::make_shared<ReferFormerFamily>(nn::ReferFormerConfig::r2vos_tiny())),
            [&] {
                // The pair head that learns (README: "R2-VOS-tiny's pair head"): the same model as the
                // ablation configuration r2vos_tiny:grounded, with bundled weights.
                auto m = tiny(r2vos("r2vos_tiny_grounded", "tiny_cnn", ""),
                              std::make_shared<ReferFormerFamily>(nn::ReferFormerConfig::r2vos_tiny_grounded()));
                m.description = "R2-VOS-tiny with the grounded pair head: p from the video under the mask, s with a bag of "
                                "words, the classifier reads [s, p, s*p] (three named departures from r2vos_tiny)";
                return m;
            }(),
            tiny(referformer("referformer_tiny", "tiny_cnn", ""), std::make_shared<ReferFormerFamily>(nn::ReferFormerConfig::referformer_tiny())),
            mttr("mttr_vswin_t", nn::MTTRConfig::mttr()),
            tiny(mttr("mttr_tiny", nn::MTTRConfig::mttr_tiny()), std::make_shared<MTTRFamily>(nn::MTTRConfig::mttr_tiny())),
        };
    }();
    return models;
}

const RunnableModel* find_runnable_model(const std::string& name) {
    for (const auto& m : runnable_models())
        if (m.name == name) return &m;
    if (const AblationRow* row = find_ablation(name); row && row->model.name == name) return &row->model;
    return nullptr;
}

std::vector<std::string> apply_checkpoint_rules(std::map<std::string, torch::Tensor>& weights, const CheckpointRules& rules) {
    std::vector<std::string> dropped;
    for (auto it = weights.begin(); it != weights.end();) {
        const std::string& name = it->first;
        bool drop = false;
        for (const auto& suffix : rules.ignored_suffixes)
            drop = drop || (name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0);
        for (const auto& [alias, target] : rules.alias_prefixes) {
            if (name.rfind(alias, 0) != 0) continue;
            const auto original = weights.find(target + name.substr(alias.size()));
            if (original == weights.end()) continue;  // the alias alone: loaded under its own name would fail, report it
            if (!original->second.sizes().equals(it->second.sizes()) || !torch::equal(original->second, it->second))
                throw Error(fmt::format("checkpoint: '{}' should equal '{}' (the same shared tensor) but differs", name, original->first));
            drop = true;
        }
        if (drop) dropped.push_back(name), it = weights.erase(it);
        else ++it;
    }
    return dropped;
}

std::filesystem::path find_weights_file(const RunnableModel& entry, const std::filesystem::path& weights_dir,
                                        const std::filesystem::path& weights_file, bool allow_synthetic) {
    auto path = weights_file.empty() ? weights_dir / (entry.name + ".safetensors") : weights_file;
    // The tiny models ship trained weights: found there unless --weights-dir holds their own.
    if (weights_file.empty() && !std::filesystem::exists(path) && entry.bundled_weights)
        path = bundled_weights_dir() / (entry.name + ".safetensors");
    if (allow_synthetic && weights_file.empty()) return {};
    if (std::filesystem::is_regular_file(path)) return path;
    if (!weights_file.empty())
        throw FileError(path, std::filesystem::exists(path) ? "--weights: not a file" : "--weights: no such file");
    if (entry.bundled_weights)
        throw FileError(path, fmt::format("{}: the bundled weights are missing (scripts/train_tiny.sh makes them; "
                                          "--synthetic-weights runs untrained formula weights instead)",
                                          entry.name));
    throw Error(fmt::format("{}: no weights at {} ({}). Models that run without downloads: {} (weights bundled with "
                            "r2bench), and the weight-free oracle, noisy-oracle, empty.",
                            entry.name, path.string(), entry.weights_help, model_name_list(/*bundled_only=*/true)));
}

void check_tokenizer_files(const RunnableModel& model, const std::filesystem::path& text_dir) {
    if (model.builtin_tokenizer) return;
    const auto vocab = text_dir / "vocab.json", merges = text_dir / "merges.txt";
    if (!std::filesystem::is_regular_file(vocab) || !std::filesystem::is_regular_file(merges))
        throw Error(fmt::format("{} needs RoBERTa's tokenizer files {} and {} (Hugging Face roberta-base; distilroberta-base uses "
                                "the same two files): put them there or pass --text-dir DIR",
                                model.name, vocab.string(), merges.string()));
}

LoadedModel load_runnable_model(const std::string& name, const std::filesystem::path& weights_dir, const std::filesystem::path& weights_file,
                                bool allow_synthetic) {
    LoadedModel loaded;
    loaded.entry = find_runnable_model(name);
    if (!loaded.entry) {
        std::string names;
        for (const auto& m : runnable_models()) names += (names.empty() ? "" : ", ") + m.name;
        throw Error(fmt::format("unknown model '{}' (models: {}; weight-free reference models: oracle, noisy-oracle, empty)", name, names));
    }
    const auto path = find_weights_file(*loaded.entry, weights_dir, weights_file, allow_synthetic);
    if (path.empty()) {
        loaded.root = loaded.entry->family->build();
        nn::fill_synthetic_weights(*loaded.module());
    } else {
        auto weights = tensors_from_file(SafetensorsFile::open(path));
        apply_checkpoint_rules(weights, loaded.entry->checkpoint);
        loaded.root = loaded.entry->family->build(&weights);
        try {
            loaded.report = load_state_dict(*loaded.module(), weights, /*strict=*/true);
        } catch (const Error& e) {
            throw FileError(path, fmt::format("weights for model '{}' do not fit: {}", name, e.what()));
        }
        loaded.weights = path;
    }
    loaded.module()->eval();
    return loaded;
}

BpeTokenizer tokenizer_for(const RunnableModel& model, const std::filesystem::path& text_dir) {
    if (model.builtin_tokenizer) return BpeTokenizer::byte_level();
    check_tokenizer_files(model, text_dir);
    return BpeTokenizer::load(text_dir / "vocab.json", text_dir / "merges.txt");
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
        s.parameters = m.parameters();
        s.weights = weights_dir / (m.name + ".safetensors");
        // The tiny models' bundled weights, as load_runnable_model finds them.
        const auto* runnable_entry = find_runnable_model(m.name);
        if (!std::filesystem::exists(s.weights) && runnable_entry && runnable_entry->bundled_weights)
            s.weights = bundled_weights_dir() / (m.name + ".safetensors");
        s.found = std::filesystem::exists(s.weights);
        if (s.found) {
            const auto module = m.make();
            auto weights = tensors_from_file(SafetensorsFile::open(s.weights));
            if (const auto* runnable = find_runnable_model(m.name)) apply_checkpoint_rules(weights, runnable->checkpoint);
            // PyTorch's BatchNorm saves num_batches_tracked; frozen batch norm has no use for it.
            for (auto it = weights.begin(); it != weights.end();)
                it = it->first.size() >= 19 && it->first.compare(it->first.size() - 19, 19, "num_batches_tracked") == 0 ? weights.erase(it) : std::next(it);
            try {
                s.load = load_state_dict(*module, weights, strict);
            } catch (const Error& e) {
                throw FileError(s.weights, fmt::format("model '{}': {}", m.name, e.what()));
            }
        }
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace r2
