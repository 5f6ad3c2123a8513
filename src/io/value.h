// Internal: the typed value of one request attribute.
//
// io/ owns what crosses from the outside world into the engine: reading
// policy files and turning request JSON (or setter calls) into typed slots.
#ifndef WRIT_SRC_IO_VALUE_H_
#define WRIT_SRC_IO_VALUE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "src/internal/ip_address.h"

namespace writ::internal {

enum class ValueState : uint8_t { kAbsent, kPresent, kWrongType };

// One request slot. The evaluators read the field that matches the
// attribute's declared type; the others keep their buffers for reuse.
struct Value {
  ValueState state = ValueState::kAbsent;
  bool boolean = false;
  int64_t integer = 0;  // int, duration (seconds), enum (member index)
  double number = 0;
  std::string text;     // string
  IpAddress ip;
  std::vector<std::string> set;
  std::string error;    // why the value was wrong-typed
};

}  // namespace writ::internal

#endif  // WRIT_SRC_IO_VALUE_H_
