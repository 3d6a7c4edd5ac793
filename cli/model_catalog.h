// `r2bench models` without libtorch. Each build of r2bench-models writes what its registry knows to
// share/r2bench/model_catalog.json (every model and part: name, what it runs on images and on text,
// its parameter count from the configuration, where its weights come from), and `cmake --install`
// installs it; r2bench lists the models from that file in milliseconds instead of mapping libtorch
// (about 0.6 s before anything is printed). Loading the weights found into their modules, to name
// missing, unexpected or mismatched keys (`models --check`, `--strict`), stays r2bench-models' work.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace r2::cli {

struct CatalogModel {
    std::string name;
    std::string kind;  // "model" (runnable), "backbone" or "text encoder"
    std::string backbone, text_encoder;  // what it runs on images and on text ("-" for neither)
    int64_t parameters = 0;              // from the configuration
    bool bundled_weights = false;        // runnable tiny models: trained weights ship with r2bench
    bool builtin_tokenizer = false;      // runnable tiny models: bytes, no vocab files
    std::string weights_help;            // runnable models: where official weights come from
};

std::string model_catalog_json(const std::vector<CatalogModel>& models);
// Throws FileError naming the file when it is absent or not a catalog.
std::vector<CatalogModel> read_model_catalog(const std::filesystem::path& path);
std::filesystem::path model_catalog_path();  // data_dir()/model_catalog.json

// The options and help of `models`, the same in both executables.
struct ModelsOptions {
    std::string weights_dir = "models";
    bool strict = false, check = false;
    std::string write_catalog;  // r2bench-models only: the build writes the catalog with it
};
CLI::App* add_models_subcommand(CLI::App& app, ModelsOptions& options);

// Where `models` looks for a model's weights: <weights_dir>/<name>.safetensors, else for a
// runnable tiny model its bundled file (as `run` finds them).
std::filesystem::path weights_path(const CatalogModel& model, const std::filesystem::path& weights_dir);

// The listing: runnable models, then parts, then where weights come from. `weights_column[i]` is
// what the weights column says for models[i].
std::string models_listing(const std::vector<CatalogModel>& models, const std::vector<std::string>& weights_column);

// build/r2bench's `models`: the listing from the catalog, each weights file found named with its
// tensor count (its header read, nothing loaded); `--check`, `--strict`, or a missing catalog
// hand the command over to r2bench-models.
void add_models_list_command(CLI::App& app, int& exit_code);

}  // namespace r2::cli
