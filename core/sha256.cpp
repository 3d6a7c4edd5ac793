#include "core/sha256.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "core/error.h"

namespace r2 {

namespace {

// OpenSSL failures here mean an allocation failure or a broken installation, not bad input.
[[noreturn]] void openssl_failed(const char* what) {
    const unsigned long code = ERR_get_error();
    char reason[256] = "unknown error";
    if (code) ERR_error_string_n(code, reason, sizeof reason);
    throw Error(fmt::format("SHA-256: OpenSSL {} failed: {}", what, reason));
}

// Read size of sha256_file: large enough that the per-call overhead vanishes, small enough to
// keep memory flat whatever the file's size.
constexpr size_t kChunk = size_t(1) << 20;

// Closes a FILE* when it goes out of scope.
struct CloseFile {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

}  // namespace

void Sha256::Free::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_) openssl_failed("EVP_MD_CTX_new");
    if (EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) openssl_failed("EVP_DigestInit_ex");
}

Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

Sha256& Sha256::update(std::string_view bytes) {
    if (EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size()) != 1) openssl_failed("EVP_DigestUpdate");
    return *this;
}

Sha256& Sha256::update_file(const std::filesystem::path& path) {
    std::unique_ptr<std::FILE, CloseFile> file(std::fopen(path.c_str(), "rb"));
    if (!file) throw FileError(path, std::string("cannot open: ") + std::strerror(errno));
    // One buffer per thread: a fresh 1 MB buffer per file cost more than hashing a small mask PNG
    // (hashing a 150,000-file leaderboard took 5 s, most of it zeroing buffers).
    thread_local std::vector<char> buffer(kChunk);
    for (;;) {
        const size_t n = std::fread(buffer.data(), 1, buffer.size(), file.get());
        if (n) update(std::string_view(buffer.data(), n));
        if (n < buffer.size()) break;
    }
    if (std::ferror(file.get())) throw FileError(path, std::string("read failed: ") + std::strerror(errno));
    return *this;
}

std::string Sha256::hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), digest, &length) != 1) openssl_failed("EVP_DigestFinal_ex");
    static const char* digits = "0123456789abcdef";
    std::string out;
    out.reserve(2 * length);
    for (unsigned int i = 0; i < length; ++i) out += digits[digest[i] >> 4], out += digits[digest[i] & 0xf];
    return out;
}

std::string sha256_hex(std::string_view bytes) { return Sha256().update(bytes).hex(); }
std::string sha256_file(const std::filesystem::path& path) { return Sha256().update_file(path).hex(); }

}  // namespace r2
