#include "tools/writ/token_state.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <cstdio>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "src/io/files.h"

namespace writ::cli {
namespace {

using RevocationKind = StateStore::RevocationKind;

std::string TimeText(absl::Time time) {
  return time == absl::InfiniteFuture()
             ? "inf"
             : absl::StrCat(absl::ToUnixSeconds(time));
}

bool ParseTime(absl::string_view text, absl::Time* time) {
  int64_t seconds = 0;
  if (text == "inf") {
    *time = absl::InfiniteFuture();
    return true;
  }
  if (!absl::SimpleAtoi(text, &seconds)) return false;
  *time = absl::FromUnixSeconds(seconds);
  return true;
}

// Forwards to an in-memory store and journals each change as one line:
// "<op> <id> <expires>" with op revoke-<kind>, use, proof or failure. Ids
// never contain spaces (the broker refuses such ids).
class JournaledStateStore final : public StateStore {
 public:
  JournaledStateStore(std::unique_ptr<StateStore> memory,
                      std::filesystem::path journal)
      : memory_(std::move(memory)), journal_(std::move(journal)) {}

  absl::Status Revoke(RevocationKind kind, absl::string_view id,
                      absl::Time expires_at) override {
    if (absl::Status status = memory_->Revoke(kind, id, expires_at);
        !status.ok()) {
      return status;
    }
    return Journal(absl::StrCat("revoke-", static_cast<int>(kind)), id,
                   expires_at);
  }
  absl::StatusOr<bool> IsRevoked(RevocationKind kind,
                                 absl::string_view id) override {
    return memory_->IsRevoked(kind, id);
  }
  absl::StatusOr<int64_t> IncrementUses(absl::string_view token_id,
                                        absl::Time expires_at) override {
    return Journaled(memory_->IncrementUses(token_id, expires_at), "use",
                     token_id, expires_at);
  }
  absl::StatusOr<bool> RememberProof(absl::string_view proof_key,
                                     absl::Time expires_at) override {
    return Journaled(memory_->RememberProof(proof_key, expires_at), "proof",
                     proof_key, expires_at);
  }
  absl::StatusOr<int64_t> IncrementFailures(absl::string_view task_id,
                                            absl::Time expires_at) override {
    return Journaled(memory_->IncrementFailures(task_id, expires_at),
                     "failure", task_id, expires_at);
  }

  // Re-applies one journal line to the in-memory store.
  absl::Status Replay(absl::string_view line) {
    std::vector<absl::string_view> fields = absl::StrSplit(line, ' ');
    absl::Time expires_at;
    if (fields.size() != 3 || !ParseTime(fields[2], &expires_at)) {
      return absl::DataLossError(absl::StrCat("bad journal line: ", line));
    }
    const absl::string_view op = fields[0], id = fields[1];
    if (op == "use") return memory_->IncrementUses(id, expires_at).status();
    if (op == "proof") return memory_->RememberProof(id, expires_at).status();
    if (op == "failure") {
      return memory_->IncrementFailures(id, expires_at).status();
    }
    for (RevocationKind kind : {RevocationKind::kToken, RevocationKind::kTask,
                                RevocationKind::kWorkload}) {
      if (op == absl::StrCat("revoke-", static_cast<int>(kind))) {
        return memory_->Revoke(kind, id, expires_at);
      }
    }
    return absl::DataLossError(absl::StrCat("bad journal line: ", line));
  }

 private:
  absl::Status Journal(absl::string_view op, absl::string_view id,
                       absl::Time expires_at) {
    std::ofstream out(journal_, std::ios::app);
    out << op << ' ' << id << ' ' << TimeText(expires_at) << '\n';
    out.flush();
    return out ? absl::OkStatus()
               : absl::UnavailableError("cannot append to the state journal");
  }

  template <typename T>
  absl::StatusOr<T> Journaled(absl::StatusOr<T> result, absl::string_view op,
                              absl::string_view id, absl::Time expires_at) {
    if (!result.ok()) return result;
    if (absl::Status status = Journal(op, id, expires_at); !status.ok()) {
      return status;
    }
    return result;
  }

