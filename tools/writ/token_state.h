// `writ token` keeps the broker's state in a directory so that a shell
// walk-through works across invocations, one process at a time:
//
//   DIR/broker.pem       the broker's signing key (PKCS#8)
//   DIR/audit.key        the audit log's HMAC key
//   DIR/trust_domains    trusted SPIFFE trust domains, one per line
//   DIR/keys/NAME.pem    workload keys made by `writ token keygen --name`
//   DIR/state.journal    revocations, use counts, proof ids, failure counts
//   DIR/audit.log        the hash-chained audit log
//
//   DIR/lock             held (flock) by the command using the directory
//
// The journal is replayed into an in-memory StateStore on start and every
// change is appended to it, so the broker sees what earlier runs did. Each
// command holds DIR/lock from before it reads the state until it exits, so
// concurrent commands take turns: two at once would each continue the audit
// chain from the same last line (forking it) and miss each other's use
// counts and revocations. It is still a one-machine store; several gateways
// share state through a StateStore of their own.
#ifndef WRIT_TOOLS_WRIT_TOKEN_STATE_H_
#define WRIT_TOOLS_WRIT_TOKEN_STATE_H_

#include <filesystem>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "writ/broker.h"

namespace writ::cli {

struct StateFiles {
  std::filesystem::path directory;

  std::filesystem::path BrokerKey() const { return directory / "broker.pem"; }
  std::filesystem::path AuditKey() const { return directory / "audit.key"; }
  std::filesystem::path TrustDomains() const {
    return directory / "trust_domains";
  }
  std::filesystem::path Journal() const { return directory / "state.journal"; }
  std::filesystem::path AuditLog() const { return directory / "audit.log"; }
  std::filesystem::path Lock() const { return directory / "lock"; }
  // DIR/keys/NAME.pem. A name is 1-64 letters, digits, '.', '_' or '-',
  // not starting with '.': joined as given, "../x" left the directory and
  // "/x" replaced it (std::filesystem's `/` takes an absolute right side).
  absl::StatusOr<std::filesystem::path> WorkloadKey(absl::string_view name) const;
};

// An exclusive lock on a state directory (DIR/lock), released when
// destroyed or when the process exits.
class StateLock {
 public:
  // Waits until no other process holds the directory's lock. Only keygen,
  // which makes a state directory, passes `create_directory`; for every
  // other command a missing directory is NotAStateDirectory, and a
  // mistyped --state leaves nothing behind.
  static absl::StatusOr<StateLock> Acquire(const StateFiles& state, bool create_directory);

  StateLock(StateLock&& other) noexcept;
  StateLock& operator=(StateLock&& other) noexcept;
  ~StateLock();

 private:
  explicit StateLock(int descriptor) : descriptor_(descriptor) {}
  int descriptor_ = -1;
};

// "DIR is not a broker state directory: run keygen first".
absl::Status NotAStateDirectory(const StateFiles& state);

// The whole file; NotFound when it does not exist, InvalidArgument for a
// directory; the message is "cannot read 'PATH': reason".
absl::StatusOr<std::string> ReadFile(const std::filesystem::path& path);
// Creates or replaces the file, readable by its owner only (keys, tokens).
absl::Status WritePrivateFile(const std::filesystem::path& path,
                              absl::string_view contents);

// A StateStore persisted in `journal`, replayed on open.
absl::StatusOr<std::unique_ptr<StateStore>> OpenJournaledStateStore(
    const std::filesystem::path& journal);

// Appends audit lines to a file, one per line. The broker carries on when
// a line cannot be written (an outcome must not depend on its log), so the
// sink keeps the first failure for the command to report.
class FileAuditSink final : public AuditSink {
 public:
  explicit FileAuditSink(std::filesystem::path path) : path_(std::move(path)) {}
  absl::Status Append(absl::string_view line) override;

  // OK, or the first append that failed.
  const absl::Status& status() const { return status_; }

 private:
  std::filesystem::path path_;
  absl::Status status_;
};

// The last line of the audit log ("" when there is none), to continue its
// hash chain.
std::string LastAuditLine(const std::filesystem::path& log);

}  // namespace writ::cli

#endif  // WRIT_TOOLS_WRIT_TOKEN_STATE_H_
