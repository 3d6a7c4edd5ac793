// Errors that say which file and what is wrong with it.
#pragma once
#include <filesystem>
#include <stdexcept>
#include <string>

namespace r2 {

// Every error r2bench reports to the user is an r2::Error; the CLI prints what() and exits 2.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// An error about one file: what() reads "<file>: <problem>".
class FileError : public Error {
public:
    FileError(const std::filesystem::path& file, const std::string& problem);
    const std::filesystem::path& file() const { return file_; }
    const std::string& problem() const { return problem_; }

private:
    std::filesystem::path file_;
    std::string problem_;
};

}  // namespace r2
