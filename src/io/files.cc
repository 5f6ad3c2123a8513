#include "src/io/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace writ::internal {
namespace {

// Bytes asked of the OS per read.
constexpr size_t kChunkBytes = 1 << 16;

// Why a read failed, without the path (InputFile's callers name it).
absl::Status ReasonFor(int error_number) {
  if (error_number == ENOENT) return absl::NotFoundError("no such file");
  // ErrnoToStatus is abseil's thread-safe way to the OS's own words; it
  // writes them after the message and ": ".
  const absl::Status status = absl::ErrnoToStatus(error_number, "");
  return absl::Status(status.code(), absl::StripPrefix(status.message(), ": "));
}

// How many bytes a read under `limit` keeps: one more than the limit, so
// the caller can tell "over" from "exactly at" it.
size_t BytesToKeep(size_t limit) { return limit == kNoReadLimit ? limit : limit + 1; }

}  // namespace

absl::StatusOr<InputFile> InputFile::Open(const std::string& path) {
  const int descriptor = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (descriptor < 0) return ReasonFor(errno);
  return Checked(InputFile(descriptor, /*owned=*/true));
}

absl::StatusOr<InputFile> InputFile::StandardInput() {
  return Checked(InputFile(STDIN_FILENO, /*owned=*/false));
}

absl::StatusOr<InputFile> InputFile::Checked(InputFile file) {
  struct stat status;
  if (fstat(file.descriptor_, &status) != 0) return ReasonFor(errno);
  // open() and fstat() accept a directory; read() would fail with EISDIR
  // only later, so say it here, the same for every caller.
  if (S_ISDIR(status.st_mode)) return absl::InvalidArgumentError("is a directory");
  return file;
}

InputFile::InputFile(InputFile&& other) noexcept
    : descriptor_(std::exchange(other.descriptor_, -1)),
      owned_(other.owned_),
      buffer_(std::move(other.buffer_)),
      position_(std::exchange(other.position_, 0)) {}

InputFile::~InputFile() {
  if (owned_ && descriptor_ >= 0) close(descriptor_);
}

absl::StatusOr<size_t> InputFile::Fill() {
  buffer_.resize(kChunkBytes);
  position_ = 0;
  while (true) {
    const ssize_t count = read(descriptor_, buffer_.data(), buffer_.size());
    if (count >= 0) {
      buffer_.resize(static_cast<size_t>(count));
      return buffer_.size();
    }
    if (errno != EINTR) {
      buffer_.clear();
      return ReasonFor(errno);
    }
  }
}

absl::StatusOr<std::string> InputFile::ReadAll(size_t limit) {
  const size_t keep = BytesToKeep(limit);
  std::string contents;
  while (contents.size() < keep) {
    if (position_ == buffer_.size()) {
      absl::StatusOr<size_t> count = Fill();
      if (!count.ok()) return count.status();
      if (*count == 0) break;
    }
    const size_t take = std::min(buffer_.size() - position_, keep - contents.size());
    contents.append(buffer_, position_, take);
    position_ += take;
  }
  return contents;
}

absl::StatusOr<bool> InputFile::ReadLine(size_t limit, std::string* line) {
  const size_t keep = BytesToKeep(limit);
  line->clear();
  bool read_any = false;
  while (true) {
    if (position_ == buffer_.size()) {
      absl::StatusOr<size_t> count = Fill();
      if (!count.ok()) return count.status();
      if (*count == 0) return read_any;
    }
    read_any = true;
    const size_t newline = buffer_.find('\n', position_);
    const size_t end = newline == std::string::npos ? buffer_.size() : newline;
    line->append(buffer_, position_, std::min(end - position_, keep - line->size()));
    position_ = end;
    if (newline != std::string::npos) {
      ++position_;
      return true;
    }
  }
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path, size_t limit) {
  absl::StatusOr<InputFile> file = InputFile::Open(path);
  if (!file.ok()) return file.status();
  return file->ReadAll(limit);
}

absl::StatusOr<std::string> ReadFileToString(const std::string& path, size_t limit) {
  absl::StatusOr<std::string> contents = ReadWholeFile(path, limit);
  if (contents.ok()) return contents;
  // The CLI words its inputs' failures the same way (PrintCannotRead), so
  // a policy file and a request file that cannot be read read alike.
  const absl::Status& status = contents.status();
  return absl::Status(status.code(),
                      absl::StrCat("cannot read '", path, "': ", status.message()));
}

}  // namespace writ::internal
