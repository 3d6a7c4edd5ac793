// numpy masks read in place: a bool or uint8 array of H×W (one frame) or T×H×W (a stack), any
// non-zero value is foreground; a CPU torch tensor is read through numpy's view of it. The view is
// taken with the GIL held (it checks the array); the frames are packed into bits from the array's
// own memory afterwards, without the GIL (the caller keeps the array alive). Zero-copy when the
// pixels of a row are contiguous (any C-ordered array, a crop or a row-flipped view of one); other
// layouts are copied once, into `owner`.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include <pybind11/numpy.h>

#include "metrics/bitmask.h"

namespace r2::python {

struct MaskView {
    const uint8_t* data = nullptr;
    int frames = 1, height = 0, width = 0;
    bool stacked = false;  // T×H×W
    std::ptrdiff_t frame_stride = 0, row_stride = 0;  // in bytes
    pybind11::object owner;  // the contiguous copy, when one was needed (released with the GIL held)

    std::string shape() const;  // "480x854" or "5x480x854" (numpy's order)
    BitMask frame(int t) const { return mask_of_foreground(data + t * frame_stride, width, height, row_stride); }
};

// Throws TypeError (dtype, not an array) or ValueError (dimensions) naming `name`.
MaskView mask_view(const pybind11::handle& array, const char* name);

// Throws ValueError "<name>: shape A differs from <other_name>'s B" unless both views have the same shape.
void check_same_shape(const MaskView& a, const char* name, const MaskView& b, const char* other_name);

}  // namespace r2::python
