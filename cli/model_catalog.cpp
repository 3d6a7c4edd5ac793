#include "cli/model_catalog.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/handover.h"
#include "core/data_dir.h"
#include "core/error.h"
#include "core/json_file.h"
#include "model_zoo/model_names.h"
#include "model_zoo/safetensors.h"

namespace r2::cli {
namespace fs = std::filesystem;

namespace {
// Bumped when the catalog's fields change: an older file is then refused and `models` hands over.
constexpr int kCatalogVersion = 1;
}  // namespace

std::string model_catalog_json(const std::vector<CatalogModel>& models) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& m : models)
        list.push_back({{"name", m.name},
                        {"kind", m.kind},
                        {"backbone", m.backbone},
                        {"text_encoder", m.text_encoder},
                        {"parameters", m.parameters},
                        {"bundled_weights", m.bundled_weights},
                        {"builtin_tokenizer", m.builtin_tokenizer},
                        {"weights_help", m.weights_help}});
    const nlohmann::ordered_json j = {{"catalog_version", kCatalogVersion},
                                      {"written_by", "r2bench-models models --write-catalog (every build)"},
                                      {"models", std::move(list)}};
    return j.dump(1) + "\n";
}

std::vector<CatalogModel> read_model_catalog(const fs::path& path) {
    if (!fs::is_regular_file(path)) throw FileError(path, "not found (r2bench-models writes it when it is built)");
    const nlohmann::ordered_json j = read_json_file(path);
    return with_json_errors(path, [&] {
        if (j.at("catalog_version").get<int>() != kCatalogVersion)
            throw FileError(path, fmt::format("catalog version {}, not {}", j.at("catalog_version").dump(), kCatalogVersion));
        std::vector<CatalogModel> models;
        for (const auto& m : j.at("models"))
            models.push_back({m.at("name").get<std::string>(), m.at("kind").get<std::string>(), m.at("backbone").get<std::string>(),
                              m.at("text_encoder").get<std::string>(), m.at("parameters").get<int64_t>(),
                              m.at("bundled_weights").get<bool>(), m.at("builtin_tokenizer").get<bool>(),
                              m.at("weights_help").get<std::string>()});
        return models;
    });
}

fs::path model_catalog_path() { return data_dir() / "model_catalog.json"; }

CLI::App* add_models_subcommand(CLI::App& app, ModelsOptions& o) {
    CLI::App* cmd = app.add_subcommand("models", "List the runnable models and their parts, parameter counts and weights");
    cmd->footer("Weights are looked for as <weights-dir>/<name>.safetensors (make them with `r2bench convert-weights`); the "
                "tiny models' bundled weights otherwise. The listing reads each file's header only; --check loads every "
                "file found into its model (libtorch) and reports missing, unexpected or mismatched keys by name. README.md's "
                "table \"Real data, official checkpoints and tokenizer files\" says where each official checkpoint comes "
                "from.\n\nExamples:\n  r2bench models\n  r2bench models --weights-dir models --check");
    cmd->add_option("--weights-dir", o.weights_dir, "Where the .safetensors files are")->capture_default_str();
    cmd->add_flag("--check", o.check, "Load every weights file found into its model and report its keys (loads libtorch)");
    cmd->add_flag("--strict", o.strict, "As --check, and fail on any missing, unexpected or mismatched key");
    cmd->add_option("--write-catalog", o.write_catalog, "Write the model catalog JSON here and exit (the build does)")->group("");
    return cmd;
}

fs::path weights_path(const CatalogModel& m, const fs::path& weights_dir) {
    const fs::path given = weights_dir / (m.name + ".safetensors");
    if (m.kind == "model" && m.bundled_weights && !fs::exists(given)) return bundled_weights_dir() / (m.name + ".safetensors");
    return given;
}

std::string models_listing(const std::vector<CatalogModel>& models, const std::vector<std::string>& weights_column) {
    std::string s;
    auto table = [&](bool runnable) {
        s += fmt::format("{:<20} {:<40} {:<46} {:>12}  {}\n", runnable ? "model" : "part", "backbone", "text encoder", "parameters", "weights");
        for (size_t i = 0; i < models.size(); ++i) {
            const CatalogModel& m = models[i];
            if ((m.kind == "model") != runnable) continue;
            s += fmt::format("{:<20} {:<40} {:<46} {:>12}  {}\n", m.name, m.backbone, m.text_encoder, m.parameters, weights_column.at(i));
        }
    };
    s += "Runnable models (`r2bench run --model NAME`):\n";
    table(true);
    s += "\nParts (backbones and text encoders the models are built from):\n";
    table(false);
    s += fmt::format("\nWeights: {} need no downloads (their trained weights are bundled in {},\n"
                     "made by scripts/train_tiny.sh); the others take an official checkpoint:\n",
                     model_name_list(true), bundled_weights_dir().string());
    for (const auto& m : models)
        if (m.kind == "model" && !m.builtin_tokenizer) s += fmt::format("  {:<20} {}\n", m.name, m.weights_help);
    return s;
}

void add_models_list_command(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<ModelsOptions>();
    CLI::App* cmd = add_models_subcommand(app, *o);
    cmd->callback([o, &exit_code] {
        const fs::path catalog = model_catalog_path();
        if (o->check || o->strict || !o->write_catalog.empty() || !fs::is_regular_file(catalog)) hand_over("`models`");
        const std::vector<CatalogModel> models = read_model_catalog(catalog);
        std::vector<std::string> weights_column;
        bool unreadable = false;
        for (const auto& m : models) {
            const fs::path weights = weights_path(m, o->weights_dir);
            if (!fs::exists(weights)) {
                weights_column.push_back(fmt::format("not found ({})", weights.string()));
                continue;
            }
            // The header is read and checked (a damaged file is said here); the tensors are not loaded.
            try {
                weights_column.push_back(fmt::format("found: {} tensors in {}", SafetensorsFile::open(weights).tensors().size(), weights.string()));
            } catch (const FileError& e) {
                weights_column.push_back(fmt::format("found, unreadable: {}", e.what()));
                unreadable = true;
            }
        }
        fmt::print("{}", models_listing(models, weights_column));
        fmt::print("\nThe weights were not loaded: `r2bench models --check` loads each file found into its model and names any\n"
                   "missing, unexpected or mismatched key.\n");
        exit_code = unreadable ? 2 : 0;
    });
}

}  // namespace r2::cli