  std::unique_ptr<StateStore> memory_;
  std::filesystem::path journal_;
};

}  // namespace

absl::Status NotAStateDirectory(const StateFiles& state) {
  return absl::FailedPreconditionError(
      absl::StrCat(state.directory.string(),
                   " is not a broker state directory: run "
                   "'writ token keygen --state DIR --trust-domain D' first"));
}

absl::StatusOr<StateLock> StateLock::Acquire(const StateFiles& state, bool create_directory) {
  std::error_code error;
  if (create_directory) {
    std::filesystem::create_directories(state.directory, error);
  } else if (!std::filesystem::is_directory(state.directory, error)) {
    return NotAStateDirectory(state);
  }
  const int descriptor = ::open(state.Lock().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (descriptor < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot open ", state.Lock().string(), ": ", std::strerror(errno)));
  }
  StateLock lock(descriptor);
  while (::flock(descriptor, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    return absl::UnavailableError(
        absl::StrCat("cannot lock ", state.Lock().string(), ": ", std::strerror(errno)));
  }
  return lock;
}

StateLock::StateLock(StateLock&& other) noexcept
    : descriptor_(std::exchange(other.descriptor_, -1)) {}

StateLock& StateLock::operator=(StateLock&& other) noexcept {
  std::swap(descriptor_, other.descriptor_);
  return *this;
}

// Closing the descriptor releases the flock.
StateLock::~StateLock() {
  if (descriptor_ >= 0) ::close(descriptor_);
}

// Through the reader every writ input goes through, so a directory given as
// a key, token or audit log is refused as such (a stream would open it and
// read nothing, and an empty audit log passes as intact).
absl::StatusOr<std::string> ReadFile(const std::filesystem::path& path) {
  absl::StatusOr<std::string> contents = internal::ReadWholeFile(path.string());
  if (contents.ok()) return contents;
  return absl::Status(contents.status().code(),
                      absl::StrCat("cannot read '", path.string(), "': ",
                                   contents.status().message()));
}

absl::Status WritePrivateFile(const std::filesystem::path& path,
                              absl::string_view contents) {
  std::error_code error;
  std::filesystem::create_directories(path.parent_path(), error);
  const int descriptor =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  // The mode given to open applies only to a file it creates; one that
  // already exists (an earlier --out, say) keeps its own, so it is set
  // before anything secret is written.
  bool written = descriptor >= 0 && ::fchmod(descriptor, 0600) == 0;
  for (size_t done = 0; written && done < contents.size();) {
    const ssize_t count =
        ::write(descriptor, contents.data() + done, contents.size() - done);
    if (count < 0 && errno == EINTR) continue;
    written = count > 0;
    if (written) done += static_cast<size_t>(count);
  }
  if (descriptor >= 0 && ::close(descriptor) != 0) written = false;
  if (!written) {
    return absl::UnavailableError(absl::StrCat("cannot write ", path.string()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<StateStore>> OpenJournaledStateStore(
    const std::filesystem::path& journal) {
  auto store = std::make_unique<JournaledStateStore>(NewInMemoryStateStore(),
                                                     journal);
  std::ifstream in(journal);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (absl::Status status = store->Replay(line); !status.ok()) return status;
  }
  return std::unique_ptr<StateStore>(std::move(store));
}

absl::Status FileAuditSink::Append(absl::string_view line) {
  std::ofstream out(path_, std::ios::app | std::ios::binary);
  out << line << '\n';
  out.flush();
  if (out) return absl::OkStatus();
  absl::Status failed = absl::UnavailableError(
      absl::StrCat("cannot append to the audit log ", path_.string()));
  if (status_.ok()) status_ = failed;
  return failed;
}

std::string LastAuditLine(const std::filesystem::path& log) {
  std::ifstream in(log, std::ios::binary);
  std::string line, last;
  while (std::getline(in, line)) {
    if (!line.empty()) last = line;
  }
  return last;
}

absl::StatusOr<std::filesystem::path> StateFiles::WorkloadKey(absl::string_view name) const {
  const bool valid =
      !name.empty() && name.size() <= 64 && name.front() != '.' &&
      std::all_of(name.begin(), name.end(), [](char c) {
        return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
               c == '-';
      });
  if (!valid) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a key name is 1-64 letters, digits, '.', '_' or '-', not starting with '.': '", name,
        "'"));
  }
  return directory / "keys" / absl::StrCat(name, ".pem");
}

}  // namespace writ::cli
