// Internal: the line and column of a byte in a text, for the stages that
// report positions in text they were given whole (the policy parser on a
// byte that is not UTF-8, the request reader on JSON that is not JSON).
#ifndef WRIT_SRC_INTERNAL_LINE_AND_COLUMN_H_
#define WRIT_SRC_INTERNAL_LINE_AND_COLUMN_H_

#include <cstddef>

#include "absl/strings/string_view.h"

namespace writ::internal {

struct LineAndColumn {
  size_t line = 1;    // 1-based
  size_t column = 1;  // 1-based, in bytes (as diagnostics count: docs/design.md)
};

// Where byte `offset` of `text` is; one past the end is the end's place.
inline LineAndColumn LineAndColumnOf(absl::string_view text, size_t offset) {
  LineAndColumn place;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++place.line;
      place.column = 1;
    } else {
      ++place.column;
    }
  }
  return place;
}

}  // namespace writ::internal

#endif  // WRIT_SRC_INTERNAL_LINE_AND_COLUMN_H_
