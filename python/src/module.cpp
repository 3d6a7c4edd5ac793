// import r2bench: the module's compiled part (r2bench._core); r2bench/__init__.py re-exports it.
#include "bindings.h"
#include "errors.h"

namespace py = pybind11;

PYBIND11_MODULE(_core, m) {
    m.doc() = "r2bench's scoring (J, F, R of R²-VOS) for Python: frame_metrics, Evaluator, evaluate, build_dataset, read_per_frame";
    r2::python::register_errors(m);
    r2::python::bind_metrics(m);
    r2::python::bind_evaluator(m);
    r2::python::bind_files(m);
#ifdef R2BENCH_VERSION
    m.attr("__version__") = R2BENCH_VERSION;
#endif
}
