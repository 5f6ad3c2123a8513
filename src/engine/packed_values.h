// Internal: a request's given values packed into one byte buffer, for the
// decision log.
//
// A logged decision's values travel from the deciding thread to the log's
// writer thread. Handing over the JSON text cost the writer a second parse
// (simdjson, then a hash lookup per member: about a fifth of its time per
// record); copying the Request would move one 128-byte slot per schema
// attribute, given or not. Packed, only the given slots travel, each as its
// slot number, its state and the one field its type uses, in about the
// bytes of the JSON text, and the writer unpacks them into a request of its
// own without parsing anything.
//
// Layout, per given slot in slot order: uint32 slot, uint8 state, then for
// a wrong-typed value its error text, for a present one by type kind: bool
// one byte; int, duration and enum (member index) int64; number double; ip
// its 16 bytes; string its text; set<string> a uint32 count and each
// member's text. A text is a uint32 length and its bytes.
#ifndef WRIT_SRC_ENGINE_PACKED_VALUES_H_
#define WRIT_SRC_ENGINE_PACKED_VALUES_H_

#include <string>

#include "src/internal/prefetch.h"
#include "writ/request.h"

namespace writ::internal {

class PackedValues {
 public:
  // Replaces the packed values with `request`'s present and wrong-typed
  // ones, reusing the buffer.
  void Pack(const Request& request);

  // Makes `*request`, which must be of the schema the values were packed
  // from, hold exactly the packed values: what was absent is absent again.
  void UnpackInto(Request* request) const;

  // Starts loading, for writing, the lines the next Pack() will likely
  // write: those the last one wrote.
  void PrefetchForPacking() const { PrefetchRangeForWriting(bytes_.data(), used_); }

 private:
  std::string bytes_;  // the first used_ bytes hold the values
  size_t used_ = 0;
};

}  // namespace writ::internal

#endif  // WRIT_SRC_ENGINE_PACKED_VALUES_H_
