// The server's state in SQLite (DIR/r2bench.sqlite, WAL): teams with hashed tokens, submissions and
// their queue state, and an event log. Every state change is one transaction; a change the board
// shows bumps generation(), which the pages' caches are keyed on.
//
// A submission moves queued → scoring → done | failed, or queued/scoring/done → withdrawn by its
// team. `scoring` rows found at start-up belong to a server that died: recover() hands them back.
#pragma once
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "server/db.h"

namespace r2::server {

enum class State { queued, scoring, done, failed, withdrawn };
const char* state_name(State s);
State parse_state(const std::string& text);  // throws r2::Error for an unknown name

// The limits a team submits under.
struct Limits {
    int per_day = 5;                              // submissions in 24 hours (failed ones do not count)
    int64_t max_upload_bytes = int64_t(2) << 30;  // largest zip, refused while streaming
};

// A team's own limits, set by the organisers (`serve --add-team/--set-limits … --per-day N`);
// nullopt (NULL in the database): the server's option, so that changing the option changes them.
struct TeamLimits {
    std::optional<int> per_day;
    std::optional<int64_t> max_upload_bytes;
};

struct Team {
    int64_t id = 0;
    std::string name;
    bool admin = false;
    TeamLimits limits;
};

// What applies to `team`: its own limits where set, else the server's.
Limits team_limits(const Team& team, const Limits& server);

struct Submission {
    int64_t id = 0;
    int64_t team_id = 0;
    std::string team, method;
    double created = 0;       // Unix seconds
    std::string upload;       // file name under DIR/uploads
    int64_t upload_bytes = 0;
    std::string sha256;       // of the zip
    State state = State::queued;
    int attempts = 0;
    std::string progress;     // "scoring: 120/400 (30%)" while scoring
    std::string problems;     // why it failed (the full list), private to its team
    std::string summary;      // summary.json of the scored submission (done)
    double started = 0, finished = 0;
    bool hidden = false;      // by an admin
};

// A team over its daily quota, a name that cannot be used, …: the client's fault (its HTTP status).
class Refused : public Error {
public:
    Refused(int status, const std::string& message) : Error(message), status(status) {}
    int status;
};

class Store {
public:
    static constexpr int kSchemaVersion = 3;
    // Opens DIR/r2bench.sqlite, creating it (and DIR) when absent and upgrading a file written by
    // an older r2bench; a newer or foreign file is refused with a FileError.
    explicit Store(const std::filesystem::path& data_dir);

    // Creates a team and returns its token (printed once: only its SHA-256 is stored).
    std::string add_team(const std::string& name, bool admin, const TeamLimits& limits = {});
    // Replaces a team's own limits (a limit left nullopt becomes the server's option again) and
    // returns the team; throws Refused (404) when there is no such team. A running server applies
    // them from its next request.
    Team set_limits(const std::string& name, const TeamLimits& limits);
    std::optional<Team> team_by_token(const std::string& token);
    std::optional<Team> team_by_name(const std::string& name);
    // The largest upload limit set for any team (0: none has one), which an upload must be allowed
    // while its team is not known yet.
    int64_t largest_team_upload_limit();

    // Records an upload and moves it from `incoming` to uploads/<id>.zip in the same transaction;
    // refuses a team over `per_day`
    // submissions in the last 24 hours (failed ones do not count).
    // Returns the new submission's id, which `upload` is renamed to; throws Refused (429).
    int64_t add_submission(const Team& team, const std::string& method, const std::filesystem::path& incoming,
                           const std::filesystem::path& uploads, int64_t bytes, const std::string& sha256, int per_day);
    // How many submissions count against the team's daily quota now.
    int submissions_today(int64_t team_id);

    std::optional<Submission> submission(int64_t id);
    std::vector<Submission> team_submissions(int64_t team_id);
    // Done, not withdrawn; hidden ones only when `with_hidden`.
    std::vector<Submission> scored(bool with_hidden);
    int64_t queue_length();
    // Submissions ahead of `id` in the queue: queued before it, or being scored.
    int64_t queue_ahead_of(int64_t id);

    // The oldest queued submission whose zip is not in `busy` (being scored now), moved to scoring
    // with one more attempt; nullopt when none waits.
    std::optional<Submission> claim(const std::set<std::string>& busy);
    void set_progress(int64_t id, const std::string& progress);
    void finish_done(int64_t id, const std::string& summary);
    void finish_failed(int64_t id, const std::string& problems);
    // A scoring attempt that died for a reason outside the submission (kill -9, a server restart):
    // queued again while attempts < max_attempts, else failed with `reason`. Returns true if requeued.
    bool retry_or_fail(int64_t id, const std::string& reason, int max_attempts);
    // Put back without counting the attempt (the server is stopping on purpose).
    void requeue_uncounted(int64_t id);
    // The submissions left in `scoring` by a server that is no longer running.
    std::vector<Submission> interrupted();

    // false: not the team's, or already withdrawn. A submission being scored is withdrawn with the
    // attempt it was in uncounted (the server stops its worker: not the submission's failure).
    bool withdraw(int64_t id, int64_t team_id);
    bool set_hidden(int64_t id, bool hidden);    // false: no such submission
    void log_event(int64_t submission_id, const std::string& what);

    int64_t generation() const { return generation_.load(); }

private:
    void migrate();
    std::vector<Submission> query(const char* where, const std::function<void(Stmt&)>& bind = {});
    void change(int64_t id, const char* sql, const std::function<void(Stmt&)>& bind, const std::string& event);

    std::filesystem::path dir_;
    std::mutex mutex_;  // one connection, shared by the HTTP threads and the supervisor
    Db db_;
    std::atomic<int64_t> generation_{0};
};

}  // namespace r2::server
