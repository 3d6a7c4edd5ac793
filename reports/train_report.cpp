#include "reports/train_report.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "reports/svg.h"

namespace r2 {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
using Fail = std::function<void(const std::string&)>;

// A number of the log line, NaN when absent or null (nlohmann writes NaN and infinity as null,
// and a diverged run is exactly the one whose report matters).
double optional_number(const json& line, const char* key, const Fail& fail) {
    const auto it = line.find(key);
    if (it == line.end() || it->is_null()) return kNaN;
    if (!it->is_number()) fail(fmt::format("\"{}\" is not a number", key));
    return it->get<double>();
}

int64_t step_of(const json& line, const Fail& fail) {
    const auto step = line.find("step");
    if (step == line.end()) fail("a loss line without \"step\"");
    if (step->is_number_integer()) return step->get<int64_t>();
    // A writer in Python may print 120.0; any other number is not a step.
    if (step->is_number_float() && std::floor(step->get<double>()) == step->get<double>()) return int64_t(step->get<double>());
    fail("\"step\" is not an integer");
    return 0;
}

TrainLogEntry parse_entry(const json& line, const Fail& fail) {
    TrainLogEntry entry;
    entry.step = step_of(line, fail);
    entry.loss = optional_number(line, "loss", fail);
    entry.lr = optional_number(line, "lr", fail);
    entry.seconds = optional_number(line, "seconds", fail);
    if (const auto terms = line.find("terms"); terms != line.end() && !terms->is_null()) {
        if (!terms->is_object()) fail("\"terms\" is not an object");
        for (const auto& [name, value] : terms->items()) {
            if (!value.is_null() && !value.is_number()) fail(fmt::format("term \"{}\" is not a number", name));
            entry.terms[name] = value.is_null() ? kNaN : value.get<double>();
        }
    }
    return entry;
}

ValidationLogEntry parse_validation(const json& line, const Fail& fail) {
    ValidationLogEntry v;
    v.step = step_of(line, fail);
    v.j = optional_number(line, "J", fail), v.f = optional_number(line, "F", fail), v.jf = optional_number(line, "J&F", fail);
    v.r = optional_number(line, "R", fail), v.jfr = optional_number(line, "J&F&R", fail);
    v.auroc = optional_number(line, "AUROC", fail);
    v.alignment_std = optional_number(line, "alignment_std", fail);
    const double expressions = optional_number(line, "expressions", fail);
    v.expressions = std::isfinite(expressions) ? int64_t(expressions) : 0;
    return v;
}

// Calls `take(line, fail)` for every line of a train_log.jsonl that is a JSON object (blank lines
// are skipped); `fail` throws FileError "<file>: line N: …".
void for_each_log_line(const fs::path& jsonl, const std::function<void(const json&, const Fail&)>& take) {
    const std::string text = read_file(jsonl);
    size_t line_number = 0;
    for (size_t start = 0; start < text.size();) {
        const size_t end = std::min(text.find('\n', start), text.size());
        const std::string line = text.substr(start, end - start);
        start = end + 1;
        ++line_number;
        const Fail fail = [&](const std::string& problem) { throw FileError(jsonl, fmt::format("line {}: {}", line_number, problem)); };
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        json parsed;
        try {
            parsed = json::parse(line);
        } catch (const json::parse_error& e) {
            fail(fmt::format("malformed JSON at column {}", e.byte));
        }
        if (!parsed.is_object()) fail("not a JSON object");
        take(parsed, fail);
    }
}

std::string number(double v) { return std::isnan(v) ? std::string("n/a") : fmt::format("{:.4g}", v); }
std::string percent(double v) { return std::isnan(v) ? std::string("n/a") : fmt::format("{:.1f}", 100 * v); }

double mean_of_finite(std::vector<TrainLogEntry>::const_iterator from, std::vector<TrainLogEntry>::const_iterator to) {
    double sum = 0;
    size_t count = 0;
    for (auto it = from; it != to; ++it)
        if (std::isfinite(it->loss)) sum += it->loss, ++count;
    return count ? sum / double(count) : kNaN;
}

// Steps per second over the pairs of consecutive entries where the clock moved forward: a resumed
// run may restart its clock at 0, and the pair across the restart would count a negative time.
double steps_per_second(const std::vector<TrainLogEntry>& log) {
    double steps = 0, seconds = 0;
    for (size_t i = 1; i < log.size(); ++i) {
        const double dt = log[i].seconds - log[i - 1].seconds;
        if (std::isfinite(dt) && dt > 0) steps += double(log[i].step - log[i - 1].step), seconds += dt;
    }
    return seconds > 0 ? steps / seconds : kNaN;
}

// One series per step of the log.
svg::Curve series_of(const std::vector<TrainLogEntry>& log, const std::string& name,
                     const std::function<double(const TrainLogEntry&)>& value_of) {
    svg::Curve c{name, {}, {}};
    for (const auto& e : log) c.x.push_back(double(e.step)), c.y.push_back(value_of(e));
    return c;
}

// The total loss, raw and as a trailing moving average over about 5 % of the entries.
std::vector<svg::Curve> loss_curves(const std::vector<TrainLogEntry>& log) {
    std::vector<svg::Curve> curves = {series_of(log, "loss", [](const TrainLogEntry& e) { return e.loss; })};
    const size_t window = std::max<size_t>(1, size_t(std::lround(0.05 * double(log.size()))));
    if (window > 1) {
        svg::Curve average{fmt::format("moving average of {} steps", window), curves[0].x, {}};
        for (size_t i = 0; i < log.size(); ++i)
            average.y.push_back(mean_of_finite(log.begin() + long(i + 1 - std::min(window, i + 1)), log.begin() + long(i + 1)));
        curves.push_back(std::move(average));
    }
    return curves;
}

// The loss terms as charts a reader can decode: the final decoder layer's terms, the R2-VOS cycle
// terms and the auxiliary layers' terms (names ending in _<layer>) apart, and no chart with more
// series than the palette has colours (15 terms on one chart made two of them share a colour).
constexpr size_t kSeriesPerChart = 8;  // the colours of reports/svg.cpp's palette

std::string term_group(const std::string& name) {
    if (name.rfind("loss_cycle", 0) == 0) return "R2-VOS cycle terms";
    const size_t underscore = name.rfind('_');
    if (underscore != std::string::npos && underscore + 1 < name.size() &&
        name.find_first_not_of("0123456789", underscore + 1) == std::string::npos)
        return "auxiliary decoder layers";
    return "final decoder layer";
}

std::string term_charts(const std::vector<TrainLogEntry>& log) {
    std::map<std::string, std::vector<std::string>> groups;  // group → term names, in name order
    std::set<std::string> names;
    for (const auto& e : log)
        for (const auto& [name, value] : e.terms) names.insert(name);
    for (const auto& name : names) groups[term_group(name)].push_back(name);
    std::string h;
    for (const char* group : {"final decoder layer", "R2-VOS cycle terms", "auxiliary decoder layers"}) {
        const auto& members = groups[group];
        const size_t charts = (members.size() + kSeriesPerChart - 1) / kSeriesPerChart;
        for (size_t c = 0; c < charts; ++c) {
            std::vector<svg::Curve> curves;
            for (size_t i = c * kSeriesPerChart; i < std::min(members.size(), (c + 1) * kSeriesPerChart); ++i)
                curves.push_back(series_of(log, members[i], [&](const TrainLogEntry& e) {
                    const auto it = e.terms.find(members[i]);
                    return it == e.terms.end() ? kNaN : it->second;  // not logged at this step: a gap in the line
                }));
            const std::string title = charts > 1 ? fmt::format("Loss terms: {} ({} of {}; log scale)", group, c + 1, charts)
                                                 : fmt::format("Loss terms: {} (log scale)", group);
            h += svg::curves(curves, title, "step", "loss term (before its weight)", true);
        }
    }
    return names.empty() ? "<p class='note'>The log holds no loss terms.</p>" : h;
}

// The held-out passes: J&F, R and AUROC over the steps, drawn next to the loss.
std::string validation_chart(const std::vector<ValidationLogEntry>& validation) {
    std::vector<svg::Curve> curves(3);
    curves[0].name = "J&F", curves[1].name = "R", curves[2].name = "alignment AUROC";
    for (auto& c : curves) c.markers = true;  // a pass every N steps: a handful of points
    for (const auto& v : validation)
        for (auto& [curve, value] : {std::pair{&curves[0], v.jf}, std::pair{&curves[1], v.r}, std::pair{&curves[2], v.auroc}})
            curve->x.push_back(double(v.step)), curve->y.push_back(100 * value);
    return svg::curves(curves, fmt::format("Held-out validation ({} expressions per pass)", validation.back().expressions), "step",
                       "score (%)", false);
}

std::string summary_table(const std::vector<TrainLogEntry>& log, const std::vector<ValidationLogEntry>& validation) {
    const double rate = steps_per_second(log);
    std::string h = "<h2>Summary</h2><table class='summary'><tr><th>steps</th><th>initial loss</th><th>final loss</th><th>steps/s</th>";
    if (!validation.empty()) h += "<th>held-out J&amp;F</th><th>R</th><th>J&amp;F&amp;R</th><th>AUROC</th>";
    h += fmt::format("</tr><tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td>", log.empty() ? 0 : log.back().step,
                     number(initial_loss(log)), number(final_loss(log)),
                     std::isnan(rate) ? std::string("n/a") : fmt::format("{:.3g}", rate));
    if (!validation.empty()) {
        const ValidationLogEntry& v = validation.back();
        h += fmt::format("<td>{}</td><td>{}</td><td>{}</td><td>{}</td>", percent(v.jf), percent(v.r), percent(v.jfr), percent(v.auroc));
    }
    h += "</tr></table>";
    h += fmt::format("<p>{} logged step(s). The initial and final loss are the means of the first and last {} steps (the "
                     "console and r2bench train's last line say the same numbers).",
                     log.size(), kLossWindow);
    if (!validation.empty())
        h += fmt::format(" Validation at step {} on {} held-out expressions, each on its own video and its negative video; "
                         "scores in percent.",
                         validation.back().step, validation.back().expressions);
    h += "</p>";
    if (!validation.empty() && validation.back().degenerate())
        h += fmt::format("<p class='note'>The alignment scores do not separate pairs: their standard deviation is {:.2g} "
                         "(below 0.001), so the pair head says the same for every pair and its AUROC and rejections mean "
                         "nothing yet.</p>",
                         validation.back().alignment_std);
    if (log.empty()) h += "<p class='note'>The log holds no loss lines.</p>";
    return h;
}

}  // namespace

