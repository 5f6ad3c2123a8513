#include "src/broker/crypto.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace writ::broker_internal {
namespace {

// OpenSSL's "const" API is incomplete: signing and inspecting take a
// non-const EVP_PKEY even though they do not modify it.
EVP_PKEY* Mutable(const EVP_PKEY& key) { return const_cast<EVP_PKEY*>(&key); }

// Drains OpenSSL's thread-local error queue into a message, so a failure
// here never leaves stale errors for an unrelated later call.
absl::Status OpenSslError(absl::string_view what) {
  std::string detail;
  unsigned long code;  // NOLINT(runtime/int): OpenSSL's type
  while ((code = ERR_get_error()) != 0) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    if (!detail.empty()) detail += "; ";
    detail += buffer;
  }
  return absl::InternalError(
      absl::StrCat(what, detail.empty() ? "" : ": ", detail));
}

struct EvpMdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct EvpPkeyCtxFree {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* sig) const { ECDSA_SIG_free(sig); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* bld) const { OSSL_PARAM_BLD_free(bld); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* params) const { OSSL_PARAM_free(params); }
};

const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// The digest to use with EVP_DigestSign/Verify: none for Ed25519, which
// hashes internally.
const EVP_MD* DigestFor(SigningAlgorithm algorithm) {
  return algorithm == SigningAlgorithm::kEs256 ? EVP_sha256() : nullptr;
}

// The order n of P-256's group, and floor(n / 2), big-endian. An ECDSA
// signature (r, s) verifies exactly when (r, n - s) does, so every
// signature has a second spelling; the "low-s" one (s <= n / 2) is the
// canonical of the two (as Bitcoin's BIP 62 and libsecp256k1 define it).
constexpr unsigned char kP256Order[kP256CoordinateBytes] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
    0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};
constexpr unsigned char kP256HalfOrder[kP256CoordinateBytes] = {
    0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xde, 0x73, 0x7d, 0x56, 0xd3, 0x8b,
    0xcf, 0x42, 0x79, 0xdc, 0xe5, 0x61, 0x7e, 0x31, 0x92, 0xa8};

// Whether the 32-byte big-endian `s` is the low one of its pair.
bool IsLowS(const unsigned char* s) {
  return std::memcmp(s, kP256HalfOrder, kP256CoordinateBytes) <= 0;
}

// DER to JOSE form, with s made low: the broker then issues one spelling
// of each token, the one VerifySignature's kCanonical accepts.
absl::StatusOr<std::string> DerToRawEcdsa(absl::string_view der) {
  const unsigned char* cursor = Bytes(der);
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(
      d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size())));
  if (sig == nullptr) return OpenSslError("decoding ECDSA signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string raw(2 * kP256CoordinateBytes, '\0');
  unsigned char* out = reinterpret_cast<unsigned char*>(raw.data());
  unsigned char* out_s = out + kP256CoordinateBytes;
  if (BN_bn2binpad(r, out, kP256CoordinateBytes) < 0 ||
      BN_bn2binpad(s, out_s, kP256CoordinateBytes) < 0) {
    return OpenSslError("encoding ECDSA signature");
  }
  if (!IsLowS(out_s)) {
    std::unique_ptr<BIGNUM, decltype(&BN_free)> low(
        BN_bin2bn(kP256Order, kP256CoordinateBytes, nullptr), &BN_free);
    if (low == nullptr || BN_sub(low.get(), low.get(), s) != 1 ||
        BN_bn2binpad(low.get(), out_s, kP256CoordinateBytes) < 0) {
      return OpenSslError("making an ECDSA signature's s low");
    }
  }
  return raw;
}

// Empty on failure (wrong length or OpenSSL error): the caller then simply
// fails verification.
std::string RawToDerEcdsa(absl::string_view raw) {
  if (raw.size() != 2 * kP256CoordinateBytes) return "";
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(Bytes(raw), kP256CoordinateBytes, nullptr);
  BIGNUM* s = BN_bin2bn(Bytes(raw) + kP256CoordinateBytes, kP256CoordinateBytes,
                        nullptr);
  if (sig == nullptr || r == nullptr || s == nullptr ||
      ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ERR_clear_error();
    return "";
  }
  unsigned char* der = nullptr;
  const int length = i2d_ECDSA_SIG(sig.get(), &der);
  if (length <= 0) {
    ERR_clear_error();
    return "";
  }
  std::string out(reinterpret_cast<char*>(der), length);
  OPENSSL_free(der);
  return out;
}

