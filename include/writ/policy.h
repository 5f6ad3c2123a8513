// writ — compiling a policy set and evaluating requests against it.
//
//   absl::StatusOr<std::shared_ptr<const writ::Policy>> policy =
//       writ::Policy::CompileFiles({"agent.writ"});
//   if (!policy.ok()) { /* policy.status().message() has every diagnostic */ }
//   absl::StatusOr<writ::Request> request =
//       writ::Request::FromJson(**policy, R"({"tool": "search"})");
//   writ::Explanation explanation;
//   writ::Decision decision = (*policy)->Evaluate(*request, &explanation);
//
// A Policy is immutable once compiled and safe to share between threads; it
// is neither copyable nor movable (hold it by shared_ptr), so an Engine can
// swap policies while evaluations of the old one finish.
#ifndef WRIT_POLICY_H_
#define WRIT_POLICY_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "writ/decision.h"
#include "writ/diagnostic.h"

namespace writ {

namespace internal {
struct CheckedPolicy;
struct Schema;
class DagProgram;
}  // namespace internal

class Request;

// One source file of a policy set. `name` is used in diagnostics and in
// rule locations exactly as given.
struct SourceFile {
  std::string name;
  std::string text;
};

// Caps on what a policy set may contain, so a hostile or broken policy is
// rejected with a diagnostic instead of exhausting memory or stack.
struct CompileOptions {
  // Total bytes over all source files.
  size_t max_source_bytes = 16 << 20;
  // Nesting of parentheses and `not` in one expression.
  int max_expression_depth = 64;
  // Nesting of a condition with every let it uses expanded in place (a
  // chain of lets referring to lets counts one level per let). Evaluators
  // and the compiler walk conditions recursively; this bounds their stack.
  int max_condition_depth = 2048;
  // Rules across the whole set.
  size_t max_rules = 100000;
  // Elements in one list literal.
  size_t max_list_elements = 100000;
  // Memory budget for one RE2 program (RE2::Options::max_mem).
  int64_t max_regex_memory = 1 << 20;
  // RE2 program instructions (RE2::ProgramSize) of all the distinct
  // `matches` patterns of the set together: a counted repeat makes a short
  // pattern a large program (`[a-z]{1000}` is a thousand instructions),
  // and a thousand such patterns took 13 s and 275 MB to compile.
  int64_t max_total_regex_size = 1 << 21;
};

// Which evaluator answers. The DAG evaluator is the fast one; the reference
// evaluator is a direct interpreter of SPEC §4 kept as the oracle.
enum class Evaluator { kDag, kReference };

// A handle to one schema attribute, resolved once by name so filling a
// request on the hot path needs no string hashing. It is a slot number and
// means something only to requests of the policy that resolved it: a
// setter given a slot past the end of its request's schema does nothing,
// but one in range sets whatever attribute that slot holds there (if the
// type fits). After a reload, resolve the handles again against the new
// snapshot (Engine::policy()). A default-constructed handle names no slot,
// so `FindAttribute("misspelt").value_or(AttributeHandle{})` sets nothing
// rather than the schema's first attribute.
struct AttributeHandle {
  uint32_t slot = UINT32_MAX;
};

class Policy {
 public:
  // Compiles the files in order ("source order"). On failure the status is
  // InvalidArgument and its message holds every diagnostic, formatted;
  // `diagnostics`, when given, receives them as structs (warnings too).
  static absl::StatusOr<std::shared_ptr<const Policy>> Compile(
      std::vector<SourceFile> sources, const CompileOptions& options = {},
      std::vector<Diagnostic>* diagnostics = nullptr);

  // Reads the files, then compiles them. A missing file is NotFound.
  static absl::StatusOr<std::shared_ptr<const Policy>> CompileFiles(
      const std::vector<std::string>& paths, const CompileOptions& options = {},
      std::vector<Diagnostic>* diagnostics = nullptr);

  Policy(const Policy&) = delete;
  Policy& operator=(const Policy&) = delete;
  ~Policy();

  // The handle of a schema attribute, or nullopt when the schema lacks it.
  std::optional<AttributeHandle> FindAttribute(absl::string_view path) const;

  // Decides a request. Total: never throws, never fails. With an
  // `explanation`, also fills the record of SPEC §5 (all of it, or all but
  // why_not, as `detail` says).
  Decision Evaluate(const Request& request,
                    Explanation* explanation = nullptr,
                    Evaluator evaluator = Evaluator::kDag,
                    ExplanationDetail detail = ExplanationDetail::kFull) const noexcept;

  // Decides a request and lists the determining rules (SPEC §5: every deny
  // rule that applied, or every allow rule that applied; none when the
  // default decided) by id, in source order. `determining_rules` is cleared
  // and reused: once its capacity reaches rule_count(), which the first
  // call reserves, no call allocates.
  Decision EvaluateRuleIds(const Request& request,
                           std::vector<uint32_t>* determining_rules) const noexcept;

  // Rules are numbered 0..rule_count()-1 in source order.
  size_t rule_count() const;
  const std::string& RuleName(uint32_t rule_id) const;

  const PolicyInfo& info() const;

  // The compiled decision DAG as text ("text") or Graphviz ("dot").
  std::string DumpDag(absl::string_view format) const;

  // Internal representation, for the project's own tools and tests.
  const internal::CheckedPolicy& checked() const { return *checked_; }
  const internal::DagProgram* dag() const { return dag_.get(); }

 private:
  Policy(std::shared_ptr<const internal::CheckedPolicy> checked,
         std::shared_ptr<const internal::DagProgram> dag);

  std::shared_ptr<const internal::CheckedPolicy> checked_;
  std::shared_ptr<const internal::DagProgram> dag_;
};

}  // namespace writ

#endif  // WRIT_POLICY_H_
