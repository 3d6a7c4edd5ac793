// `r2bench bench eval`: how fast the evaluation runs, against PNG decoding measured in the same run.
#pragma once
#include <string>
#include <vector>

namespace r2::cli {

struct BenchEvalOptions {
    int videos = 4;
    int frames = 20;
    int expressions_per_video = 2;
    int repeats = 3;
    std::string davis_repo;  // optional: time davis2017-evaluation's Python J and F too
    std::string keep_dir;    // optional: keep the generated trees here
};

int run_bench_eval(const BenchEvalOptions& options);

// `r2bench bench build-dataset`: builder times on 202 and 2020 synthetic videos (metadata only).
int run_bench_build_dataset(int repeats);

// `r2bench bench leaderboard`: a board scored in full, then rerun with every result cached.
struct BenchLeaderboardOptions {
    std::string preset = "ytvos-valid";
    int submissions = 3;
    int repeats = 3;
    std::string keep_dir;  // optional: keep the data and the board here
};
int run_bench_leaderboard(const BenchLeaderboardOptions& options);

// `r2bench bench python`: r2bench.frame_metrics (the Python module) vs davis2017-evaluation's
// Python J and F on the same 480x854 masks, one thread each (scripts/bench_python.py).
struct BenchPythonOptions {
    std::string davis_repo;
    int frames = 100;
    int repeats = 3;
};
int run_bench_python(const BenchPythonOptions& options);

// `r2bench bench serve`: uploads from concurrent clients to a `serve` on loopback while the board
// is read; submissions scored per minute and the board's latency.
struct BenchServeOptions {
    std::string preset = "tiny";
    int submissions = 50;
    int clients = 10;
    int workers = 1;
    int distinct_runs = 5;  // noisy-oracle runs generated; each upload is one of them with its own run.json
    double timeout_s = 1800;
    std::string keep_dir;
};
int run_bench_serve(const BenchServeOptions& options);

// `r2bench bench msda` (built with libtorch only): reference vs fast CPU kernel.
int run_bench_msda(int frames, int height, int width, int repeats);
// `r2bench bench backbone` (built with libtorch only): ResNet-50 in libtorch vs PyTorch.
int run_bench_backbone(int height, int width, int repeats);

struct BenchModelOptions {
    std::string model = "r2vos_r50";
    int frames = 5, height = 360, width = 640, repeats = 2;
    std::string official_repo;  // a checkout of the official code: also time the PyTorch model
};
int run_bench_model(const BenchModelOptions& options);

// `r2bench bench run` (built with libtorch only): model-only vs end-to-end frames/s of `run`.
struct BenchRunOptions {
    std::string model = "r2vos_tiny";
    std::vector<std::string> presets = {"tiny", "small"};
    std::string weights;   // empty: synthetic weights (timing does not depend on the values)
    int window = 0;
    std::string keep_dir;  // optional: keep the data sets and submissions here
};
int run_bench_run(const BenchRunOptions& options);

// `r2bench bench train` (built with libtorch only): training steps/s with the grid_sample reference
// deformable attention and with the fast kernel, and the seconds per stage of a step.
struct BenchTrainOptions {
    std::string model = "r2vos_tiny";
    int64_t steps = 8;
};
int run_bench_train(const BenchTrainOptions& options);

}  // namespace r2::cli
