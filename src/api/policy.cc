// api/ owns the public surface: it runs the pipeline stages in order
// (parse -> check -> compile) and routes evaluation to an evaluator.
#include "writ/policy.h"

#include <algorithm>
#include <memory>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "src/check/checker.h"
#include "src/compile/dag_program.h"
#include "src/eval/dag_evaluator.h"
#include "src/eval/reference_evaluator.h"
#include "src/io/files.h"
#include "src/parse/parser.h"
#include "writ/request.h"

namespace writ {
namespace {

absl::Status CompileError(const std::vector<Diagnostic>& diagnostics) {
  std::vector<Diagnostic> errors;
  for (const Diagnostic& diagnostic : diagnostics) {
    if (diagnostic.severity == Severity::kError) errors.push_back(diagnostic);
  }
  return absl::InvalidArgumentError(FormatDiagnostics(errors));
}

bool HasErrors(const std::vector<Diagnostic>& diagnostics) {
  for (const Diagnostic& diagnostic : diagnostics) {
    if (diagnostic.severity == Severity::kError) return true;
  }
  return false;
}

// The deny for a request built for another policy's schema. Out of line,
// so that the common path of Policy::Evaluate builds no Explanation and
// needs no stack frame: inlined, it cost every decision ~16 instructions.
[[gnu::noinline, gnu::cold]] Decision DenyForeignRequest(const internal::CheckedPolicy& policy,
                                                         Explanation* explanation) {
  if (explanation != nullptr) {
    *explanation = Explanation{};
    try {
      explanation->policy = policy.info;
      explanation->errors.push_back({"", "the request was built for a different policy's schema"});
    } catch (const std::bad_alloc&) {
      // Out of memory (Evaluate is noexcept): the deny stands, unexplained.
    }
  }
  return {Effect::kDeny, false};
}

}  // namespace

Policy::Policy(std::shared_ptr<const internal::CheckedPolicy> checked,
               std::shared_ptr<const internal::DagProgram> dag)
    : checked_(std::move(checked)), dag_(std::move(dag)) {}

Policy::~Policy() = default;

absl::StatusOr<std::shared_ptr<const Policy>> Policy::Compile(
    std::vector<SourceFile> sources, const CompileOptions& options,
    std::vector<Diagnostic>* diagnostics) {
  std::vector<Diagnostic> local;
  std::vector<Diagnostic>& out = diagnostics != nullptr ? *diagnostics : local;
  size_t total_bytes = 0;
  for (const SourceFile& source : sources) total_bytes += source.text.size();
  if (total_bytes > options.max_source_bytes) {
    Diagnostic too_large;
    too_large.file = sources.empty() ? "" : sources[0].name;
    too_large.message = absl::StrCat("policy sources are ", total_bytes,
                                     " bytes, over the limit of ", options.max_source_bytes);
    out.push_back(std::move(too_large));
    return CompileError(out);
  }
  std::vector<internal::ParsedFile> files;
  internal::ParseOptions parse_options;
  parse_options.max_expression_depth = options.max_expression_depth;
  for (uint32_t index = 0; index < sources.size(); ++index) {
    internal::ParsedFile file{std::move(sources[index].name), std::move(sources[index].text), {}};
    internal::ParseFile(index, file.name, file.text, parse_options, &file.ast, &out);
    files.push_back(std::move(file));
  }
  // Checking a file that did not parse would only add noise; the syntax
  // errors come first and alone.
  if (HasErrors(out)) return CompileError(out);
  std::shared_ptr<internal::CheckedPolicy> checked =
      internal::CheckPolicySet(files, options, &out);
  if (checked == nullptr || HasErrors(out)) return CompileError(out);
  std::shared_ptr<const internal::DagProgram> dag = internal::CompileDag(checked);
  return std::shared_ptr<const Policy>(new Policy(std::move(checked), std::move(dag)));
}

absl::StatusOr<std::shared_ptr<const Policy>> Policy::CompileFiles(
    const std::vector<std::string>& paths, const CompileOptions& options,
    std::vector<Diagnostic>* diagnostics) {
  std::vector<SourceFile> sources;
  // Each file is read only up to what the byte limit leaves (and one byte
  // more, to tell "over" from "at"), so an endless or huge file (a device,
  // a log given by mistake) is refused by Compile's size check below
  // instead of being read into memory first. The total it reports then
  // stops one byte past the limit.
  size_t budget = options.max_source_bytes;
  for (const std::string& path : paths) {
    absl::StatusOr<std::string> text = internal::ReadFileToString(path, budget);
    if (!text.ok()) return text.status();
    const bool over = text->size() > budget;
    budget -= std::min(budget, text->size());
    sources.push_back({path, std::move(*text)});
    if (over) break;
  }
  return Compile(std::move(sources), options, diagnostics);
}

std::optional<AttributeHandle> Policy::FindAttribute(absl::string_view path) const {
  std::optional<uint32_t> slot = checked_->schema->Find(path);
  if (!slot.has_value()) return std::nullopt;
  return AttributeHandle{*slot};
}

Decision Policy::Evaluate(const Request& request, Explanation* explanation,
                          Evaluator evaluator, ExplanationDetail detail) const noexcept {
  // A request built for another policy's schema has its values in other
  // slots: fail closed rather than read them as this schema's.
  if (!request.IsFor(*checked_->schema)) return DenyForeignRequest(*checked_, explanation);
  if (evaluator == Evaluator::kReference) {
    return internal::ReferenceEvaluate(*checked_, request, explanation, detail);
  }
  return internal::DagEvaluate(*dag_, request, nullptr, explanation, detail);
}

Decision Policy::EvaluateRuleIds(const Request& request,
                                 std::vector<uint32_t>* determining_rules) const noexcept {
  if (!request.IsFor(*checked_->schema)) {
    if (determining_rules != nullptr) determining_rules->clear();
    return {Effect::kDeny, false};
  }
  return internal::DagEvaluate(*dag_, request, determining_rules, nullptr);
}

size_t Policy::rule_count() const { return checked_->rules.size(); }

const std::string& Policy::RuleName(uint32_t rule_id) const {
  static const std::string* const kNoSuchRule = new std::string();
  return rule_id < checked_->rules.size() ? checked_->rules[rule_id].name : *kNoSuchRule;
}

const PolicyInfo& Policy::info() const { return checked_->info; }

std::string Policy::DumpDag(absl::string_view format) const {
  if (format == "text") return dag_->Dump();
  if (format == "dot") return dag_->DumpDot();
  return "";
}

}  // namespace writ
