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
// "1e-6" or "J=0.5,R=1.0" (unlisted metrics keep the default); throws Error when malformed.
RegressTolerance parse_tolerance(const std::string& text);

struct MetricChange {
    std::string key;     // "J&F" or "<video>/J"
    std::string metric;  // "J&F", "J", …
    std::optional<double> baseline, current;  // fractions
    double delta_points = 0;
    enum Status { same, within, improved, regressed, missing, added } status = same;
};

struct RegressReport {
    std::vector<MetricChange> changes;  // every compared key
    int regressed = 0, improved = 0, within = 0, missing = 0;
};

// Throws FileError (exit code 2 in the CLI) for unreadable or malformed files.
RegressReport compare_summaries(const std::filesystem::path& baseline, const std::filesystem::path& current,
                                const RegressTolerance& tolerance);
// The table of changes; colour codes when `colour`.
std::string regress_table(const RegressReport& report, bool colour, bool all);

}  // namespace r2
