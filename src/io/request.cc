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

// Whether `attribute` names a slot: a handle made for another policy's
// schema must not write out of bounds.
bool InRange(AttributeHandle attribute, const std::vector<internal::Value>& values) {
  return attribute.slot < values.size();
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
  // Moving a request takes its schema; the source has none to read by.
  if (schema_ == nullptr) {
    return absl::FailedPreconditionError("the request was moved from; assign one to it first");
  }
  return internal::FillRequestFromJson(*schema_, json, options, mutable_values());
}

Request::Request(Request&&) noexcept = default;
Request& Request::operator=(Request&&) noexcept = default;
Request::Request(const Request&) = default;
Request& Request::operator=(const Request&) = default;
Request::~Request() = default;

void Request::SetBool(AttributeHandle attribute, bool value) {
  if (InRange(attribute, values_)) {
    internal::AssignBool(*schema_, attribute.slot, value, mutable_values());
  }
}

void Request::SetInt(AttributeHandle attribute, int64_t value) {
  if (InRange(attribute, values_)) {
    internal::AssignInt(*schema_, attribute.slot, value, mutable_values());
  }
}

void Request::SetNumber(AttributeHandle attribute, double value) {
  if (InRange(attribute, values_)) {
    internal::AssignNumber(*schema_, attribute.slot, value, mutable_values());
  }
}

void Request::SetString(AttributeHandle attribute, absl::string_view value) {
  if (InRange(attribute, values_)) {
    internal::AssignString(*schema_, attribute.slot, value, mutable_values());
  }
}

void Request::SetDurationSeconds(AttributeHandle attribute, int64_t seconds) {
  if (InRange(attribute, values_)) {
    internal::AssignDurationSeconds(*schema_, attribute.slot, seconds, mutable_values());
  }
}

void Request::SetIp(AttributeHandle attribute, absl::string_view address) {
  if (InRange(attribute, values_)) {
    internal::AssignIp(*schema_, attribute.slot, address, mutable_values());
  }
}

void Request::SetEnum(AttributeHandle attribute, absl::string_view member) {
  if (InRange(attribute, values_)) {
    internal::AssignEnumMember(*schema_, attribute.slot, member, mutable_values());
  }
}

void Request::SetStringSet(AttributeHandle attribute, const std::vector<std::string>& members) {
  if (InRange(attribute, values_)) {
    internal::AssignStringSet(*schema_, attribute.slot, members, mutable_values());
  }
}

void Request::Clear(AttributeHandle attribute) {
  if (InRange(attribute, values_)) {
    internal::ClearValue(attribute.slot, mutable_values());
  }
}

void Request::ClearAll() { mutable_values().Reset(values_.size()); }

const internal::Value& Request::value(uint32_t slot) const {
  return values_[slot];
}

absl::string_view Request::text(uint32_t slot) const { return values().text(slot); }

const internal::ValueDetail& Request::detail(uint32_t slot) const {
  return *values().slot(slot).detail;
}

internal::ValueStore Request::mutable_values() {
  return internal::ValueStore(&values_, &details_, &texts_);
}

}  // namespace writ
