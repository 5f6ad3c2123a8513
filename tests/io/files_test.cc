#include "src/io/files.h"

#include <cstdio>
#include <fstream>
#include <string>
#include <utility>

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

// Writes `contents` to a temporary file and opens it.
InputFile OpenWith(const std::string& name, const std::string& contents) {
  const std::string path = TempPath(name);
  std::ofstream(path, std::ios::binary) << contents;
  absl::StatusOr<InputFile> file = InputFile::Open(path);
  std::remove(path.c_str());  // the open descriptor still reads it
  EXPECT_TRUE(file.ok()) << file.status();
  return *std::move(file);
}

TEST(InputFile, ReadAllStopsOneByteOverTheLimit) {
  EXPECT_EQ(*OpenWith("writ_limit_over", "abcdef").ReadAll(3), "abcd");
  EXPECT_EQ(*OpenWith("writ_limit_at", "abc").ReadAll(3), "abc");
  EXPECT_EQ(*OpenWith("writ_limit_none", "abcdef").ReadAll(), "abcdef");
}

TEST(InputFile, ReadLineCutsAnOverlongLineAndSkipsTheRestOfIt) {
  InputFile file = OpenWith("writ_lines", "abcdefgh\nxy\n\nlast");
  std::string line;
  EXPECT_TRUE(*file.ReadLine(3, &line));
  EXPECT_EQ(line, "abcd");
  EXPECT_TRUE(*file.ReadLine(3, &line));
  EXPECT_EQ(line, "xy");
  EXPECT_TRUE(*file.ReadLine(3, &line));
  EXPECT_EQ(line, "");
  EXPECT_TRUE(*file.ReadLine(3, &line));
  EXPECT_EQ(line, "last");
  EXPECT_FALSE(*file.ReadLine(3, &line));
}

TEST(InputFile, ADirectoryOrAMissingFileSaysWhyWithoutThePath) {
  EXPECT_EQ(InputFile::Open(testing::TempDir()).status(),
            absl::InvalidArgumentError("is a directory"));
  EXPECT_EQ(InputFile::Open(TempPath("writ_no_such_input")).status(),
            absl::NotFoundError("no such file"));
}

}  // namespace
}  // namespace writ::internal
