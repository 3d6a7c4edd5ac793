// SHA-256 (FIPS 180-4), for content hashes of metadata and submissions.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace r2 {

class Sha256 {
public:
    Sha256();
    Sha256& update(std::string_view bytes);
    std::string hex();  // finishes; the object must not be updated afterwards

private:
    void block(const uint8_t* p);
    uint32_t h_[8];
    uint8_t buffer_[64];
    size_t buffered_ = 0;
    uint64_t length_ = 0;
};

std::string sha256_hex(std::string_view bytes);
std::string sha256_file(const std::filesystem::path& path);

}  // namespace r2
