#include "server/store.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/sha256.h"

namespace r2::server {
namespace fs = std::filesystem;

namespace {

double now_seconds() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

// Schema 1 (r2bench 0.1's first server) had no admin flag, no hidden rows and no event log;
// migrate() adds them. Each version's additions are one transaction.
constexpr const char* kSchema1 =
    "CREATE TABLE teams(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, token_sha256 TEXT NOT NULL UNIQUE,"
    " created REAL NOT NULL);"
    "CREATE TABLE submissions(id INTEGER PRIMARY KEY AUTOINCREMENT, team_id INTEGER NOT NULL REFERENCES teams(id),"
    " method TEXT NOT NULL, created REAL NOT NULL, upload TEXT NOT NULL, upload_bytes INTEGER NOT NULL, sha256 TEXT NOT NULL,"
    " state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, progress TEXT NOT NULL DEFAULT '',"
    " problems TEXT NOT NULL DEFAULT '', summary TEXT NOT NULL DEFAULT '', started REAL, finished REAL);"
    "CREATE INDEX submissions_state ON submissions(state, id);"
    "CREATE INDEX submissions_team ON submissions(team_id, created);";
constexpr const char* kSchema2 =
    "ALTER TABLE teams ADD COLUMN admin INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE submissions ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE events(id INTEGER PRIMARY KEY AUTOINCREMENT, submission_id INTEGER, at REAL NOT NULL, what TEXT NOT NULL);";
// Schema 3: a team's own limits; NULL is the server's option (--per-day, --max-upload-bytes), so
// the teams of an upgraded database keep the limits they had.
constexpr const char* kSchema3 =
    "ALTER TABLE teams ADD COLUMN per_day INTEGER;"
    "ALTER TABLE teams ADD COLUMN max_upload_bytes INTEGER;";

constexpr const char* kColumns =
    "s.id, s.team_id, t.name, s.method, s.created, s.upload, s.upload_bytes, s.sha256, s.state, s.attempts, s.progress,"
    " s.problems, s.summary, coalesce(s.started, 0), coalesce(s.finished, 0), s.hidden";

Submission read_submission(const Stmt& q) {
    Submission s;
    s.id = q.int64(0), s.team_id = q.int64(1), s.team = q.text(2), s.method = q.text(3), s.created = q.real(4);
    s.upload = q.text(5), s.upload_bytes = q.int64(6), s.sha256 = q.text(7), s.state = parse_state(q.text(8));
    s.attempts = int(q.int64(9)), s.progress = q.text(10), s.problems = q.text(11), s.summary = q.text(12);
    s.started = q.real(13), s.finished = q.real(14), s.hidden = q.int64(15) != 0;
    return s;
}

constexpr const char* kTeamColumns = "id, name, admin, per_day, max_upload_bytes";

Team read_team(const Stmt& q) {
    Team t{q.int64(0), q.text(1), q.int64(2) != 0, {}};
    if (!q.is_null(3)) t.limits.per_day = int(q.int64(3));
    if (!q.is_null(4)) t.limits.max_upload_bytes = q.int64(4);
    return t;
}

void check_limits(const TeamLimits& limits) {
    if (limits.per_day && *limits.per_day < 1) throw Refused(400, "a team's --per-day is at least 1");
    if (limits.max_upload_bytes && *limits.max_upload_bytes < 1) throw Refused(400, "a team's --max-upload-bytes is at least 1");
}

// Binds a limit at `i`: NULL when the team has none of its own.
template <class T>
void bind_limit(Stmt& q, int i, const std::optional<T>& v) {
    if (v) q.bind(i, int64_t(*v));
    else q.bind_null(i);
}

std::string random_token() {
    unsigned char bytes[24];
    const int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    const bool ok = fd >= 0 && ::read(fd, bytes, sizeof bytes) == ssize_t(sizeof bytes);
    if (fd >= 0) ::close(fd);
    if (!ok) throw Error("cannot read /dev/urandom for a new token");
    std::string token = "r2t_";
    for (unsigned char b : bytes) token += fmt::format("{:02x}", b);
    return token;
}

}  // namespace

const char* state_name(State s) {
    switch (s) {
        case State::queued: return "queued";
        case State::scoring: return "scoring";
        case State::done: return "done";
        case State::failed: return "failed";
        case State::withdrawn: return "withdrawn";
    }
    return "?";
}

State parse_state(const std::string& text) {
    for (State s : {State::queued, State::scoring, State::done, State::failed, State::withdrawn})
        if (text == state_name(s)) return s;
    throw Error(fmt::format("unknown submission state '{}' in the database", text));
}

Store::Store(const fs::path& data_dir) : dir_((fs::create_directories(data_dir), data_dir)), db_(data_dir / "r2bench.sqlite", true) {
    migrate();
}

void Store::migrate() {
    std::lock_guard lock(mutex_);
    int version = 0;
    {
        Stmt q(db_, "PRAGMA user_version");
        if (q.step()) version = int(q.int64(0));
    }
    if (version > kSchemaVersion)
        throw FileError(db_.file(), fmt::format("written by a newer r2bench (schema {}; this one reads up to {}): "
                                                "upgrade r2bench rather than let an older one change it",
                                                version, kSchemaVersion));
    if (version == 0) {
        Stmt q(db_, "SELECT count(*) FROM sqlite_master");
        if (q.step() && q.int64(0) > 0)
            throw FileError(db_.file(), "is a SQLite database, but not one r2bench wrote (it has no schema version)");
    }
    const char* steps[] = {kSchema1, kSchema2, kSchema3};
    for (int v = version; v < kSchemaVersion; ++v) {
        Transaction t(db_);
        db_.exec(steps[v]);
        db_.exec(fmt::format("PRAGMA user_version={}", v + 1).c_str());
        t.commit();
    }
}

Limits team_limits(const Team& team, const Limits& server) {
    return {team.limits.per_day.value_or(server.per_day), team.limits.max_upload_bytes.value_or(server.max_upload_bytes)};
}

std::string Store::add_team(const std::string& name, bool admin, const TeamLimits& limits) {
    if (name.empty() || name.size() > 64) throw Refused(400, "a team name is 1 to 64 bytes long");
    for (unsigned char c : name)
        if (c < 0x20 || c == 0x7f) throw Refused(400, "a team name holds no control characters");
    check_limits(limits);
    const std::string token = random_token();
    std::lock_guard lock(mutex_);
    Transaction t(db_);
    {
        Stmt exists(db_, "SELECT 1 FROM teams WHERE name = ?");
        if (exists.bind(1, name).step()) throw Refused(409, fmt::format("a team named '{}' exists already", name));
    }
    Stmt q(db_, "INSERT INTO teams(name, token_sha256, created, admin, per_day, max_upload_bytes) VALUES (?, ?, ?, ?, ?, ?)");
    q.bind(1, name).bind(2, sha256_hex(token)).bind(3, now_seconds()).bind(4, int64_t(admin));
    bind_limit(q, 5, limits.per_day);
    bind_limit(q, 6, limits.max_upload_bytes);
    q.step();
    t.commit();
    return token;
}

Team Store::set_limits(const std::string& name, const TeamLimits& limits) {
    check_limits(limits);
    {
        std::lock_guard lock(mutex_);
        Stmt q(db_, "UPDATE teams SET per_day = ?, max_upload_bytes = ? WHERE name = ?");
        bind_limit(q, 1, limits.per_day);
        bind_limit(q, 2, limits.max_upload_bytes);
        q.bind(3, name).step();
        if (db_.changes() == 0) throw Refused(404, fmt::format("there is no team named '{}'", name));
    }
    return *team_by_name(name);
}

std::optional<Team> Store::team_by_token(const std::string& token) {
    if (token.empty()) return std::nullopt;
    std::lock_guard lock(mutex_);
    Stmt q(db_, fmt::format("SELECT {} FROM teams WHERE token_sha256 = ?", kTeamColumns).c_str());
    if (!q.bind(1, sha256_hex(token)).step()) return std::nullopt;
    return read_team(q);
}

std::optional<Team> Store::team_by_name(const std::string& name) {
    std::lock_guard lock(mutex_);
    Stmt q(db_, fmt::format("SELECT {} FROM teams WHERE name = ?", kTeamColumns).c_str());
    if (!q.bind(1, name).step()) return std::nullopt;
    return read_team(q);
}

int64_t Store::largest_team_upload_limit() {
    std::lock_guard lock(mutex_);
    Stmt q(db_, "SELECT coalesce(max(max_upload_bytes), 0) FROM teams");
    q.step();
    return q.int64(0);
}

int Store::submissions_today(int64_t team_id) {
    std::lock_guard lock(mutex_);
    Stmt q(db_, "SELECT count(*) FROM submissions WHERE team_id = ? AND created > ? AND state != 'failed'");
    q.bind(1, team_id).bind(2, now_seconds() - 86400).step();
    return int(q.int64(0));
}

int64_t Store::add_submission(const Team& team, const std::string& method, const fs::path& incoming, const fs::path& uploads,
                              int64_t bytes, const std::string& sha256, int per_day) {
    std::lock_guard lock(mutex_);
    Transaction t(db_);
    {
        Stmt q(db_, "SELECT count(*) FROM submissions WHERE team_id = ? AND created > ? AND state != 'failed'");
        q.bind(1, team.id).bind(2, now_seconds() - 86400).step();
        if (q.int64(0) >= per_day)
            throw Refused(429, fmt::format("team '{}' has made {} submissions in the last 24 hours, the most it may ({} a day)", team.name,
                                           q.int64(0), per_day));
    }
    Stmt insert(db_, "INSERT INTO submissions(team_id, method, created, upload, upload_bytes, sha256, state) VALUES (?, ?, ?, '', ?, ?, 'queued')");
    insert.bind(1, team.id).bind(2, method).bind(3, now_seconds()).bind(4, bytes).bind(5, sha256).step();
    const int64_t id = db_.last_insert_id();
    const std::string name = fmt::format("{}.zip", id);
    Stmt set(db_, "UPDATE submissions SET upload = ? WHERE id = ?");
    set.bind(1, name).bind(2, id).step();
    Stmt event(db_, "INSERT INTO events(submission_id, at, what) VALUES (?, ?, ?)");
    event.bind(1, id).bind(2, now_seconds()).bind(3, fmt::format("submitted by {} ({} bytes)", team.name, bytes)).step();
    // The file is in place before the row is: a crash between the two leaves an orphan upload
    // (AUTOINCREMENT never hands its id out again), never a row without its zip.
    fs::rename(incoming, uploads / name);
    sync_path(uploads);
    t.commit();
    return id;
}

std::vector<Submission> Store::query(const char* where, const std::function<void(Stmt&)>& bind) {
    std::lock_guard lock(mutex_);
    Stmt q(db_, fmt::format("SELECT {} FROM submissions s JOIN teams t ON t.id = s.team_id {}", kColumns, where).c_str());
    if (bind) bind(q);
    std::vector<Submission> out;
    while (q.step()) out.push_back(read_submission(q));
    return out;
}

std::optional<Submission> Store::submission(int64_t id) {
    auto rows = query("WHERE s.id = ?", [&](Stmt& q) { q.bind(1, id); });
    return rows.empty() ? std::nullopt : std::optional<Submission>(rows[0]);
}

std::vector<Submission> Store::team_submissions(int64_t team_id) {
    return query("WHERE s.team_id = ? ORDER BY s.id DESC", [&](Stmt& q) { q.bind(1, team_id); });
}

std::vector<Submission> Store::scored(bool with_hidden) {
    return query(with_hidden ? "WHERE s.state = 'done' ORDER BY s.id" : "WHERE s.state = 'done' AND s.hidden = 0 ORDER BY s.id");
}

int64_t Store::queue_length() {
    std::lock_guard lock(mutex_);
    Stmt q(db_, "SELECT count(*) FROM submissions WHERE state IN ('queued', 'scoring')");
    q.step();
    return q.int64(0);
}

int64_t Store::queue_ahead_of(int64_t id) {
    std::lock_guard lock(mutex_);
    Stmt q(db_, "SELECT count(*) FROM submissions WHERE state = 'scoring' OR (state = 'queued' AND id < ?)");
    q.bind(1, id).step();
    return q.int64(0);
}

std::optional<Submission> Store::claim(const std::set<std::string>& busy) {
    std::optional<Submission> job;
    {
        std::lock_guard lock(mutex_);
        Transaction t(db_);
        Stmt q(db_, "SELECT id, sha256 FROM submissions WHERE state = 'queued' ORDER BY id");
        int64_t id = 0;
        while (q.step())
            if (!busy.count(q.text(1))) {
                id = q.int64(0);
                break;
            }
        if (id == 0) return std::nullopt;
        Stmt set(db_, "UPDATE submissions SET state = 'scoring', attempts = attempts + 1, started = ?, progress = '' WHERE id = ?");
        set.bind(1, now_seconds()).bind(2, id).step();
        Stmt event(db_, "INSERT INTO events(submission_id, at, what) VALUES (?, ?, 'scoring')");
        event.bind(1, id).bind(2, now_seconds()).step();
        t.commit();
        job = Submission{};
        job->id = id;
    }
    return submission(job->id);
}

void Store::change(int64_t id, const char* sql, const std::function<void(Stmt&)>& bind, const std::string& event) {
    std::lock_guard lock(mutex_);
    Transaction t(db_);
    Stmt q(db_, sql);
    bind(q);
    q.step();
    Stmt e(db_, "INSERT INTO events(submission_id, at, what) VALUES (?, ?, ?)");
    e.bind(1, id).bind(2, now_seconds()).bind(3, event).step();
    t.commit();
    ++generation_;
}

void Store::set_progress(int64_t id, const std::string& progress) {
    std::lock_guard lock(mutex_);
    Stmt q(db_, "UPDATE submissions SET progress = ? WHERE id = ? AND state = 'scoring'");
    q.bind(1, progress).bind(2, id).step();
}

void Store::finish_done(int64_t id, const std::string& summary) {
    // Only a submission still being scored becomes done: one withdrawn meanwhile stays withdrawn.
    change(id, "UPDATE submissions SET state = 'done', summary = ?, progress = '', finished = ? WHERE id = ? AND state = 'scoring'",
           [&](Stmt& q) { q.bind(1, summary).bind(2, now_seconds()).bind(3, id); }, "done");
}

void Store::finish_failed(int64_t id, const std::string& problems) {
    change(id, "UPDATE submissions SET state = 'failed', problems = ?, progress = '', finished = ? WHERE id = ? AND state = 'scoring'",
           [&](Stmt& q) { q.bind(1, problems).bind(2, now_seconds()).bind(3, id); }, "failed: " + problems.substr(0, 200));
}

bool Store::retry_or_fail(int64_t id, const std::string& reason, int max_attempts) {
    const auto s = submission(id);
    if (!s || s->state != State::scoring) return false;
    if (s->attempts < max_attempts) {
        change(id, "UPDATE submissions SET state = 'queued', progress = '' WHERE id = ? AND state = 'scoring'",
               [&](Stmt& q) { q.bind(1, id); }, fmt::format("requeued after attempt {}: {}", s->attempts, reason));
        return true;
    }
    finish_failed(id, fmt::format("{} (attempt {} of {}; not retried again)", reason, s->attempts, max_attempts));
    return false;
}

void Store::requeue_uncounted(int64_t id) {
    change(id, "UPDATE submissions SET state = 'queued', progress = '', attempts = max(attempts - 1, 0) WHERE id = ? AND state = 'scoring'",
           [&](Stmt& q) { q.bind(1, id); }, "requeued: the server stopped");
}

std::vector<Submission> Store::interrupted() { return query("WHERE s.state = 'scoring' ORDER BY s.id"); }

bool Store::withdraw(int64_t id, int64_t team_id) {
    const auto s = submission(id);
    if (!s || s->team_id != team_id || s->state == State::withdrawn) return false;
    // attempts - (state = 'scoring'): the attempt its worker was in is not counted; the server stops it.
    change(id,
           "UPDATE submissions SET state = 'withdrawn', progress = '', attempts = max(attempts - (state = 'scoring'), 0)"
           " WHERE id = ? AND team_id = ? AND state != 'withdrawn'",
           [&](Stmt& q) { q.bind(1, id).bind(2, team_id); }, fmt::format("withdrawn by its team (it was {})", state_name(s->state)));
    return true;
}

bool Store::set_hidden(int64_t id, bool hidden) {
    if (!submission(id)) return false;
    change(id, "UPDATE submissions SET hidden = ? WHERE id = ?", [&](Stmt& q) { q.bind(1, int64_t(hidden)).bind(2, id); },
           hidden ? "hidden by an admin" : "shown again by an admin");
    return true;
}

void Store::log_event(int64_t submission_id, const std::string& what) {
    std::lock_guard lock(mutex_);
    Stmt e(db_, "INSERT INTO events(submission_id, at, what) VALUES (?, ?, ?)");
    e.bind(1, submission_id).bind(2, now_seconds()).bind(3, what).step();
}

}  // namespace r2::server
