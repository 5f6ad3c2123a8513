// The schema's lookups and type names, shared by the checker, request
// parsing and diagnostics.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/check/checked_policy.h"

namespace writ::internal {

std::string TypeName(const Type& type) {
  switch (type.kind) {
    case TypeKind::kBool: return "bool";
    case TypeKind::kInt: return "int";
    case TypeKind::kNumber: return "number";
    case TypeKind::kString: return "string";
    case TypeKind::kDuration: return "duration";
    case TypeKind::kIp: return "ip";
    case TypeKind::kStringSet: return "set<string>";
    case TypeKind::kEnum:
      return absl::StrCat("enum(", absl::StrJoin(type.enum_members, ", "), ")");
  }
  return "unknown type";  // unreachable: every kind is handled above
}

std::optional<uint32_t> Schema::Find(absl::string_view path) const {
  auto found = slot_by_path.find(path);
  if (found == slot_by_path.end()) return std::nullopt;
  return found->second;
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
