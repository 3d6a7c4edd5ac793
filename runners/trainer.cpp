#include "runners/trainer.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <fstream>
#include <numeric>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/interrupt.h"
#include "core/json_file.h"
#include "core/output_dir.h"
#include "core/progress.h"
#include "core/rng.h"
#include "model_zoo/criterion.h"
#include "model_zoo/safetensors.h"
#include "model_zoo/training_init.h"
#include "model_zoo/weights.h"
#include "reports/train_report.h"
#include "runners/segmentation_model.h"
#include "runners/run_state.h"
#include "runners/train_data.h"

namespace r2 {
namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

TrainRecipe default_recipe(const RunnableModel& model) {
    TrainRecipe r = model.family->official_recipe();
    const bool tiny = model.builtin_tokenizer;
    r.shorter_sides = {model.preprocessing.shorter_side};
    r.max_longer_side = model.preprocessing.max_longer_side;
    r.frames = model.train_frames;
    if (tiny) {
        // From scratch: a 5× higher rate, and backbone and text encoder at half of it (no
        // pretrained features to protect); scales around the tiny models' inference size.
        r.lr = 5e-4;
        r.backbone_lr_scale = r.text_lr_scale = 0.5;
        const int64_t s = model.preprocessing.shorter_side;
        r.shorter_sides = {s * 3 / 4, s * 7 / 8, s, s * 9 / 8};
        // Each clip goes through the model alone, without padding masks: zero padding to 32 (for
        // the official batches of several clips) showed the tiny models up to 31 black rows and
        // columns they never see at inference. 4 is what the loss needs (stride-4 targets); MTTR
        // already trains unpadded.
        r.pad_multiple = std::min<int64_t>(r.pad_multiple, 4);
    }
    return r;
}

double lr_scale_at(int64_t step, int64_t steps, const std::vector<double>& drops, double gamma) {
    double scale = 1;
    for (const double d : drops)
        if (double(step) >= d * double(steps)) scale *= gamma;
    return scale;
}

namespace {

// Parameter groups: backbone, text encoder, the rest.
struct Groups {
    std::vector<torch::Tensor> backbone, text, rest;
    std::vector<std::string> names;  // every trainable parameter, in module order (checkpoint keys)
    std::vector<torch::Tensor> all;
};

enum class Group { backbone, text, rest };

Group group_of(const LoadedModel& m, const std::string& name) {
    const std::string text_prefix = m.entry->family->text_encoder_prefix();
    if (name.rfind("backbone.", 0) == 0) return Group::backbone;
    if (name.rfind(text_prefix, 0) == 0) return Group::text;
    return Group::rest;
}

Groups parameter_groups(const LoadedModel& m) {
    Groups g;
    for (const auto& p : m.module()->named_parameters(true)) {
        if (!p.value().requires_grad()) continue;
        const std::string& name = p.key();
        switch (group_of(m, name)) {
            case Group::backbone: g.backbone.push_back(p.value()); break;
            case Group::text: g.text.push_back(p.value()); break;
            case Group::rest: g.rest.push_back(p.value()); break;
        }
        g.names.push_back(name);
        g.all.push_back(p.value());
    }
    return g;
}

std::string state_key(const torch::Tensor& p) { return c10::guts::to_string(p.unsafeGetTensorImpl()); }

void save_checkpoint(const fs::path& path, const LoadedModel& m, const Groups& g, torch::optim::AdamW& optimizer, int64_t step,
                     const std::string& options_json) {
    auto tensors = state_dict_tensors(*m.module(), "model.");
    for (size_t i = 0; i < g.all.size(); ++i) {
        const auto it = optimizer.state().find(state_key(g.all[i]));
        if (it == optimizer.state().end()) continue;
        const auto& s = static_cast<const torch::optim::AdamWParamState&>(*it->second);
        tensors.push_back(owned_tensor("adamw." + g.names[i] + ".exp_avg", s.exp_avg()));
        tensors.push_back(owned_tensor("adamw." + g.names[i] + ".exp_avg_sq", s.exp_avg_sq()));
        tensors.push_back(owned_tensor("adamw." + g.names[i] + ".step", torch::tensor(s.step(), torch::kInt64)));
    }
    write_safetensors(path, tensors, {{"format", "r2bench-train-checkpoint"}, {"step", std::to_string(step)}, {"options", options_json}});
}

// Returns the step the checkpoint was written after.
int64_t load_checkpoint(const fs::path& path, const LoadedModel& m, const Groups& g, torch::optim::AdamW& optimizer, const torch::Device& device) {
    const auto file = SafetensorsFile::open(path);
    const auto format = file.metadata().find("format");
    const auto step = file.metadata().find("step");
    if (format == file.metadata().end() || format->second != "r2bench-train-checkpoint" || step == file.metadata().end())
        throw FileError(path, "not an r2bench training checkpoint (its header has no format/step)");
    std::map<std::string, torch::Tensor> model_weights, adamw;
    for (const auto& view : file.tensors()) {
        if (view.name.rfind("model.", 0) == 0) model_weights[view.name.substr(6)] = tensor_from_view(view);
        else if (view.name.rfind("adamw.", 0) == 0) adamw[view.name.substr(6)] = tensor_from_view(view);
        else throw FileError(path, fmt::format("unexpected tensor '{}'", view.name));
    }
    load_state_dict(*m.module(), model_weights, /*strict=*/true);
    for (size_t i = 0; i < g.all.size(); ++i) {
        const auto avg = adamw.find(g.names[i] + ".exp_avg");
        if (avg == adamw.end()) continue;
        auto s = std::make_unique<torch::optim::AdamWParamState>();
        s->exp_avg(avg->second.to(device));
        s->exp_avg_sq(adamw.at(g.names[i] + ".exp_avg_sq").to(device));
        s->step(adamw.at(g.names[i] + ".step").item<int64_t>());
        optimizer.state()[state_key(g.all[i])] = std::move(s);
    }
    return std::stoll(step->second);
}

// The order samples are visited in: epoch after epoch, each a permutation drawn from (seed, epoch).
class SampleOrder {
public:
    SampleOrder(size_t size, uint64_t seed) : size_(size), seed_(seed) {}
    size_t at(uint64_t position) {
        const uint64_t epoch = position / size_;
        if (epoch != epoch_ || order_.empty()) {
            order_.resize(size_);
            std::iota(order_.begin(), order_.end(), size_t(0));
            Rng rng = Rng::for_stream(seed_ ^ 0x5eed0fe9c4ULL, epoch);
            rng.shuffle(order_);
            epoch_ = epoch;
        }
        return order_[position % size_];
    }

private:
    size_t size_;
    uint64_t seed_, epoch_ = 0;
    std::vector<size_t> order_;
};

ojson options_json(const TrainOptions& o) {
    const TrainRecipe& r = o.recipe;
    return ojson{{"model", o.model},
                 {"data", fs::absolute(o.data).lexically_normal().string()},
                 {"steps", o.steps},
                 {"seed", o.seed},
                 {"init_weights", o.init_weights.string()},
                 {"init_only", o.init_only},
                 {"device", o.device.is_cuda() ? "cuda" : "cpu"},
                 {"msda_kernel", o.msda_kernel == nn::MSDAKernel::fast ? "fast" : "reference"},
                 {"recipe",
                  {{"lr", r.lr},
                   {"backbone_lr_scale", r.backbone_lr_scale},
                   {"text_lr_scale", r.text_lr_scale},
                   {"weight_decay", r.weight_decay},
                   {"clip_max_norm", r.clip_max_norm},
                   {"lr_drops", r.lr_drops},
                   {"lr_gamma", r.lr_gamma},
                   {"batch_size", r.batch_size},
                   {"frames", r.frames},
                   {"shorter_sides", r.shorter_sides},
                   {"max_longer_side", r.max_longer_side},
                   {"photometric", r.photometric},
                   {"pad_multiple", r.pad_multiple}}}};
}

constexpr const char* kCheckpoint = "checkpoint.safetensors";

// The step a folder's checkpoint was written after; -1 without a readable one.
int64_t checkpoint_step(const fs::path& dir) {
    std::error_code ec;
    if (!fs::is_regular_file(dir / kCheckpoint, ec)) return -1;
    try {
        const auto file = SafetensorsFile::open(dir / kCheckpoint);
        const auto step = file.metadata().find("step");
        return step == file.metadata().end() ? -1 : std::stoll(step->second);
    } catch (const std::exception&) {
        return -1;
    }
}

// Before the temporary folders of dead processes are removed: the newest checkpoint among them (a
// run killed with kill -9, or on a lost node) becomes the interrupted run that --resume continues.
void claim_killed_training(const fs::path& out) {
    fs::path parent = out.parent_path();
    if (parent.empty()) parent = ".";
    const fs::path partial = partial_folder(out);
    for (const auto& killed : temporaries_of_dead_processes(parent, out.filename().string())) {
        if (checkpoint_step(killed) <= checkpoint_step(partial)) continue;
        std::error_code ec;
        fs::remove_all(partial, ec);
        fs::rename(killed, partial, ec);
    }
}

// "a.b" paths of every leaf, for naming what differs in one line.
void flatten(const ojson& j, const std::string& prefix, std::map<std::string, std::string>& out) {
    if (j.is_object()) {
        for (const auto& [key, value] : j.items()) flatten(value, prefix.empty() ? key : prefix + "." + key, out);
        return;
    }
    out[prefix] = j.dump();
}

// A resumed run must be the same run: every option equal, except that --steps may grow (the step
// decay is placed by the new total from then on).
void check_same_run(const fs::path& meta_path, const ojson& now, int64_t reached) {
    const ojson before = read_json_file(meta_path);
    std::map<std::string, std::string> a, b;
    flatten(before, "", a);
    flatten(now, "", b);
    std::string differs;
    for (const auto& [key, value] : b) {
        if (key == "steps") continue;
        const auto it = a.find(key);
        if (it == a.end() || it->second != value)
            differs += fmt::format("{}{} {} (was {})", differs.empty() ? "" : ", ", key, value, it == a.end() ? "absent" : it->second);
    }
    for (const auto& [key, value] : a)
        if (!b.count(key)) differs += fmt::format("{}{} absent (was {})", differs.empty() ? "" : ", ", key, value);
    if (!differs.empty())
        throw FileError(meta_path, fmt::format("--resume: this run was trained with other options: {}. Resume with the "
                                               "recorded options, or train afresh into another --out",
                                               differs));
    if (now.value("steps", int64_t(0)) < reached)
        throw FileError(meta_path, fmt::format("--resume: --steps {} is below the {} steps this run has already made",
                                               now.value("steps", int64_t(0)), reached));
}

// The files a resumed run carries on from: the checkpoint is shared (it is replaced, never written
// in place), the log is copied (it is appended to).
void carry_over(const fs::path& from, const fs::path& work) {
    std::error_code ec;
    fs::create_hard_link(from / kCheckpoint, work / kCheckpoint, ec);
    if (ec) fs::copy_file(from / kCheckpoint, work / kCheckpoint, fs::copy_options::overwrite_existing);
    if (fs::exists(from / "train_log.jsonl")) fs::copy_file(from / "train_log.jsonl", work / "train_log.jsonl");
}

// One held-out pass: the module in eval mode without gradients, then back to training.
ValidationScores validation_pass(const LoadedModel& m, SegmentationModel& inference, const ValidationSet& set, int64_t step,
                                 const torch::Device& device) {
    m.module()->eval();
    ValidationScores scores;
    try {
        scores = validate(inference, set, device);
    } catch (...) {
        m.module()->train();
        throw;
    }
    m.module()->train();
    auto pct = [](const std::optional<double>& v) { return v ? fmt::format("{:.1f}", 100 * *v) : std::string("n/a"); };
    fmt::print(stderr, "validation at step {} ({} held-out expressions): J&F {}, R {}, J&F&R {}, AUROC {}{}\n", step,
               scores.expressions, pct(scores.jf), pct(scores.r), pct(scores.jfr), pct(scores.auroc),
               scores.degenerate() ? fmt::format(" (the alignment scores do not separate pairs: std {:.2g})", scores.alignment_std)
                                   : "");
    return scores;
}

ojson validation_line(const ValidationScores& v, int64_t step) {
    auto value = [](const std::optional<double>& x) { return x ? ojson(*x) : ojson(nullptr); };
    return ojson{{"event", "validation"}, {"step", step},           {"J", v.j},
                 {"F", v.f},              {"J&F", v.jf},            {"R", value(v.r)},
                 {"J&F&R", value(v.jfr)}, {"AUROC", value(v.auroc)}, {"alignment_std", v.alignment_std},
                 {"alignment_mean", v.alignment_mean}, {"rejected_positive", v.rejected_positive},
                 {"rejected_negative", v.rejected_negative}, {"expressions", v.expressions}};
}

// As the official R2-VOS code: clip b is also decoded with the sentence of another clip of the
// batch, the next one from another video (with one video only: any other sentence of the set).
std::string negative_caption(const std::vector<TrainClip>& clips, size_t b, const TrainSet& set, Rng& rng) {
    size_t other = (b + 1) % clips.size();
    while (other != b && clips[other].video == clips[b].video) other = (other + 1) % clips.size();
    if (other != b) return clips[other].caption;
    return set.caption_of(size_t(rng.below(set.size())));
}

}  // namespace

LoadedModel build_model(const RunnableModel& entry, uint64_t seed) {
    LoadedModel m;
    m.entry = &entry;
    // Construction draws the default initialisations from torch's generator.
    torch::manual_seed(seed);
    m.root = entry.family->build();
    entry.family->prepare_for_training(*m.root, seed);
    return m;
}

void load_initial_weights(const LoadedModel& m, const fs::path& file, const std::vector<std::string>& only) {
    auto weights = tensors_from_file(SafetensorsFile::open(file));
    apply_checkpoint_rules(weights, m.entry->checkpoint);
    if (only.empty()) {
        load_state_dict(*m.module(), weights, true);
        return;
    }
    auto under = [&](const std::string& key) {
        return std::any_of(only.begin(), only.end(), [&](const std::string& prefix) { return key.rfind(prefix, 0) == 0; });
    };
    // Strict inside the named parts: each of the model's tensors there must be in the file with its
    // shape, and the file must hold nothing there the model lacks; the rest of the file is ignored.
    std::map<std::string, torch::Tensor> part;
    for (auto& [key, tensor] : weights)
        if (under(key)) part.emplace(key, std::move(tensor));
    for (const auto& prefix : only)
        if (std::none_of(part.begin(), part.end(), [&](const auto& kv) { return kv.first.rfind(prefix, 0) == 0; }))
            throw FileError(file, fmt::format("--init-only {}: the file holds no tensor under it", prefix));
    const LoadReport report = load_state_dict(*m.module(), part, false);
    std::vector<std::string> missing;
    for (const auto& key : report.missing)
        if (under(key)) missing.push_back(key);
    if (!missing.empty() || !report.unexpected.empty() || !report.mismatched.empty()) {
        LoadReport inside = report;
        inside.missing = missing;
        throw FileError(file, fmt::format("--init-only {}: does not fit {}: {}", fmt::join(only, " "), m.entry->name, inside.text()));
    }
    fmt::print(stderr, "train {}: initialised {} tensors under {} from {}\n", m.entry->name, report.loaded, fmt::join(only, ", "), file.string());
}

double learning_rate_of(const LoadedModel& m, const TrainRecipe& r, const std::string& parameter) {
    const auto params = m.module()->named_parameters(true);
    const auto* p = params.find(parameter);
    if (!p) throw Error(fmt::format("learning_rate_of: the model has no parameter '{}'", parameter));
    if (!p->requires_grad()) return 0;
    switch (group_of(m, parameter)) {
        case Group::backbone: return r.lr * r.backbone_lr_scale;
        case Group::text: return r.lr * r.text_lr_scale;
        case Group::rest: return r.lr;
    }
    return 0;
}

TrainResult train_model(const TrainOptions& o) {
    const RunnableModel* entry = find_runnable_model(o.model);
    if (!entry) throw Error(fmt::format("train: unknown model '{}' (r2bench models lists them)", o.model));
    if (o.steps < 1) throw Error("train: --steps must be at least 1");
    const TrainRecipe& r = o.recipe;
    if (r.batch_size < 1) throw Error("train: --batch-size must be at least 1");
    const ModelFamily& family = *entry->family;
    if (family.trains_on_negative_sentences() && r.batch_size < 2)
        throw Error("train: R2-VOS pairs every clip with another clip's sentence: --batch-size must be at least 2");

    // Every input is checked before --out is touched and before the model is built.
    if (!fs::is_directory(o.data)) throw FileError(o.data, "--data: not a folder");
    if (!o.init_weights.empty() && !fs::is_regular_file(o.init_weights)) throw FileError(o.init_weights, "--init-weights: no such file");
    check_tokenizer_files(*entry, o.text_dir);
    TrainDataOptions data;
    data.sampling = family.clip_sampling();
    data.frames = r.frames;
    data.shorter_sides = r.shorter_sides;
    data.max_longer_side = r.max_longer_side;
    data.photometric = r.photometric;
    data.pad_multiple = r.pad_multiple;
    data.preprocessing = entry->preprocessing;
    const TrainSet set = TrainSet::open(o.data, data);
    const BpeTokenizer tokenizer = tokenizer_for(*entry, o.text_dir);
    const std::optional<ValidationSet> validation_set =
        o.validation ? std::optional<ValidationSet>(open_validation_set(*o.validation, entry->preprocessing)) : std::nullopt;

    const ojson meta = options_json(o);
    const fs::path partial = partial_folder(o.out);
    // --out is replaced only when this call ends well (finished, or --stop-after); an interrupted or
    // failed run keeps its last checkpoint in the partial folder beside it for --resume.
    OutputDir out = OutputDir::begin(o.out, "train", o.force, {o.data, o.init_weights}, [&] {
        claim_killed_training(o.out);
        const int64_t step = checkpoint_step(partial);
        if (!o.resume && !o.force && step >= 0)
            throw FileError(partial, fmt::format("holds an interrupted training run into {} (checkpoint at step {}): continue "
                                                 "it with --resume, or pass --force to discard it",
                                                 o.out.string(), step));
    });
    const fs::path work = out.path();
    const fs::path checkpoint = work / kCheckpoint, log_path = work / "train_log.jsonl", meta_path = work / "train.json",
                   report_path = work / "train_report.html";
    // A resumed run continues an interrupted one, else this --out's own earlier run (to extend
    // --steps). A run killed before its first checkpoint has none: it starts over.
    fs::path from;
    if (o.resume) {
        if (checkpoint_step(partial) >= 0) from = partial;
        else if (out.previous() && checkpoint_step(*out.previous()) >= 0) from = *out.previous();
        if (from.empty()) fmt::print(stderr, "train {}: no checkpoint of an earlier run of {} yet: starting from step 0\n", o.model, o.out.string());
    }
    const bool resume = !from.empty();
    if (resume) {
        check_same_run(from / "train.json", meta, checkpoint_step(from));
        carry_over(from, work);
    }
    write_file_atomically(meta_path, meta.dump(2) + "\n");

    LoadedModel m = build_model(*entry, o.seed);
    family.set_msda_kernel(*m.module(), o.msda_kernel);
    m.module()->to(o.device);
    if (!o.init_weights.empty()) load_initial_weights(m, o.init_weights, o.init_only);
    m.module()->train();
    Groups g = parameter_groups(m);
    using torch::optim::AdamWOptions;
    std::vector<torch::optim::OptimizerParamGroup> param_groups;
    param_groups.emplace_back(g.rest, std::make_unique<AdamWOptions>(AdamWOptions(r.lr).weight_decay(r.weight_decay)));
    param_groups.emplace_back(g.backbone, std::make_unique<AdamWOptions>(AdamWOptions(r.lr * r.backbone_lr_scale).weight_decay(r.weight_decay)));
    param_groups.emplace_back(g.text, std::make_unique<AdamWOptions>(AdamWOptions(r.lr * r.text_lr_scale).weight_decay(r.weight_decay)));
    const double base_lr[3] = {r.lr, r.lr * r.backbone_lr_scale, r.lr * r.text_lr_scale};
    torch::optim::AdamW optimizer(std::move(param_groups), AdamWOptions(r.lr).weight_decay(r.weight_decay));
    int64_t first_step = 0;
    if (resume) first_step = load_checkpoint(checkpoint, m, g, optimizer, o.device);
    SampleOrder order(set.size(), o.seed);
    // The validation passes run the model being trained (the same module) through `run`'s code.
    std::unique_ptr<SegmentationModel> inference;
    if (validation_set) inference = family.segmentation_model(m, tokenizer, o.device);

    const int64_t last_step = o.stop_after > 0 ? std::min(o.steps, first_step + o.stop_after) : o.steps;
    TrainResult result;
    result.first_step = first_step;
    result.steps = last_step;
    result.finished = last_step == o.steps;
    result.weights = o.out / (o.model + ".safetensors"), result.log = o.out / "train_log.jsonl";
    result.report = o.out / "train_report.html";
    fmt::print(stderr, "train {}: {} samples ({} videos, {} expressions) from {}; steps {}..{} of {}, {} clips of {} frames per step\n",
               o.model, set.size(), set.video_count(), set.expression_count(), o.data.string(), first_step, o.steps, o.steps, r.batch_size,
               r.frames);

    std::ofstream log(log_path, std::ios::app);
    if (!log) throw FileError(log_path, "cannot open for writing");
    double seconds_before = 0;  // the log's clock runs on across resumes
    if (resume) {
        for (const auto& entry : read_train_log(log_path))
            if (entry.step == first_step && std::isfinite(entry.seconds)) seconds_before = entry.seconds;
        log << ojson{{"event", "resume"}, {"step", first_step}}.dump() << "\n";
    }
    Progress progress(fmt::format("train {}", o.model), size_t(last_step - first_step));
    const auto start = std::chrono::steady_clock::now();
    // The progress line shows what the report and the last line call the final loss: the mean of
    // the last kLossWindow steps (a resumed run starts from its log's).
    std::deque<double> recent;
    if (resume)
        for (const auto& entry : read_train_log(log_path)) {
            recent.push_back(entry.loss);
            if (recent.size() > kLossWindow) recent.pop_front();
        }
    std::optional<ValidationScores> last_validation;
    int64_t checkpointed = first_step;

    // An interrupted or failed run keeps its newest checkpoint for --resume; --out is not touched.
    auto keep_for_resume = [&] {
        log.close();
        if (checkpoint_step(work) < 0) return false;
        write_train_report(report_path, o.model, read_train_log(log_path), read_validation_log(log_path));
        out.set_aside(partial);
        return true;
    };
    try {
    for (int64_t step = first_step; step < last_step; ++step) {
        const double scale = lr_scale_at(step, o.steps, r.lr_drops, r.lr_gamma);
        for (size_t i = 0; i < optimizer.param_groups().size(); ++i)
            static_cast<AdamWOptions&>(optimizer.param_groups()[i].options()).lr(base_lr[i] * scale);
        // Everything random in a step comes from (seed, step): a resumed run repeats it exactly.
        Rng rng = Rng::for_stream(o.seed, uint64_t(step));
        torch::manual_seed(o.seed * 1000003ULL + uint64_t(step));
        nn::StageTimes& times = result.stage_seconds;
        std::vector<TrainClip> clips;
        {
            nn::StageTimer timer(&times, "data");
            for (int64_t b = 0; b < r.batch_size; ++b) clips.push_back(set.load(order.at(uint64_t(step * r.batch_size + b)), rng));
        }

        TrainingBatch batch;
        for (const auto& clip : clips) batch.clips.push_back(&clip);
        if (family.trains_on_negative_sentences())
            for (size_t b = 0; b < clips.size(); ++b) batch.negative_captions.push_back(negative_caption(clips, b, set, rng));
        const nn::Losses losses_now = family.training_loss(*m.module(), batch, tokenizer, entry->preprocessing, o.device, &times);
        const double loss = losses_now.total.item<double>();
        if (!std::isfinite(loss)) {
            // Stop before the step spoils the weights; the report shows how it got there.
            log << ojson{{"event", "diverged"}, {"step", step + 1}}.dump() << "\n";
            log.close();
            write_train_report(report_path, o.model, read_train_log(log_path), read_validation_log(log_path));
            throw Error(fmt::format("train {}: the loss is {} at step {} (curves in {}); start again in a new --out with a lower --lr "
                                    "(the last checkpoint, step {}, holds the weights before it)",
                                    o.model, loss, step + 1, (partial / "train_report.html").string(), checkpointed));
        }
        optimizer.zero_grad();
        {
            nn::StageTimer timer(&times, "backward");
            losses_now.total.backward();
        }
        {
            nn::StageTimer timer(&times, "optimizer");
            if (r.clip_max_norm > 0) torch::nn::utils::clip_grad_norm_(g.all, r.clip_max_norm);
            optimizer.step();
        }
        recent.push_back(loss);
        if (recent.size() > kLossWindow) recent.pop_front();
        const double seconds = seconds_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        ojson terms = ojson::object();
        for (const auto& [name, value] : losses_now.terms) terms[name] = value.item<double>();
        log << ojson{{"step", step + 1}, {"loss", loss}, {"lr", r.lr * scale}, {"seconds", seconds}, {"terms", terms}}.dump() << "\n";
        log.flush();
        progress.set_note(fmt::format("loss {:.3f}", std::accumulate(recent.begin(), recent.end(), 0.0) / double(recent.size())));
        progress.advance();
        if (validation_set && ((step + 1) % o.validation->every == 0 || step + 1 == last_step)) {
            last_validation = validation_pass(m, *inference, *validation_set, step + 1, o.device);
            log << validation_line(*last_validation, step + 1).dump() << "\n";
            log.flush();
        }
        const int signal = interrupt_signal();
        if ((step + 1) % o.checkpoint_every == 0 || step + 1 == last_step || signal) {
            save_checkpoint(checkpoint, m, g, optimizer, step + 1, meta.dump());
            log << ojson{{"event", "checkpoint"}, {"step", step + 1}}.dump() << "\n";
            checkpointed = step + 1;
        }
        if (signal) {
            progress.finish();
            log << ojson{{"event", "interrupted"}, {"step", step + 1}}.dump() << "\n";
            keep_for_resume();
            throw Interrupted(signal, fmt::format("train {}: stopped after step {} of {}; the checkpoint is kept in {} and {} is "
                                                  "unchanged. The same command with --resume continues",
                                                  o.model, step + 1, o.steps, partial.string(), o.out.string()));
        }
    }
    } catch (const Interrupted&) {
        throw;
    } catch (...) {
        if (keep_for_resume())
            fmt::print(stderr, "r2bench: train {}: the checkpoint of step {} is kept in {}; the same command with --resume continues\n",
                       o.model, checkpointed, partial.string());
        throw;
    }
    progress.finish();
    log.close();

    if (result.finished)
        save_state_dict(*m.module(), work / (o.model + ".safetensors"),
                        {{"model", o.model}, {"trained_steps", std::to_string(o.steps)}, {"seed", std::to_string(o.seed)}});
    write_train_report(report_path, o.model, read_train_log(log_path), read_validation_log(log_path));
    out.commit();
    std::error_code ec;
    fs::remove_all(partial, ec);  // this --out now holds the newest state
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto whole_log = read_train_log(o.out / "train_log.jsonl");
    result.first_loss = initial_loss(whole_log), result.last_loss = final_loss(whole_log);
    result.validation = last_validation;
    return result;
}

}  // namespace r2
