// Differential fuzzing of the `matches` automata (src/compile/regex_dfa.h)
// against RE2 itself: the input is a pattern, a line "---", and a text of
// any bytes. When RE2 accepts the pattern and it has an automaton, the
// automaton must give RE2::FullMatch's answer, and may leave the text to
// RE2 only when it has a byte of 0x80 or above. Building must stay within
// its bounds whatever the pattern: a crash, a sanitizer report or a
// libFuzzer timeout is a failure.
#include <optional>
#include <string>

#include "fuzz/fuzz_target.h"
#include "re2/re2.h"
#include "src/compile/regex_dfa.h"

namespace {

bool HasNonAsciiByte(const std::string& text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // RE2's own compile time grows with the pattern; the automaton's is
  // bounded by its build steps.
  constexpr size_t kMaxPattern = 1 << 10;
  constexpr size_t kMaxText = 4 << 10;
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t separator = input.find("\n---\n");
  if (separator == std::string::npos || separator > kMaxPattern) return 0;
  const std::string pattern = input.substr(0, separator);
  const std::string text = input.substr(separator + 5);
  if (text.size() > kMaxText) return 0;
  RE2::Options options;
  options.set_log_errors(false);
  const RE2 regex(pattern, options);
  if (!regex.ok()) return 0;
  const std::optional<writ::internal::RegexDfa> automaton =
      writ::internal::RegexDfa::Build(pattern);
  if (!automaton.has_value()) return 0;
  using Outcome = writ::internal::RegexDfa::Outcome;
  const Outcome outcome = automaton->FullMatch(text);
  if (outcome == Outcome::kUndecided) {
    if (!HasNonAsciiByte(text)) __builtin_trap();
    return 0;
  }
  if ((outcome == Outcome::kMatch) != RE2::FullMatch(text, regex)) __builtin_trap();
  return 0;
}
