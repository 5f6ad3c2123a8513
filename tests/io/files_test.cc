#include "src/io/files.h"

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace writ::internal {
namespace {

using testing::HasSubstr;

std::string TempPath(const std::string& name) {
  return testing::TempDir() + "/" + name;
}

TEST(ReadFileToString, ReturnsEveryByteOfTheFile) {
  const std::string path = TempPath("writ_files_test.writ");
  const std::string contents("schema {}\n\0binary\xff", 18);
  {
    std::ofstream file(path, std::ios::binary);
    file << contents;
  }
  absl::StatusOr<std::string> read = ReadFileToString(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, contents);
  std::remove(path.c_str());
}

TEST(ReadFileToString, MissingFileIsNotFoundNamingThePath) {
  const std::string path = TempPath("writ_no_such_file.writ");
  absl::StatusOr<std::string> read = ReadFileToString(path);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(read.status().message(), HasSubstr(path));
}

TEST(ReadFileToString, DirectoryIsRejected) {
  absl::StatusOr<std::string> read = ReadFileToString(testing::TempDir());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(read.status().message(), HasSubstr("is a directory"));
}

}  // namespace
}  // namespace writ::internal