// The encodings of the Ed25519 points of small order (1, 2, 4 and 8),
// canonical or not, without their sign bit (as libsodium lists them).
// OpenSSL accepts them, but such a key has no secret: [k]A is the identity
// whenever 8 divides k, so the signature R = identity, s = 0 verifies every
// message for the identity and one message in eight for the others (an
// attacker varies a free field until one does). A token bound to such a
// key would work for anyone holding a copy, so they are refused.
constexpr unsigned char kSmallOrderEd25519Points[][kEd25519KeyBytes] = {
    {0x00},  // y = 0, order 4
    {0x01},  // y = 1: the identity
    {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
     0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
     0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},  // order 8
    {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b,
     0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39,
     0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},  // order 8
    {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},  // p - 1
    {0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},  // p = 0
    {0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},  // p + 1 = 1
};

bool IsSmallOrderEd25519Point(absl::string_view x) {
  for (const auto& point : kSmallOrderEd25519Points) {
    if (std::memcmp(x.data(), point, kEd25519KeyBytes - 1) == 0 &&
        (static_cast<unsigned char>(x.back()) & 0x7f) ==
            point[kEd25519KeyBytes - 1]) {
      return true;
    }
  }
  return false;
}

}  // namespace

void EvpPkeyFree::operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }

absl::StatusOr<EvpPkeyPtr> GenerateKeyPair(SigningAlgorithm algorithm) {
  EVP_PKEY* key = algorithm == SigningAlgorithm::kEd25519
                      ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                      : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (key == nullptr) return OpenSslError("generating a key pair");
  return EvpPkeyPtr(key);
}

absl::StatusOr<SigningAlgorithm> AlgorithmOfKey(const EVP_PKEY& key) {
  if (EVP_PKEY_is_a(&key, "ED25519")) return SigningAlgorithm::kEd25519;
  if (EVP_PKEY_is_a(&key, "EC")) {
    char group[64] = {0};
    size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(&key, OSSL_PKEY_PARAM_GROUP_NAME, group,
                                       sizeof(group), &length) == 1 &&
        (absl::string_view(group) == "prime256v1" ||
         absl::string_view(group) == "P-256")) {
      return SigningAlgorithm::kEs256;
    }
    ERR_clear_error();
    return absl::InvalidArgumentError("EC key is not on curve P-256");
  }
  return absl::InvalidArgumentError("key type is neither Ed25519 nor EC P-256");
}

absl::StatusOr<std::string> Sign(const EVP_PKEY& key,
                                 SigningAlgorithm algorithm,
                                 absl::string_view data) {
  std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree> ctx(EVP_MD_CTX_new());
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, DigestFor(algorithm), nullptr,
                         Mutable(key)) != 1) {
    return OpenSslError("starting to sign");
  }
  size_t length = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &length, Bytes(data), data.size()) !=
      1) {
    return OpenSslError("sizing a signature");
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(),
                     reinterpret_cast<unsigned char*>(signature.data()),
                     &length, Bytes(data), data.size()) != 1) {
    return OpenSslError("signing");
  }
  signature.resize(length);
  if (algorithm == SigningAlgorithm::kEs256) return DerToRawEcdsa(signature);
  return signature;
}

bool VerifySignature(const EVP_PKEY& key, SigningAlgorithm algorithm,
                     absl::string_view data, absl::string_view signature,
                     SignatureForms forms) {
  absl::StatusOr<SigningAlgorithm> key_algorithm = AlgorithmOfKey(key);
  if (!key_algorithm.ok() || *key_algorithm != algorithm) return false;
  std::string der;
  if (algorithm == SigningAlgorithm::kEs256) {
    if (forms == SignatureForms::kCanonicalOnly &&
        (signature.size() != 2 * kP256CoordinateBytes ||
         !IsLowS(Bytes(signature) + kP256CoordinateBytes))) {
      return false;
    }
    der = RawToDerEcdsa(signature);
    if (der.empty()) return false;
    signature = der;
  } else if (signature.size() != 64) {
    return false;
  }
  std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree> ctx(EVP_MD_CTX_new());
  const bool ok =
      ctx != nullptr &&
      EVP_DigestVerifyInit(ctx.get(), nullptr, DigestFor(algorithm), nullptr,
                           Mutable(key)) == 1 &&
      EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(),
                       Bytes(data), data.size()) == 1;
  ERR_clear_error();  // a bad signature leaves an error we do not report
  return ok;
}

