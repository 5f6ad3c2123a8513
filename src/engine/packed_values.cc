#include "src/engine/packed_values.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "src/check/checked_policy.h"
#include "src/io/value.h"

namespace writ::internal {
namespace {

// Appends fields to a buffer through a pointer: a record packs a dozen or
// more small fields on the deciding thread, and a std::string append per
// field (a call, a capacity check, a terminator) cost more than the copies.
// The buffer's size is its capacity; `*used` says how much holds fields,
// so a warm buffer is neither grown nor cleared.
class Writer {
 public:
  Writer(std::string* bytes, size_t* used) : bytes_(bytes), used_(used) { *used_ = 0; }

  // Inlined, so that each field's copy is a store or two and not a call.
  template <typename T>
  [[gnu::always_inline]] void Put(const T& field) {
    char* at = Reserve(sizeof(field));
    std::memcpy(at, &field, sizeof(field));
  }

  [[gnu::always_inline]] void PutText(absl::string_view text) {
    char* at = Reserve(sizeof(uint32_t) + text.size());
    const auto size = static_cast<uint32_t>(text.size());
    std::memcpy(at, &size, sizeof(size));
    std::memcpy(at + sizeof(size), text.data(), text.size());
  }

 private:
  // Room for `size` more bytes; where they go.
  [[gnu::always_inline]] char* Reserve(size_t size) {
    if (*used_ + size > bytes_->size()) Grow(*used_ + size);
    char* at = bytes_->data() + *used_;
    *used_ += size;
    return at;
  }

  [[gnu::noinline]] void Grow(size_t at_least) {
    bytes_->resize(std::max(2 * bytes_->size(), at_least));
  }

  std::string* bytes_;
  size_t* used_;
};

// Reads the buffer Pack wrote, front to back.
class Reader {
 public:
  Reader(const std::string& bytes, size_t used)
      : next_(bytes.data()), end_(bytes.data() + used) {}

  bool done() const { return next_ == end_; }

  template <typename T>
  T Get() {
    T field;
    std::memcpy(&field, next_, sizeof(field));
    next_ += sizeof(field);
    return field;
  }

  absl::string_view GetText() {
    const auto size = Get<uint32_t>();
    const absl::string_view text(next_, size);
    next_ += size;
    return text;
  }

  void GetText(std::string* text) {
    const absl::string_view view = GetText();
    text->assign(view.data(), view.size());
  }

 private:
  const char* next_;
  const char* end_;
};

}  // namespace

void PackedValues::Pack(const Request& request) {
  Writer writer(&bytes_, &used_);
  const Schema& schema = request.schema();
  for (uint32_t slot = 0; slot < schema.attributes.size(); ++slot) {
    const Value& value = request.value(slot);
    if (value.state == ValueState::kAbsent) continue;
    const ValueDetail& detail = request.detail(slot);
    writer.Put(slot);
    writer.Put(value.state);
    if (value.state == ValueState::kWrongType) {
      writer.PutText(detail.error);
      continue;
    }
    switch (schema.attributes[slot].type.kind) {
      case TypeKind::kBool: writer.Put(value.boolean); break;
      case TypeKind::kInt:
      case TypeKind::kDuration:
      case TypeKind::kEnum: writer.Put(value.integer); break;
      case TypeKind::kNumber: writer.Put(value.number); break;
      case TypeKind::kIp: writer.Put(value.ip().bytes); break;
      case TypeKind::kString: writer.PutText(request.text(slot)); break;
      case TypeKind::kStringSet:
        writer.Put(static_cast<uint32_t>(detail.set.size()));
        for (const std::string& member : detail.set) writer.PutText(member);
        break;
    }
  }
}

void PackedValues::UnpackInto(Request* request) const {
  request->ClearAll();
  const Schema& schema = request->schema();
  const ValueStore store = request->mutable_values();
  Reader reader(bytes_, used_);
  while (!reader.done()) {
    const auto slot = reader.Get<uint32_t>();
    Value& value = store.value(slot);
    value.state = reader.Get<ValueState>();
    if (value.state == ValueState::kWrongType) {
      reader.GetText(&store.detail(slot).error);
      continue;
    }
    switch (schema.attributes[slot].type.kind) {
      case TypeKind::kBool: value.boolean = reader.Get<bool>(); break;
      case TypeKind::kInt:
      case TypeKind::kDuration:
      case TypeKind::kEnum: value.integer = reader.Get<int64_t>(); break;
      case TypeKind::kNumber: value.number = reader.Get<double>(); break;
      case TypeKind::kIp: {
        IpAddress ip;
        ip.bytes = reader.Get<decltype(ip.bytes)>();
        value.set_ip(ip);
        break;
      }
      case TypeKind::kString:
        // Packed from a request's arena, so it fits one.
        store.SetText(slot, reader.GetText());
        break;
      case TypeKind::kStringSet: {
        const auto count = reader.Get<uint32_t>();
        std::vector<std::string>* set = store.MembersToWrite(slot, count);
        if (set == nullptr) break;
        for (std::string& member : *set) reader.GetText(&member);
        break;
      }
    }
  }
}

}  // namespace writ::internal
