// Internal: where a JSON document stops being JSON.
//
// simdjson (Debian's 3.0.1) says what kind of fault a document has but not
// where ("The JSON document has an improper structure"), so a client whose
// request was refused could not tell which byte to fix. Once simdjson has
// refused a document, the request reader asks this scanner for the first
// fault's place and a description. The scanner is RFC 8259 read one byte
// at a time, slow and simple, and runs only on documents already refused;
// where it finds no fault (it and simdjson disagree), the reader keeps
// simdjson's message alone.
#ifndef WRIT_SRC_IO_JSON_SYNTAX_H_
#define WRIT_SRC_IO_JSON_SYNTAX_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "src/internal/line_and_column.h"

namespace writ::internal {

// A number token as RFC 8259 writes one:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
struct NumberToken {
  absl::string_view text;
  size_t integer_digits = 0;  // of the integer part, sign not counted
  bool has_fraction_or_exponent = false;
};

// The number token that `text` starts with, or nullopt when it starts with
// no well-formed one.
std::optional<NumberToken> ReadNumberToken(absl::string_view text);

struct JsonSyntaxError {
  size_t offset = 0;  // of the first byte that cannot be read on
  size_t line = 1;    // 1-based
  size_t column = 1;  // 1-based, in bytes (as policy diagnostics count)
  std::string problem;
};

// The first fault of `json` as RFC 8259 text holding one value, or nullopt
// when there is none. Numbers are checked for their form, not their size.
std::optional<JsonSyntaxError> FindJsonSyntaxError(absl::string_view json);

}  // namespace writ::internal

#endif  // WRIT_SRC_IO_JSON_SYNTAX_H_
