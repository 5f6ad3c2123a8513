#include "src/compile/text_table.h"

namespace writ::internal {

TextTable::TextTable(const std::vector<std::pair<std::string, RuleRange>>& entries) {
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
  for (const auto& [key, range] : entries) {
    if (Find(key) != nullptr) continue;
    const uint64_t hash = HashText(key);
    size_t at = hash >> shift_;
    while (slots_[at].key_size != kEmpty) at = (at + 1) & mask_;
    slots_[at] = Slot{hash, static_cast<uint32_t>(keys_.size()), static_cast<uint32_t>(key.size()),
                      range};
    keys_ += key;
    ++size_;
  }
  keys_.shrink_to_fit();
}

}  // namespace writ::internal
