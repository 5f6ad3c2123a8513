#include "src/internal/json_writer.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

#include "src/internal/utf8.h"

namespace writ::internal {
namespace {

// The escape for a byte that may not appear raw in a JSON string, or
// nullptr when the byte can be copied. Control characters without a short
// form are handled by the caller.
const char* ShortEscape(unsigned char byte) {
  switch (byte) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\n': return "\\n";
    case '\t': return "\\t";
    case '\r': return "\\r";
    case '\b': return "\\b";
    case '\f': return "\\f";
    default: return nullptr;
  }
}

// Bytes from 0x80 on are looked at too: copied when they are part of a
// strictly valid UTF-8 sequence, else written as U+FFFD.
constexpr bool NeedsEscape(unsigned char byte) {
  return byte < 0x20 || byte == '"' || byte == '\\' || byte >= 0x80;
}

// NeedsEscape as a table: the scan for the first byte to escape is the
// inner loop of every string and key written (a decision log record is
// mostly strings), and one load per byte beats three compares.
constexpr std::array<bool, 256> kNeedsEscape = [] {
  std::array<bool, 256> table{};
  for (int byte = 0; byte < 256; ++byte) table[byte] = NeedsEscape(byte);
  return table;
}();

void AppendUnicodeEscape(unsigned char byte, std::string* output) {
  static constexpr char kHexDigits[] = "0123456789abcdef";
  char escape[] = {'\\', 'u', '0', '0', kHexDigits[byte >> 4],
                   kHexDigits[byte & 0xf]};
  output->append(escape, sizeof(escape));
}

template <typename Number>
void AppendNumber(Number value, std::string* output) {
  char buffer[32];  // enough for any int64, uint64 or shortest double
  std::to_chars_result result =
      std::to_chars(buffer, buffer + sizeof(buffer), value);
  output->append(buffer, result.ptr);
}

}  // namespace

void AppendJsonString(absl::string_view text, std::string* output) {
  size_t first_escape = 0;
  while (first_escape < text.size() &&
         !kNeedsEscape[static_cast<unsigned char>(text[first_escape])]) {
    ++first_escape;
  }
  if (first_escape == text.size()) {
    // Nothing to escape, the common case: one resize and one copy instead
    // of three appends, each checking the capacity and writing a terminator.
    const size_t start = output->size();
    output->resize(start + text.size() + 2);
    char* quoted = output->data() + start;
    quoted[0] = '"';
    std::memcpy(quoted + 1, text.data(), text.size());
    quoted[text.size() + 1] = '"';
    return;
  }
  output->push_back('"');
  size_t run_start = 0;  // copy unescaped bytes in runs, not one by one
  for (size_t i = first_escape; i < text.size(); ++i) {
    unsigned char byte = static_cast<unsigned char>(text[i]);
    if (!kNeedsEscape[byte]) continue;
    if (byte >= 0x80) {
      const size_t length = StrictUtf8Length(text.data() + i, text.data() + text.size());
      if (length > 0) {  // valid: part of the run
        i += length - 1;
        continue;
      }
    }
    output->append(text.data() + run_start, i - run_start);
    if (byte >= 0x80) {
      // Not UTF-8 (a file name from the file system, say): JSON text must
      // be (RFC 8259 §8.1), so the byte is replaced, as decoders do.
      output->append("\\ufffd");
    } else if (const char* escape = ShortEscape(byte)) {
      output->append(escape);
    } else {
      AppendUnicodeEscape(byte, output);
    }
    run_start = i + 1;
  }
  output->append(text.data() + run_start, text.size() - run_start);
  output->push_back('"');
}

void JsonWriter::BeginObject() {
  BeforeValue();
  output_->push_back('{');
  ++depth_;
}

void JsonWriter::EndObject() {
  output_->push_back('}');
  --depth_;
}

void JsonWriter::BeginArray() {
  BeforeValue();
  output_->push_back('[');
  ++depth_;
}

void JsonWriter::EndArray() {
  output_->push_back(']');
  --depth_;
}

void JsonWriter::Key(absl::string_view key) {
  BeforeValue();
  AppendJsonString(key, output_);
  output_->push_back(':');
}

void JsonWriter::FormattedKey(absl::string_view key_and_colon) {
  BeforeValue();
  output_->append(key_and_colon.data(), key_and_colon.size());
}

void JsonWriter::FormattedValue(absl::string_view json) {
  BeforeValue();
  output_->append(json.data(), json.size());
}

void JsonWriter::String(absl::string_view value) {
  BeforeValue();
  AppendJsonString(value, output_);
}

void JsonWriter::Int(int64_t value) {
  BeforeValue();
  AppendNumber(value, output_);
}

void JsonWriter::Uint(uint64_t value) {
  BeforeValue();
  AppendNumber(value, output_);
}

void JsonWriter::Double(double value) {
  if (!std::isfinite(value)) {
    Null();
    return;
  }
  BeforeValue();
  AppendNumber(value, output_);
}

void JsonWriter::Bool(bool value) {
  BeforeValue();
  output_->append(value ? "true" : "false");
}

void JsonWriter::Null() {
  BeforeValue();
  output_->append("null");
}

}  // namespace writ::internal
