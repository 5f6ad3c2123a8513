// Fuzzes what the broker reads from a caller before any signature is
// trusted: compact JWS, base64url, the token's JSON claims, SPIFFE IDs and
// JWKs (a proof carries its key), and a whole Verify. The first byte picks
// which; the rest is the text. Never a crash; what a parser accepts, its
// writer writes back to something the parser reads the same way; and a
// token nobody signed is never allowed.
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "fuzz/fuzz_target.h"
#include "src/broker/base64url.h"
#include "src/broker/jwk.h"
#include "src/broker/jws.h"
#include "src/broker/spiffe_id.h"
#include "src/broker/token_claims.h"
#include "writ/broker.h"

namespace {

using namespace writ::broker_internal;  // NOLINT(build/namespaces): one file of calls into it

// Traps (a crash libFuzzer reports) when a property fails.
void Require(bool property) {
  if (!property) __builtin_trap();
}

// A token's header and claims: claims that parse are written again and
// must parse to the same JSON.
void FuzzCompactJws(absl::string_view text) {
  CompactJws jws;
  if (!ParseCompactJws(text, &jws).ok()) return;
  absl::StatusOr<TokenClaims> claims = ParseTokenClaims(jws.payload);
  if (!claims.ok()) return;
  const std::string written = TokenClaimsToJson(*claims);
  absl::StatusOr<TokenClaims> again = ParseTokenClaims(written);
  Require(again.ok() && TokenClaimsToJson(*again) == written);
}

// Base64url has one spelling per byte string.
void FuzzBase64Url(absl::string_view text) {
  absl::StatusOr<std::string> decoded = Base64UrlDecode(text);
  if (decoded.ok()) Require(Base64UrlEncode(*decoded) == text);
  absl::StatusOr<std::string> round_trip = Base64UrlDecode(Base64UrlEncode(text));
  Require(round_trip.ok() && *round_trip == text);
}

void FuzzSpiffeId(absl::string_view text) {
  absl::StatusOr<SpiffeId> id = SpiffeId::Parse(text);
  if (!id.ok()) return;
  absl::StatusOr<SpiffeId> again = SpiffeId::Parse(id->str());
  Require(again.ok() && again->str() == id->str());
}

// A proof's header key: parsed, written back, imported into OpenSSL (which
// checks the point), and the imported key's JWK has the same thumbprint.
void FuzzJwk(absl::string_view text) {
  absl::StatusOr<PublicJwk> jwk = ParsePublicJwk(text);
  if (!jwk.ok()) return;
  absl::StatusOr<PublicJwk> again = ParsePublicJwk(PublicJwkToJson(*jwk, ""));
  Require(again.ok() && JwkThumbprint(*again) == JwkThumbprint(*jwk));
  absl::StatusOr<EvpPkeyPtr> key = PublicJwkToKey(*jwk);
  if (!key.ok()) return;
  absl::StatusOr<PublicJwk> from_key = PublicJwkFromKey(**key);
  Require(from_key.ok() && JwkThumbprint(*from_key) == JwkThumbprint(*jwk));
}

// Allows everything: only the broker's own checks stand between a forged
// token and an allow.
class AllowAll final : public writ::PolicyGate {
 public:
  absl::StatusOr<writ::GateDecision> Decide(const writ::TaskContext&) override {
    writ::GateDecision decision;
    decision.allow = true;
    return decision;
  }
};

writ::Broker& TheBroker() {
  static const std::unique_ptr<writ::Broker> broker = [] {
    writ::BrokerOptions options;
    options.trusted_domains = {"example.org"};
    absl::StatusOr<writ::SigningKey> key =
        writ::SigningKey::Generate(writ::SigningAlgorithm::kEd25519, "broker-1");
    if (!key.ok()) std::abort();
    absl::StatusOr<std::unique_ptr<writ::Broker>> made =
        writ::Broker::Create(options, *std::move(key), std::make_shared<AllowAll>());
    if (!made.ok()) std::abort();
    return *std::move(made);
  }();
  return *broker;
}

// The text as a token, and what follows its first newline as its proof.
void FuzzVerify(absl::string_view text) {
  const size_t newline = text.find('\n');
  writ::VerifyRequest request;
  request.presentation.token = std::string(text.substr(0, newline));
  if (newline != absl::string_view::npos) {
    request.presentation.proof = std::string(text.substr(newline + 1));
  }
  request.presentation.presenter = "spiffe://example.org/agent/planner";
  request.presentation.method = "POST";
  request.presentation.url = "https://api.example.com/v1/search";
  request.destination = "https://api.example.com";
  request.tool = "search";
  absl::StatusOr<writ::VerifyResult> result = TheBroker().Verify(request);
  Require(!result.ok() || !result->allowed);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr size_t kMaxInput = 16 << 10;
  if (size == 0 || size > kMaxInput) return 0;
  const absl::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0: FuzzCompactJws(text); break;
    case 1: FuzzBase64Url(text); break;
    case 2: FuzzSpiffeId(text); break;
    case 3: FuzzJwk(text); break;
    default: FuzzVerify(text); break;
  }
  return 0;
}
