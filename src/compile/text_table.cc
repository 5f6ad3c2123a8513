#include "src/compile/text_table.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"

namespace writ::internal {

TextTable::TextTable(const std::vector<std::pair<std::string, RuleRange>>& entries,
                     const std::vector<std::vector<uint64_t>>& payloads)
    : has_payloads_(!payloads.empty()) {
  // At most half full, so a probe that misses stops within a few slots.
  size_t capacity = 2;
  int bits = 1;
  while (capacity < 2 * entries.size()) {
    capacity *= 2;
    ++bits;
  }
  slots_.assign(capacity, Slot{});
  shift_ = 64 - bits;
  mask_ = capacity - 1;
  std::string bytes;  // the arena as bytes, while it grows
  // Without payloads one word of ones: MayHoldKey says yes to every hash,
  // so that FindSlotWithPayload stays a plain FindSlot there rather than a
  // read past an empty bitmap.
  size_t filter_bits = 64;
  while (has_payloads_ && filter_bits < 16 * entries.size()) filter_bits *= 2;
  filter_.assign(filter_bits / 64, has_payloads_ ? 0 : ~uint64_t{0});
  filter_mask_ = has_payloads_ ? filter_bits - 1 : 0;
  absl::flat_hash_set<absl::string_view> seen;  // keys of `entries`, which outlive it
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& [key, range] = entries[i];
    if (!seen.insert(key).second) continue;
    const uint64_t hash = HashText(key);
    size_t at = hash >> shift_;
    while (slots_[at].key_size != kEmpty) at = (at + 1) & mask_;
    slots_[at] = Slot{hash, static_cast<uint32_t>(bytes.size()), static_cast<uint32_t>(key.size()),
                      range};
    bytes += key;
    if (has_payloads_) {
      const uint64_t bit = hash & filter_mask_;
      filter_[bit / 64] |= uint64_t{1} << (bit % 64);
      bytes.resize((bytes.size() + sizeof(uint64_t) - 1) / sizeof(uint64_t) * sizeof(uint64_t));
      bytes.append(reinterpret_cast<const char*>(payloads[i].data()),
                   payloads[i].size() * sizeof(uint64_t));
    }
    ++size_;
  }
  // At least one word, so that a key's bytes are never a null pointer,
  // which memcmp must not be given even for an empty key (a table whose
  // one key is "" had an empty arena).
  arena_.assign(std::max<size_t>(1, (bytes.size() + sizeof(uint64_t) - 1) / sizeof(uint64_t)), 0);
  if (!bytes.empty()) std::memcpy(arena_.data(), bytes.data(), bytes.size());
}

}  // namespace writ::internal
