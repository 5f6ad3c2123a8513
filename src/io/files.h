// Internal: reading policy and request files.
#ifndef WRIT_SRC_IO_FILES_H_
#define WRIT_SRC_IO_FILES_H_

#include <string>

#include "absl/status/statusor.h"

namespace writ::internal {

// The whole file as bytes. NotFound names the path when the file does not
// exist; a directory is InvalidArgument; other failures carry the OS reason
// (for example PermissionDenied).
absl::StatusOr<std::string> ReadFileToString(const std::string& path);

}  // namespace writ::internal

#endif  // WRIT_SRC_IO_FILES_H_
