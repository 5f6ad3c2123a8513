#include "src/engine/decision_record.h"

#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "src/check/checked_policy.h"
#include "src/explain/explanation_json.h"
#include "src/engine/thread_index.h"
#include "src/internal/ip_address.h"
#include "src/internal/prefetch.h"
#include "src/internal/sha256.h"
#include "src/io/value.h"

namespace writ::internal {
namespace {

uint32_t ProcessNonce() {
  static const uint32_t nonce = [] {
    std::random_device device;
    return static_cast<uint32_t>(device());
  }();
  return nonce;
}

// Writes one present value in the JSON form a request would give it.
void WriteValue(const AttributeInfo& attribute, const SlotView& slot,
                JsonWriter* json) {
  const Value& value = *slot.value;
  switch (attribute.type.kind) {
    case TypeKind::kBool: json->Bool(value.boolean); return;
    case TypeKind::kInt:
    case TypeKind::kDuration: json->Int(value.integer); return;
    case TypeKind::kNumber: json->Double(value.number); return;
    case TypeKind::kString: json->String(slot.text()); return;
    case TypeKind::kIp: json->String(FormatIpAddress(slot.value->ip())); return;
    case TypeKind::kEnum:
      json->String(attribute.type.enum_members[value.integer]);
      return;
    case TypeKind::kStringSet:
      json->BeginArray();
      for (const std::string& member : slot.detail->set) json->String(member);
      json->EndArray();
      return;
  }
  json->Null();
}

void WriteRedactedValue(const AttributeInfo& attribute, const SlotView& value,
                        absl::string_view fingerprint_key, JsonWriter* json) {
  std::string value_json;
  JsonWriter value_writer(&value_json);
  WriteValue(attribute, value, &value_writer);
  json->String(Fingerprint(value_json, fingerprint_key));
}

// The record states the enforced decision (AppendExplainedRecord).
void KeepEnforcedDecision(Decision enforced, Explanation* explanation) {
  if (explanation->decision == enforced.effect &&
      explanation->default_applied == enforced.default_applied) {
    return;
  }
  explanation->decision = enforced.effect;
  explanation->default_applied = enforced.default_applied;
  explanation->errors.push_back(
      {"", "the log writer could not reproduce this decision; the determining rules and "
           "obligations here may be incomplete"});
}

}  // namespace

std::string Fingerprint(absl::string_view value_json, absl::string_view key) {
  if (!key.empty()) return absl::StrCat("hmac-sha256:", HmacSha256Hex(key, value_json));
  return absl::StrCat("sha256:", Sha256Hex(value_json));
}

DecisionId NextDecisionId(absl::Time now) {
  thread_local uint64_t sequence = 0;
  return {now, ThisThreadIndex(), ++sequence};
}

absl::Time WallTimeAt(std::chrono::steady_clock::time_point moment) {
  constexpr std::chrono::milliseconds kReanchorAfter{10};
  thread_local std::chrono::steady_clock::time_point anchor_steady;
  thread_local absl::Time anchor_wall = absl::InfinitePast();
  if (anchor_wall == absl::InfinitePast() || moment < anchor_steady ||
      moment - anchor_steady > kReanchorAfter) {
    anchor_steady = std::chrono::steady_clock::now();
    anchor_wall = absl::Now();
  }
  return anchor_wall + absl::FromChrono(moment - anchor_steady);
}

void AppendDecisionId(const DecisionId& id, std::string* out) {
  const uint64_t nanos = static_cast<uint64_t>(absl::ToUnixNanos(id.time));
  absl::StrAppend(out, absl::Hex(nanos, absl::kZeroPad16),
                  absl::Hex(ProcessNonce(), absl::kZeroPad8),
                  absl::Hex(id.thread & 0xffff, absl::kZeroPad4),
                  absl::Hex(id.sequence & 0xffffffffffffull, absl::kZeroPad12));
}

void AppendTimestamp(absl::Time now, std::string* out) {
  // absl::FormatTime costs about a microsecond and the date-and-seconds part
  // changes once a second, so each thread formats it once a second.
  thread_local int64_t cached_second = std::numeric_limits<int64_t>::min();
  thread_local std::string cached_prefix;  // "2026-11-29T04:10:51"
  const int64_t micros = absl::ToUnixMicros(now);
  int64_t second = micros / 1000000;
  if (micros % 1000000 < 0) --second;  // floor, for times before 1970
  if (second != cached_second) {
    cached_prefix = absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(second),
                                     absl::UTCTimeZone());
    cached_second = second;
  }
  absl::StrAppend(out, cached_prefix, ".",
                  absl::Dec(micros - second * 1000000, absl::kZeroPad6), "Z");
}

void RecordFragments::Use(const Policy& policy) {
  const CheckedPolicy& checked = policy.checked();
  const PolicyInfo& info = policy.info();
  if (checked.schema == schema_ && info.digest == info_.digest && info.name == info_.name &&
      info.version == info_.version) {
    return;
  }
  info_ = info;
  policy_json_.clear();
  JsonWriter policy_json(&policy_json_);
  WritePolicyInfo(info_, &policy_json);
  schema_ = checked.schema;
  keys_.resize(schema_->attributes.size());
  for (size_t slot = 0; slot < keys_.size(); ++slot) {
    keys_[slot].clear();
    AppendJsonString(schema_->attributes[slot].path, &keys_[slot]);
    keys_[slot].push_back(':');
  }
}

