#include "src/engine/request_rebinding.h"

#include <optional>

#include "src/check/checked_policy.h"
#include "src/internal/ip_address.h"
#include "src/io/request_json.h"
#include "src/io/value.h"

namespace writ::internal {
namespace {

// Assigns `from` (of `from_attribute`'s type) to slot `slot` of `schema`.
void AssignFrom(const AttributeInfo& from_attribute, const SlotView& from_slot,
                const Schema& schema, uint32_t slot, const ValueStore& to) {
  const Value& from = *from_slot.value;
  switch (from_attribute.type.kind) {
    case TypeKind::kBool: AssignBool(schema, slot, from.boolean, to); return;
    case TypeKind::kInt: AssignInt(schema, slot, from.integer, to); return;
    case TypeKind::kNumber: AssignNumber(schema, slot, from.number, to); return;
    case TypeKind::kString: AssignString(schema, slot, from_slot.text(), to); return;
    case TypeKind::kDuration:
      AssignDurationSeconds(schema, slot, from.integer, to);
      return;
    case TypeKind::kIp: AssignIp(schema, slot, FormatIpAddress(from_slot.value->ip()), to); return;
    case TypeKind::kEnum:
      AssignEnumMember(schema, slot,
                       from_attribute.type.enum_members[from.integer], to);
      return;
    case TypeKind::kStringSet: AssignStringSet(schema, slot, from_slot.detail->set, to); return;
  }
}

}  // namespace

Request RebindRequest(const Request& request, const Policy& target) {
  Request rebound(target);
  const Schema& from_schema = request.schema();
  const Schema& to_schema = rebound.schema();
  for (uint32_t slot = 0; slot < to_schema.attributes.size(); ++slot) {
    const std::optional<uint32_t> from_slot =
        from_schema.Find(to_schema.attributes[slot].path);
    if (!from_slot.has_value()) continue;
    const SlotView from = request.values().slot(*from_slot);
    const ValueStore to = rebound.mutable_values();
    if (from.value->state == ValueState::kPresent) {
      AssignFrom(from_schema.attributes[*from_slot], from, to_schema, slot, to);
    } else if (from.value->state == ValueState::kWrongType) {
      to.value(slot).state = ValueState::kWrongType;
      to.detail(slot).error = from.detail->error;
    }
  }
  return rebound;
}

}  // namespace writ::internal
