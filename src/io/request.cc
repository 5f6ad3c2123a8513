// writ::Request: a policy's schema and one typed slot per attribute.
//
// The setters and FromJson share the typed assignment of request_json.h, so
// a value is accepted or refused the same way whichever door it comes in by.
#include "writ/request.h"

#include <utility>

#include "src/check/checked_policy.h"
#include "src/io/request_json.h"
#include "src/io/value.h"

namespace writ {

namespace {

// The slot `attribute` names, or nullptr when it is out of range: a handle
// made for another policy's schema must not write out of bounds.
internal::Value* SlotOf(AttributeHandle attribute,
                        std::vector<internal::Value>* values) {
  return attribute.slot < values->size() ? &(*values)[attribute.slot]
                                         : nullptr;
}

}  // namespace

Request::Request(const Policy& policy)
    : schema_(policy.checked().schema),
      values_(schema_->attributes.size()) {}

absl::StatusOr<Request> Request::FromJson(const Policy& policy,
                                          absl::string_view json) {
  return FromJson(policy, json, RequestOptions{});
}

absl::StatusOr<Request> Request::FromJson(const Policy& policy,
                                          absl::string_view json,
                                          const RequestOptions& options) {
  Request request(policy);
  absl::Status status = request.ReadJson(json, options);
  if (!status.ok()) return status;
  return request;
}

absl::Status Request::ReadJson(absl::string_view json,
                               const RequestOptions& options) {
  return internal::FillRequestFromJson(*schema_, json, options, &values_);
}

Request::Request(Request&&) noexcept = default;
Request& Request::operator=(Request&&) noexcept = default;
Request::Request(const Request&) = default;
Request& Request::operator=(const Request&) = default;
Request::~Request() = default;

void Request::SetBool(AttributeHandle attribute, bool value) {
  if (internal::Value* slot = SlotOf(attribute, &values_)) {
    internal::AssignBool(*schema_, attribute.slot, value, slot);
  }
}

void Request::SetInt(AttributeHandle attribute, int64_t value) {
  if (internal::Value* slot = SlotOf(attribute, &values_)) {
    internal::AssignInt(*schema_, attribute.slot, value, slot);
  }
}

void Request::SetNumber(AttributeHandle attribute, double value) {
  if (internal::Value* slot = SlotOf(attribute, &values_)) {
    internal::AssignNumber(*schema_, attribute.slot, value, slot);
  }
}

void Request::SetString(AttributeHandle attribute, absl::string_view value) {
  if (internal::Value* slot = SlotOf(attribute, &values_)) {
    internal::AssignString(*schema_, attribute.slot, value, slot);
  }
}

void Request::SetDurationSeconds(AttributeHandle attribute, int64_t seconds) {
  if (internal::Value* slot = SlotOf(attribute, &values_)) {
    internal::AssignDurationSeconds(*schema_, attribute.slot, seconds, slot);
  }
}

void Request::SetIp(AttributeHandle attribute, absl::string_view address) {
  if (internal::Value* slot = SlotOf(attribute, &values_)) {
    internal::AssignIp(*schema_, attribute.slot, address, slot);
  }
}

void Request::SetEnum(AttributeHandle attribute, absl::string_view member) {
  if (internal::Value* slot = SlotOf(attribute, &values_)) {
    internal::AssignEnumMember(*schema_, attribute.slot, member, slot);
  }
}

void Request::SetStringSet(AttributeHandle attribute, const std::vector<std::string>& members) {
  if (internal::Value* slot = SlotOf(attribute, &values_)) {
    internal::AssignStringSet(*schema_, attribute.slot, members, slot);
  }
}

void Request::Clear(AttributeHandle attribute) {
  if (internal::Value* slot = SlotOf(attribute, &values_)) {
    internal::ClearValue(slot);
  }
}

void Request::ClearAll() {
  for (internal::Value& value : values_) internal::ClearValue(&value);
}

const internal::Value& Request::value(uint32_t slot) const {
  return values_[slot];
}

internal::Value& Request::mutable_value(uint32_t slot) {
  return values_[slot];
}

}  // namespace writ
