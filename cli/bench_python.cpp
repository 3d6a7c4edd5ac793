#include "cli/bench_eval.h"
#include "cli/bench_util.h"

#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace r2::cli {

namespace {

constexpr double kGoal = 30;  // r2bench.frame_metrics vs davis2017-evaluation's Python, one thread

}  // namespace

int run_bench_python(const BenchPythonOptions& o) {
    // The module of this build (python/CMakeLists.txt puts it into <build>/python/r2bench) and the timing script.
    const std::string module_dir = R2BENCH_PYTHON_DIR;
    const std::string script = std::string(R2BENCH_SOURCE_DIR) + "/scripts/bench_python.py";
    if (!std::filesystem::is_directory(module_dir + "/r2bench"))
        throw Error(fmt::format("{}/r2bench: the Python module is not built (cmake --build build --target r2bench_python)", module_dir));
    fmt::print("bench python: per-frame J+F on {} masks of 480x854, best of {} runs, one thread each\n", o.frames, o.repeats);
    const std::string command =
        fmt::format("PYTHONPATH='{}' OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 '{}' --davis-repo '{}' --frames {} --repeats {}",
                    module_dir, script, o.davis_repo, o.frames, o.repeats);
    std::string output;
    if (run_command_output(command, output) != 0) throw Error("bench python: the timing script failed:\n" + output);
    const auto json = nlohmann::json::parse(output.substr(output.rfind("\n{") == std::string::npos ? output.find('{') : output.rfind("\n{") + 1));
    const double frames = json.at("frames").get<double>();
    const double davis = json.at("davis_seconds").get<double>(), mine = json.at("r2bench_seconds").get<double>();
    const double stack = json.at("r2bench_stack_seconds").get<double>();
    auto line = [](const std::string& label, const std::string& value) { fmt::print("  {:<62}: {}\n", label, value); };
    line("davis2017-evaluation db_eval_iou + db_eval_boundary (Python)", fmt::format("{:9.1f} frames/s", frames / davis));
    line("r2bench.frame_metrics, one frame per call", fmt::format("{:9.1f} frames/s", frames / mine));
    line("ratio vs davis2017-evaluation, one thread", fmt::format("{:9.1f}x  goal >= {:g}", davis / mine, kGoal));
    line(fmt::format("r2bench.frame_metrics on a {}-frame stack, {} threads", json.at("frames").get<int>(), json.at("threads").get<int>()),
         fmt::format("{:9.1f} frames/s", frames / stack));
    const int mismatches = json.at("mismatches").get<int>();
    line("frames whose J or F differ from davis2017-evaluation's", fmt::format("{:9d}", mismatches));
    return mismatches == 0 ? 0 : 1;
}

}  // namespace r2::cli
