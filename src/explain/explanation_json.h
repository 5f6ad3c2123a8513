// Internal: the explanation record's members as JSON, for writers that embed
// the record in a larger object (the decision log) instead of calling
// Explanation::ToJson and splicing its text.
#ifndef WRIT_SRC_EXPLAIN_EXPLANATION_JSON_H_
#define WRIT_SRC_EXPLAIN_EXPLANATION_JSON_H_

#include "absl/strings/string_view.h"
#include "src/internal/json_writer.h"
#include "writ/decision.h"

namespace writ::internal {

// Writes decision, policy, determining, default_applied, obligations,
// missing, errors and (with ExplanationDetail::kFull) why_not, in SPEC §5
// order, as members of the JSON object `json` is inside. A writer of many
// records of one policy may give its `policy` block as WritePolicyInfo
// formatted it (`formatted_policy`), instead of formatting it every time.
void WriteExplanationMembers(const Explanation& explanation,
                             ExplanationDetail detail, JsonWriter* json,
                             absl::string_view formatted_policy = {});

// The explanation's `policy` block: {"name":…,"version":…,"digest":…}.
void WritePolicyInfo(const PolicyInfo& policy, JsonWriter* json);

}  // namespace writ::internal

#endif  // WRIT_SRC_EXPLAIN_EXPLANATION_JSON_H_