absl::StatusOr<EvpPkeyPtr> PublicKeyFromCoordinates(SigningAlgorithm algorithm,
                                                    absl::string_view x,
                                                    absl::string_view y) {
  if (algorithm == SigningAlgorithm::kEd25519) {
    if (x.size() != kEd25519KeyBytes || !y.empty()) {
      return absl::InvalidArgumentError(
          "an Ed25519 public key is exactly 32 bytes");
    }
    if (IsSmallOrderEd25519Point(x)) {
      return absl::InvalidArgumentError(
          "an Ed25519 public key of small order verifies forged signatures");
    }
    EVP_PKEY* key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                                Bytes(x), x.size());
    if (key == nullptr) return OpenSslError("loading an Ed25519 public key");
    return EvpPkeyPtr(key);
  }
  if (x.size() != kP256CoordinateBytes || y.size() != kP256CoordinateBytes) {
    return absl::InvalidArgumentError(
        "P-256 coordinates x and y are exactly 32 bytes each");
  }
  // Uncompressed point encoding (SEC 1 §2.3.3): 0x04 || x || y.
  const std::string point = absl::StrCat("\x04", x, y);
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> builder(OSSL_PARAM_BLD_new());
  if (builder == nullptr ||
      OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                      "prime256v1", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                       point.data(), point.size()) != 1) {
    return OpenSslError("building P-256 key parameters");
  }
  std::unique_ptr<OSSL_PARAM, ParamFree> params(
      OSSL_PARAM_BLD_to_param(builder.get()));
  std::unique_ptr<EVP_PKEY_CTX, EvpPkeyCtxFree> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* key = nullptr;
  if (params == nullptr || ctx == nullptr ||
      EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) !=
          1) {
    ERR_clear_error();
    return absl::InvalidArgumentError("not a point on curve P-256");
  }
  EvpPkeyPtr owned(key);
  // fromdata decodes the point; check it explicitly anyway (invalid-curve
  // attacks feed off-curve points to ECDH/ECDSA implementations).
  std::unique_ptr<EVP_PKEY_CTX, EvpPkeyCtxFree> check(
      EVP_PKEY_CTX_new_from_pkey(nullptr, owned.get(), nullptr));
  if (check == nullptr || EVP_PKEY_public_check(check.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError("not a point on curve P-256");
  }
  return owned;
}

absl::StatusOr<PublicCoordinates> PublicKeyCoordinates(
    const EVP_PKEY& key, SigningAlgorithm algorithm) {
  PublicCoordinates out;
  if (algorithm == SigningAlgorithm::kEd25519) {
    size_t length = kEd25519KeyBytes;
    out.x.resize(length);
    if (EVP_PKEY_get_raw_public_key(
            &key, reinterpret_cast<unsigned char*>(out.x.data()), &length) !=
            1 ||
        length != kEd25519KeyBytes) {
      return OpenSslError("reading an Ed25519 public key");
    }
    return out;
  }
  unsigned char point[1 + 2 * kP256CoordinateBytes];
  size_t length = 0;
  if (EVP_PKEY_get_octet_string_param(&key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
                                      point, sizeof(point), &length) != 1 ||
      length != sizeof(point) || point[0] != 0x04) {
    return OpenSslError("reading a P-256 public key");
  }
  const char* p = reinterpret_cast<const char*>(point);
  out.x.assign(p + 1, kP256CoordinateBytes);
  out.y.assign(p + 1 + kP256CoordinateBytes, kP256CoordinateBytes);
  return out;
}

absl::StatusOr<EvpPkeyPtr> Ed25519PrivateKeyFromSeed(absl::string_view seed) {
  if (seed.size() != kEd25519KeyBytes) {
    return absl::InvalidArgumentError("an Ed25519 seed is exactly 32 bytes");
  }
  EVP_PKEY* key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                               Bytes(seed), seed.size());
  if (key == nullptr) return OpenSslError("loading an Ed25519 private key");
  return EvpPkeyPtr(key);
}

absl::StatusOr<EvpPkeyPtr> PrivateKeyFromPem(absl::string_view pem) {
  std::unique_ptr<BIO, BioFree> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return OpenSslError("reading PEM");
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (key == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError("not a PEM private key");
  }
  return EvpPkeyPtr(key);
}

absl::StatusOr<std::string> PrivateKeyToPem(const EVP_PKEY& key) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr ||
      PEM_write_bio_PrivateKey(bio.get(), &key, nullptr, nullptr, 0, nullptr,
                               nullptr) != 1) {
    return OpenSslError("writing PEM");
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);  // NOLINT
  return std::string(data, static_cast<size_t>(length));
}

std::string Sha256(absl::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(Bytes(data), data.size(), digest);
  return std::string(reinterpret_cast<char*>(digest), sizeof(digest));
}

std::string HmacSha256(absl::string_view key, absl::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), Bytes(data),
       data.size(), digest, &length);
  return std::string(reinterpret_cast<char*>(digest), length);
}

absl::StatusOr<std::string> RandomBytes(size_t count) {
  std::string out(count, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()),
                 static_cast<int>(count)) != 1) {
    return OpenSslError("drawing random bytes");
  }
  return out;
}

bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  return a.size() == b.size() &&
         CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace writ::broker_internal
