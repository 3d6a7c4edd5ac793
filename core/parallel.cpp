#include "core/parallel.h"

#include <memory>

#include <tbb/global_control.h>
#include <tbb/info.h>

namespace r2 {

namespace {
std::unique_ptr<tbb::global_control> g_control;
int g_threads = 0;
}  // namespace

void set_thread_count(int n) {
    g_threads = n > 0 ? n : tbb::info::default_concurrency();
    g_control.reset();
    g_control = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, size_t(g_threads));
}

int thread_count() { return g_threads > 0 ? g_threads : tbb::info::default_concurrency(); }

}  // namespace r2
