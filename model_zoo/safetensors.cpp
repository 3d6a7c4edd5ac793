#include "model_zoo/safetensors.h"

#include <algorithm>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_depth.h"

namespace r2 {
namespace fs = std::filesystem;

namespace {
struct DTypeInfo {
    DType dtype;
    const char* name;
    size_t size;
};
constexpr DTypeInfo kDTypes[] = {{DType::F32, "F32", 4}, {DType::F16, "F16", 2}, {DType::BF16, "BF16", 2},
                                 {DType::F64, "F64", 8}, {DType::I64, "I64", 8}, {DType::I32, "I32", 4},
                                 {DType::I16, "I16", 2}, {DType::I8, "I8", 1},   {DType::U8, "U8", 1},
                                 {DType::BOOL, "BOOL", 1}};
constexpr uint64_t kMaxHeader = 100u << 20;  // as the reference implementation
}  // namespace

size_t dtype_size(DType d) {
    for (const auto& i : kDTypes)
        if (i.dtype == d) return i.size;
    return 0;
}
const char* dtype_name(DType d) {
    for (const auto& i : kDTypes)
        if (i.dtype == d) return i.name;
    return "?";
}
std::optional<DType> parse_dtype(const std::string& name) {
    for (const auto& i : kDTypes)
        if (name == i.name) return i.dtype;
    return std::nullopt;
}

int64_t TensorView::numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
}

SafetensorsFile::SafetensorsFile(SafetensorsFile&& o) noexcept
    : mapping_(o.mapping_), mapping_size_(o.mapping_size_), tensors_(std::move(o.tensors_)), metadata_(std::move(o.metadata_)) {
    o.mapping_ = nullptr;
}

SafetensorsFile::~SafetensorsFile() {
    if (mapping_) ::munmap(mapping_, mapping_size_);
}

const TensorView* SafetensorsFile::find(const std::string& name) const {
    for (const auto& t : tensors_)
        if (t.name == name) return &t;
    return nullptr;
}

SafetensorsFile SafetensorsFile::parse(std::string_view bytes, const std::string& name) {
    auto fail = [&](const std::string& problem) -> SafetensorsFile { throw FileError(name, "invalid safetensors: " + problem); };
    if (bytes.size() < 8) fail(fmt::format("{} bytes, shorter than the 8-byte header length", bytes.size()));
    uint64_t header_size = 0;
    for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | uint8_t(bytes[size_t(i)]);
    if (header_size > kMaxHeader) fail(fmt::format("header length {} is over the {} byte limit", header_size, kMaxHeader));
    if (8 + header_size > bytes.size()) fail(fmt::format("header length {} runs past the end of the file ({} bytes)", header_size, bytes.size()));
    const std::string_view header = bytes.substr(8, size_t(header_size));
    const uint8_t* buffer = reinterpret_cast<const uint8_t*>(bytes.data()) + 8 + header_size;
    const uint64_t buffer_size = bytes.size() - 8 - header_size;

    check_json_depth(header, name);
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(header);
    } catch (const nlohmann::json::exception& e) {
        fail(fmt::format("header is not JSON ({})", e.what()));
    }
    if (!j.is_object()) fail("header is not a JSON object");
    SafetensorsFile file;
    for (const auto& [key, value] : j.items()) {
        if (key == "__metadata__") {
            if (!value.is_object()) fail("__metadata__ is not an object");
            for (const auto& [k, v] : value.items()) {
                if (!v.is_string()) fail(fmt::format("__metadata__ '{}' is not a string", k));
                file.metadata_[k] = v.get<std::string>();
            }
            continue;
        }
        const std::string where = fmt::format("tensor '{}'", key);
        if (!value.is_object() || !value.contains("dtype") || !value.contains("shape") || !value.contains("data_offsets"))
            fail(where + " needs dtype, shape and data_offsets");
        if (!value["dtype"].is_string()) fail(where + ": dtype is not a string");
        const auto dtype = parse_dtype(value["dtype"].get<std::string>());
        if (!dtype) fail(fmt::format("{}: unknown dtype '{}'", where, value["dtype"].get<std::string>()));
        TensorView t;
        t.name = key;
        t.dtype = *dtype;
        if (!value["shape"].is_array()) fail(where + ": shape is not an array");
        unsigned __int128 elements = 1;
        for (const auto& d : value["shape"]) {
            if (!d.is_number_unsigned()) fail(where + ": shape holds something other than a non-negative integer");
            // Checked one by one too: after a 0 the product stays 0 and would let 2^64 - 1 through as -1.
            if (d.get<uint64_t>() > (uint64_t(1) << 62)) fail(where + ": shape is absurdly large");
            t.shape.push_back(int64_t(d.get<uint64_t>()));
            elements *= d.get<uint64_t>();
            if (elements > (unsigned __int128)(uint64_t(1) << 62)) fail(where + ": shape is absurdly large");
        }
        const auto& off = value["data_offsets"];
        if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
            fail(where + ": data_offsets must be [begin, end]");
        const uint64_t begin = off[0].get<uint64_t>(), end = off[1].get<uint64_t>();
        if (begin > end) fail(fmt::format("{}: data_offsets [{}, {}] go backwards", where, begin, end));
        if (end > buffer_size) fail(fmt::format("{}: data_offsets end {} is past the data ({} bytes)", where, end, buffer_size));
        const unsigned __int128 expected = elements * dtype_size(*dtype);
        if (expected != end - begin)
            fail(fmt::format("{}: shape × dtype size is {} bytes but data_offsets span {}", where, uint64_t(expected), end - begin));
        t.data = buffer + begin;
        t.bytes = size_t(end - begin);
        file.tensors_.push_back(std::move(t));
    }
    std::sort(file.tensors_.begin(), file.tensors_.end(), [](const TensorView& a, const TensorView& b) {
        return a.data != b.data ? a.data < b.data : a.name < b.name;
    });
    // Spans must not overlap (empty tensors occupy nothing).
    const TensorView* previous = nullptr;
    for (const auto& t : file.tensors_) {
        if (t.bytes == 0) continue;
        if (previous && t.data < previous->data + previous->bytes)
            fail(fmt::format("tensors '{}' and '{}' overlap", previous->name, t.name));
        previous = &t;
    }
    return file;
}

