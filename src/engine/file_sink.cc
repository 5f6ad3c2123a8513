// The appending, size-rotated file sink of decision logs.
//
// Rotation renames path -> path.1 -> path.2 ... and reopens path, the
// scheme logrotate and most log shippers understand. Only the DecisionLog
// writer thread calls a sink, so no locking is needed here.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <sys/stat.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "writ/decision_log.h"

namespace writ {
namespace {

absl::Status ErrnoError(absl::string_view what, const std::string& path) {
  return absl::UnavailableError(
      absl::StrCat(what, " '", path, "': ", std::strerror(errno)));
}

class FileSink : public LogSink {
 public:
  explicit FileSink(const FileSinkOptions& options) : options_(options) {}
  ~FileSink() override { Close(); }

  absl::Status Open() {
    const int fd = ::open(options_.path.c_str(),
                          O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) return ErrnoError("cannot open log", options_.path);
    struct stat status;
    size_ = ::fstat(fd, &status) == 0 ? static_cast<uint64_t>(status.st_size) : 0;
    file_ = ::fdopen(fd, "a");
    if (file_ == nullptr) {
      ::close(fd);
      return ErrnoError("cannot open log", options_.path);
    }
    return absl::OkStatus();
  }

  absl::Status Write(absl::string_view lines) override {
    if (NeedsRotation(lines.size())) {
      if (absl::Status rotated = Rotate(); !rotated.ok()) return rotated;
    }
    if (file_ == nullptr) return absl::UnavailableError("log file is not open");
    if (std::fwrite(lines.data(), 1, lines.size(), file_) != lines.size()) {
      return ErrnoError("cannot write log", options_.path);
    }
    size_ += lines.size();
    return absl::OkStatus();
  }

  absl::Status Flush() override {
    if (file_ == nullptr || options_.sync == FileSync::kNone) {
      return absl::OkStatus();
    }
    if (std::fflush(file_) != 0) return ErrnoError("cannot flush log", options_.path);
    if (options_.sync == FileSync::kFsync && ::fsync(::fileno(file_)) != 0) {
      return ErrnoError("cannot fsync log", options_.path);
    }
    return absl::OkStatus();
  }

 private:
  bool NeedsRotation(size_t incoming) const {
    return options_.max_bytes > 0 && size_ > 0 &&
           size_ + incoming > options_.max_bytes;
  }

  std::string RotatedName(int index) const {
    return absl::StrCat(options_.path, ".", index);
  }

  absl::Status Rotate() {
    Close();
    if (options_.max_rotated_files <= 0) {
      std::remove(options_.path.c_str());
    } else {
      // The oldest falls off the end; a missing one is fine.
      std::remove(RotatedName(options_.max_rotated_files).c_str());
      for (int index = options_.max_rotated_files - 1; index >= 1; --index) {
        std::rename(RotatedName(index).c_str(), RotatedName(index + 1).c_str());
      }
      if (std::rename(options_.path.c_str(), RotatedName(1).c_str()) != 0) {
        absl::Status reopened = Open();  // keep appending to the old file
        return reopened.ok() ? ErrnoError("cannot rotate log", options_.path)
                             : reopened;
      }
    }
    return Open();
  }

  void Close() {
    if (file_ != nullptr) std::fclose(file_);
    file_ = nullptr;
  }

  const FileSinkOptions options_;
  std::FILE* file_ = nullptr;
  uint64_t size_ = 0;  // bytes in the current file
};

}  // namespace

absl::StatusOr<std::unique_ptr<LogSink>> OpenFileSink(
    const FileSinkOptions& options) {
  auto sink = std::make_unique<FileSink>(options);
  if (absl::Status status = sink->Open(); !status.ok()) return status;
  return std::unique_ptr<LogSink>(std::move(sink));
}

}  // namespace writ
