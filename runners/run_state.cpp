#include "runners/run_state.h"


#include <map>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_file.h"
#include "core/mask_png.h"
#include "core/output_dir.h"

namespace r2 {
namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

namespace {
const char* side_name(bool negative) { return negative ? "negative" : "positive"; }

void move_folder(const fs::path& from, const fs::path& to) {
    fs::create_directories(to.parent_path());
    std::error_code ec;
    fs::remove_all(to, ec);
    fs::rename(from, to);
}

// A copy that shares the files' data (hard links; a real copy where links cannot be made): an
// earlier complete run stays untouched while a resumed run reuses its folders.
void link_folder(const fs::path& from, const fs::path& to) {
    fs::create_directories(to.parent_path());
    std::error_code ec;
    fs::remove_all(to, ec);
    fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::create_hard_links, ec);
    if (ec) {
        fs::remove_all(to, ec);
        fs::copy(from, to, fs::copy_options::recursive);
    }
}
}  // namespace

std::string json_text(const ojson& json) { return json.dump(1) + "\n"; }

fs::path run_state_file(const fs::path& sub) { return sub / kRunStateDir / "state.json"; }

void write_run_state(const fs::path& sub, const RunState& state) { write_file_atomically(run_state_file(sub), json_text(state)); }

std::optional<RunState> read_run_state(const fs::path& sub) {
    // A damaged state (a crash mid-write cannot make one: it is written atomically) reuses nothing.
    try {
        if (fs::exists(run_state_file(sub))) return read_json_file(run_state_file(sub));
        // A complete run keeps the same key in run.json.
        if (fs::exists(sub / "run.json")) {
            const ojson run = read_json_file(sub / "run.json");
            if (run.contains("resume_key")) return run["resume_key"];
        }
    } catch (const Error&) {
    } catch (const nlohmann::json::exception&) {
    }
    return std::nullopt;
}

fs::path expression_folder(const fs::path& sub, const R2Pair& pair, bool negative) {
    return negative ? sub / "Negatives" / pair.negative_video / pair.exp_id : sub / "Annotations" / pair.positive_video / pair.exp_id;
}

fs::path expression_temp_folder(const fs::path& sub, const R2Pair& pair, bool negative) {
    const fs::path final_folder = expression_folder(sub, pair, negative);
    return final_folder.parent_path() / ("." + pair.exp_id + ".partial");
}

fs::path score_piece_file(const fs::path& sub, const R2Pair& pair, bool negative) {
    // Keyed by the positive video and exp id, which identify the pair.
    return sub / kRunStateDir / "scores" / side_name(negative) / pair.positive_video / (pair.exp_id + ".json");
}

bool side_complete(const fs::path& sub, const R2Pair& pair, bool negative) {
    return fs::is_directory(expression_folder(sub, pair, negative)) && fs::exists(score_piece_file(sub, pair, negative));
}

void complete_side(const fs::path& sub, const R2Pair& pair, bool negative, const ojson& scores) {
    write_file_atomically(score_piece_file(sub, pair, negative), json_text(scores));
    // The masks (each written with fsync) and the folder's entries reach the disk before the rename
    // that marks the side complete, and the rename itself before the next side: a node crash leaves
    // no complete-looking folder with missing or empty files.
    const fs::path tmp = expression_temp_folder(sub, pair, negative), final_folder = expression_folder(sub, pair, negative);
    sync_path(tmp);
    move_folder(tmp, final_folder);
    sync_path(final_folder.parent_path());
}

namespace {
const std::vector<std::string>& side_frames(const R2Pair& pair, bool negative) {
    return negative ? pair.negative_frames : pair.positive_frames;
}

std::string side_problem(const fs::path& sub, const R2Pair& pair, bool negative) {
    const fs::path folder = expression_folder(sub, pair, negative);
    try {
        const ojson piece = read_json_file(score_piece_file(sub, pair, negative));
        if (!piece.is_object()) return score_piece_file(sub, pair, negative).string() + ": not a JSON object";
    } catch (const Error& e) {
        return e.what();
    }
    for (const auto& frame : side_frames(pair, negative)) {
        const fs::path png = folder / (frame + ".png");
        try {
            decode_prediction_png(read_file(png), png.string());
        } catch (const Error& e) {
            return e.what();
        }
    }
    return "";
}
}  // namespace

