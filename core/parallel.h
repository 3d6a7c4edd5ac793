// One place decides how many threads r2bench's TBB work (and libtorch, where linked) may use.
#pragma once

namespace r2 {

// Limits TBB parallelism for the rest of the process; n <= 0 means all cores.
void set_thread_count(int n);
int thread_count();

}  // namespace r2
