#include "server/server.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <regex>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/output_lock.h"
#include "core/sha256.h"
#include "reports/leaderboard.h"
#include "server/pages.h"
#include "server/store.h"

namespace r2::server {
namespace fs = std::filesystem;
using json = nlohmann::json;
using httplib::Request;
using httplib::Response;

namespace {

// The pages load scripts and styles from the server only (no inline script: an injected
// <script> in a name would not run even if it escaped escaping), and cannot be framed.
constexpr const char* kPageCsp =
    "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
// A report.html (written by `r2bench report`, with its own inline script) runs sandboxed: an
// opaque origin, so nothing in it can reach the server's API or cookies.
constexpr const char* kReportCsp =
    "sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'none'";

struct Running {
    int64_t id = 0;
    pid_t pid = 0;
    std::string sha256;
    fs::path out, log;
    std::string upload;  // as the worker was given it
    fs::path dir;        // DATA/jobs/ID/attempt-N: its folder, with its TMPDIR
    std::chrono::steady_clock::time_point start;
    bool timed_out = false;
    bool withdrawn = false;  // killed because its team withdrew the submission: no retry, no failure
    std::string progress;
};

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::string tail_of(const fs::path& file, size_t bytes) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return "";
    in.seekg(0, std::ios::end);
    const auto size = size_t(in.tellg());
    const size_t from = size > bytes ? size - bytes : 0;
    in.seekg(std::streamoff(from));
    std::string text(size - from, '\0');
    in.read(text.data(), std::streamsize(text.size()));
    return text;
}

bool valid_label(const std::string& text, size_t max) {
    if (text.empty() || text.size() > max) return false;
    for (unsigned char c : text)
        if (c < 0x20 || c == 0x7f) return false;
    return true;
}

void send_json(Response& res, int status, const json& body) {
    res.status = status;
    res.set_content(body.dump(2) + "\n", "application/json");
}

// A response sent before the request's body was read: the connection is closed after it.
void refuse_unread(Response& res, int status, const std::string& message) {
    send_json(res, status, {{"error", message}});
    res.set_header("Connection", "close");
}

// A file being received: removed unless keep() was called.
struct Incoming {
    fs::path path;
    int fd = -1;
    bool kept = false;
    ~Incoming() {
        if (fd >= 0) ::close(fd);
        std::error_code ec;
        if (!kept && !path.empty()) fs::remove(path, ec);
    }
};

// An upload's body as it streamed in (receive()).
struct Received {
    std::map<std::string, std::string> fields;
    int64_t bytes = 0;         // of the zip
    std::string sha256;        // of the zip
    bool read = false;         // the whole body was read
    bool has_zip = false, too_big = false, field_too_long = false;
    bool stopped = false;      // refused when the zip began
    int write_errno = 0;
};

class Server {
public:
    explicit Server(const ServeOptions& o);
    int run();

private:
    void routes();
    void supervise();
    void start_next_jobs();
    void start_job(const Submission& s);
    void reap();
    void finish(Running& job, int status, const rusage& usage);
    void recover();
    void stop_orphaned_worker(const fs::path& out);
    void stop_workers();
    Viewer viewer_of(const Request& req);
    bool cross_origin(const Request& req);
    void upload(const Request& req, Response& res, const httplib::ContentReader& reader, bool form);
    std::optional<Team> form_team(const std::map<std::string, std::string>& fields);
    Limits server_limits() const { return {o_.per_day, o_.max_upload_bytes}; }
    std::optional<TeamQuota> quota_of(const std::optional<Team>& team);
    void stop_withdrawn(int64_t id);
    void end_withdrawn(const Running& job);
    std::vector<BoardEntry> board();
    fs::path result_dir(const std::string& sha256) const { return results_ / sha256_hex(sha256 + setting_); }
    int64_t queue_ahead(const Submission& s);

