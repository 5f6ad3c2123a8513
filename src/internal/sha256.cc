#include "src/internal/sha256.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

namespace writ::internal {
namespace {

constexpr size_t kSha256Bytes = 32;

// With OpenSSL's default provider SHA-256 fails only when memory runs out.
// A digest that silently names the wrong policy would be worse than
// stopping, and there is no sensible value to return, so stop.
[[noreturn]] void DigestFailed() {
  std::fputs("writ: OpenSSL SHA-256 failed\n", stderr);
  std::abort();
}

std::string Hex(const unsigned char (&digest)[kSha256Bytes]) {
  static constexpr char kHexDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * kSha256Bytes);
  for (unsigned char byte : digest) {
    hex.push_back(kHexDigits[byte >> 4]);
    hex.push_back(kHexDigits[byte & 0xf]);
  }
  return hex;
}

// One SHA-256 computation, fed in pieces.
class Sha256 {
 public:
  Sha256() : context_(EVP_MD_CTX_new()) {
    if (context_ == nullptr ||
        EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr) != 1) {
      DigestFailed();
    }
  }

  void Update(const void* data, size_t size) {
    if (EVP_DigestUpdate(context_.get(), data, size) != 1) DigestFailed();
  }

  std::string FinishHex() {
    unsigned char digest[kSha256Bytes];
    unsigned int size = 0;
    if (EVP_DigestFinal_ex(context_.get(), digest, &size) != 1 ||
        size != kSha256Bytes) {
      DigestFailed();
    }
    return Hex(digest);
  }

 private:
  struct ContextDeleter {
    void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
  };
  std::unique_ptr<EVP_MD_CTX, ContextDeleter> context_;
};

}  // namespace

std::string Sha256Hex(absl::string_view data) {
  Sha256 sha;
  sha.Update(data.data(), data.size());
  return sha.FinishHex();
}

std::string HmacSha256Hex(absl::string_view key, absl::string_view data) {
  unsigned char digest[kSha256Bytes];
  unsigned int size = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest,
           &size) == nullptr ||
      size != kSha256Bytes) {
    DigestFailed();
  }
  return Hex(digest);
}

std::string SourceSetDigest(const std::vector<absl::string_view>& file_texts) {
  Sha256 sha;
  for (absl::string_view text : file_texts) {
    uint64_t length = text.size();
    unsigned char length_big_endian[8];
    for (int i = 7; i >= 0; --i) {
      length_big_endian[i] = static_cast<unsigned char>(length & 0xff);
      length >>= 8;
    }
    sha.Update(length_big_endian, sizeof(length_big_endian));
    sha.Update(text.data(), text.size());
  }
  return "sha256:" + sha.FinishHex();
}

}  // namespace writ::internal
