#include "src/broker/audit_log.h"

#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "src/broker/crypto.h"
#include "src/broker/json_util.h"
#include "src/internal/json_writer.h"
#include "src/internal/utf8.h"

namespace writ {
namespace broker_internal {
namespace {

constexpr absl::string_view kMacMember = ",\"mac\":\"";

std::string HexSha256(absl::string_view data) {
  return absl::BytesToHexString(Sha256(data));
}

void WriteStringArray(const std::vector<std::string>& items,
                      internal::JsonWriter& json) {
  json.BeginArray();
  for (const std::string& item : items) json.String(item);
  json.EndArray();
}

// The most of a caller-given name (a workload or a task id) a line keeps:
// a valid SPIFFE ID has at most 2,048 bytes, a task id 256. A refusal is
// logged with what the caller sent, before or because it was found
// invalid, and without a bound a megabyte there made a megabyte line.
constexpr size_t kMaxNameBytes = 2048;

// `name`, or its first kMaxNameBytes (not ending inside a UTF-8 sequence)
// and how long it was.
std::string Bounded(absl::string_view name) {
  if (name.size() <= kMaxNameBytes) return std::string(name);
  size_t keep = kMaxNameBytes;
  for (int i = 0; i < 3 && internal::IsUtf8ContinuationByte(name[keep]); ++i) --keep;
  return absl::StrCat(name.substr(0, keep), "...(", name.size(), " bytes)");
}

}  // namespace

std::string Fingerprint(absl::string_view secret) { return HexSha256(secret); }

std::string AuditLog::Format(const AuditEvent& event, absl::Time time) const {
  std::string line;
  internal::JsonWriter json(&line);
  json.BeginObject();
  IntMember(json, "seq", next_seq_);
  StringMember(
      json, "time",
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone()));
  StringMember(json, "event", event.event);
  StringMember(json, "outcome", event.outcome);
  if (!event.code.empty()) {
    StringMember(json, "code", event.code);
  }
  StringMember(json, "workload", Bounded(event.workload));
  StringMember(json, "task", Bounded(event.task_id));
  StringMember(json, "token", event.token_id);
  json.Key("parents");
  WriteStringArray(event.parents, json);
  StringMember(json, "policy", event.policy_digest);
  json.Key("rules");
  WriteStringArray(event.rules, json);
  StringMember(json, "reason", event.reason);
  if (!event.token_sha256.empty()) {
    StringMember(json, "token_sha256", event.token_sha256);
  }
  StringMember(json, "prev", previous_hash_);
  json.EndObject();
  if (!hmac_key_.empty()) {
    line.pop_back();
    absl::StrAppend(&line, kMacMember,
                    absl::BytesToHexString(HmacSha256(hmac_key_, line)), "\"}");
  }
  return line;
}

absl::Status AuditLog::Record(const AuditEvent& event, absl::Time time) {
  if (sink_ == nullptr) return absl::OkStatus();
  std::lock_guard<std::mutex> lock(mutex_);
  const std::string line = Format(event, time);
  absl::Status status = sink_->Append(line);
  if (!status.ok()) return status;
  previous_hash_ = HexSha256(line);
  ++next_seq_;
  return absl::OkStatus();
}

absl::Status AuditLog::ContinueAfter(absl::string_view last_line) {
  absl::StatusOr<JsonObject> object = ParseJsonObject(last_line, "audit line");
  if (!object.ok()) return object.status();
  absl::StatusOr<int64_t> seq = RequiredInt(*object, "seq");
  if (!seq.ok()) return seq.status();
  // The next seq is this one plus one: INT64_MAX would overflow, and no
  // broker writes a negative seq.
  if (*seq < 0 || *seq == std::numeric_limits<int64_t>::max()) {
    return absl::InvalidArgumentError(
        "audit line: \"seq\" is not one a broker could have written");
  }
  std::lock_guard<std::mutex> lock(mutex_);
  next_seq_ = *seq + 1;
  previous_hash_ = HexSha256(last_line);
  return absl::OkStatus();
}

namespace {

struct ParsedLine {
  int64_t seq = 0;
  std::string prev;
};

absl::Status BadLine(size_t number, absl::string_view problem) {
  return absl::DataLossError(
      absl::StrCat("audit log line ", number, ": ", problem));
}

// Reads seq and prev, and checks the MAC when there is a key.
absl::StatusOr<ParsedLine> ReadLine(absl::string_view line, size_t number,
                                    absl::string_view hmac_key) {
  absl::StatusOr<JsonObject> object = ParseJsonObject(line, "audit line");
  if (!object.ok()) return BadLine(number, "edited (not a JSON record)");
  absl::StatusOr<int64_t> seq = RequiredInt(*object, "seq");
  absl::StatusOr<std::string> prev = RequiredString(*object, "prev");
  if (!seq.ok() || !prev.ok()) {
    return BadLine(number, "edited (no \"seq\" or \"prev\")");
  }
  if (!hmac_key.empty()) {
    const size_t mac_at = line.rfind(kMacMember);
    if (mac_at == absl::string_view::npos) {
      return BadLine(number, "edited (its MAC is missing)");
    }
    const std::string expected = absl::StrCat(
        kMacMember,
        absl::BytesToHexString(HmacSha256(hmac_key, line.substr(0, mac_at))),
        "\"}");
    if (!ConstantTimeEquals(line.substr(mac_at), expected)) {
      return BadLine(number, "edited (its MAC does not match)");
    }
  }
  return ParsedLine{*seq, *std::move(prev)};
}

}  // namespace
}  // namespace broker_internal

absl::Status VerifyAuditLog(absl::string_view log_text,
                            absl::string_view hmac_key) {
  using broker_internal::BadLine;
  std::vector<absl::string_view> lines = absl::StrSplit(log_text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  std::vector<std::string> hashes;  // of each line read so far
  int64_t previous_seq = -1;
  for (size_t i = 0; i < lines.size(); ++i) {
    const size_t number = i + 1;
    absl::StatusOr<broker_internal::ParsedLine> line =
        broker_internal::ReadLine(lines[i], number, hmac_key);
    if (!line.ok()) return line.status();
    const std::string expected_prev =
        i == 0 ? std::string(64, '0') : hashes.back();
    if (line->seq > previous_seq + 1) {
      // The missing line may only have moved further down.
      for (size_t j = i + 1; j < lines.size(); ++j) {
        absl::StatusOr<broker_internal::ParsedLine> later =
            broker_internal::ReadLine(lines[j], j + 1, hmac_key);
        if (later.ok() && later->seq == previous_seq + 1) {
          return BadLine(number, "reordered (a later line belongs here)");
        }
      }
      return BadLine(number, absl::StrCat(line->seq - previous_seq - 1,
                                          " line(s) dropped before it"));
    }
    if (line->seq <= previous_seq) {
      // A line that chains to the one two back means the one in between
      // does not belong: it was inserted. Otherwise lines were moved.
      if (i >= 2 && line->prev == hashes[i - 2]) {
        return BadLine(number - 1, "inserted");
      }
      return BadLine(number, "reordered or inserted (sequence goes backwards)");
    }
    if (line->prev != expected_prev) {
      if (i == 0) return BadLine(number, "edited, or lines before it dropped");
      return BadLine(number - 1,
                     "edited (the next line's hash of it does not match)");
    }
    hashes.push_back(broker_internal::HexSha256(lines[i]));
    previous_seq = line->seq;
  }
  return absl::OkStatus();
}

}  // namespace writ
