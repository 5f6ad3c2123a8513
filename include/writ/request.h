// writ — a request: typed values for some of a policy's schema attributes.
//
// A Request is bound to the schema of the policy it was made for. Slots are
// addressed by AttributeHandle; setters never hash a name, and reusing one
// Request across decisions reuses its buffers, so a warm Request is filled
// without heap allocation for values that fit the buffers it already has.
#ifndef WRIT_REQUEST_H_
#define WRIT_REQUEST_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "writ/policy.h"

namespace writ {

namespace internal {
struct Value;
struct ValueDetail;
struct ValuesView;
class ValueStore;
}  // namespace internal

// Caps on one JSON request document, so a hostile or broken request is
// refused with a clear InvalidArgument instead of costing unbounded memory,
// stack or time. The defaults fit any sensible gateway request with room to
// spare.
struct RequestOptions {
  // Bytes in the document.
  size_t max_json_bytes = 1 << 20;
  // Nesting of objects and arrays anywhere in the document; the top-level
  // object is depth 1. Nesting costs no stack (the parser is iterative and
  // the reader only descends into objects that lead to schema attributes),
  // so this bounds the parser's memory; the default is simdjson's own.
  // Taken as at most max_json_bytes (no document under it nests deeper)
  // and 2^20 (the parser's stack is allocated up front, ~9 MB at 2^20), so
  // SIZE_MAX may stand for "no limit".
  size_t max_depth = 1024;
  // Object members read: the top level's plus those of nested objects that
  // lead to schema attributes, members the schema ignores included.
  size_t max_members = 10000;
};

class Request {
 public:
  // An empty request (every attribute absent) for `policy`'s schema.
  explicit Request(const Policy& policy);

  // Parses a JSON request as SPEC §6. Wrong-typed attribute values are not
  // failures (they become unknown plus an `errors` entry; so do the
  // attributes under a scalar or array given where the schema has an
  // object); a document that is not a JSON object, is not valid JSON, gives
  // an attribute twice or gives a key the schema reads twice in one object
  // is InvalidArgument.
  static absl::StatusOr<Request> FromJson(const Policy& policy,
                                          absl::string_view json);
  // As above, with explicit limits; a document over a limit is
  // InvalidArgument naming the limit.
  static absl::StatusOr<Request> FromJson(const Policy& policy,
                                          absl::string_view json,
                                          const RequestOptions& options);

  // Replaces every value with those of a JSON request, exactly as FromJson
  // reads it, but reusing this request's buffers: a warm request reads the
  // next document without allocating for values that fit. On an error the
  // values are unspecified (read another document before deciding).
  absl::Status ReadJson(absl::string_view json,
                        const RequestOptions& options = {});

  // A moved-from request has no schema: ReadJson refuses it
  // (FailedPrecondition), setters do nothing and every policy denies it.
  // Assign a request to it to use it again.
  Request(Request&&) noexcept;
  Request& operator=(Request&&) noexcept;
  Request(const Request&);
  Request& operator=(const Request&);
  ~Request();

  // Setters. A value that does not fit the attribute's declared type makes
  // the attribute unknown and records an error, exactly as JSON input does;
  // so does a NaN or infinite number, which JSON cannot give.
  void SetBool(AttributeHandle attribute, bool value);
  void SetInt(AttributeHandle attribute, int64_t value);
  void SetNumber(AttributeHandle attribute, double value);
  void SetString(AttributeHandle attribute, absl::string_view value);
  void SetDurationSeconds(AttributeHandle attribute, int64_t seconds);
  void SetIp(AttributeHandle attribute, absl::string_view address);
  void SetEnum(AttributeHandle attribute, absl::string_view member);
  void SetStringSet(AttributeHandle attribute,
                    const std::vector<std::string>& members);
  void Clear(AttributeHandle attribute);
  // Makes every attribute absent, keeping buffers for reuse.
  void ClearAll();

  // Internal, for the evaluators (src/io/value.h).
  const internal::Value& value(uint32_t slot) const;
  // The text of a string attribute's slot.
  absl::string_view text(uint32_t slot) const;
  const internal::ValueDetail& detail(uint32_t slot) const;
  inline internal::ValuesView values() const;  // defined in src/io/value.h
  // Not for a moved-from request, which has no schema; IsFor is.
  const internal::Schema& schema() const { return *schema_; }
  // Whether this request was made for `schema` (false when moved from).
  bool IsFor(const internal::Schema& schema) const { return schema_.get() == &schema; }
  internal::ValueStore mutable_values();

 private:
  std::shared_ptr<const internal::Schema> schema_;
  // Per slot: what a decision reads (32 bytes), the rest, and the texts of
  // string values end to end.
  std::vector<internal::Value> values_;
  std::vector<internal::ValueDetail> details_;
  std::string texts_;
};

}  // namespace writ

#endif  // WRIT_REQUEST_H_