void WriteRequestAttributes(const Request& request, absl::string_view fingerprint_key,
                            const RecordFragments* fragments, JsonWriter* json) {
  const Schema& schema = request.schema();
  const ValuesView values = request.values();
  for (const uint32_t slot : schema.declaration_order) {
    if (values.values[slot].state != ValueState::kPresent) continue;
    const SlotView value = values.slot(slot);
    const AttributeInfo& attribute = schema.attributes[slot];
    if (fragments != nullptr) {
      json->FormattedKey(fragments->key(slot));
    } else {
      json->Key(attribute.path);
    }
    if (attribute.redact) {
      WriteRedactedValue(attribute, value, fingerprint_key, json);
    } else {
      WriteValue(attribute, value, json);
    }
  }
}

void AppendDecisionRecord(const Request& request,
                          const Explanation& explanation,
                          const RecordContext& context,
                          absl::string_view fingerprint_key,
                          const RecordFragments* fragments, std::string* out) {
  JsonWriter json(out);
  json.BeginObject();
  json.Key("id");
  out->push_back('"');
  AppendDecisionId(context.id, out);
  out->push_back('"');
  json.Key("timestamp");
  out->push_back('"');
  AppendTimestamp(context.id.time, out);
  out->push_back('"');
  WriteExplanationMembers(explanation, ExplanationDetail::kWithoutWhyNot, &json,
                          fragments != nullptr ? fragments->policy_json() : "");
  json.Key("input");
  json.BeginObject();
  WriteRequestAttributes(request, fingerprint_key, fragments, &json);
  json.EndObject();
  json.Key("eval_ns");
  json.Int(context.eval_ns);
  if (context.shadow.has_value()) {
    json.Key("shadow");
    json.BeginObject();
    json.Key("decision");
    json.String(EffectName(context.shadow->effect));
    json.Key("digest");
    json.String(context.shadow->digest.view());
    json.Key("agrees");
    json.Bool(context.shadow->effect == explanation.decision);
    json.EndObject();
  }
  json.EndObject();
}

Request& RequestFor(const Policy& policy, std::optional<Request>* request) {
  if (!request->has_value() || !(*request)->IsFor(*policy.checked().schema)) {
    request->emplace(policy);
  }
  return **request;
}

Request& ThreadRequestFor(const Policy& policy) {
  thread_local std::optional<Request> request;
  return RequestFor(policy, &request);
}

void AppendExplainedRecord(const Policy& policy, const Request& request,
                           Evaluator evaluator, const RecordContext& context,
                           absl::string_view fingerprint_key, Explanation* scratch,
                           const RecordFragments* fragments, std::string* out) {
  policy.Evaluate(request, scratch, evaluator, ExplanationDetail::kWithoutWhyNot);
  KeepEnforcedDecision(context.enforced, scratch);
  // A request made for another policy's schema was denied unread. Its
  // values sit in that schema's slots, where this policy's names and
  // `redact` marks do not apply: written, a redacted value could appear
  // under an unredacted name. The record gives no input instead.
  if (!request.IsFor(*policy.checked().schema)) {
    AppendDecisionRecord(Request(policy), *scratch, context, fingerprint_key, fragments, out);
    return;
  }
  AppendDecisionRecord(request, *scratch, context, fingerprint_key, fragments, out);
}

namespace {

// Puts the record's values into `request`: unpacked, or read again from the
// JSON text. False only when the text no longer reads, which, since it
// read when it was decided, means memory ran out.
bool RestoreValues(const PendingRecord& record, Request* request) {
  if (!record.from_json) {
    record.values.UnpackInto(request);
    return true;
  }
  return request->ReadJson(record.json_text(), record.json_options).ok();
}

// A record with no values and no explanation: still what was enforced, and
// an error that says why it is bare.
void AppendBareRecord(const PendingRecord& record, absl::string_view fingerprint_key,
                      Request* request, RecordScratch* scratch, std::string* out) {
  request->ClearAll();
  scratch->explanation = Explanation{};
  scratch->explanation.policy = record.policy->info();
  scratch->explanation.errors.push_back({"", "the logged request could not be read again"});
  KeepEnforcedDecision(record.context.enforced, &scratch->explanation);
  AppendDecisionRecord(*request, scratch->explanation, record.context, fingerprint_key,
                       &scratch->fragments, out);
}

}  // namespace

void AppendPendingRecord(const PendingRecord& record, absl::string_view fingerprint_key,
                         RecordScratch* scratch, std::string* out) {
  const Policy& policy = *record.policy;
  Request& request = RequestFor(policy, &scratch->request);
  scratch->fragments.Use(policy);
  if (!RestoreValues(record, &request)) {
    AppendBareRecord(record, fingerprint_key, &request, scratch, out);
    return;
  }
  AppendExplainedRecord(policy, request, record.evaluator, record.context, fingerprint_key,
                        &scratch->explanation, &scratch->fragments, out);
}

void PrefetchBuffersForFilling(const PendingRecord& record) {
  if (record.from_json) {
    // An inline text's lines are the slot's, which the ring prefetches.
    if (record.json_inline_size == 0) {
      PrefetchRangeForWriting(record.json_overflow.data(), record.json_overflow.size());
    }
  } else {
    record.values.PrefetchForPacking();
  }
}

void AppendDropRecord(uint64_t dropped, absl::Time now, std::string* out) {
  JsonWriter json(out);
  json.BeginObject();
  json.Key("dropped");
  json.Uint(dropped);
  json.Key("timestamp");
  out->push_back('"');
  AppendTimestamp(now, out);
  out->push_back('"');
  json.EndObject();
}

}  // namespace writ::internal
