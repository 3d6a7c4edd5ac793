// r2bench.frame_metrics: J and F of one frame or of a stack, as `r2bench eval` computes them.
#include <vector>

#include <pybind11/numpy.h>
#include <tbb/parallel_for.h>

#include "metrics/frame_metrics.h"
#include "numpy_mask.h"

namespace py = pybind11;

namespace r2::python {

namespace {

const char* kDoc = R"(J and F of one frame (H×W masks) or of each frame of a stack (T×H×W).

gt, pred: numpy bool or uint8 arrays of the same shape; any non-zero pixel is foreground. They are
read in place (no copy for C-ordered arrays) and the GIL is released while computing; the frames of
a stack are scored in parallel. bound_th: the boundary tolerance of F (a fraction of the image
diagonal, or pixels when >= 1), DAVIS 2017's 0.008 by default.

Returns (J, F): two floats for one frame, two float64 arrays of length T for a stack. J is the IoU
(1 when both masks are empty), F the DAVIS boundary F-measure: the numbers of `r2bench eval` and of
davis2017-evaluation's db_eval_iou / db_eval_boundary.)";

py::tuple frame_metrics(const py::handle& gt_array, const py::handle& pred_array, double bound_th) {
    if (!(bound_th > 0)) throw py::value_error("bound_th: must be > 0");
    const MaskView gt = mask_view(gt_array, "gt"), pred = mask_view(pred_array, "pred");
    check_same_shape(pred, "pred", gt, "gt");
    std::vector<double> j(size_t(gt.frames)), f(size_t(gt.frames));
    {
        py::gil_scoped_release release;
        auto score = [&](int t) {
            const BitMask g = gt.frame(t), p = pred.frame(t);
            j[size_t(t)] = jaccard(g, p);
            f[size_t(t)] = boundary_f(g, p, bound_th).f;
        };
        if (gt.frames == 1) score(0);
        else tbb::parallel_for(0, gt.frames, score);
    }
    if (!gt.stacked) return py::make_tuple(j[0], f[0]);
    return py::make_tuple(py::array_t<double>(py::ssize_t(j.size()), j.data()), py::array_t<double>(py::ssize_t(f.size()), f.data()));
}

}  // namespace

void bind_metrics(py::module_& m) {
    m.def("frame_metrics", &frame_metrics, kDoc, py::arg("gt"), py::arg("pred"), py::arg("bound_th") = 0.008);
}

}  // namespace r2::python
