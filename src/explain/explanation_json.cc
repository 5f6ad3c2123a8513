// The explanation record of SPEC §5 as one line of JSON.
//
// Field order is part of the contract (people diff decision logs), so the
// record is written field by field rather than through a generic mapper.
#include <optional>
#include <string>
#include <type_traits>
#include <variant>

#include "src/explain/explanation_json.h"
#include "src/internal/json_writer.h"
#include "writ/decision.h"

namespace writ {
namespace {

using internal::JsonWriter;

void WriteOptionalString(const std::optional<std::string>& text,
                         JsonWriter* json) {
  if (text.has_value()) {
    json->String(*text);
  } else {
    json->Null();
  }
}

void WriteDetermining(const std::vector<DeterminingRule>& rules,
                      JsonWriter* json) {
  json->BeginArray();
  for (const DeterminingRule& rule : rules) {
    json->BeginObject();
    json->Key("rule");
    json->String(rule.rule);
    json->Key("effect");
    json->String(EffectName(rule.effect));
    json->Key("reason");
    WriteOptionalString(rule.reason, json);
    json->Key("indeterminate");
    json->Bool(rule.indeterminate);
    json->Key("location");
    json->String(rule.location);
    json->EndObject();
  }
  json->EndArray();
}

void WriteObligationValue(const ObligationValue& value, JsonWriter* json) {
  std::visit(
      [json](const auto& alternative) {
        using T = std::decay_t<decltype(alternative)>;
        if constexpr (std::is_same_v<T, int64_t>) {
          json->Int(alternative);
        } else if constexpr (std::is_same_v<T, double>) {
          json->Double(alternative);
        } else if constexpr (std::is_same_v<T, DurationSeconds>) {
          json->Int(alternative.seconds);  // durations are integer seconds
        } else if constexpr (std::is_same_v<T, bool>) {
          json->Bool(alternative);
        } else {
          static_assert(std::is_same_v<T, std::vector<std::string>>);
          json->BeginArray();
          for (const std::string& text : alternative) json->String(text);
          json->EndArray();
        }
      },
      value);
}

void WriteObligations(
    const std::vector<std::pair<std::string, ObligationValue>>& obligations,
    JsonWriter* json) {
  json->BeginObject();
  for (const auto& [key, value] : obligations) {
    json->Key(key);
    WriteObligationValue(value, json);
  }
  json->EndObject();
}

void WriteStrings(const std::vector<std::string>& texts, JsonWriter* json) {
  json->BeginArray();
  for (const std::string& text : texts) json->String(text);
  json->EndArray();
}

void WriteErrors(const std::vector<AttributeError>& errors, JsonWriter* json) {
  json->BeginArray();
  for (const AttributeError& error : errors) {
    json->BeginObject();
    json->Key("attribute");
    json->String(error.attribute);
    json->Key("message");
    json->String(error.message);
    json->EndObject();
  }
  json->EndArray();
}

void WriteWhyNot(const std::vector<WhyNot>& why_not, JsonWriter* json) {
  json->BeginArray();
  for (const WhyNot& rule : why_not) {
    json->BeginObject();
    json->Key("rule");
    json->String(rule.rule);
    json->Key("failed");
    json->BeginArray();
    for (const FailedCondition& failed : rule.failed) {
      json->BeginObject();
      json->Key("condition");
      json->String(failed.condition);
      json->Key("location");
      json->String(failed.location);
      json->EndObject();
    }
    json->EndArray();
    json->EndObject();
  }
  json->EndArray();
}

}  // namespace

const char* EffectName(Effect effect) {
  return effect == Effect::kAllow ? "allow" : "deny";
}

namespace internal {

void WritePolicyInfo(const PolicyInfo& policy, JsonWriter* json) {
  json->BeginObject();
  json->Key("name");
  WriteOptionalString(policy.name, json);
  json->Key("version");
  WriteOptionalString(policy.version, json);
  json->Key("digest");
  json->String(policy.digest);
  json->EndObject();
}

void WriteExplanationMembers(const Explanation& explanation,
                             ExplanationDetail detail, JsonWriter* json,
                             absl::string_view formatted_policy) {
  json->Key("decision");
  json->String(EffectName(explanation.decision));
  json->Key("policy");
  if (formatted_policy.empty()) {
    WritePolicyInfo(explanation.policy, json);
  } else {
    json->FormattedValue(formatted_policy);
  }
  json->Key("determining");
  WriteDetermining(explanation.determining, json);
  json->Key("default_applied");
  json->Bool(explanation.default_applied);
  json->Key("obligations");
  WriteObligations(explanation.obligations, json);
  json->Key("missing");
  WriteStrings(explanation.missing, json);
  json->Key("errors");
  WriteErrors(explanation.errors, json);
  if (detail == ExplanationDetail::kFull) {
    json->Key("why_not");
    WriteWhyNot(explanation.why_not, json);
  }
}

}  // namespace internal

std::string Explanation::ToJson() const {
  std::string output;
  JsonWriter json(&output);
  json.BeginObject();
  internal::WriteExplanationMembers(*this, ExplanationDetail::kFull, &json);
  json.EndObject();
  return output;
}

}  // namespace writ
