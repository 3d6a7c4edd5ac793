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

// A number of the log line, NaN when absent or null (nlohmann writes NaN and infinity as null,
// and a diverged run is exactly the one whose report matters).
double optional_number(const json& line, const char* key, const std::function<void(const std::string&)>& fail) {
    const auto it = line.find(key);
    if (it == line.end() || it->is_null()) return kNaN;
    if (!it->is_number()) fail(fmt::format("\"{}\" is not a number", key));
    return it->get<double>();
}

TrainLogEntry parse_entry(const json& line, const std::function<void(const std::string&)>& fail) {
    TrainLogEntry entry;
    const auto step = line.find("step");
    if (step == line.end()) fail("a loss line without \"step\"");
    if (step->is_number_integer()) entry.step = step->get<int64_t>();
    // A writer in Python may print 120.0; any other number is not a step.
    else if (step->is_number_float() && std::floor(step->get<double>()) == step->get<double>())
        entry.step = int64_t(step->get<double>());
    else fail("\"step\" is not an integer");
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

std::string number(double v) { return std::isnan(v) ? std::string("n/a") : fmt::format("{:.4g}", v); }

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

}  // namespace

std::vector<TrainLogEntry> read_train_log(const fs::path& jsonl) {
    const std::string text = read_file(jsonl);
    std::map<int64_t, TrainLogEntry> by_step;  // a later line of the same step replaces the earlier one
    size_t line_number = 0;
    for (size_t start = 0; start < text.size();) {
        const size_t end = std::min(text.find('\n', start), text.size());
        std::string line = text.substr(start, end - start);
        start = end + 1;
        ++line_number;
        auto fail = [&](const std::string& problem) {
            throw FileError(jsonl, fmt::format("line {}: {}", line_number, problem));
        };
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        json parsed;
        try {
            parsed = json::parse(line);
        } catch (const json::parse_error& e) {
            fail(fmt::format("malformed JSON at column {}", e.byte));
        }
        if (!parsed.is_object()) fail("not a JSON object");
        if (!parsed.contains("loss")) continue;  // an event such as "checkpoint"
        TrainLogEntry entry = parse_entry(parsed, fail);
        by_step[entry.step] = std::move(entry);
    }
    std::vector<TrainLogEntry> log;
    log.reserve(by_step.size());
    for (auto& [step, entry] : by_step) log.push_back(std::move(entry));
    return log;
}

void write_train_report(const fs::path& html_out, const std::string& model_name, const std::vector<TrainLogEntry>& log) {
    std::vector<double> steps;
    for (const auto& e : log) steps.push_back(double(e.step));
    auto series_of = [&](const std::string& name, auto value_of) {
        svg::Curve c{name, steps, {}};
        for (const auto& e : log) c.y.push_back(value_of(e));
        return c;
    };

    // Summary numbers.
    double first_loss = kNaN, last_loss = kNaN;
    for (const auto& e : log)
        if (std::isfinite(e.loss)) {
            if (std::isnan(first_loss)) first_loss = e.loss;
            last_loss = e.loss;
        }
    // The last 10 % of entries: a single last value is as noisy as one mini-batch.
    const size_t tail = std::max<size_t>(1, size_t(std::ceil(0.1 * double(log.size()))));
    const double smoothed_final = log.empty() ? kNaN : mean_of_finite(log.end() - long(std::min(tail, log.size())), log.end());
    const double rate = steps_per_second(log);

    // Total loss, raw and as a trailing moving average over about 5 % of the entries.
    std::vector<svg::Curve> loss_curves = {series_of("loss", [](const TrainLogEntry& e) { return e.loss; })};
    const size_t window = std::max<size_t>(1, size_t(std::lround(0.05 * double(log.size()))));
    if (window > 1) {
        svg::Curve average{fmt::format("moving average of {} entries", window), steps, {}};
        for (size_t i = 0; i < log.size(); ++i)
            average.y.push_back(mean_of_finite(log.begin() + long(i + 1 - std::min(window, i + 1)), log.begin() + long(i + 1)));
        loss_curves.push_back(std::move(average));
    }

    std::set<std::string> term_names;
    for (const auto& e : log)
        for (const auto& [name, value] : e.terms) term_names.insert(name);
    std::vector<svg::Curve> term_curves;
    for (const auto& name : term_names)
        term_curves.push_back(series_of(name, [&](const TrainLogEntry& e) {
            const auto it = e.terms.find(name);
            return it == e.terms.end() ? kNaN : it->second;  // not logged at this step: a gap in the line
        }));

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
    h += "<h2>Summary</h2><table class='summary'><tr><th>steps</th><th>first loss</th><th>last loss</th>"
         "<th>smoothed final loss</th><th>steps/s</th></tr><tr>";
    h += fmt::format("<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr></table>", log.empty() ? 0 : log.back().step,
                     number(first_loss), number(last_loss), number(smoothed_final),
                     std::isnan(rate) ? std::string("n/a") : fmt::format("{:.3g}", rate));
    h += fmt::format("<p>{} logged step(s); the smoothed final loss is the mean of the last {} entr{}.</p>", log.size(), tail,
                     tail == 1 ? "y" : "ies");
    if (log.empty()) h += "<p class='note'>The log holds no loss lines.</p>";

    h += "<h2>Curves</h2><div class='plots'>";
    h += svg::curves(loss_curves, "Total loss", "step", "loss", false);
    if (term_curves.empty()) h += "<p class='note'>The log holds no loss terms.</p>";
    else h += svg::curves(term_curves, "Loss terms (log scale)", "step", "loss term (before its weight)", true);
    h += svg::curves({series_of("learning rate", [](const TrainLogEntry& e) { return e.lr; })}, "Learning rate", "step",
                     "learning rate", false);
    h += "</div></body></html>\n";
    write_file_atomically(html_out, h);
}

}  // namespace r2
