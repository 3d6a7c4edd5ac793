// `r2bench bench backbone`: ResNet-50 forward at 360x640 in libtorch, and PyTorch's time for the
// same input on the same threads in the same run (Debian's /usr/bin/python3 with python3-torch).
#include <fstream>

#include <fmt/format.h>

#include "cli/bench_eval.h"
#include "cli/bench_util.h"
#include "model_zoo/resnet.h"
#include "model_zoo/synthetic_weights.h"

namespace r2::cli {

namespace {

// Which BLAS the process actually mapped (Debian's libtorch runs on whatever libblas.so.3 points to).
std::string blas_in_use() {
    std::ifstream maps("/proc/self/maps");
    std::string line, found;
    while (std::getline(maps, line))
        for (const char* name : {"openblas", "libblas", "mkl", "blis", "atlas"})
            if (line.find(name) != std::string::npos && found.find(line.substr(line.find('/'))) == std::string::npos)
                found += (found.empty() ? "" : ", ") + line.substr(line.find('/'));
    return found.empty() ? "none mapped" : found;
}

}  // namespace

int run_bench_backbone(int height, int width, int repeats) {
    torch::NoGradGuard no_grad;
    nn::ResNet50 model;
    nn::fill_synthetic_weights(*model);
    model->eval();
    const auto image = nn::synthetic_image(1, 3, height, width);
    model->forward(image);  // warm-up
    const double best = best_seconds(repeats, [&] { model->forward(image); });
    const int threads = at::get_num_threads();
    fmt::print("bench backbone: ResNet-50 (frozen BN) forward, 1x3x{}x{}, best of {}; torch threads {}\n", height, width, repeats, threads);
    fmt::print("  BLAS mapped: {}\n", blas_in_use());
    fmt::print("  libtorch: {:8.3f} s\n", best);

    const std::string script = fmt::format(
        "import time, torch, torchvision\n"
        "torch.set_num_threads({})\n"
        "m = torchvision.models.resnet50(weights=None, norm_layer=torchvision.ops.misc.FrozenBatchNorm2d).eval()\n"
        "m.fc = torch.nn.Identity()\n"
        "x = torch.randn(1, 3, {}, {})\n"
        "f = lambda: m.layer4(m.layer3(m.layer2(m.layer1(m.maxpool(m.relu(m.bn1(m.conv1(x))))))))\n"
        "with torch.no_grad():\n"
        "    f(); best = 1e9\n"
        "    for _ in range({}):\n"
        "        t = time.perf_counter(); f(); best = min(best, time.perf_counter() - t)\n"
        "print(best)\n",
        threads, height, width, repeats);
    std::string output;
    if (run_command_output("/usr/bin/python3 -c '" + script + "'", output) != 0) {
        fmt::print("  PyTorch: not measured (needs /usr/bin/python3 with python3-torch and python3-torchvision): {}\n", output);
        return 0;
    }
    const double pytorch = std::stod(output);
    fmt::print("  PyTorch:  {:8.3f} s (same input size and threads)\n", pytorch);
    fmt::print("  ratio libtorch / PyTorch: {:.2f}x  goal <= 1.0\n", best / pytorch);
    return 0;
}

}  // namespace r2::cli
