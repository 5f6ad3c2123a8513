// The schema's lookups and type names, shared by the checker, request
// parsing and diagnostics.
#include <cstring>

#include "src/check/checked_policy.h"

namespace writ::internal {

void AppendTypeName(const Type& type, std::string* out) {
  switch (type.kind) {
    case TypeKind::kBool: out->append("bool"); return;
    case TypeKind::kInt: out->append("int"); return;
    case TypeKind::kNumber: out->append("number"); return;
    case TypeKind::kString: out->append("string"); return;
    case TypeKind::kDuration: out->append("duration"); return;
    case TypeKind::kIp: out->append("ip"); return;
    case TypeKind::kStringSet: out->append("set<string>"); return;
    case TypeKind::kEnum:
      out->append("enum(");
      for (size_t i = 0; i < type.enum_members.size(); ++i) {
        if (i > 0) out->append(", ");
        out->append(type.enum_members[i]);
      }
      out->append(")");
      return;
  }
  out->append("unknown type");  // unreachable: every kind is handled above
}

std::string TypeName(const Type& type) {
  std::string name;
  AppendTypeName(type, &name);
  return name;
}

std::optional<uint32_t> Schema::Find(absl::string_view path) const {
  auto found = slot_by_path.find(path);
  if (found == slot_by_path.end()) return std::nullopt;
  return found->second;
}

namespace {

// Objects with more members than this are looked up by hash, not scanned:
// scanning stays cheapest for the handful a request object usually has,
// and a hash keeps a request with thousands of keys against a schema with
// hundreds of attributes from costing their product.
constexpr size_t kMaxScannedMembers = 8;

// Appends a member keyed `key` to `object`; returns its index.
uint32_t AddMember(Schema::MemberObject* object, absl::string_view key) {
  const auto index = static_cast<uint32_t>(object->members.size());
  object->members.push_back({std::string(key), Schema::kNoIndex, Schema::kNoIndex});
  if (object->members.size() > kMaxScannedMembers) {
    // The first member past the limit indexes every member, later ones
    // only themselves.
    for (uint32_t i = object->index_by_key.empty() ? 0 : index; i <= index; ++i) {
      object->index_by_key.try_emplace(object->members[i].key, i);
    }
  }
  return index;
}

}  // namespace

void Schema::BuildMemberTree() {
  objects.assign(1, MemberObject{});
  for (uint32_t slot = 0; slot < attributes.size(); ++slot) {
    absl::string_view rest = attributes[slot].path;
    uint32_t object = 0;
    for (;;) {
      const size_t dot = rest.find('.');
      const absl::string_view key = rest.substr(0, dot);
      uint32_t index = FindMember(object, key);
      if (index == kNoIndex) index = AddMember(&objects[object], key);
      Member& member = objects[object].members[index];
      if (dot == absl::string_view::npos) {
        if (member.object == kNoIndex) member.slot = slot;
        break;
      }
      if (member.slot != kNoIndex) break;  // a prefix that is an attribute
      if (member.object == kNoIndex) {
        member.object = static_cast<uint32_t>(objects.size());
        objects.emplace_back();  // `member` may dangle from here on
      }
      object = objects[object].members[index].object;
      rest.remove_prefix(dot + 1);
    }
  }
}

uint32_t Schema::FindMember(uint32_t object, absl::string_view key) const {
  if (object >= objects.size()) return kNoIndex;  // a tree never built
  const MemberObject& found_in = objects[object];
  if (found_in.members.size() > kMaxScannedMembers) {
    auto found = found_in.index_by_key.find(key);
    return found == found_in.index_by_key.end() ? kNoIndex : found->second;
  }
  for (uint32_t i = 0; i < found_in.members.size(); ++i) {
    const std::string& candidate = found_in.members[i].key;
    if (candidate.size() == key.size() &&
        std::memcmp(candidate.data(), key.data(), key.size()) == 0) {
      return i;
    }
  }
  return kNoIndex;
}

int Schema::EnumIndex(uint32_t slot, absl::string_view member) const {
  if (slot >= attributes.size()) return -1;
  const Type& type = attributes[slot].type;
  if (type.kind != TypeKind::kEnum) return -1;
  // Enums are short; a scan beats hashing, and keeps declaration order.
  for (size_t i = 0; i < type.enum_members.size(); ++i) {
    if (type.enum_members[i] == member) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace writ::internal
