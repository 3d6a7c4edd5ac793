// safetensors (Hugging Face's weight format): 8-byte little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {…}}, then the raw bytes.
// The reader memory-maps the file and validates the whole header before handing out any view.
// No libtorch here: model_zoo/weights.h turns views into tensors.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace r2 {

enum class DType { F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL };
size_t dtype_size(DType dtype);
const char* dtype_name(DType dtype);  // "F32", …, as safetensors spells them
std::optional<DType> parse_dtype(const std::string& name);

struct TensorView {
    std::string name;
    DType dtype = DType::F32;
    std::vector<int64_t> shape;
    const uint8_t* data = nullptr;  // little-endian, row-major
    size_t bytes = 0;
    int64_t numel() const;
};

class SafetensorsFile {
public:
    // Maps and validates `path`; throws FileError naming the file and the first problem.
    static SafetensorsFile open(const std::filesystem::path& path);
    // Validates bytes held elsewhere (the views point into them); for tests and fuzzing.
    static SafetensorsFile parse(std::string_view bytes, const std::string& name);

    SafetensorsFile(SafetensorsFile&& other) noexcept;
    SafetensorsFile& operator=(SafetensorsFile&&) = delete;
    SafetensorsFile(const SafetensorsFile&) = delete;
    ~SafetensorsFile();

    const std::vector<TensorView>& tensors() const { return tensors_; }
    const TensorView* find(const std::string& name) const;
    const std::map<std::string, std::string>& metadata() const { return metadata_; }

private:
    SafetensorsFile() = default;
    void* mapping_ = nullptr;
    size_t mapping_size_ = 0;
    std::vector<TensorView> tensors_;  // in data-offset order
    std::map<std::string, std::string> metadata_;
};

// A tensor to write: raw little-endian bytes.
struct OwnedTensor {
    std::string name;
    DType dtype = DType::F32;
    std::vector<int64_t> shape;
    std::string bytes;
};

// Tensors are laid out in name order; the header is padded to 8 bytes. Throws Error when a
// tensor's byte count does not match its shape and dtype.
std::string encode_safetensors(const std::vector<OwnedTensor>& tensors, const std::map<std::string, std::string>& metadata = {});
void write_safetensors(const std::filesystem::path& path, const std::vector<OwnedTensor>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace r2
