// The text arena of a request's values (value.h).
#include "src/io/value.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>

namespace writ::internal {

const ValueDetail& NoDetail() {
  static const ValueDetail* const none = new ValueDetail();
  return *none;
}

void ValueStore::Reset(size_t slot_count) const {
  values_->resize(slot_count);
  if (!details_->empty()) details_->resize(slot_count);
  for (size_t slot = 0; slot < slot_count; ++slot) {
    // Only a wrong-typed slot has an error to clear (and then the store
    // has details): the others' details stay out of the cache.
    if ((*values_)[slot].state == ValueState::kWrongType && !details_->empty()) {
      (*details_)[slot].error.clear();
    }
    (*values_)[slot] = Value{};
  }
  texts_->clear();
}

std::vector<std::string>* ValueStore::MembersToWrite(uint32_t slot, size_t count) const {
  if (count == 0 && !has_details()) return nullptr;
  ValueDetail& slot_detail = detail(slot);
  std::vector<std::string>& set = slot_detail.set;
  std::vector<std::string>& spares = slot_detail.spare_members;
  while (set.size() > count) {
    spares.push_back(std::move(set.back()));
    set.pop_back();
  }
  while (set.size() < count && !spares.empty()) {
    set.push_back(std::move(spares.back()));
    spares.pop_back();
  }
  set.resize(count);
  return &set;
}

void ValueStore::ReserveArena(size_t bytes) const {
  if (bytes <= texts_->capacity()) return;
  // Room for a whole request's long texts at the first one (a gateway
  // request's host, session id and workload id come to ~100 bytes), where
  // std::string's own growth from its 15-byte buffer took three
  // allocations; then doubling, as append would.
  constexpr size_t kFirstArenaBytes = 256;
  texts_->reserve(std::max({bytes, 2 * texts_->capacity(), kFirstArenaBytes}));
}

bool ValueStore::SetText(uint32_t slot, absl::string_view text) const {
  Value& value = (*values_)[slot];
  // memmove: `text` may be this very slot's text.
  if (text.size() <= Value::kInlineText) {
    std::memmove(value.inline_text, text.data(), text.size());
    value.text_size = static_cast<uint32_t>(text.size());
    return true;
  }
  if (text.size() <= value.text.capacity) {
    std::memmove(texts_->data() + value.text.offset, text.data(), text.size());
    value.text_size = static_cast<uint32_t>(text.size());
    return true;
  }
  // A region at least twice the one it replaces, so a slot set again and
  // again to longer texts (without ClearAll) leaves a bounded trail: its
  // abandoned regions add up to less than its current one.
  const size_t capacity = std::max<size_t>(text.size(), size_t{2} * value.text.capacity);
  constexpr size_t kLimit = std::numeric_limits<uint32_t>::max();
  if (capacity > kLimit || texts_->size() > kLimit - capacity) return false;
  const size_t offset = texts_->size();
  // `text` may lie in the arena, which ReserveArena may move: keep its place.
  const auto arena = reinterpret_cast<uintptr_t>(texts_->data());
  const auto start = reinterpret_cast<uintptr_t>(text.data());
  const bool in_arena = start >= arena && start < arena + offset;
  ReserveArena(offset + capacity);
  if (in_arena) text = absl::string_view(texts_->data() + (start - arena), text.size());
  texts_->append(text.data(), text.size());
  // A slot's first text has no room to spare (its capacity was 0); the
  // fill only pads a region grown for a longer one.
  if (capacity > text.size()) texts_->append(capacity - text.size(), '\0');
  value.text = TextPlace{static_cast<uint32_t>(offset), static_cast<uint32_t>(capacity)};
  value.text_size = static_cast<uint32_t>(text.size());
  return true;
}

}  // namespace writ::internal
