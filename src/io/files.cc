#include "src/io/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace writ::internal {
namespace {

absl::Status ErrorFor(const std::string& path, int error_number) {
  if (error_number == ENOENT) {
    return absl::NotFoundError(absl::StrCat("no such file: ", path));
  }
  return absl::ErrnoToStatus(error_number, absl::StrCat("cannot read ", path));
}

// Closes the descriptor whatever path the reader leaves by.
class FileDescriptor {
 public:
  explicit FileDescriptor(int descriptor) : descriptor_(descriptor) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (descriptor_ >= 0) close(descriptor_);
  }
  int get() const { return descriptor_; }

 private:
  int descriptor_;
};

}  // namespace

absl::StatusOr<std::string> ReadFileToString(const std::string& path) {
  FileDescriptor file(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.get() < 0) return ErrorFor(path, errno);
  struct stat status;
  if (fstat(file.get(), &status) != 0) return ErrorFor(path, errno);
  if (S_ISDIR(status.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", path, ": is a directory"));
  }
  std::string contents;
  // The size is only a hint: pipes and /proc files report 0, so read on
  // until end of file.
  if (S_ISREG(status.st_mode)) contents.reserve(status.st_size);
  char buffer[1 << 16];
  while (true) {
    ssize_t count = read(file.get(), buffer, sizeof(buffer));
    if (count == 0) break;
    if (count < 0) {
      if (errno == EINTR) continue;
      return ErrorFor(path, errno);
    }
    contents.append(buffer, static_cast<size_t>(count));
  }
  return contents;
}

}  // namespace writ::internal
