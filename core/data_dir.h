// Where r2bench's data files live (the tiny models' trained weights, the category synonym table,
// the benchmark scripts): share/r2bench, found relative to the running executable so that an
// installed prefix works wherever it is copied, and never inside the source tree.
//
//   <prefix>/bin/r2bench          ->  <prefix>/share/r2bench     (cmake --install)
//   build/r2bench, build/tests/…  ->  build/share/r2bench         (the build tree mirrors it)
#pragma once
#include <filesystem>
#include <string_view>

namespace r2 {

// The first of: $R2BENCH_DATA_DIR; <exe dir>/../share/r2bench; <exe dir>/share/r2bench; the
// configured install prefix's share/r2bench (for programs linking the installed libraries). When
// none exists, the first exe-relative one, so that an error names where the files were expected.
std::filesystem::path data_dir();

// The tiny models' trained weights: $R2BENCH_TINY_WEIGHTS, else data_dir()/tiny_weights, copied
// there from model_zoo/tiny_weights (made by scripts/train_tiny.sh) by the build and by `cmake --install`.
std::filesystem::path bundled_weights_dir();

}  // namespace r2
