#include "hashing/sha256.hpp"

#include <openssl/evp.h>

#include <cstring>
#include <stdexcept>
#include <vector>

#include "platform/input_file.hpp"

namespace flipguard::hashing {
namespace {

// The EVP calls fail only when OpenSSL cannot allocate or its provider is missing: nothing a caller can fix.
void check(int ok, const char* what) {
  if (ok != 1) throw std::runtime_error(std::string("SHA-256: OpenSSL ") + what + " failed");
}

}  // namespace

void Sha256::FreeContext::operator()(evp_md_ctx_st* context) const {
  EVP_MD_CTX_free(context);
}

Sha256::Sha256() : context_(EVP_MD_CTX_new()) {
  if (!context_) throw std::runtime_error("SHA-256: OpenSSL could not allocate a digest context");
  check(EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr), "EVP_DigestInit_ex");
}

Sha256::Sha256(const Sha256& other) : context_(EVP_MD_CTX_new()) {
  if (!context_) throw std::runtime_error("SHA-256: OpenSSL could not allocate a digest context");
  check(EVP_MD_CTX_copy_ex(context_.get(), other.context_.get()), "EVP_MD_CTX_copy_ex");
}

Sha256& Sha256::operator=(const Sha256& other) {
  if (this != &other) *this = Sha256(other);
  return *this;
}

void Sha256::update(const void* data, std::size_t size) {
  check(EVP_DigestUpdate(context_.get(), data, size), "EVP_DigestUpdate");
}

std::string Sha256::hex_digest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  check(EVP_DigestFinal_ex(context_.get(), digest, &size), "EVP_DigestFinal_ex");
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(2 * size);
  for (unsigned int i = 0; i < size; ++i) {
    out += digits[digest[i] >> 4];
    out += digits[digest[i] & 0xf];
  }
  return out;
}

std::string sha256_of_file(const std::filesystem::path& path, const std::string& what) {
  platform::InputFile in(path, what);
  Sha256 h;
  std::vector<char> buf(1 << 20);  // read in chunks: model files can be larger than memory allows twice
  while (const std::size_t n = in.read_some(buf.data(), buf.size())) h.update(buf.data(), n);
  return h.hex_digest();
}

}  // namespace flipguard::hashing
