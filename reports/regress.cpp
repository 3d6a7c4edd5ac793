#include "reports/regress.h"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"

namespace r2 {
namespace fs = std::filesystem;
using json = nlohmann::json;

double RegressTolerance::for_metric(const std::string& metric) const {
    const auto it = per_metric.find(metric);
    return it != per_metric.end() ? it->second : default_points;
}

const std::vector<std::string>& regress_metric_names() {
    static const std::vector<std::string> names = {"J", "F", "J&F", "R", "J&F&R", "J-Recall", "J-Decay", "F-Recall", "F-Decay"};
    return names;
}

RegressTolerance parse_tolerance(const std::string& text) {
    RegressTolerance t;
    auto number = [&](const std::string& s) {
        try {
            size_t used = 0;
            const double v = std::stod(s, &used);
            if (used != s.size() || v < 0) throw std::invalid_argument(s);
            return v;
        } catch (const std::exception&) {
            throw Error(fmt::format("--tol: '{}' is not a non-negative number", s));
        }
    };
    if (text.find('=') == std::string::npos) {
        t.default_points = number(text);
        return t;
    }
    std::stringstream in(text);
    for (std::string item; std::getline(in, item, ',');) {
        const size_t eq = item.find('=');
        if (eq == std::string::npos || eq == 0) throw Error(fmt::format("--tol: expected METRIC=POINTS, got '{}'", item));
        const std::string metric = item.substr(0, eq);
        const auto& known = regress_metric_names();
        if (std::find(known.begin(), known.end(), metric) == known.end()) {
            std::string list;
            for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
            throw Error(fmt::format("--tol: unknown metric '{}' (the metrics are {})", metric, list));
        }
        t.per_metric[metric] = number(item.substr(eq + 1));
    }
    return t;
}

namespace {

// Every comparable metric of a summary.json: key → value (nullopt for null).
std::map<std::string, std::pair<std::string, std::optional<double>>> metrics_of(const fs::path& path) {
    json j;
    try {
        j = json::parse(read_file(path));
    } catch (const json::parse_error& e) {
        throw FileError(path, fmt::format("invalid JSON: {}", e.what()));
    }
    if (!j.is_object() || !j.contains("metrics") || !j["metrics"].is_object())
        throw FileError(path, "not an r2bench summary.json (no 'metrics')");
    std::map<std::string, std::pair<std::string, std::optional<double>>> out;
    auto add = [&](const std::string& key, const std::string& metric, const json& v) {
        if (v.is_null()) out[key] = {metric, std::nullopt};
        else if (v.is_number()) out[key] = {metric, v.get<double>()};
        else throw FileError(path, fmt::format("'{}' is not a number", key));
    };
    for (const char* m : {"J", "F", "J&F", "R", "J&F&R"})
        if (j["metrics"].contains(m)) add(m, m, j["metrics"][m]);
    for (const char* m : {"J", "F"})
        if (j.contains(m) && j[m].is_object())
            for (const char* s : {"recall", "decay"})
                if (j[m].contains(s)) add(fmt::format("{}-{}{}", m, char(std::toupper(s[0])), s + 1),
                                          fmt::format("{}-{}{}", m, char(std::toupper(s[0])), s + 1), j[m][s]);
    if (j.contains("per_video") && j["per_video"].is_object())
        for (const auto& [video, v] : j["per_video"].items())
            for (const char* m : {"J", "F", "J&F", "R"})
                if (v.contains(m)) add(video + "/" + m, m, v[m]);
    return out;
}

}  // namespace

RegressReport compare_summaries(const fs::path& baseline_path, const fs::path& current_path, const RegressTolerance& tol) {
    const auto baseline = metrics_of(baseline_path);
    const auto current = metrics_of(current_path);
    RegressReport report;
    for (const auto& [key, b] : baseline) {
        MetricChange c{key, b.first, b.second, std::nullopt, 0, MetricChange::same};
        const auto it = current.find(key);
        if (it == current.end()) {
            c.status = MetricChange::missing;
        } else {
            c.current = it->second.second;
            if (!c.baseline && !c.current) {
                c.status = MetricChange::same;
            } else if (!c.baseline || !c.current) {
                c.status = c.current ? MetricChange::improved : MetricChange::regressed;  // a metric appeared / vanished
            } else {
                c.delta_points = 100 * (*c.current - *c.baseline);
                // Decays are better when lower: the score falls less over the video.
                const bool lower_is_better = c.metric.find("Decay") != std::string::npos;
                const double better = lower_is_better ? -c.delta_points : c.delta_points;
                if (c.delta_points == 0) c.status = MetricChange::same;
                else if (std::abs(c.delta_points) <= tol.for_metric(c.metric)) c.status = MetricChange::within;
                else c.status = better > 0 ? MetricChange::improved : MetricChange::regressed;
            }
        }
        ++report.compared;
        switch (c.status) {
            case MetricChange::same: ++report.same; break;
            case MetricChange::within: ++report.within; break;
            case MetricChange::improved: ++report.improved; break;
            case MetricChange::regressed: ++report.regressed; break;
            case MetricChange::missing: ++report.missing; break;
            case MetricChange::added: break;
        }
        report.changes.push_back(c);
    }
    for (const auto& [key, v] : current)
        if (!baseline.count(key)) {
            report.changes.push_back({key, v.first, std::nullopt, v.second, 0, MetricChange::added});
            ++report.added;
        }
    // Overall metrics first, in the table's order; then videos by name, each in the same order.
    auto order = [](const MetricChange& c) {
        const auto& names = regress_metric_names();
        const bool overall = c.key == c.metric;
        const size_t m = size_t(std::find(names.begin(), names.end(), c.metric) - names.begin());
        return std::make_tuple(!overall, overall ? std::string() : c.key.substr(0, c.key.size() - c.metric.size()), m, c.key);
    };
    std::stable_sort(report.changes.begin(), report.changes.end(),
                     [&](const MetricChange& a, const MetricChange& b) { return order(a) < order(b); });
    return report;
}

std::string regress_table(const RegressReport& report, bool colour, bool all) {
    static const char* names[] = {"same", "within tolerance", "improved", "REGRESSED", "MISSING", "new"};
    const char* red = colour ? "\033[31m" : "";
    const char* green = colour ? "\033[32m" : "";
    const char* reset = colour ? "\033[0m" : "";
    auto value = [](const std::optional<double>& v) { return v ? fmt::format("{:.4f}", 100 * *v) : std::string("null"); };
    std::string s = fmt::format("{:<32} {:>10} {:>10} {:>10}  {}\n", "metric", "baseline", "current", "delta", "status");
    for (const auto& c : report.changes) {
        if (!all && c.status == MetricChange::same) continue;
        const char* tint = c.status == MetricChange::regressed || c.status == MetricChange::missing ? red
                           : c.status == MetricChange::improved                                   ? green
                                                                                                  : "";
        s += fmt::format("{}{:<32} {:>10} {:>10} {:>+10.4f}  {}{}\n", tint, c.key, value(c.baseline), value(c.current),
                         c.delta_points, names[int(c.status)], tint[0] ? reset : "");
    }
    s += fmt::format("{} metrics compared: {} regressed, {} missing, {} improved, {} within tolerance, {} unchanged",
                     report.compared, report.regressed, report.missing, report.improved, report.within, report.same);
    s += report.added ? fmt::format("; {} new in the current summary\n", report.added) : std::string("\n");
    return s;
}

}  // namespace r2