    ServeOptions o_;
    Store store_;
    std::string setting_;
    fs::path uploads_, results_, jobs_;
    httplib::Server http_;
    std::mutex jobs_mutex_;
    std::vector<Running> running_;
    std::condition_variable wake_;
    std::atomic<bool> stopping_{false};
    std::mutex board_mutex_;
    int64_t board_generation_ = -1;
    std::vector<BoardEntry> board_;
};

Server::Server(const ServeOptions& o)
    : o_(o), store_(o.data), uploads_(o.data / "uploads"), results_(o.data / "results"), jobs_(o.data / "jobs") {
    for (const auto& dir : {uploads_, results_, jobs_}) fs::create_directories(dir);
    // Uploads a killed server was receiving.
    for (const auto& e : fs::directory_iterator(uploads_))
        if (e.path().filename().string().rfind(".incoming-", 0) == 0) fs::remove(e.path());
    fmt::print(stderr, "serve: hashing the ground truth and the pairs (the results' cache key) …\n");
    setting_ = score_setting_hash(o.score);
}

std::vector<BoardEntry> Server::board() {
    // Rebuilt only after a change the board shows, so reading it under load costs a copy.
    std::lock_guard lock(board_mutex_);
    const int64_t generation = store_.generation();
    if (generation != board_generation_) {
        board_ = board_entries(store_.scored(false));
        board_generation_ = generation;
    }
    return board_;
}

int64_t Server::queue_ahead(const Submission& s) {
    return s.state == State::queued ? store_.queue_ahead_of(s.id) : 0;
}

Viewer Server::viewer_of(const Request& req) {
    std::string token;
    const std::string auth = req.get_header_value("Authorization");
    if (auth.rfind("Bearer ", 0) == 0) token = auth.substr(7);
    if (token.empty()) {
        static const std::regex cookie("(?:^|;\\s*)r2token=([A-Za-z0-9_]+)");
        std::smatch m;
        const std::string cookies = req.get_header_value("Cookie");
        if (std::regex_search(cookies, m, cookie)) token = m[1];
    }
    return Viewer{store_.team_by_token(token)};
}

// A form posted from another site: its Origin (or, without one, Sec-Fetch-Site) says so.
bool Server::cross_origin(const Request& req) {
    const std::string origin = req.get_header_value("Origin");
    if (!origin.empty()) return origin != "http://" + req.get_header_value("Host");
    return req.get_header_value("Sec-Fetch-Site") == "cross-site";
}

// Streams a multipart body: the fields into memory (4 KiB each), the "zip" field into `fd`, hashed.
// `at_zip` is called when the zip field begins (the fields sent before it are complete): it may
// change `limit` (read on every chunk) or refuse the upload (false: `stopped`). Reading stops as
// soon as the zip is over `limit`, so nothing more is received.
Received receive(const httplib::ContentReader& reader, int fd, int64_t& limit, const std::function<bool(const Received&)>& at_zip) {
    Received got;
    std::string field;
    Sha256 hash;
    got.read = reader(
        [&](const httplib::MultipartFormData& part) {
            field = part.name;
            if (field != "zip") return true;
            got.has_zip = true;
            return !(got.stopped = !at_zip(got));
        },
        [&](const char* data, size_t n) {
            if (field != "zip") {
                std::string& value = got.fields[field];
                if (value.size() + n > 4096) return !(got.field_too_long = true);
                value.append(data, n);
                return true;
            }
            got.bytes += int64_t(n);
            if (got.bytes > limit) return !(got.too_big = true);
            hash.update(std::string_view(data, n));
            for (size_t done = 0; done < n;) {
                const ssize_t w = ::write(fd, data + done, n - done);
                if (w < 0) {
                    if (errno == EINTR) continue;
                    got.write_errno = errno;
                    return false;
                }
                done += size_t(w);
            }
            return true;
        });
    got.sha256 = hash.hex();
    return got;
}

std::string over_limit(const std::optional<Team>& team, int64_t limit) {
    return team ? fmt::format("the upload is over the limit of team '{}' ({} bytes)", team->name, limit)
                : fmt::format("the upload is over the limit of {} bytes", limit);
}

void Server::upload(const Request& req, Response& res, const httplib::ContentReader& reader, bool form) {
    if (cross_origin(req)) return refuse_unread(res, 403, "a submission posted from another site is refused");
    // Whose limit applies while the body streams in: the API names its team up front (the token of
    // the Authorization header or the cookie), the form in its team and token fields, read before
    // the zip when sent in the page's order. Until the team is known, the largest any team has.
    std::optional<Team> team = form ? std::nullopt : viewer_of(req).team;
    if (!form && !team) return refuse_unread(res, 401, "a valid team token is needed (Authorization: Bearer TOKEN)");
    int64_t limit = team ? team_limits(*team, server_limits()).max_upload_bytes
                         : std::max(o_.max_upload_bytes, store_.largest_team_upload_limit());
    if (req.has_header("Content-Length") && std::strtoll(req.get_header_value("Content-Length").c_str(), nullptr, 10) > limit + (1 << 20))
        return refuse_unread(res, 413, over_limit(team, limit));
    if (!req.is_multipart_form_data()) return refuse_unread(res, 400, "send multipart/form-data with a 'zip' file field");

    Incoming in;
    in.path = uploads_ / fmt::format(".incoming-{}-{}", ::getpid(), std::hash<std::thread::id>()(std::this_thread::get_id()));
    in.fd = ::open(in.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (in.fd < 0) return refuse_unread(res, 507, "the server cannot store uploads now; try later");
    const Received got = receive(reader, in.fd, limit, [&](const Received& r) {
        if (!form || !r.fields.count("team") || !r.fields.count("token")) return true;
        team = form_team(r.fields);
        if (team) limit = team_limits(*team, server_limits()).max_upload_bytes;
        return team.has_value();  // a wrong token is refused before the zip is received
    });
    if (got.stopped) return refuse_unread(res, 401, "the team name and token do not match");
    if (got.too_big) return refuse_unread(res, 413, over_limit(team, limit));
    if (got.write_errno) {
        fmt::print(stderr, "serve: cannot store an upload in {}: {}\n", uploads_.string(), std::strerror(got.write_errno));
        return refuse_unread(res, 507, "the server's upload folder is full; the upload was not stored. Try again later.");
    }
    if (got.field_too_long) return refuse_unread(res, 400, "a form field is over 4096 bytes");
    if (!got.read || !got.has_zip) return refuse_unread(res, 400, "the request held no complete 'zip' file field");
    if (::fsync(in.fd) != 0) return refuse_unread(res, 507, "the server could not store the upload");
    if (form && !team) team = form_team(got.fields);  // its fields came after the zip
    if (!team) return send_json(res, 401, {{"error", "the team name and token do not match"}});
    const Limits limits = team_limits(*team, server_limits());
    if (got.bytes > limits.max_upload_bytes) return send_json(res, 413, {{"error", over_limit(team, limits.max_upload_bytes)}});
    const std::string method = got.fields.count("method") ? got.fields.at("method") : "";
    if (!valid_label(method, 100)) return send_json(res, 400, {{"error", "the method name is 1 to 100 bytes without control characters"}});
    if (got.bytes == 0) return send_json(res, 400, {{"error", "the zip is empty"}});
    int64_t id = 0;
    try {
        id = store_.add_submission(*team, method, in.path, uploads_, got.bytes, got.sha256, limits.per_day);
        in.kept = true;
    } catch (const Refused& e) {
        return send_json(res, e.status, {{"error", e.what()}});
    }
    wake_.notify_all();
    if (form) {
        res.status = 303;
        res.set_header("Location", fmt::format("/submissions/{}", id));
        res.set_header("Set-Cookie", fmt::format("r2token={}; Path=/; HttpOnly; SameSite=Strict", got.fields.at("token")));
        return;
    }
    send_json(res, 201, {{"id", id}, {"status", fmt::format("/api/submissions/{}", id)}, {"page", fmt::format("/submissions/{}", id)}});
}

// The form's team: its token's, when it is the one the form names.
std::optional<Team> Server::form_team(const std::map<std::string, std::string>& fields) {
    const auto token = fields.find("token"), name = fields.find("team");
    if (token == fields.end() || name == fields.end()) return std::nullopt;
    auto team = store_.team_by_token(token->second);
    if (!team || team->name != name->second) return std::nullopt;
    return team;
}

std::optional<TeamQuota> Server::quota_of(const std::optional<Team>& team) {
    if (!team) return std::nullopt;
    return TeamQuota{team->name, team_limits(*team, server_limits()), team->limits, store_.submissions_today(team->id)};
}

void Server::routes() {
    http_.set_post_routing_handler([](const Request&, Response& res) {
        res.set_header("X-Content-Type-Options", "nosniff");
        res.set_header("Referrer-Policy", "same-origin");
        if (!res.has_header("Content-Security-Policy")) res.set_header("Content-Security-Policy", kPageCsp);
        if (!res.has_header("Cache-Control")) res.set_header("Cache-Control", "no-store");
    });
    http_.set_exception_handler([](const Request& req, Response& res, std::exception_ptr ep) {
        std::string what = "unknown";
        try {
            std::rethrow_exception(ep);
        } catch (const std::exception& e) {
            what = e.what();
        } catch (...) {
        }
        fmt::print(stderr, "serve: {} {}: {}\n", req.method, req.path, what);
        send_json(res, 500, {{"error", "internal error; the organisers' log has the details"}});
    });

    http_.Get("/", [this](const Request& req, Response& res) { res.set_content(board_page(board(), viewer_of(req)), "text/html; charset=utf-8"); });
    http_.Get("/api/leaderboard", [this](const Request&, Response& res) { send_json(res, 200, board_json(board())); });
    http_.Get("/favicon.ico", [](const Request&, Response& res) { res.status = 204; });
    http_.Get("/static/board.js", [](const Request&, Response& res) { res.set_content(kBoardScript, "text/javascript"); });
    auto rows = [this] {
        std::vector<LeaderboardRow> out;
        for (const auto& e : board()) out.push_back(e.row);
        return out;
    };
    http_.Get("/leaderboard.md", [rows](const Request&, Response& res) { res.set_content(leaderboard_markdown(rows()), "text/markdown; charset=utf-8"); });
    http_.Get("/leaderboard.csv", [rows](const Request&, Response& res) { res.set_content(leaderboard_csv(rows()), "text/csv; charset=utf-8"); });
    http_.Get("/leaderboard.html", [rows](const Request&, Response& res) { res.set_content(leaderboard_html(rows()), "text/html; charset=utf-8"); });
    http_.Get("/submit", [this](const Request& req, Response& res) {
        res.set_content(submit_page(server_limits(), quota_of(viewer_of(req).team)), "text/html; charset=utf-8");
    });
    http_.Post("/submit", [this](const Request& req, Response& res, const httplib::ContentReader& reader) {
        upload(req, res, reader, true);
        if (res.status >= 400) {  // the form shows what went wrong
            const std::string error = json::parse(res.body).value("error", "");
            res.set_content(submit_page(server_limits(), quota_of(viewer_of(req).team), error), "text/html; charset=utf-8");
        }
    });
    http_.Post("/api/submissions", [this](const Request& req, Response& res, const httplib::ContentReader& reader) {
        upload(req, res, reader, false);
    });

    auto find = [this](const Request& req, Response& res, bool api) -> std::optional<Submission> {
        auto s = store_.submission(std::stoll(req.matches[1]));
        const Viewer viewer = viewer_of(req);
        // A hidden or withdrawn submission is its team's and the organisers' business only.
        if (s && (s->hidden || s->state == State::withdrawn) && !viewer.sees_private(*s)) s.reset();
        if (!s) {
            if (api) send_json(res, 404, {{"error", "no such submission"}});
            else res.status = 404, res.set_content(message_page("Not found", "No such submission."), "text/html; charset=utf-8");
        }
        return s;
    };
    http_.Get(R"(/api/submissions/(\d{1,18}))", [this, find](const Request& req, Response& res) {
        if (auto s = find(req, res, true)) send_json(res, 200, submission_json(*s, viewer_of(req), queue_ahead(*s)));
    });
    http_.Get(R"(/submissions/(\d{1,18}))", [this, find](const Request& req, Response& res) {
        if (auto s = find(req, res, false)) res.set_content(status_page(*s, viewer_of(req), queue_ahead(*s)), "text/html; charset=utf-8");
    });
    http_.Get(R"(/submissions/(\d{1,18})/report\.html)", [this, find](const Request& req, Response& res) {
        auto s = find(req, res, false);
        if (!s) return;
        const fs::path file = result_dir(s->sha256) / "report.html";
        if (s->state != State::done || !fs::is_regular_file(file)) {
            res.status = 404;
            return res.set_content(message_page("Not found", "This submission has no report."), "text/html; charset=utf-8");
        }
        res.set_header("Content-Security-Policy", kReportCsp);
        res.set_content(read_file(file), "text/html; charset=utf-8");
    });

    // Withdrawing (the team) and hiding (an admin): the API with a Bearer token, the pages' buttons
    // with the cookie the form set (SameSite=Strict, and the Origin checked).
    auto action = [this](const Request& req, Response& res, const std::string& what, bool api) {
        if (cross_origin(req)) return send_json(res, 403, {{"error", "a request from another site is refused"}});
        const Viewer viewer = viewer_of(req);
        if (!viewer.team) return send_json(res, 401, {{"error", "a valid team token is needed"}});
        const int64_t id = std::stoll(req.matches[1]);
        bool ok = false;
        if (what == "withdraw") {
            ok = store_.withdraw(id, viewer.team->id);
            if (ok) stop_withdrawn(id);
        } else if (!viewer.admin()) return send_json(res, 403, {{"error", "only an admin token may hide or show rows"}});
        else ok = store_.set_hidden(id, what == "hide");
        if (!ok) return send_json(res, 404, {{"error", "no such submission of this team (or it was withdrawn already)"}});
        if (api) return send_json(res, 200, {{"id", id}, {"done", what}});
        res.status = 303;
        res.set_header("Location", fmt::format("/submissions/{}", id));
    };
    for (const std::string what : {"withdraw", "hide", "show"}) {
        http_.Post(fmt::format(R"(/api/submissions/(\d{{1,18}})/{})", what),
                   [action, what](const Request& req, Response& res) { action(req, res, what, true); });
        http_.Post(fmt::format(R"(/submissions/(\d{{1,18}})/{})", what),
                   [action, what](const Request& req, Response& res) { action(req, res, what, false); });
    }

    auto team = [this](const Request& req, Response& res, bool api) {
        const std::string name = req.matches[1];  // httplib decoded the path already (%2F included)
        const auto t = store_.team_by_name(name);
        if (!t) {
            res.status = 404;
            return api ? send_json(res, 404, {{"error", "no such team"}})
                       : res.set_content(message_page("Not found", "No such team."), "text/html; charset=utf-8");
        }
        const Viewer viewer = viewer_of(req);
        const auto history = store_.team_submissions(t->id);
        // The team's limits are its members' and the organisers' business only.
        const bool own = viewer.team && (viewer.admin() || viewer.team->id == t->id);
        const auto quota = own ? quota_of(t) : std::nullopt;
        if (!api) return res.set_content(team_page(t->name, history, viewer, quota), "text/html; charset=utf-8");
        json list = json::array();
        for (const auto& s : history)
            if (viewer.sees_private(s) || (s.state == State::done && !s.hidden)) list.push_back(submission_json(s, viewer, 0));
        json body = {{"team", t->name}, {"submissions", list}};
        if (quota) body["limits"] = quota_json(*quota);
        send_json(res, 200, body);
    };
    http_.Get(R"(/teams/(.{1,200}))", [team](const Request& req, Response& res) { team(req, res, false); });
    http_.Get(R"(/api/teams/(.{1,200}))", [team](const Request& req, Response& res) { team(req, res, true); });
    http_.Get("/api/health", [this](const Request&, Response& res) {
        std::lock_guard lock(jobs_mutex_);
        send_json(res, 200, {{"queue", store_.queue_length()}, {"scoring", running_.size()}, {"workers", o_.workers}});
    });
}

// ---- the queue -------------------------------------------------------------------------------

// A worker of a server killed with -9 dies with it (PR_SET_PDEATHSIG), but not at once, and a
// container's init may leave it unreaped for a while: until it is gone its lock on the result
// folder would refuse the retry. Such a worker is stopped and waited for (bounded).
void Server::stop_orphaned_worker(const fs::path& out) {
    const long pid = OutputLock::local_holder(out, "score");
    if (pid == 0) return;
    fmt::print(stderr, "serve: stopping process {}, a worker left by the previous server\n", pid);
    ::kill(pid_t(pid), SIGKILL);
    for (int i = 0; i < 1000 && OutputLock::running(pid); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

void Server::recover() {
    for (const auto& s : store_.interrupted()) {
        stop_orphaned_worker(result_dir(s.sha256));
        if (fs::is_regular_file(result_dir(s.sha256) / "summary.json")) {
            // Scored and committed before the server died: recorded now, not scored again.
            store_.finish_done(s.id, read_file(result_dir(s.sha256) / "summary.json"));
            fmt::print(stderr, "serve: submission {} was scored before the restart; recorded\n", s.id);
        } else if (store_.retry_or_fail(s.id, "the server stopped while scoring it", o_.max_attempts)) {
            fmt::print(stderr, "serve: submission {} was being scored when the server stopped; queued again\n", s.id);
        }
    }
}

void Server::start_job(const Submission& s) {
    Running job;
    job.id = s.id, job.sha256 = s.sha256, job.out = result_dir(s.sha256), job.start = std::chrono::steady_clock::now();
    if (fs::is_regular_file(job.out / "summary.json")) {  // the same zip was scored before: the cache
        store_.finish_done(s.id, read_file(job.out / "summary.json"));
        store_.log_event(s.id, "result taken from the cache (the same zip was scored before)");
        return;
    }
    const fs::path dir = jobs_ / std::to_string(s.id) / fmt::format("attempt-{}", s.attempts);
    job.dir = dir, job.log = dir / "worker.log";
    // Relative to the worker's folder: the report names the zip without the server's folders.
    job.upload = (fs::path("../../..") / "uploads" / s.upload).string();
    std::vector<std::string> argv = {o_.worker_binary.string(), "score", job.upload, "--source", o_.score.gt.string(),
                                     "--split", o_.score.split, "--out", job.out.string(), "--report",
                                     "--max-entries", std::to_string(o_.score.limits.max_entries),
                                     "--max-total-bytes", std::to_string(o_.score.limits.max_total_bytes),
                                     "--max-png-bytes", std::to_string(o_.score.limits.max_png_bytes)};
    if (!o_.score.pairs.empty()) argv.insert(argv.end(), {"--pairs", o_.score.pairs.string()});
    if (o_.score.allow_missing) argv.push_back("--allow-missing");
    try {
        job.pid = spawn_worker(argv, dir, job.log, o_.limits);
    } catch (const Error& e) {
        store_.retry_or_fail(s.id, e.what(), o_.max_attempts);
        return;
    }
    store_.log_event(s.id, fmt::format("worker {} started", job.pid));
    running_.push_back(job);
}

// The team withdrew a submission being scored: its worker (the whole process group) is killed now
// rather than left to score what nobody will see, and reap() frees its slot for the next job.
// Called once the database says withdrawn; the supervisor claims and starts jobs under
// jobs_mutex_, so a job claimed just before is in running_ by the time this has the lock, and one
// that ended meanwhile is not (its result is dropped: finish_done needs the state `scoring`).
void Server::stop_withdrawn(int64_t id) {
    std::lock_guard lock(jobs_mutex_);
    for (auto& job : running_) {
        if (job.id != id || job.withdrawn) continue;
        job.withdrawn = true;
        if (::kill(-job.pid, SIGKILL) != 0) ::kill(job.pid, SIGKILL);
        store_.log_event(id, fmt::format("worker {} killed: the submission was withdrawn", job.pid));
    }
    wake_.notify_all();
}

// After a withdrawn job's worker was reaped: nothing is recorded as its result (no retry, no
// failure), and what the killed worker left behind goes: its TMPDIR and the temporary sibling
// OutputDir gave it beside the result folder (`.KEY.r2bench-tmp-HOST.PID`). worker.log stays.
void Server::end_withdrawn(const Running& job) {
    std::error_code ec;
    fs::remove_all(job.dir / "tmp", ec);
    const std::string prefix = "." + job.out.filename().string() + ".r2bench-tmp-", suffix = fmt::format(".{}", job.pid);
    std::vector<fs::path> left;
    for (const auto& e : fs::directory_iterator(results_, ec)) {
        const std::string name = e.path().filename().string();
        if (name.rfind(prefix, 0) == 0 && name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
            left.push_back(e.path());
    }
    for (const auto& path : left) fs::remove_all(path, ec);
    store_.log_event(job.id, "worker stopped and its temporary files removed");
}

void Server::finish(Running& job, int status, const rusage& usage) {
    if (job.withdrawn) return end_withdrawn(job);
    const bool cpu_exhausted = child_cpu_seconds(usage) >= double(o_.limits.cpu_seconds);
    const WorkerEnd end = job.timed_out ? WorkerEnd::killed : classify_worker_exit(status, cpu_exhausted);
    const std::string log = tail_of(job.log, 256 * 1024);
    const std::string& upload = job.upload;
    switch (end) {
        case WorkerEnd::scored:
            try {
                store_.finish_done(job.id, read_file(job.out / "summary.json"));
            } catch (const Error& e) {
                store_.finish_failed(job.id, fmt::format("the worker ended without a result ({})", e.what()));
            }
            return;
        case WorkerEnd::refused: return store_.finish_failed(job.id, public_problems(log, upload, o_.data.string()));
        case WorkerEnd::cpu_limit:
            return store_.finish_failed(job.id, fmt::format("scoring used more than the limit of {} s of CPU time", o_.limits.cpu_seconds));
        case WorkerEnd::file_limit:
            return store_.finish_failed(job.id, fmt::format("scoring wrote a file over the limit of {} bytes", o_.limits.file_bytes));
        case WorkerEnd::killed:
            if (job.timed_out)
                return store_.finish_failed(job.id, fmt::format("scoring took longer than the limit of {:.0f} s", o_.limits.wall_seconds));
            store_.retry_or_fail(job.id, fmt::format("the worker was killed ({})", describe_worker_exit(status)), o_.max_attempts);
            return;
        case WorkerEnd::crashed:
            return store_.finish_failed(job.id, fmt::format("the worker failed ({}; limits: {} MiB of memory):\n{}", describe_worker_exit(status),
                                                            o_.limits.memory_bytes >> 20, public_problems(log, upload, o_.data.string())));
    }
}

void Server::reap() {
    for (auto it = running_.begin(); it != running_.end();) {
        int status = 0;
        rusage usage{};
        const pid_t got = ::wait4(it->pid, &status, WNOHANG, &usage);
        if (got == it->pid) {
            try {
                finish(*it, status, usage);
            } catch (const std::exception& e) {
                fmt::print(stderr, "serve: recording the end of submission {}: {}\n", it->id, e.what());
            }
            it = running_.erase(it);
            continue;
        }
        if (!it->timed_out && seconds_since(it->start) > o_.limits.wall_seconds) {
            it->timed_out = true;
            ::kill(-it->pid, SIGKILL);
        }
        const std::string progress = last_progress(tail_of(it->log, 4096));
        if (!progress.empty() && progress != it->progress) {
            it->progress = progress;
            store_.set_progress(it->id, progress);
        }
        ++it;
    }
}

void Server::start_next_jobs() {
    while (!stopping_ && int(running_.size()) < o_.workers) {
        std::set<std::string> busy;
        for (const auto& r : running_) busy.insert(r.sha256);
        const auto job = store_.claim(busy);
        if (!job) return;
        start_job(*job);
    }
}

void Server::supervise() {
    while (!stopping_) {
        try {
            std::unique_lock lock(jobs_mutex_);
            reap();
            start_next_jobs();
            wake_.wait_for(lock, std::chrono::milliseconds(200));
        } catch (const std::exception& e) {
            // The database is busy or the disk full: the queue waits and tries again.
            fmt::print(stderr, "serve: queue: {}\n", e.what());
            std::this_thread::sleep_for(std::chrono::seconds(1));
        }
    }
}

void Server::stop_workers() {
    std::lock_guard lock(jobs_mutex_);
    for (auto& job : running_) {
        ::kill(-job.pid, SIGKILL);
        ::waitpid(job.pid, nullptr, 0);
        store_.requeue_uncounted(job.id);
    }
    running_.clear();
}

int Server::run() {
    recover();
    routes();
    http_.new_task_queue = [] { return new httplib::ThreadPool(48); };
    http_.set_keep_alive_timeout(2);
    http_.set_read_timeout(30);
    const int port = o_.port == 0 ? http_.bind_to_any_port(o_.host) : (http_.bind_to_port(o_.host, o_.port) ? o_.port : -1);
    if (port <= 0) throw Error(fmt::format("cannot listen on {}:{} (in use, or not an address of this machine)", o_.host, o_.port));
    const std::string address = fmt::format("http://{}:{}", o_.host, port);
    write_file_atomically(o_.data / "address", address + "\n");
    fmt::print("serve: the board is at {}/ (queue: {} waiting; Ctrl-C stops)\n", address, store_.queue_length());
    std::fflush(stdout);

    std::thread supervisor([this] { supervise(); });
    std::thread signals([this] {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGINT), sigaddset(&set, SIGTERM), sigaddset(&set, SIGUSR1);
        int sig = 0;
        sigwait(&set, &sig);
        stopping_ = true;
        http_.stop();
        wake_.notify_all();
    });
    http_.listen_after_bind();
    stopping_ = true;
    wake_.notify_all();
    supervisor.join();
    stop_workers();
    ::kill(::getpid(), SIGUSR1);  // ends the signal thread if the server stopped on its own
    signals.join();
    fmt::print(stderr, "serve: stopped; the queue is kept in {}\n", (o_.data / "r2bench.sqlite").string());
    return 0;
}

}  // namespace

int run_server(const ServeOptions& options) {
    // Blocked in every thread (a sigwait thread takes them); a client that hangs up or a full
    // file-size limit is an error code, never the server's death.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT), sigaddset(&set, SIGTERM), sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
    ::signal(SIGXFSZ, SIG_IGN);
    Server server(options);
    return server.run();
}

std::string add_team(const fs::path& data, const std::string& name, bool admin, const TeamLimits& limits) {
    Store store(data);
    return store.add_team(name, admin, limits);
}

Team set_team_limits(const fs::path& data, const std::string& name, const TeamLimits& limits) {
    if (!fs::is_regular_file(data / "r2bench.sqlite")) throw FileError(data, "holds no r2bench.sqlite: not a server's data folder");
    Store store(data);
    return store.set_limits(name, limits);
}

}  // namespace r2::server

namespace r2::server {

void export_board(const fs::path& data, const fs::path& out, const std::string& base_url) {
    if (!fs::is_regular_file(data / "r2bench.sqlite")) throw FileError(data, "holds no r2bench.sqlite: not a server's data folder");
    Store store(data);
    std::vector<LeaderboardRow> rows;
    for (auto& e : board_entries(store.scored(false))) {
        e.row.report = base_url + e.row.report;
        rows.push_back(e.row);
    }
    fs::create_directories(out);
    write_file_atomically(out / "leaderboard.md", leaderboard_markdown(rows));
    write_file_atomically(out / "leaderboard.csv", leaderboard_csv(rows));
    write_file_atomically(out / "leaderboard.html", leaderboard_html(rows));
}

}  // namespace r2::server
