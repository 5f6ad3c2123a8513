// Internal: reading policy and request files.
#ifndef WRIT_SRC_IO_FILES_H_
#define WRIT_SRC_IO_FILES_H_

#include <cstddef>
#include <limits>
#include <string>

#include "absl/status/statusor.h"

namespace writ::internal {

inline constexpr size_t kNoReadLimit = std::numeric_limits<size_t>::max();

// A file open for reading that is not a directory, read through a buffer
// of its own (so whole-file and line-by-line reads share one reader).
// Closes the descriptor it opened; standard input is left open.
class InputFile {
 public:
  // Errors say why in a few words ("no such file", "is a directory", the OS
  // reason such as "Permission denied") without the path, so each caller
  // names the path in its own style. NotFound when the file does not exist;
  // a directory is InvalidArgument.
  static absl::StatusOr<InputFile> Open(const std::string& path);
  // Fails the same way when standard input is a directory.
  static absl::StatusOr<InputFile> StandardInput();

  InputFile(InputFile&& other) noexcept;
  InputFile& operator=(InputFile&&) = delete;
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  ~InputFile();

  // The rest of the file, or, when it holds more than `limit` bytes, its
  // first limit + 1 bytes: enough for the caller to see that it is over the
  // limit without holding (or waiting for) the rest.
  absl::StatusOr<std::string> ReadAll(size_t limit = kNoReadLimit);

  // The next line, without its '\n', into `line`; false at end of input (a
  // last line without '\n' still counts). A line longer than `limit` bytes
  // is cut to its first limit + 1 bytes and the rest of it is skipped
  // without being kept, so a caller's memory is bounded whatever the input.
  // Returns as soon as the line's '\n' has been read, without waiting for
  // more input: a caller answering a pipe line by line is not held up.
  absl::StatusOr<bool> ReadLine(size_t limit, std::string* line);

 private:
  InputFile(int descriptor, bool owned) : descriptor_(descriptor), owned_(owned) {}
  static absl::StatusOr<InputFile> Checked(InputFile file);
  // Refills the empty buffer; 0 at end of input.
  absl::StatusOr<size_t> Fill();

  int descriptor_;
  bool owned_;
  std::string buffer_;
  size_t position_ = 0;  // next unread byte of buffer_
};

// The whole file as bytes (at most limit + 1, as ReadAll); errors as
// InputFile::Open's, without the path.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path,
                                          size_t limit = kNoReadLimit);

// The whole file as bytes (at most limit + 1, as ReadAll). Failures say
// "cannot read 'PATH': reason": NotFound "no such file" when the file does
// not exist, InvalidArgument "is a directory", others the OS reason (for
// example PermissionDenied).
absl::StatusOr<std::string> ReadFileToString(const std::string& path,
                                             size_t limit = kNoReadLimit);

}  // namespace writ::internal

#endif  // WRIT_SRC_IO_FILES_H_
