// `r2bench models` in r2bench-models (libtorch): every weights file found is loaded into its model
// and its keys reported; `--write-catalog` writes what build/r2bench lists from (cli/model_catalog.h).
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/model_catalog.h"
#include "core/atomic_file.h"
#include "model_zoo/registry.h"

namespace r2::cli {

namespace {
// The registry as the catalog holds it: every model and part, in the registry's order.
std::vector<CatalogModel> registry_catalog() {
    std::vector<CatalogModel> models;
    for (const auto& m : registered_models()) {
        CatalogModel c{m.name, m.kind, m.backbone, m.text_encoder, m.parameters(), false, false, ""};
        if (const RunnableModel* runnable = find_runnable_model(m.name))
            c.bundled_weights = runnable->bundled_weights, c.builtin_tokenizer = runnable->builtin_tokenizer, c.weights_help = runnable->weights_help;
        models.push_back(std::move(c));
    }
    return models;
}
}  // namespace

void add_models_command(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<ModelsOptions>();
    CLI::App* cmd = add_models_subcommand(app, *o);
    cmd->callback([o, &exit_code] {
        const std::vector<CatalogModel> models = registry_catalog();
        if (!o->write_catalog.empty()) {
            write_file_atomically(o->write_catalog, model_catalog_json(models));
            exit_code = 0;
            return;
        }
        const auto statuses = model_statuses(o->weights_dir, o->strict);
        std::vector<std::string> weights_column;
        for (const auto& s : statuses)
            weights_column.push_back(s.found ? "found: " + s.load->text() : "not found (" + s.weights.string() + ")");
        fmt::print("{}", models_listing(models, weights_column));
        exit_code = 0;
    });
}

}  // namespace r2::cli
