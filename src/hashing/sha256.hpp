// SHA-256 (FIPS 180-4): the hash a model file is identified by, the same one `sha256sum` prints, so a
// sidecar's claim and a record's model_sha256 can be checked with standard tools. Computed by OpenSSL's
// libcrypto, whose header stays out of this one.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace flipguard::hashing {

class Sha256 {
 public:
  Sha256();
  Sha256(const Sha256& other);
  Sha256& operator=(const Sha256& other);
  Sha256(Sha256&&) noexcept = default;
  Sha256& operator=(Sha256&&) noexcept = default;
  ~Sha256() = default;

  void update(const void* data, std::size_t size);
  // The digest as 64 lowercase hex digits; the object is spent afterwards.
  std::string hex_digest();

 private:
  struct FreeContext {
    void operator()(evp_md_ctx_st* context) const;
  };
  std::unique_ptr<evp_md_ctx_st, FreeContext> context_;
};

// The SHA-256 of a file's bytes; errors name the file and the system's cause, and a file that is no regular
// file (a FIFO, a folder) as not being `what`.
std::string sha256_of_file(const std::filesystem::path& path, const std::string& what = "a regular file");

}  // namespace flipguard::hashing
