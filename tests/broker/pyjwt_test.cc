// An independent verifier: Debian's python3-jwt (PyJWT 2.6) checks tokens
// the broker minted, using only the broker's published JWKS.
//
// PyJWT 2.6 knows ES256, and Ed25519 only under the old polymorphic name
// "EdDSA" (it predates RFC 9864's "Ed25519"). So the ES256 token is
// verified with PyJWT exactly as shipped, and the Ed25519 token with
// PyJWT's own OKPAlgorithm registered under "Ed25519" — still PyJWT's
// and the cryptography package's code, not ours. Skipped (with the reason)
// only when python3 or the jwt module is missing.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "src/broker/base64url.h"
#include "writ/broker.h"

namespace writ {
namespace {

constexpr char kVerifier[] = R"PY(
import json, sys
import jwt
from jwt.algorithms import ECAlgorithm, OKPAlgorithm
jwt.api_jws.register_algorithm("Ed25519", OKPAlgorithm())
jwks = json.load(open(sys.argv[1]))
token = open(sys.argv[2]).read()
header = jwt.get_unverified_header(token)
jwk = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
algorithm = ECAlgorithm if jwk["kty"] == "EC" else OKPAlgorithm
key = algorithm.from_jwk(json.dumps(jwk))
claims = jwt.decode(token, key, algorithms=[jwk["alg"]], audience=sys.argv[3],
                    issuer="writ-broker",
                    options={"require": ["exp", "iat", "nbf", "jti", "sub"]})
print(header["typ"], claims["jti"], claims["scope"], claims["cnf"]["jkt"])
)PY";

// The Python with PyJWT: Debian's first (the PATH one may be another).
std::string FindPython() {
  for (const char* python : {"/usr/bin/python3", "python3"}) {
    const std::string probe =
        absl::StrCat(python, " -c 'import jwt, cryptography' 2>/dev/null");
    if (std::system(probe.c_str()) == 0) return python;
  }
  return "";
}

// Files are named per process and test, so parallel runs do not collide.
std::string WriteFile(const std::string& name, const std::string& content) {
  std::string test =
      ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::replace(test.begin(), test.end(), '/', '_');
  const std::string path = absl::StrCat(::testing::TempDir(), "writ_", getpid(),
                                        "_", test, "_", name);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

// Runs the verifier; returns its exit status and first output line.
int RunVerifier(const std::string& python, const std::string& jwks,
                const std::string& token, const std::string& audience,
                std::string* output) {
  const std::string script = WriteFile("verify.py", kVerifier);
  const std::string jwks_file = WriteFile("jwks.json", jwks);
  const std::string token_file = WriteFile("token.txt", token);
  const std::string command =
      absl::StrCat(python, " ", script, " ", jwks_file, " ", token_file, " '",
                   audience, "' 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[4096];
  output->clear();
  while (fgets(buffer, sizeof(buffer), pipe) != nullptr) *output += buffer;
  const int status = pclose(pipe);
  for (const std::string& file : {script, jwks_file, token_file}) {
    std::remove(file.c_str());
  }
  return status;
}

class AllowAll final : public PolicyGate {
 public:
  absl::StatusOr<GateDecision> Decide(const TaskContext&) override {
    GateDecision decision;
    decision.allow = true;
    return decision;
  }
};

class PyJwtTest : public ::testing::TestWithParam<SigningAlgorithm> {};

TEST_P(PyJwtTest, VerifiesOurTokensAndRefusesTamperedOnes) {
  const std::string python = FindPython();
  if (python.empty()) {
    GTEST_SKIP() << "python3 with the jwt module (Debian python3-jwt) is not "
                    "available";
  }
  BrokerOptions options;  // the real clock: PyJWT checks exp against it
  options.trusted_domains = {"example.org"};
  absl::StatusOr<std::unique_ptr<Broker>> broker =
      Broker::Create(options, *SigningKey::Generate(GetParam(), "broker-key"),
                     std::make_shared<AllowAll>());
  ASSERT_TRUE(broker.ok()) << broker.status();
  const SigningKey workload =
      *SigningKey::Generate(SigningAlgorithm::kEd25519, "w");
  MintRequest request;
  request.workload = "spiffe://example.org/agent/planner";
  request.workload_key = workload.PublicJwk();
  request.task_id = "task-py";
  request.tools = {"search"};
  request.destination = "https://api.example.com";
  request.data_class = "internal";
  absl::StatusOr<IssuedToken> issued = (*broker)->Mint(request);
  ASSERT_TRUE(issued.ok()) << issued.status();

  std::string output;
  const int status = RunVerifier(python, (*broker)->PublicJwks(), issued->token,
                                 "https://api.example.com", &output);
  ASSERT_EQ(status, 0) << output;
  EXPECT_EQ(output, absl::StrCat("writ-task+jwt ", issued->token_id, " search ",
                                 workload.Thumbprint(), "\n"));

  // PyJWT refuses what we refuse: another audience, a changed payload.
  EXPECT_NE(RunVerifier(python, (*broker)->PublicJwks(), issued->token,
                        "https://other.example.com", &output),
            0);
  std::vector<std::string> parts = absl::StrSplit(issued->token, '.');
  std::string claims = *broker_internal::Base64UrlDecode(parts[1]);
  claims.replace(claims.find("search"), 6, "delete");
  const std::string tampered = absl::StrCat(
      parts[0], ".", broker_internal::Base64UrlEncode(claims), ".", parts[2]);
  EXPECT_NE(RunVerifier(python, (*broker)->PublicJwks(), tampered,
                        "https://api.example.com", &output),
            0);
  EXPECT_NE(output.find("Signature verification failed"), std::string::npos)
      << output;
}

INSTANTIATE_TEST_SUITE_P(
    BothAlgorithms, PyJwtTest,
    ::testing::Values(SigningAlgorithm::kEs256, SigningAlgorithm::kEd25519),
    [](const ::testing::TestParamInfo<SigningAlgorithm>& param_info) {
      return std::string(
          param_info.param == SigningAlgorithm::kEs256 ? "ES256" : "Ed25519");
    });

}  // namespace
}  // namespace writ
