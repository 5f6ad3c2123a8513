#include "src/engine/packed_values.h"

#include <cstdint>
#include <cstring>
#include <string>

#include "src/check/checked_policy.h"
#include "src/io/value.h"

namespace writ::internal {
namespace {

template <typename T>
void Put(const T& field, std::string* bytes) {
  bytes->append(reinterpret_cast<const char*>(&field), sizeof(field));
}

void PutText(const std::string& text, std::string* bytes) {
  Put(static_cast<uint32_t>(text.size()), bytes);
  bytes->append(text);
}

// Reads the buffer Pack wrote, front to back.
class Reader {
 public:
  explicit Reader(const std::string& bytes)
      : next_(bytes.data()), end_(bytes.data() + bytes.size()) {}

  bool done() const { return next_ == end_; }

  template <typename T>
  T Get() {
    T field;
    std::memcpy(&field, next_, sizeof(field));
    next_ += sizeof(field);
    return field;
  }

  void GetText(std::string* text) {
    const auto size = Get<uint32_t>();
    text->assign(next_, size);
    next_ += size;
  }

 private:
  const char* next_;
  const char* end_;
};

}  // namespace

void PackedValues::Pack(const Request& request) {
  bytes_.clear();
  const Schema& schema = request.schema();
  for (uint32_t slot = 0; slot < schema.attributes.size(); ++slot) {
    const Value& value = request.value(slot);
    if (value.state == ValueState::kAbsent) continue;
    Put(slot, &bytes_);
    Put(value.state, &bytes_);
    if (value.state == ValueState::kWrongType) {
      PutText(value.error, &bytes_);
      continue;
    }
    switch (schema.attributes[slot].type.kind) {
      case TypeKind::kBool: Put(value.boolean, &bytes_); break;
      case TypeKind::kInt:
      case TypeKind::kDuration:
      case TypeKind::kEnum: Put(value.integer, &bytes_); break;
      case TypeKind::kNumber: Put(value.number, &bytes_); break;
      case TypeKind::kIp: Put(value.ip.bytes, &bytes_); break;
      case TypeKind::kString: PutText(value.text, &bytes_); break;
      case TypeKind::kStringSet:
        Put(static_cast<uint32_t>(value.set.size()), &bytes_);
        for (const std::string& member : value.set) PutText(member, &bytes_);
        break;
    }
  }
}

void PackedValues::UnpackInto(Request* request) const {
  request->ClearAll();
  const Schema& schema = request->schema();
  Reader reader(bytes_);
  while (!reader.done()) {
    const auto slot = reader.Get<uint32_t>();
    Value& value = request->mutable_value(slot);
    value.state = reader.Get<ValueState>();
    if (value.state == ValueState::kWrongType) {
      reader.GetText(&value.error);
      continue;
    }
    switch (schema.attributes[slot].type.kind) {
      case TypeKind::kBool: value.boolean = reader.Get<bool>(); break;
      case TypeKind::kInt:
      case TypeKind::kDuration:
      case TypeKind::kEnum: value.integer = reader.Get<int64_t>(); break;
      case TypeKind::kNumber: value.number = reader.Get<double>(); break;
      case TypeKind::kIp: value.ip.bytes = reader.Get<decltype(value.ip.bytes)>(); break;
      case TypeKind::kString: reader.GetText(&value.text); break;
      case TypeKind::kStringSet:
        value.set.resize(reader.Get<uint32_t>());
        for (std::string& member : value.set) reader.GetText(&member);
        break;
    }
  }
}

}  // namespace writ::internal
