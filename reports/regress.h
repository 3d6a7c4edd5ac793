// `r2bench regress`: compares an evaluation's summary.json with a committed baseline (another
// summary.json) metric by metric (overall and per video, matched by key) and decides whether
// anything regressed. Tolerances are in percentage points, the unit of the printed tables.
#pragma once
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace r2 {

struct RegressTolerance {
    double default_points = 1e-6;
    std::map<std::string, double> per_metric;  // "J" → 0.5 (applies overall and per video)
    double for_metric(const std::string& metric) const;
};
// "1e-6" or "J=0.5,R=1.0" (unlisted metrics keep the default); throws Error when malformed or
// when a metric name is not one of regress_metric_names().
RegressTolerance parse_tolerance(const std::string& text);

struct MetricChange {
    std::string key;     // "J&F" or "<video>/J"
    std::string metric;  // "J&F", "J", …
    std::optional<double> baseline, current;  // fractions
    double delta_points = 0;
    enum Status { same, within, improved, regressed, missing, added } status = same;
};

// The metric names, overall in table order; per video only the first four exist.
const std::vector<std::string>& regress_metric_names();

struct RegressReport {
    std::vector<MetricChange> changes;  // overall metrics first (table order), then per video
    // Each baseline key is counted once: same + within + improved + regressed + missing = compared.
    // `added`: keys only the current summary has (not compared).
    int compared = 0, same = 0, within = 0, improved = 0, regressed = 0, missing = 0, added = 0;
    bool failed(bool exact) const { return regressed > 0 || missing > 0 || (exact && improved > 0); }
};

// Throws FileError (exit code 2 in the CLI) for unreadable or malformed files.
RegressReport compare_summaries(const std::filesystem::path& baseline, const std::filesystem::path& current,
                                const RegressTolerance& tolerance);
// The table of changes; colour codes when `colour`.
std::string regress_table(const RegressReport& report, bool colour, bool all);

}  // namespace r2
