#include "errors.h"

#include <filesystem>

#include <pybind11/stl.h>

#include "core/dataset_layout.h"
#include "core/error.h"

namespace py = pybind11;

namespace r2::python {

namespace {

// Raises `type(message, extra)` as the pending Python error.
void raise(const char* type, const std::string& message, const py::object& extra) {
    const py::object cls = py::module_::import("r2bench._errors").attr(type);
    const py::object error = extra.is_none() ? cls(message) : cls(message, extra);
    PyErr_SetObject(cls.ptr(), error.ptr());
}

}  // namespace

void register_errors(py::module_& m) {
    py::register_exception_translator([](std::exception_ptr thrown) {
        try {
            std::rethrow_exception(thrown);
        } catch (const InputProblems& e) {
            raise("InputError", e.what(), py::cast(e.problems()));
        } catch (const FileError& e) {
            std::error_code ec;
            const bool there = std::filesystem::exists(e.file(), ec) || std::filesystem::is_symlink(e.file(), ec);
            raise(there ? "FileError" : "MissingFileError", e.what(), py::str(e.file().string()));
        } catch (const Error& e) {
            raise("Error", e.what(), py::none());
        }
    });
    const py::module_ errors = py::module_::import("r2bench._errors");
    for (const char* name : {"Error", "FileError", "MissingFileError", "InputError"}) m.attr(name) = errors.attr(name);
}

}  // namespace r2::python
