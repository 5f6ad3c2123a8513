// Internal: the typed value of one request attribute.
//
// io/ owns what crosses from the outside world into the engine: reading
// policy files and turning request JSON (or setter calls) into typed slots.
#ifndef WRIT_SRC_IO_VALUE_H_
#define WRIT_SRC_IO_VALUE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "src/internal/ip_address.h"

namespace writ::internal {

enum class ValueState : uint8_t { kAbsent, kPresent, kWrongType };

// One request slot. The evaluators read the field that matches the
// attribute's declared type; the others keep their buffers for reuse.
//
// Layout: a decision reads a slot's state and then one of boolean,
// integer, number or text (a string of up to 15 bytes lives inside `text`).
// Those come first and the slot starts on a cache line, so that reading an
// attribute costs one line; ip, set and error (rarely read) follow.
struct alignas(64) Value {
  ValueState state = ValueState::kAbsent;
  bool boolean = false;
  int64_t integer = 0;  // int, duration (seconds), enum (member index)
  double number = 0;
  std::string text;     // string
  IpAddress ip;
  std::vector<std::string> set;
  std::string error;    // why the value was wrong-typed
};
static_assert(offsetof(Value, text) + sizeof(std::string) <= 64,
              "the fields a decision reads must share the slot's first cache line");

}  // namespace writ::internal

#endif  // WRIT_SRC_IO_VALUE_H_