SafetensorsFile SafetensorsFile::open(const fs::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) throw FileError(path, std::string("cannot open: ") + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        ::close(fd);
        throw FileError(path, "cannot stat");
    }
    const size_t size = size_t(st.st_size);
    void* map = size ? ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0) : nullptr;
    ::close(fd);
    if (size && map == MAP_FAILED) throw FileError(path, "cannot memory-map");
    try {
        SafetensorsFile file = parse(std::string_view(static_cast<const char*>(map), size), path.string());
        file.mapping_ = map;
        file.mapping_size_ = size;
        return file;
    } catch (...) {
        if (map) ::munmap(map, size);
        throw;
    }
}

std::string encode_safetensors(const std::vector<OwnedTensor>& tensors, const std::map<std::string, std::string>& metadata) {
    std::vector<const OwnedTensor*> order;
    for (const auto& t : tensors) order.push_back(&t);
    std::sort(order.begin(), order.end(), [](const OwnedTensor* a, const OwnedTensor* b) { return a->name < b->name; });
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    uint64_t offset = 0;
    for (const OwnedTensor* t : order) {
        int64_t n = 1;
        for (int64_t d : t->shape) n *= d;
        if (uint64_t(n) * dtype_size(t->dtype) != t->bytes.size())
            throw Error(fmt::format("safetensors: tensor '{}' has {} bytes, its shape and dtype need {}", t->name, t->bytes.size(),
                                    uint64_t(n) * dtype_size(t->dtype)));
        header[t->name] = {{"dtype", dtype_name(t->dtype)}, {"shape", t->shape}, {"data_offsets", {offset, offset + t->bytes.size()}}};
        offset += t->bytes.size();
    }
    std::string json = header.dump();
    while ((8 + json.size()) % 8) json += ' ';  // keeps the data 8-byte aligned
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i) out[size_t(i)] = char((uint64_t(json.size()) >> (8 * i)) & 0xff);
    out += json;
    for (const OwnedTensor* t : order) out += t->bytes;
    return out;
}

void write_safetensors(const fs::path& path, const std::vector<OwnedTensor>& tensors, const std::map<std::string, std::string>& metadata) {
    write_file_atomically(path, encode_safetensors(tensors, metadata));
}

}  // namespace r2
