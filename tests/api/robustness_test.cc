// Any byte string as a policy or a request: an error or a decision, never a
// crash, hang or exception out of the API. Mutations of real inputs reach
// deep into the grammar; the seeds are fixed so a failure reproduces.
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "writ/policy.h"
#include "writ/request.h"

namespace writ {
namespace {

const std::string kDirectory = std::string(WRIT_SOURCE_DIR) + "/policies/agent-gateway/";

std::string ReadFile(const std::string& path) {
  std::ifstream stream(path, std::ios::binary);
  std::stringstream buffer;
  buffer << stream.rdbuf();
  return buffer.str();
}

// Flips, inserts, deletes or duplicates a few bytes; grammar-relevant bytes
// are favoured so mutants are near-misses rather than noise.
std::string Mutate(std::string text, std::mt19937& random) {
  static constexpr char kInteresting[] = "\"\\;(){}[],.:=<>!#*?-0123456789eu \n\xff";
  const int edits = 1 + static_cast<int>(random() % 4);
  for (int edit = 0; edit < edits && !text.empty(); ++edit) {
    const size_t at = random() % text.size();
    const char byte = random() % 2 ? kInteresting[random() % (sizeof(kInteresting) - 1)]
                                   : static_cast<char>(random() % 256);
    switch (random() % 4) {
      case 0: text[at] = byte; break;
      case 1: text.insert(at, 1, byte); break;
      case 2: text.erase(at, 1 + random() % 8); break;
      default: text.insert(at, text.substr(at, random() % 32)); break;
    }
  }
  return text;
}

TEST(Robustness, MutatedPoliciesCompileOrFailWithDiagnostics) {
  const std::vector<std::string> names = {"schema", "lets", "allow", "deny", "default"};
  std::vector<SourceFile> originals;
  for (const std::string& name : names) {
    originals.push_back({name + ".writ", ReadFile(kDirectory + name + ".writ")});
  }
  std::mt19937 random(20261129);
  int compiled = 0;
  for (int round = 0; round < 1500; ++round) {
    std::vector<SourceFile> sources = originals;
    SourceFile& victim = sources[random() % sources.size()];
    victim.text = Mutate(victim.text, random);
    std::vector<Diagnostic> diagnostics;
    auto policy = Policy::Compile(sources, {}, &diagnostics);
    if (policy.ok()) {
      ++compiled;
      auto request = Request::FromJson(**policy, R"({"tool": "search"})");
      ASSERT_TRUE(request.ok());
      (*policy)->Evaluate(*request);
    } else {
      ASSERT_FALSE(diagnostics.empty()) << "round " << round;
      ASSERT_FALSE(policy.status().message().empty()) << "round " << round;
    }
  }
  // Some mutants (in comments, in strings) still compile; most must not.
  EXPECT_GT(compiled, 0);
  EXPECT_LT(compiled, 1500);
}

TEST(Robustness, ArbitraryBytesAsAPolicyNeverCrash) {
  std::mt19937 random(7);
  for (int round = 0; round < 500; ++round) {
    std::string bytes(random() % 200, '\0');
    for (char& byte : bytes) byte = static_cast<char>(random() % 256);
    auto policy = Policy::Compile({{"noise.writ", bytes}});
    EXPECT_FALSE(policy.ok());
  }
}

TEST(Robustness, MutatedRequestsDecideOrFailCleanly) {
  auto policy = Policy::CompileFiles({kDirectory + "schema.writ", kDirectory + "lets.writ",
                                      kDirectory + "allow.writ", kDirectory + "deny.writ",
                                      kDirectory + "default.writ"});
  ASSERT_TRUE(policy.ok()) << policy.status().message();
  const std::string original = ReadFile(kDirectory + "requests/01-docs-search-allowed.json");
  ASSERT_FALSE(original.empty());
  std::mt19937 random(11);
  for (int round = 0; round < 3000; ++round) {
    const std::string json = Mutate(original, random);
    auto request = Request::FromJson(**policy, json);
    if (!request.ok()) {
      EXPECT_FALSE(request.status().message().empty());
      continue;
    }
    Explanation explanation;
    (*policy)->Evaluate(*request, &explanation);
    EXPECT_FALSE(explanation.ToJson().empty());
  }
}

// What the compiler keeps of a long line (docs/design.md): each of 2,000
// errors drawn from one line of ~70 KB holds at most a kilobyte of it, and
// its part of the line still shows the token it points at. Each diagnostic
// holds its own copy: kept whole, 20,000 errors on one 740 KB line took 23
// GB and `writ check` was killed.
constexpr size_t kKeptBytes = 1024;

TEST(Robustness, ErrorsOnOneLongLineEachKeepAKilobyteOfIt) {
  std::string text = "schema { tool: string; }";
  for (int i = 0; i < 2000; ++i) {
    absl::StrAppend(&text, " allow r", i, " when nosuch", i, " == \"x\";");
  }
  std::vector<Diagnostic> diagnostics;
  ASSERT_FALSE(Policy::Compile({{"p.writ", text}}, CompileOptions{}, &diagnostics).ok());
  ASSERT_EQ(diagnostics.size(), 2000u);
  for (size_t i = 0; i < diagnostics.size(); ++i) {
    const Diagnostic& diagnostic = diagnostics[i];
    ASSERT_LE(diagnostic.source_line.size(), kKeptBytes);
    const std::string name = absl::StrCat("nosuch", i, " ");
    EXPECT_EQ(diagnostic.source_line.substr(diagnostic.column - diagnostic.source_line_column,
                                            name.size()),
              name);
  }
}

}  // namespace
}  // namespace writ
