#include "src/parse/tokens.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "absl/strings/ascii.h"

namespace writ::internal {
namespace {

bool IsWordStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// Length of the token at `rest`, and its kind.
size_t TokenLength(absl::string_view rest, Token::Kind* kind) {
  const char c = rest[0];
  size_t n = 1;
  if (c == '#') {
    *kind = Token::Kind::kComment;
    while (n < rest.size() && rest[n] != '\n' && rest[n] != '\r') ++n;
  } else if (c == '"') {
    *kind = Token::Kind::kString;
    while (n < rest.size() && rest[n] != '"' && rest[n] != '\n') n += rest[n] == '\\' ? 2 : 1;
    n = std::min(n + 1, rest.size());
  } else if (IsWordStart(c)) {
    *kind = Token::Kind::kWord;  // dotted paths have no blanks inside
    while (n < rest.size() && (IsWordChar(rest[n]) || (rest[n] == '.' && n + 1 < rest.size() &&
                                                       IsWordStart(rest[n + 1])))) {
      ++n;
    }
  } else if (IsDigit(c) || (c == '-' && rest.size() > 1 && IsDigit(rest[1]))) {
    *kind = Token::Kind::kLiteral;  // 42, -1.5e3, 5m: digits, letters, '.', exponent sign
    while (n < rest.size() &&
           (IsWordChar(rest[n]) || rest[n] == '.' ||
            ((rest[n] == '+' || rest[n] == '-') && (rest[n - 1] == 'e' || rest[n - 1] == 'E')))) {
      ++n;
    }
  } else {
    *kind = Token::Kind::kPunct;
    static constexpr absl::string_view kTwoByte[] = {"==", "!=", "<=", ">="};
    for (absl::string_view pair : kTwoByte) {
      if (rest.substr(0, 2) == pair) return 2;
    }
    if (absl::string_view("=()[]{},;:<>").find(c) == absl::string_view::npos) {
      *kind = Token::Kind::kOther;
    }
  }
  return std::min(n, rest.size());
}

bool IsOperatorWord(const Token& token) {
  static constexpr absl::string_view kOperators[] = {
      "==", "!=", "<", "<=", ">", ">=", "in", "matches", "like", "starts_with",
      "ends_with", "contains", "contains_any", "contains_all", "within"};
  for (absl::string_view op : kOperators) {
    if (token.Is(op)) return true;
  }
  return false;
}

// Skips comments from `i`.
size_t NextCode(const std::vector<Token>& tokens, size_t i) {
  while (i < tokens.size() && tokens[i].kind == Token::Kind::kComment) ++i;
  return i;
}

// One past the bracket that closes the one at `open`.
size_t MatchingClose(const std::vector<Token>& tokens, size_t open) {
  int depth = 0;
  for (size_t i = open; i < tokens.size(); ++i) {
    if (tokens[i].Is("(") || tokens[i].Is("[")) ++depth;
    if ((tokens[i].Is(")") || tokens[i].Is("]")) && --depth == 0) return i + 1;
  }
  return tokens.size();
}

}  // namespace

std::vector<Token> Tokenize(absl::string_view text) {
  std::vector<Token> tokens;
  uint32_t line = 1;
  uint32_t column = 1;
  bool at_line_start = true;
  int newlines = 0;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    // The grammar's blanks (pegtl::space, the same six as ascii_isspace): a
    // form feed or vertical tab read as a token was copied into `writ fmt`'s
    // output.
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      if (c == '\n') {
        ++line;
        column = 1;
        at_line_start = true;
        ++newlines;
      } else {
        ++column;
      }
      ++i;
      continue;
    }
    Token token;
    const size_t length = TokenLength(text.substr(i), &token.kind);
    token.text = text.substr(i, length);
    token.line = line;
    token.column = column;
    token.end_line = line;
    token.end_column = column + static_cast<uint32_t>(length);
    token.starts_line = at_line_start;
    token.blank_lines_before = tokens.empty() ? 0 : std::max(0, newlines - 1);
    tokens.push_back(token);
    at_line_start = false;
    newlines = 0;
    column += static_cast<uint32_t>(length);
    i += length;
  }
  return tokens;
}

size_t TokenAt(const std::vector<Token>& tokens, uint32_t line, uint32_t column) {
  // Tokens are in source order: a binary search, as `writ check` looks up
  // one token per diagnostic and a large policy has tens of thousands.
  const auto first = std::lower_bound(
      tokens.begin(), tokens.end(), std::make_pair(line, column),
      [](const Token& token, const std::pair<uint32_t, uint32_t>& at) {
        return std::make_pair(token.line, token.column) < at;
      });
  size_t i = static_cast<size_t>(first - tokens.begin());
  while (i < tokens.size() && tokens[i].kind == Token::Kind::kComment) ++i;
  return i;
}

size_t AtomEnd(const std::vector<Token>& tokens, size_t begin) {
  begin = NextCode(tokens, begin);
  if (begin >= tokens.size()) return tokens.size();
  const Token& first = tokens[begin];
  if (first.Is("(")) return MatchingClose(tokens, begin);
  if (first.Is("not")) return AtomEnd(tokens, begin + 1);
  if (first.Is("has")) return std::min(NextCode(tokens, begin + 1) + 1, tokens.size());
  size_t op = NextCode(tokens, begin + 1);
  if (op < tokens.size() && tokens[op].Is("not")) {  // `not in`
    const size_t in = NextCode(tokens, op + 1);
    if (in >= tokens.size() || !tokens[in].Is("in")) return begin + 1;
    op = in;
  } else if (op >= tokens.size() || !IsOperatorWord(tokens[op])) {
    return begin + 1;  // a bare name or constant
  }
  const size_t operand = NextCode(tokens, op + 1);
  if (operand >= tokens.size()) return tokens.size();
  return tokens[operand].Is("[") ? MatchingClose(tokens, operand) : operand + 1;
}

size_t ConditionEnd(const std::vector<Token>& tokens, size_t begin) {
  size_t end = begin;
  for (size_t i = NextCode(tokens, begin); i < tokens.size(); i = NextCode(tokens, i)) {
    const Token& token = tokens[i];
    if (token.Is(";") || token.Is("unless") || token.Is("with") || token.Is("because") ||
        token.Is(")")) {
      break;
    }
    i = token.Is("and") || token.Is("or") ? i + 1 : AtomEnd(tokens, i);
    end = i;
  }
  return end;
}

std::string JoinTokens(const std::vector<Token>& tokens, size_t begin, size_t end) {
  std::string out;
  bool glue = true;  // no space before the next token
  for (size_t i = begin; i < end && i < tokens.size(); ++i) {
    const Token& token = tokens[i];
    if (token.kind == Token::Kind::kComment) continue;
    const bool closes = token.Is(")") || token.Is("]") || token.Is(",") || token.Is(";");
    if (!glue && !closes) out.push_back(' ');
    out.append(token.text.data(), token.text.size());
    glue = token.Is("(") || token.Is("[");
  }
  return out;
}

uint32_t SpanEndColumn(const std::vector<Token>& tokens, size_t begin, size_t end) {
  if (begin >= tokens.size() || end <= begin) return 0;
  uint32_t column = tokens[begin].end_column;
  for (size_t i = begin; i < end && i < tokens.size(); ++i) {
    if (tokens[i].line != tokens[begin].line) break;
    if (tokens[i].kind != Token::Kind::kComment) column = tokens[i].end_column;
  }
  return column;
}

}  // namespace writ::internal
