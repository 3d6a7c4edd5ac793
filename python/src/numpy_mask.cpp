#include "numpy_mask.h"

#include <fmt/format.h>

namespace py = pybind11;

namespace r2::python {

std::string MaskView::shape() const {
    return stacked ? fmt::format("{}x{}x{}", frames, height, width) : fmt::format("{}x{}", height, width);
}

MaskView mask_view(const py::handle& object, const char* name) {
    MaskView v;
    py::array array;
    if (py::isinstance<py::array>(object)) {
        array = py::reinterpret_borrow<py::array>(object);
    } else if (py::hasattr(object, "__array__")) {  // a CPU torch tensor: numpy's view of its memory, no copy
        array = py::module_::import("numpy").attr("asarray")(object);
        v.owner = array;
    } else {
        throw py::type_error(fmt::format("{}: expected a numpy array (bool or uint8), got {}", name,
                                         std::string(py::str(py::type::of(object).attr("__name__")))));
    }
    const py::dtype dtype = array.dtype();
    const bool byte_mask = dtype.itemsize() == 1 && (dtype.kind() == 'b' || dtype.kind() == 'u');
    if (!byte_mask)
        throw py::type_error(fmt::format("{}: dtype {} is not a mask; pass a bool or uint8 array (e.g. {} > 0.5)", name,
                                         dtype.attr("name").cast<std::string>(), name));
    if (array.ndim() != 2 && array.ndim() != 3)
        throw py::value_error(fmt::format("{}: expected H×W or T×H×W, got {} dimension{}", name, array.ndim(),
                                          array.ndim() == 1 ? "" : "s"));
    v.stacked = array.ndim() == 3;
    const int o = v.stacked ? 1 : 0;
    for (py::ssize_t d = 0; d < array.ndim(); ++d)
        if (array.shape(d) > (1 << 30)) throw py::value_error(fmt::format("{}: dimension {} is too large", name, d));
    v.frames = v.stacked ? int(array.shape(0)) : 1;
    v.height = int(array.shape(o)), v.width = int(array.shape(o + 1));
    if (array.strides(o + 1) != 1 && v.width > 1) {
        // Pixels of a row not side by side (a transposed or strided view): one contiguous copy.
        array = py::module_::import("numpy").attr("ascontiguousarray")(array);
        v.owner = array;
    }
    v.frame_stride = v.stacked ? array.strides(0) : 0;
    v.row_stride = array.strides(o);
    v.data = static_cast<const uint8_t*>(array.data());
    return v;
}

void check_same_shape(const MaskView& a, const char* name, const MaskView& b, const char* other_name) {
    if (a.stacked != b.stacked || a.frames != b.frames || a.height != b.height || a.width != b.width)
        throw py::value_error(fmt::format("{}: shape {} differs from {}'s {}", name, a.shape(), other_name, b.shape()));
}

}  // namespace r2::python
