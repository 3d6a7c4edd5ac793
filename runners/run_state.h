// The files a neural `run` leaves in its submission besides the masks, and how an interrupted run
// is continued (`--resume`) — no libtorch here, so `merge` and the tests use it too.
//
// Completion is per expression folder (Annotations/<video>/<exp_id>, Negatives/<video>/<exp_id>):
// the masks go into `.<exp_id>.partial` beside it, the pair's scores into
// `.r2bench-run/scores/<side>/<video>/<exp_id>.json` (atomic), and only then is the folder renamed:
// a folder under its final name is complete, with its scores. `scores.json` is assembled at the
// end in the pairs file's order, so a resumed, sharded or uninterrupted run gives the same bytes.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/pairs.h"

namespace r2 {

// What must be equal for an interrupted run's folders to be reused: model, weights, pairs file,
// window, device, shard. (The thread count is not part of it: results do not depend on it.)
using RunState = nlohmann::ordered_json;

constexpr const char* kRunStateDir = ".r2bench-run";
std::filesystem::path run_state_file(const std::filesystem::path& sub);
void write_run_state(const std::filesystem::path& sub, const RunState& state);
std::optional<RunState> read_run_state(const std::filesystem::path& sub);

// Where one side of a pair goes: negative = false → Annotations/<positive video>/<exp_id>.
std::filesystem::path expression_folder(const std::filesystem::path& sub, const R2Pair& pair, bool negative);
std::filesystem::path expression_temp_folder(const std::filesystem::path& sub, const R2Pair& pair, bool negative);
std::filesystem::path score_piece_file(const std::filesystem::path& sub, const R2Pair& pair, bool negative);
bool side_complete(const std::filesystem::path& sub, const R2Pair& pair, bool negative);

// Writes the side's scores, then renames its temporary folder into place (the completion point).
void complete_side(const std::filesystem::path& sub, const R2Pair& pair, bool negative, const nlohmann::ordered_json& scores);

// Where complete folders of a failed or killed run wait for `--resume`: `.<out name>.r2bench-partial`
// beside --out.
std::filesystem::path partial_folder(const std::filesystem::path& out);

// Before --out is opened (OutputDir removes dead processes' temporary folders): folds the
// temporary folders of killed runs (`.<name>.r2bench-tmp-PID`, process gone) into the partial
// folder, so that their complete expressions survive.
void claim_killed_runs(const std::filesystem::path& out);

// Moves every complete side of `pairs` from `from` (a partial folder, or an earlier complete run
// with its scores.json) into `into`, after checking that `from` was made with `state`; returns how
// many sides were reused. A mismatching state is an r2::Error saying what differs.
int64_t adopt_complete_sides(const std::filesystem::path& from, const std::filesystem::path& into,
                             const std::vector<R2Pair>& pairs, const std::vector<size_t>& selected, const RunState& state);

// After a failure: moves the complete sides of `sub` (the temporary --out) into the partial folder
// for a later --resume; returns how many.
int64_t keep_complete_sides(const std::filesystem::path& sub, const std::filesystem::path& out,
                            const std::vector<R2Pair>& pairs, const std::vector<size_t>& selected);

// scores.json: `header` fields, then "pairs": one entry per selected pair in file order, each
// {"video", "exp_id", "negative_video", "positive": scores, "negative": scores}.
nlohmann::ordered_json assemble_scores(const std::filesystem::path& sub, const std::vector<R2Pair>& pairs,
                                       const std::vector<size_t>& selected, const nlohmann::ordered_json& header);

// JSON text as r2bench writes its files (one space indent, final newline).
std::string json_text(const nlohmann::ordered_json& json);

}  // namespace r2
