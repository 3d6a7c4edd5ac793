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
    std::chrono::steady_clock::time_point start;
    bool timed_out = false;
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

void Server::upload(const Request& req, Response& res, const httplib::ContentReader& reader, bool form) {
    if (cross_origin(req)) return refuse_unread(res, 403, "a submission posted from another site is refused");
    const int64_t limit = o_.max_upload_bytes;
    std::optional<Team> team = viewer_of(req).team;
    if (!form && !team) return refuse_unread(res, 401, "a valid team token is needed (Authorization: Bearer TOKEN)");
    if (req.has_header("Content-Length") && std::strtoll(req.get_header_value("Content-Length").c_str(), nullptr, 10) > limit + (1 << 20))
        return refuse_unread(res, 413, fmt::format("the upload is over the limit of {} bytes", limit));
    if (!req.is_multipart_form_data()) return refuse_unread(res, 400, "send multipart/form-data with a 'zip' file field");

    Incoming in;
    in.path = uploads_ / fmt::format(".incoming-{}-{}", ::getpid(), std::hash<std::thread::id>()(std::this_thread::get_id()));
    in.fd = ::open(in.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (in.fd < 0) return refuse_unread(res, 507, "the server cannot store uploads now; try later");
    std::map<std::string, std::string> fields;
    std::string field;
    int64_t bytes = 0;
    bool has_zip = false, too_big = false, field_too_long = false;
    int write_errno = 0;
    Sha256 hash;
    const bool read = reader(
        [&](const httplib::MultipartFormData& part) {
            field = part.name;
            if (field == "zip") has_zip = true;
            return true;
        },
        [&](const char* data, size_t n) {
            if (field != "zip") {
                std::string& value = fields[field];
                if (value.size() + n > 4096) return !(field_too_long = true);
                value.append(data, n);
                return true;
            }
            bytes += int64_t(n);
            if (bytes > limit) return !(too_big = true);  // stops reading: nothing more is received
            hash.update(std::string_view(data, n));
            for (size_t done = 0; done < n;) {
                const ssize_t w = ::write(in.fd, data + done, n - done);
                if (w < 0) {
                    if (errno == EINTR) continue;
                    write_errno = errno;
                    return false;
                }
                done += size_t(w);
            }
            return true;
        });
    if (too_big) return refuse_unread(res, 413, fmt::format("the upload is over the limit of {} bytes", limit));
    if (write_errno) {
        fmt::print(stderr, "serve: cannot store an upload in {}: {}\n", uploads_.string(), std::strerror(write_errno));
        return refuse_unread(res, 507, "the server's upload folder is full; the upload was not stored. Try again later.");
    }
    if (field_too_long) return refuse_unread(res, 400, "a form field is over 4096 bytes");
    if (!read || !has_zip) return refuse_unread(res, 400, "the request held no complete 'zip' file field");
    if (::fsync(in.fd) != 0) return refuse_unread(res, 507, "the server could not store the upload");
    if (form) {
        team = store_.team_by_token(fields["token"]);
        if (!team || team->name != fields["team"]) return send_json(res, 401, {{"error", "the team name and token do not match"}});
    }
    const std::string method = fields["method"];
    if (!valid_label(method, 100)) return send_json(res, 400, {{"error", "the method name is 1 to 100 bytes without control characters"}});
    if (bytes == 0) return send_json(res, 400, {{"error", "the zip is empty"}});
    int64_t id = 0;
    try {
        id = store_.add_submission(*team, method, in.path, uploads_, bytes, hash.hex(), o_.per_day);
        in.kept = true;
    } catch (const Refused& e) {
        return send_json(res, e.status, {{"error", e.what()}});
    }
    wake_.notify_all();
    if (form) {
        res.status = 303;
        res.set_header("Location", fmt::format("/submissions/{}", id));
        res.set_header("Set-Cookie", fmt::format("r2token={}; Path=/; HttpOnly; SameSite=Strict", fields["token"]));
        return;
    }
    send_json(res, 201, {{"id", id}, {"status", fmt::format("/api/submissions/{}", id)}, {"page", fmt::format("/submissions/{}", id)}});
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
    http_.Get("/submit", [this](const Request&, Response& res) {
        res.set_content(submit_page(o_.max_upload_bytes, o_.per_day), "text/html; charset=utf-8");
    });
    http_.Post("/submit", [this](const Request& req, Response& res, const httplib::ContentReader& reader) {
        upload(req, res, reader, true);
        if (res.status >= 400) {  // the form shows what went wrong
            const std::string error = json::parse(res.body).value("error", "");
            res.set_content(submit_page(o_.max_upload_bytes, o_.per_day, error), "text/html; charset=utf-8");
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
        if (what == "withdraw") ok = store_.withdraw(id, viewer.team->id);
        else if (!viewer.admin()) return send_json(res, 403, {{"error", "only an admin token may hide or show rows"}});
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
        if (!api) return res.set_content(team_page(t->name, history, viewer), "text/html; charset=utf-8");
        json list = json::array();
        for (const auto& s : history)
            if (viewer.sees_private(s) || (s.state == State::done && !s.hidden)) list.push_back(submission_json(s, viewer, 0));
        send_json(res, 200, {{"team", t->name}, {"submissions", list}});
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
    job.log = dir / "worker.log";
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

void Server::finish(Running& job, int status, const rusage& usage) {
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

std::string add_team(const fs::path& data, const std::string& name, bool admin) {
    Store store(data);
    return store.add_team(name, admin);
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
