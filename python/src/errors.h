// r2bench's C++ errors as Python exceptions (r2bench/_errors.py), with the CLI's messages:
//   r2::InputProblems → r2bench.InputError (a ValueError; .problems lists each problem)
//   r2::FileError     → r2bench.MissingFileError (a FileNotFoundError) when the file is not there,
//                       else r2bench.FileError (an OSError); .filename names the file
//   r2::Error         → r2bench.Error (a RuntimeError)
#pragma once
#include <pybind11/pybind11.h>

namespace r2::python {

void register_errors(pybind11::module_& m);

}  // namespace r2::python
