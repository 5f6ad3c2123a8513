// Compiling a one-file policy set inside a test, failing the test (not
// crashing it) when the source does not compile.
#ifndef WRIT_TESTS_TESTING_COMPILE_FOR_TEST_H_
#define WRIT_TESTS_TESTING_COMPILE_FOR_TEST_H_

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "writ/policy.h"

namespace writ::test_support {

// The compiled policy, or nullptr after recording a test failure with
// every diagnostic.
inline std::shared_ptr<const Policy> CompileForTest(const std::string& source) {
  absl::StatusOr<std::shared_ptr<const Policy>> policy = Policy::Compile({{"test.writ", source}});
  EXPECT_TRUE(policy.ok()) << policy.status().message();
  return policy.ok() ? *policy : nullptr;
}

}  // namespace writ::test_support

#endif  // WRIT_TESTS_TESTING_COMPILE_FOR_TEST_H_
