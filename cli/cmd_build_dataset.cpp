#include <optional>

#include <fmt/format.h>

#include "cli/cli_options.h"
#include "cli/command_table.h"
#include "cli/commands.h"
#include "core/wording.h"
#include "dataset_builder/r2_builder.h"
#include "dataset_builder/source_tree.h"
#include "dataset_builder/text_rules.h"

namespace r2::cli {

namespace {

struct SourceOptions {
    std::string source, format, split = "valid", pool, pool_format = "ref-davis", pool_split = "valid";
    std::string synonyms, super_categories;
};

// `recorded`: verify-dataset, whose format and splits default to what r2_pairs.json records.
void add_source_options(CLI::App* cmd, SourceOptions& o, bool recorded = false) {
    const std::string from_pairs = recorded ? " (default: as recorded in r2_pairs.json)" : "";
    add_source_option(cmd, o.source, "Root of the referring-VOS data set (Ref-YouTube-VOS layout by default; alias --gt)")
        ->required();
    cmd->add_option("--format", o.format,
                    "ref-youtube-vos, ref-davis or mevis (default: " + std::string(recorded ? "as recorded in r2_pairs.json" : "detected from --source") + ")")
        ->check(CLI::IsMember({"ref-youtube-vos", "ref-davis", "mevis"}));
    cmd->add_option("--split", o.split, "Split to pair" + from_pairs)->capture_default_str();
    cmd->add_option("--negative-pool", o.pool, "Another data set whose videos may also serve as negatives (each at most once)");
    cmd->add_option("--pool-format", o.pool_format, "Format of the negative pool" + from_pairs)->capture_default_str()
        ->check(CLI::IsMember({"ref-youtube-vos", "ref-davis", "mevis"}));
    cmd->add_option("--pool-split", o.pool_split, "Split of the negative pool" + from_pairs)->capture_default_str();
    cmd->add_option("--synonyms", o.synonyms, "Category synonym table (default: the built-in data/category_synonyms.json)");
    cmd->add_option("--super-categories", o.super_categories,
                    "JSON {category: super-category} for --strict (default: <source>/synth_stats.json when present)");
}

struct LoadedSources {
    SourceTree source;
    std::optional<SourceTree> pool;
    SynonymTable synonyms;
};

// --format when given, else the layout --source has (said on stderr), else Ref-YouTube-VOS.
SourceFormat source_format(const SourceOptions& o) {
    if (!o.format.empty()) return parse_source_format(o.format);
    const auto found = detect_source_format(o.source);
    if (found && *found != SourceFormat::ref_youtube_vos)
        fmt::print(stderr, "{}: a {} tree (detected; --format overrides)\n", o.source, source_format_name(*found));
    return found.value_or(SourceFormat::ref_youtube_vos);
}

LoadedSources load(const SourceOptions& o) {
    LoadedSources l{read_source_tree(o.source, source_format(o), o.split, o.super_categories), std::nullopt,
                    o.synonyms.empty() ? default_synonyms() : load_synonyms(o.synonyms)};
    if (!o.pool.empty()) l.pool = read_source_tree(o.pool, parse_source_format(o.pool_format), o.pool_split, o.super_categories);
    return l;
}

}  // namespace

void add_build_dataset_command(CLI::App& app, int& exit_code) {
    struct Options : SourceOptions {
        OutOptions out;
        uint64_t seed = 0;
        bool no_referred = false, no_lexical = false, strict = false, link_frames = false, symlinks = false;
    };
    auto o = std::make_shared<Options>();
    CLI::App* cmd = add_command(app, "build-dataset");
    cmd->footer(
        "Writes OUT/r2_pairs.json, OUT/r2_stats.json and OUT/meta_expressions.json (the negative pairs, keyed by the "
        "negative video, in the source's format). The rules are in data/README.md.\n\nExamples:\n"
        "  r2bench build-dataset --source data/ref-youtube-vos --seed 0 --out data/r2-youtube-vos\n\nExample (on the data of scripts/demo.sh, from the repository root):\n  "
        "r2bench build-dataset --source build/demo/synth --seed 0 --out build/demo/r2");
    add_source_options(cmd, *o);
    add_out_options(cmd, o->out, "Output folder");
    non_negative(cmd->add_option("--seed", o->seed, "Fixes the assignment"))->capture_default_str();
    cmd->add_flag("--no-referred-category", o->no_referred, "Switch off rule 1 (no object of a referred category in the negative)");
    cmd->add_flag("--no-lexical", o->no_lexical, "Switch off rule 2 (no expression word naming a category of the negative)");
    cmd->add_flag("--strict", o->strict, "Rule 3: no shared category or super-category at all");
    cmd->add_flag("--link-frames", o->link_frames, "Also lay out OUT/<split>/JPEGImages (hard links) for a complete tree");
    cmd->add_flag("--symlinks", o->symlinks, "With --link-frames: symbolic links instead of hard links");
    cmd->callback([o, &exit_code] {
        const LoadedSources l = load(*o);  // every input is read before --out is touched
        OutputDir out = begin_output(o->out, "build-dataset", {o->source, o->pool, o->synonyms, o->super_categories});
        R2BuildOptions options;
        options.seed = o->seed;
        options.rules = {!o->no_referred, !o->no_lexical, o->strict};
        options.synonyms = &l.synonyms;
        const R2Build build = build_r2(l.source, l.pool ? &*l.pool : nullptr, options);
        write_r2(out.path(), build, l.source, l.pool ? &*l.pool : nullptr, o->link_frames, o->symlinks);
        out.commit();
        fmt::print("paired {} of {}: {} negatives from the source, {} from the pool\n",
                   plural(int64_t(build.pairs.pairs.size()), "expression"), plural(int64_t(l.source.videos.size()), "video"),
                   build.stats["negatives_from_source"].get<int>(), build.pool_videos_used);
        fmt::print("compatible (video, negative) pairs: {} of {}; wrote {}/{{r2_pairs.json, r2_stats.json, meta_expressions.json}}\n",
                   build.stats["compatible_pairs"].get<int64_t>(), build.stats["candidate_pairs"].get<int64_t>(), o->out.out);
        exit_code = 0;
    });
}

void add_verify_dataset_command(CLI::App& app, int& exit_code) {
    struct Options : SourceOptions {
        std::string dir;
    };
    auto o = std::make_shared<Options>();
    CLI::App* cmd = add_command(app, "verify-dataset");
    cmd->footer("Exit code 0 when every rule holds, 1 with the violations listed, 2 for unreadable input.\n\nExample (on the data of scripts/demo.sh, from the repository root):\n  "
                "r2bench verify-dataset build/demo/r2 --source build/demo/synth");
    cmd->add_option("dir", o->dir, "Folder written by build-dataset")->required();
    add_source_options(cmd, *o, true);
    cmd->callback([o, cmd, &exit_code] {
        // What r2_pairs.json records is not asked again (a Ref-DAVIS build needs no --format here).
        const std::filesystem::path pairs = std::filesystem::path(o->dir) / "r2_pairs.json";
        resolve_from_pairs(cmd, "--format", o->format, pairs, "format");
        resolve_from_pairs(cmd, "--split", o->split, pairs, "split");
        if (!o->pool.empty()) {
            resolve_from_pairs(cmd, "--pool-format", o->pool_format, pairs, "format", "negative_pool");
            resolve_from_pairs(cmd, "--pool-split", o->pool_split, pairs, "split", "negative_pool");
        }
        const LoadedSources l = load(*o);
        const auto violations = verify_r2(o->dir, l.source, l.pool ? &*l.pool : nullptr, l.synonyms);
        if (violations.empty()) {
            fmt::print("{}: valid ({})\n", o->dir, plural(int64_t(l.source.videos.size()), "video"));
            exit_code = 0;
            return;
        }
        fmt::print(stderr, "{}: {} violation(s):\n", o->dir, violations.size());
        for (size_t i = 0; i < violations.size() && i < 30; ++i) fmt::print(stderr, "  {}\n", violations[i]);
        if (violations.size() > 30) fmt::print(stderr, "  … and {} more\n", violations.size() - 30);
        exit_code = 1;
    });
}

}  // namespace r2::cli