fs::path partial_folder(const fs::path& out) {
    fs::path parent = out.parent_path();
    if (parent.empty()) parent = ".";
    return parent / ("." + out.filename().string() + ".r2bench-partial");
}

namespace {
// Moves everything complete under `from` into `into` (both run folders), sides listed by their
// score pieces; what is incomplete is dropped with `from`.
// One complete side of a pair (its mask folder and its score piece) from one run folder to another.
void move_side(const fs::path& from, const fs::path& into, const R2Pair& pair, bool negative) {
    move_folder(expression_folder(from, pair, negative), expression_folder(into, pair, negative));
    fs::create_directories(score_piece_file(into, pair, negative).parent_path());
    fs::rename(score_piece_file(from, pair, negative), score_piece_file(into, pair, negative));
}

// The complete sides of the selected pairs; returns how many moved.
int64_t move_complete_sides(const fs::path& from, const fs::path& into, const std::vector<R2Pair>& pairs,
                            const std::vector<size_t>& selected) {
    int64_t moved = 0;
    for (const size_t i : selected)
        for (const bool negative : {false, true})
            if (side_complete(from, pairs[i], negative)) move_side(from, into, pairs[i], negative), ++moved;
    return moved;
}

// Adopting trusts nothing unchecked: a side whose frames are missing, empty or undecodable (a node
// crash can leave renamed but empty files) is run again, with a note.
int64_t adopt_checked_sides(const fs::path& from, const fs::path& into, const std::vector<R2Pair>& pairs,
                            const std::vector<size_t>& selected) {
    int64_t adopted = 0, refused = 0;
    std::string first_problem;
    for (const size_t i : selected) {
        for (const bool negative : {false, true}) {
            if (!side_complete(from, pairs[i], negative)) continue;
            const std::string problem = side_problem(from, pairs[i], negative);
            if (!problem.empty()) {
                if (first_problem.empty()) first_problem = problem;
                ++refused;
                continue;
            }
            move_side(from, into, pairs[i], negative);
            ++adopted;
        }
    }
    if (refused > 0)
        fmt::print(stderr, "r2bench: --resume: {} expression folder(s) in {} are damaged and run again (first: {})\n", refused,
                   from.string(), first_problem);
    return adopted;
}

int64_t move_all_complete(const fs::path& from, const fs::path& into) {
    int64_t moved = 0;
    const fs::path scores = from / kRunStateDir / "scores";
    if (!fs::is_directory(scores)) return 0;
    for (const bool negative : {false, true}) {
        const fs::path side = scores / side_name(negative);
        if (!fs::is_directory(side)) continue;
        for (const auto& video : fs::directory_iterator(side)) {
            for (const auto& piece : fs::directory_iterator(video.path())) {
                if (piece.path().extension() != ".json") continue;
                R2Pair pair;
                try {
                    pair.negative_video = read_json_file(piece.path()).value("video", "");
                } catch (const Error&) {
                    continue;  // cut short by the kill: that side is run again
                }
                pair.positive_video = video.path().filename().string();
                pair.exp_id = piece.path().stem().string();
                if (!fs::is_directory(expression_folder(from, pair, negative))) continue;
                move_side(from, into, pair, negative);
                ++moved;
            }
        }
    }
    return moved;
}
}  // namespace

void claim_killed_runs(const fs::path& out) {
    fs::path parent = out.parent_path();
    if (parent.empty()) parent = ".";
    if (!fs::is_directory(parent)) return;
    const fs::path partial = partial_folder(out);
    for (const auto& killed : temporaries_of_dead_processes(parent, out.filename().string())) {
        const auto state = read_run_state(killed);
        if (!state) continue;
        if (!fs::exists(partial)) {
            fs::rename(killed, partial);
        } else {
            const auto kept = read_run_state(partial);
            if (kept && *kept == *state) move_all_complete(killed, partial);
        }
    }
}