std::vector<TrainLogEntry> read_train_log(const fs::path& jsonl) {
    std::map<int64_t, TrainLogEntry> by_step;  // a later line of the same step replaces the earlier one
    for_each_log_line(jsonl, [&](const json& line, const Fail& fail) {
        if (!line.contains("loss")) return;  // an event such as "checkpoint"
        TrainLogEntry entry = parse_entry(line, fail);
        by_step[entry.step] = std::move(entry);
    });
    std::vector<TrainLogEntry> log;
    log.reserve(by_step.size());
    for (auto& [step, entry] : by_step) log.push_back(std::move(entry));
    return log;
}

std::vector<ValidationLogEntry> read_validation_log(const fs::path& jsonl) {
    std::map<int64_t, ValidationLogEntry> by_step;
    for_each_log_line(jsonl, [&](const json& line, const Fail& fail) {
        if (line.value("event", json()) == "validation") by_step[step_of(line, fail)] = parse_validation(line, fail);
    });
    std::vector<ValidationLogEntry> log;
    for (const auto& [step, entry] : by_step) log.push_back(entry);
    return log;
}

double initial_loss(const std::vector<TrainLogEntry>& log) {
    return mean_of_finite(log.begin(), log.begin() + long(std::min(kLossWindow, log.size())));
}

