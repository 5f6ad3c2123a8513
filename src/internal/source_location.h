// Internal: positions in a policy set's sources, shared by every stage.
#ifndef WRIT_SRC_INTERNAL_SOURCE_LOCATION_H_
#define WRIT_SRC_INTERNAL_SOURCE_LOCATION_H_

#include <cstdint>

namespace writ::internal {

// A position in the policy set: which file (index in source order), and the
// 1-based line and byte column of a token's first character.
struct SourceLocation {
  uint32_t file = 0;
  uint32_t line = 0;
  uint32_t column = 0;
};

}  // namespace writ::internal

#endif  // WRIT_SRC_INTERNAL_SOURCE_LOCATION_H_
