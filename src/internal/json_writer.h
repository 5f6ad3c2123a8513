// Internal: a small streaming JSON writer for the explanation record and the
// command-line tools' output.
//
//   std::string out;
//   JsonWriter json(&out);
//   json.BeginObject();
//   json.Key("decision");
//   json.String("deny");
//   json.EndObject();  // out == R"({"decision":"deny"})"
//
// Commas and colons are placed automatically; the caller only has to nest
// Begin/End calls properly and give a Key before each value in an object.
// Output is compact (no spaces), one line. Strings are escaped per RFC 8259
// and are otherwise passed through byte for byte, except that a byte that
// is not part of strictly valid UTF-8 is written as U+FFFD: the output is
// valid JSON whatever a string holds (a file name is any bytes).
//
// A writer is cheap to make and holds no buffer of its own: it appends to
// the caller's string, which can be cleared and reused to avoid allocation.
// Not thread-safe; use one writer per output.
#ifndef WRIT_SRC_INTERNAL_JSON_WRITER_H_
#define WRIT_SRC_INTERNAL_JSON_WRITER_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace writ::internal {

class JsonWriter {
 public:
  // Appends to `*output`, which must outlive the writer.
  explicit JsonWriter(std::string* output) : output_(output) {}

  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  void BeginObject();
  void EndObject();
  void BeginArray();
  void EndArray();

  // The key of the next member of the innermost object.
  void Key(absl::string_view key);

  void String(absl::string_view value);
  void Int(int64_t value);
  void Uint(uint64_t value);
  // Shortest text that reads back as the same double ("0.1", "1e+300", and
  // "5" for 5.0, exactly what std::to_chars gives). NaN and infinities have
  // no JSON form and are written as null.
  void Double(double value);
  void Bool(bool value);
  void Null();

  // A key or a value formatted earlier (the key by AppendJsonString, with
  // its ':'), for a writer that repeats the same text on every line.
  void FormattedKey(absl::string_view key_and_colon);
  void FormattedValue(absl::string_view json);

 private:
  // Writes the comma that separates this value from the previous element.
  // Inline: it runs before every key and value, and as a call it was a
  // tenth of formatting a decision log record.
  void BeforeValue() {
    if (depth_ == 0 || output_->empty()) return;
    const char last = output_->back();
    if (last != '{' && last != '[' && last != ':') output_->push_back(',');
  }

  std::string* output_;
  // How many containers are open. Whether a comma is due is read off the
  // last byte written, so no per-level state is kept.
  int depth_ = 0;
};

// Appends `text` as a quoted, escaped JSON string.
void AppendJsonString(absl::string_view text, std::string* output);

}  // namespace writ::internal

#endif  // WRIT_SRC_INTERNAL_JSON_WRITER_H_