double final_loss(const std::vector<TrainLogEntry>& log) {
    return mean_of_finite(log.end() - long(std::min(kLossWindow, log.size())), log.end());
}

void write_train_report(const fs::path& html_out, const std::string& model_name, const std::vector<TrainLogEntry>& log,
                        const std::vector<ValidationLogEntry>& validation) {
    const std::string model = svg::escape(model_name);
    std::string h;
    // The look of report.html (html_report.cpp), reduced to what this page uses.
    h += fmt::format("<!DOCTYPE html><html><head><meta charset='utf-8'><title>r2bench training report: {}</title><style>"
                     "body{{font-family:'DejaVu Sans',sans-serif;margin:24px;color:#222;max-width:1380px}}"
                     "table{{border-collapse:collapse;margin:8px 0}}td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}"
                     "th{{background:#f0f0f0}}.summary td{{font-size:1.2em}}"
                     ".plots{{display:flex;flex-wrap:wrap;align-items:flex-start;gap:12px}}"
                     ".chart{{border:1px solid #e4e4e4;background:#fff}}.note{{color:#a60}}</style></head><body>",
                     model);
    h += fmt::format("<h1>r2bench training report: {}</h1>", model);
    h += summary_table(log, validation);
    h += "<h2>Curves</h2><div class='plots'>";
    h += svg::curves(loss_curves(log), "Total loss", "step", "loss", false);
    if (!validation.empty()) h += validation_chart(validation);
    h += term_charts(log);
    h += svg::curves({series_of(log, "learning rate", [](const TrainLogEntry& e) { return e.lr; })}, "Learning rate", "step",
                     "learning rate", false);
    h += "</div></body></html>\n";
    write_file_atomically(html_out, h);
}

}  // namespace r2