int64_t adopt_complete_sides(const fs::path& from, const fs::path& into, const std::vector<R2Pair>& pairs,
                             const std::vector<size_t>& selected, const RunState& state) {
    if (!fs::is_directory(from)) return 0;
    const auto previous = read_run_state(from);
    if (!previous) return 0;
    if (*previous != state) {
        std::string differs;
        for (const auto& [key, value] : state.items())
            if (!previous->contains(key) || (*previous)[key] != value)
                differs += fmt::format("{}{} {} (was {})", differs.empty() ? "" : ", ", key, value.dump(),
                                       previous->contains(key) ? (*previous)[key].dump() : "absent");
        throw FileError(from, fmt::format("--resume: the interrupted run was made differently ({}); rerun without "
                                          "--resume to start afresh",
                                          differs.empty() ? "its settings" : differs));
    }
    if (fs::exists(from / kRunStateDir / "scores")) return adopt_checked_sides(from, into, pairs, selected);
    if (!fs::exists(from / "scores.json")) return 0;
    // An earlier complete run (its own --out): its folders are shared, not moved, and its scores.json
    // is split into pieces in a staging folder beside `into`, so that it stays exactly as it was
    // should this run fail.
    const fs::path staging = into / kRunStateDir / "adopted";
    const ojson scores = read_json_file(from / "scores.json");
    with_json_errors(from / "scores.json", [&] {
        std::map<std::pair<std::string, std::string>, const ojson*> entries;
        for (const auto& e : scores.at("pairs")) entries[{e.at("video").get<std::string>(), e.at("exp_id").get<std::string>()}] = &e;
        for (const size_t i : selected) {
            const auto it = entries.find({pairs[i].positive_video, pairs[i].exp_id});
            if (it == entries.end()) continue;
            for (const bool negative : {false, true}) {
                if (!fs::is_directory(expression_folder(from, pairs[i], negative))) continue;
                ojson piece = (*it->second).at(side_name(negative));
                piece["video"] = negative ? pairs[i].negative_video : pairs[i].positive_video;
                write_file_atomically(score_piece_file(staging, pairs[i], negative), json_text(piece));
                link_folder(expression_folder(from, pairs[i], negative), expression_folder(staging, pairs[i], negative));
            }
        }
    });
    const int64_t adopted = adopt_checked_sides(staging, into, pairs, selected);
    std::error_code ec;
    fs::remove_all(staging, ec);
    return adopted;
}

int64_t keep_complete_sides(const fs::path& sub, const fs::path& out, const std::vector<R2Pair>& pairs,
                            const std::vector<size_t>& selected) {
    const auto state = read_run_state(sub);
    if (!state) return 0;
    const fs::path partial = partial_folder(out);
    std::error_code ec;
    const auto kept = read_run_state(partial);
    if (!kept || *kept != *state) fs::remove_all(partial, ec);
    write_run_state(partial, *state);
    return move_complete_sides(sub, partial, pairs, selected);
}

ojson assemble_scores(const fs::path& sub, const std::vector<R2Pair>& pairs, const std::vector<size_t>& selected,
                      const ojson& header) {
    ojson out = header;
    ojson list = ojson::array();
    for (const size_t i : selected) {
        const R2Pair& p = pairs[i];
        ojson e = {{"video", p.positive_video}, {"exp_id", p.exp_id}, {"negative_video", p.negative_video}};
        for (const bool negative : {false, true}) {
            ojson side = read_json_file(score_piece_file(sub, p, negative));
            side.erase("video");  // the piece names its video for recovery; the entry already does
            e[side_name(negative)] = std::move(side);
        }
        list.push_back(std::move(e));
    }
    out["pairs"] = std::move(list);
    return out;
}

}  // namespace r2
