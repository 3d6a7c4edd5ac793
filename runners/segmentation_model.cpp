#include "runners/segmentation_model.h"

#include "core/error.h"

namespace r2 {

LoadedSegmentationModel load_segmentation_model(const ModelSpec& spec) {
    if (spec.device.is_cuda() && !torch::cuda::is_available())
        throw Error("--device cuda: this r2bench's libtorch sees no CUDA device (Debian's libtorch is CPU-only; build "
                    "against a CUDA libtorch, see README), or use --device cpu");
    LoadedModel loaded = load_runnable_model(spec.name, spec.weights_dir, spec.weights_file, spec.allow_synthetic);
    const RunnableModel& entry = *loaded.entry;
    const ModelFamily& family = *entry.family;
    // RoBERTa's files: --text-dir, else <weights_dir>/roberta (what the registry's help says).
    const auto text_dir = spec.text_dir.empty() ? spec.weights_dir / "roberta" : spec.text_dir;
    BpeTokenizer tokenizer = tokenizer_for(entry, text_dir);
    LoadedSegmentationModel out;
    out.family = family.name();
    out.weights = loaded.weights;
    out.parameters = parameter_count(*loaded.module());
    const Preprocessing& pre = entry.preprocessing;
    out.config = {{"family", family.name()},
                  {"backbone", entry.backbone},
                  {"text_encoder", entry.text_encoder},
                  {"parameters", out.parameters},
                  {"num_queries", family.num_queries()},
                  {"preprocessing",
                   {{"resize", "PIL bilinear (antialiased), torchvision Resize"},
                    {"shorter_side", pre.shorter_side},
                    {"max_longer_side", pre.max_longer_side},
                    {"mean", {pre.mean[0], pre.mean[1], pre.mean[2]}},
                    {"std", {pre.std[0], pre.std[1], pre.std[2]}},
                    {"resize_rule", pre.detr_max_size ? "DETR RandomResize(max_size)" : "torchvision Resize(max_size)"},
                    {"lowercase_text", pre.lowercase_text}}},
                  {"postprocessing", family.postprocessing()}};
    out.model = family.segmentation_model(std::move(loaded), std::move(tokenizer), spec.device);
    return out;
}

}  // namespace r2
