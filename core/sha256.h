// SHA-256 content hashes of metadata, pairs files, weights and submissions, computed by OpenSSL's
// libcrypto (EVP). Files are streamed in fixed-size chunks, so a multi-GB submission zip is never
// held in memory.
#pragma once
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX; kept out of this header so callers need no OpenSSL include

namespace r2 {

// An incremental hash: update() any number of times, then hex() once.
class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(Sha256&&) noexcept;
    Sha256& operator=(Sha256&&) noexcept;
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    Sha256& update(std::string_view bytes);
    // Streams the file's bytes into the hash; FileError when it cannot be opened or read.
    Sha256& update_file(const std::filesystem::path& path);
    std::string hex();  // lower-case hex digest; finishes: the object must not be updated afterwards

private:
    struct Free {
        void operator()(evp_md_ctx_st* ctx) const;
    };
    std::unique_ptr<evp_md_ctx_st, Free> ctx_;
};

std::string sha256_hex(std::string_view bytes);
std::string sha256_file(const std::filesystem::path& path);

}  // namespace r2
