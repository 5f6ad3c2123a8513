// Test helpers for ECDSA's two spellings: a P-256 signature (r, s) verifies
// exactly when (r, n - s) does.
#ifndef WRIT_TESTS_BROKER_ECDSA_SPELLING_H_
#define WRIT_TESTS_BROKER_ECDSA_SPELLING_H_

#include <openssl/bn.h>

#include <string>

namespace writ::broker_testing {

// P-256's group order n, big-endian. Written out here rather than taken
// from the broker, so that the tests do not check the broker against itself.
inline constexpr unsigned char kP256Order[32] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
    0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};

// The JOSE signature r||s as two numbers: the order and s (or 2s).
struct OrderAndS {
  explicit OrderAndS(const std::string& raw)
      : order(BN_bin2bn(kP256Order, 32, nullptr)),
        s(BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr)) {}
  ~OrderAndS() {
    BN_free(order);
    BN_free(s);
  }
  BIGNUM* order;
  BIGNUM* s;
};

// The other valid spelling of an ES256 signature r||s: r||(n - s).
inline std::string OtherSpelling(const std::string& raw) {
  OrderAndS numbers(raw);
  BN_sub(numbers.s, numbers.order, numbers.s);
  std::string other = raw;
  BN_bn2binpad(numbers.s, reinterpret_cast<unsigned char*>(other.data()) + 32, 32);
  return other;
}

// Whether s (the second half) is below n / 2: 2s < n.
inline bool HasLowS(const std::string& raw) {
  OrderAndS numbers(raw);
  BN_lshift1(numbers.s, numbers.s);
  return BN_cmp(numbers.s, numbers.order) < 0;
}

}  // namespace writ::broker_testing

#endif  // WRIT_TESTS_BROKER_ECDSA_SPELLING_H_
