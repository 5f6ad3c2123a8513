#include "src/format/formatter.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "src/parse/parser.h"
#include "src/parse/tokens.h"

namespace writ::internal {
namespace {

constexpr size_t kRuleIndent = 2;

std::string Spaces(size_t count) { return std::string(count, ' '); }

// A top-level piece of a file: one item (`policy`, `schema`, `let`, a rule,
// `default`) or one comment between items.
struct Piece {
  size_t begin = 0;
  size_t end = 0;  // one past the item's `;` or `}`
  bool comment = false;
};

class Formatter {
 public:
  explicit Formatter(absl::string_view text) : text_(text), tokens_(Tokenize(text)) {}

  std::string Run() {
    const std::vector<Piece> pieces = Split();
    for (size_t index = 0; index < pieces.size(); ++index) {
      const Piece& piece = pieces[index];
      const Token& first = tokens_[piece.begin];
      if (!out_.empty() && first.blank_lines_before > 0) out_ += "\n";
      if (piece.comment) {
        EmitComment(first);
      } else {
        out_ += FormatItem(piece, LetGroupWidth(pieces, index));
      }
    }
    return out_;
  }

 private:
  // ------------------------------------------------------------- pieces

  std::vector<Piece> Split() const {
    std::vector<Piece> pieces;
    size_t i = 0;
    while (i < tokens_.size()) {
      if (tokens_[i].kind == Token::Kind::kComment) {
        pieces.push_back({i, i + 1, true});
        ++i;
        continue;
      }
      const size_t end = ItemEnd(i);
      pieces.push_back({i, end, false});
      i = end;
    }
    return pieces;
  }

  size_t ItemEnd(size_t begin) const {
    const absl::string_view closer = tokens_[begin].Is("schema") ? "}" : ";";
    for (size_t i = begin; i < tokens_.size(); ++i) {
      if (tokens_[i].Is(closer)) return i + 1;
    }
    return tokens_.size();
  }

  bool HasComment(size_t begin, size_t end) const {
    for (size_t i = begin; i < end; ++i) {
      if (tokens_[i].kind == Token::Kind::kComment) return true;
    }
    return false;
  }

  bool IsPlainLet(const Piece& piece) const {
    return !piece.comment && tokens_[piece.begin].Is("let");
  }

  // Where the code of [begin, end) ends: only comments follow it.
  size_t CodeEnd(size_t begin, size_t end) const {
    size_t code_end = end;
    while (code_end > begin && tokens_[code_end - 1].kind == Token::Kind::kComment) --code_end;
    return code_end;
  }

  // Text that has no place for comments: marks the item when it has some.
  std::string CommentFree(size_t begin, size_t end) const {
    if (HasComment(begin, end)) unformattable_ = true;
    return JoinTokens(tokens_, begin, end);
  }

  // The comments [begin, end) after code: one that trailed its token stays
  // on the line, one that had a line of its own gets one, at `indent`.
  std::string AttachComments(size_t begin, size_t end, size_t indent) const {
    std::string out;
    for (size_t i = begin; i < end; ++i) {
      if (tokens_[i].starts_line) {
        absl::StrAppend(&out, "\n", Spaces(indent), Trimmed(tokens_[i]));
      } else {
        absl::StrAppend(&out, "  ", Trimmed(tokens_[i]));
      }
    }
    return out;
  }

  // Lets align their `=` within a block: lets and comments with no blank
  // line between them. The width is the block's longest let name.
  size_t LetGroupWidth(const std::vector<Piece>& pieces, size_t index) const {
    if (!IsPlainLet(pieces[index])) return 0;
    auto in_block = [&](size_t i) { return pieces[i].comment || IsPlainLet(pieces[i]); };
    size_t first = index;
    while (first > 0 && in_block(first - 1) &&
           tokens_[pieces[first].begin].blank_lines_before == 0) {
      --first;
    }
    size_t width = 0;
    for (size_t i = first; i < pieces.size() && in_block(i); ++i) {
      if (i > first && tokens_[pieces[i].begin].blank_lines_before > 0) break;
      if (!pieces[i].comment) width = std::max(width, tokens_[pieces[i].begin + 1].text.size());
    }
    return width;
  }

  // A comment on the line of the previous token trails it; any other
  // comment has a line of its own.
  void EmitComment(const Token& comment) {
    if (!comment.starts_line && !out_.empty() && out_.back() == '\n' && !LastLineHasComment()) {
      out_.pop_back();
      absl::StrAppend(&out_, "  ", Trimmed(comment), "\n");
    } else {
      absl::StrAppend(&out_, Trimmed(comment), "\n");
    }
  }

  // Appending a second comment to a line would make it part of the first.
  bool LastLineHasComment() const {
    const size_t start = out_.rfind('\n', out_.size() - 2);
    const std::vector<Token> line =
        Tokenize(absl::string_view(out_).substr(start == std::string::npos ? 0 : start + 1));
    return !line.empty() && line.back().kind == Token::Kind::kComment;
  }

  static std::string Trimmed(const Token& comment) {
    absl::string_view text = comment.text;
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return std::string(text);
  }

  // -------------------------------------------------------------- items

  // Comments inside a let or rule are laid out where they stand between
  // operands and clauses; an item with a comment anywhere else (inside an
  // atom or a list) is kept as written.
  std::string FormatItem(const Piece& piece, size_t let_width) const {
    const Token& first = tokens_[piece.begin];
    if (first.Is("schema")) return FormatSchema(piece);
    unformattable_ = false;
    std::string text;
    if (first.Is("let")) {
      text = FormatLet(piece, let_width);
    } else if (first.Is("allow") || first.Is("deny")) {
      text = FormatRule(piece);
    } else {
      text = CommentFree(piece.begin, piece.end) + "\n";  // policy, default
    }
    return unformattable_ ? Verbatim(piece) : text;
  }

  std::string Verbatim(const Piece& piece) const {
    const Token& first = tokens_[piece.begin];
    const Token& last = tokens_[piece.end - 1];
    const size_t begin = static_cast<size_t>(first.text.data() - text_.data());
    const size_t end = static_cast<size_t>(last.text.data() + last.text.size() - text_.data());
    return absl::StrCat(text_.substr(begin, end - begin), "\n");
  }

  // -------------------------------------------------------------- schema

  struct SchemaLine {
    std::string declaration;  // "path:"; empty for a comment line
    std::string type;         // "enum(a, b);"
    std::string comment;      // trailing, or the whole line's
    bool blank_before = false;
    // A comment line that carries on the trailing comment above it: it
    // stood in that comment's column, and is kept in the column the
    // trailing comments move to.
    bool continues_trailing_comment = false;
    uint32_t comment_source_column = 0;  // where `comment` stood
  };

  // Whether `comment`, on a line of its own, carries on the comment that
  // ends `above`: no blank line between, and the same column in the source.
  static bool ContinuesTrailingComment(const Token& comment, const SchemaLine& above) {
    const bool above_trails = !above.declaration.empty() || above.continues_trailing_comment;
    return above_trails && !above.comment.empty() && comment.blank_lines_before == 0 &&
           comment.column == above.comment_source_column;
  }

  std::string TypeText(size_t begin, size_t end) const {
    std::string type;
    for (size_t i = begin; i < end; ++i) {
      const Token& token = tokens_[i];
      if (token.Is(",")) {
        type += ", ";
      } else if (token.Is("redact")) {
        type += " redact";
      } else {
        type.append(token.text.data(), token.text.size());
      }
    }
    return type;
  }

  std::vector<SchemaLine> SchemaLines(const Piece& piece) const {
    std::vector<SchemaLine> lines;
    size_t i = piece.begin + 2;  // after `schema {`
    while (i < piece.end - 1) {
      const Token& token = tokens_[i];
      if (token.kind == Token::Kind::kComment) {
        if (!token.starts_line && !lines.empty() && lines.back().comment.empty()) {
          lines.back().comment = Trimmed(token);
          lines.back().comment_source_column = token.column;
        } else {
          const bool continues = !lines.empty() && ContinuesTrailingComment(token, lines.back());
          lines.push_back(
              {"", "", Trimmed(token), token.blank_lines_before > 0, continues, token.column});
        }
        ++i;
        continue;
      }
      size_t semicolon = i;
      while (semicolon < piece.end - 1 && !tokens_[semicolon].Is(";")) ++semicolon;
      SchemaLine line;
      line.declaration = absl::StrCat(token.text, ":");
      line.blank_before = token.blank_lines_before > 0;
      line.type = TypeText(i + 2, semicolon) + ";";
      lines.push_back(std::move(line));
      i = semicolon + 1;
    }
    return lines;
  }

  // Types start in one column across the block; trailing comments in
  // another, just after the longest declaration that has one.
  std::string FormatSchema(const Piece& piece) const {
    const std::vector<SchemaLine> lines = SchemaLines(piece);
    size_t name_width = 0;
    for (const SchemaLine& line : lines) name_width = std::max(name_width, line.declaration.size());
    size_t comment_column = 0;
    for (const SchemaLine& line : lines) {
      if (!line.declaration.empty() && !line.comment.empty()) {
        comment_column = std::max(comment_column, name_width + 1 + line.type.size() + 2);
      }
    }
    std::string out = "schema {\n";
    for (size_t k = 0; k < lines.size(); ++k) {
      const SchemaLine& line = lines[k];
      if (line.blank_before && k > 0) out += "\n";
      std::string text =
          line.declaration.empty()
              ? absl::StrCat(Spaces(line.continues_trailing_comment ? comment_column : 0),
                             line.comment)
              : absl::StrCat(line.declaration, Spaces(name_width + 1 - line.declaration.size()),
                             line.type);
      if (!line.declaration.empty() && !line.comment.empty()) {
        absl::StrAppend(&text, Spaces(comment_column - text.size()), line.comment);
      }
      absl::StrAppend(&out, Spaces(kRuleIndent), text, "\n");
    }
    return out + "}\n";
  }

  // --------------------------------------------------------- conditions

  // One past the bracket closing the one at `open`.
  size_t Close(size_t open) const {
    int depth = 0;
    for (size_t i = open; i < tokens_.size(); ++i) {
      if (tokens_[i].Is("(") || tokens_[i].Is("[")) ++depth;
      if ((tokens_[i].Is(")") || tokens_[i].Is("]")) && --depth == 0) return i + 1;
    }
    return tokens_.size();
  }

  // The `and`/`or` tokens of [begin, end) outside brackets.
  std::vector<size_t> Connectives(size_t begin, size_t end) const {
    std::vector<size_t> found;
    for (size_t i = begin; i < end; ++i) {
      if (tokens_[i].Is("(") || tokens_[i].Is("[")) {
        i = Close(i) - 1;
      } else if (tokens_[i].Is("and") || tokens_[i].Is("or")) {
        found.push_back(i);
      }
    }
    return found;
  }

  // [begin, end) laid out from `column`, followed by `trailer` columns of
  // text. With `hanging`, continuation connectives end just before
  // `column` (`  when a\n   and b`); else they start at it.
  std::string Condition(size_t begin, size_t end, size_t column, size_t trailer,
                        bool hanging) const {
    const std::string flat = JoinTokens(tokens_, begin, end);
    const bool commented = HasComment(begin, end);
    if (!commented && column + flat.size() + trailer <= kFormatWidth) return flat;
    const std::vector<size_t> connectives = Connectives(begin, end);
    if (connectives.empty()) return Operand(begin, end, column, trailer);
    auto indent_of = [&](size_t connective) {
      const size_t width = tokens_[connective].text.size();
      return hanging && column > width ? column - width - 1 : column;
    };
    std::string out;
    size_t operand_begin = begin;
    for (size_t k = 0; k <= connectives.size(); ++k) {
      const bool last = k == connectives.size();
      const size_t operand_end = last ? end : connectives[k];
      const size_t code_end = CodeEnd(operand_begin, operand_end);
      if (last && code_end != operand_end) unformattable_ = true;  // callers split these off
      size_t operand_column = column;
      if (k > 0) {
        const absl::string_view word = tokens_[connectives[k - 1]].text;
        const size_t indent = indent_of(connectives[k - 1]);
        absl::StrAppend(&out, "\n", Spaces(indent), word, " ");
        operand_column = indent + word.size() + 1;
      }
      absl::StrAppend(&out, Operand(operand_begin, code_end, operand_column, last ? trailer : 0));
      if (!last) absl::StrAppend(&out, AttachComments(code_end, operand_end, indent_of(connectives[k])));
      operand_begin = operand_end + 1;
    }
    return out;
  }

  std::string Operand(size_t begin, size_t end, size_t column, size_t trailer) const {
    const std::string flat = CommentFree(begin, end);
    if (column + flat.size() + trailer <= kFormatWidth || begin >= end) return flat;
    if (tokens_[begin].Is("not")) {
      return absl::StrCat("not ", Operand(begin + 1, end, column + 4, trailer));
    }
    if (tokens_[begin].Is("(") && Close(begin) == end) {
      return absl::StrCat("(", Condition(begin + 1, end - 1, column + 1, trailer + 1, false),
                          ")");
    }
    if (tokens_[end - 1].Is("]")) {  // a comparison with a list operand
      size_t open = end - 1;
      while (open > begin && !tokens_[open].Is("[")) --open;
      const std::string head = JoinTokens(tokens_, begin, open) + " ";
      return head + List(open, end, column + head.size(), trailer);
    }
    return flat;
  }

  // `[a, b, c]` filled greedily, continuation lines aligned after the `[`.
  std::string List(size_t open, size_t end, size_t column, size_t trailer) const {
    std::string out = "[";
    size_t line_width = column + 1;
    const size_t last = end - 1;  // the `]`
    for (size_t i = open + 1; i < last; i += 2) {  // element, comma, element, ...
      std::string element(tokens_[i].text);
      element += i + 1 < last ? "," : "]";
      const size_t extra = i + 1 < last ? 0 : trailer;
      const bool first = i == open + 1;
      if (!first && line_width + 1 + element.size() + extra > kFormatWidth) {
        absl::StrAppend(&out, "\n", Spaces(column + 1), element);
        line_width = column + 1 + element.size();
      } else {
        absl::StrAppend(&out, first ? "" : " ", element);
        line_width += (first ? 0 : 1) + element.size();
      }
    }
    return last == open + 1 ? "[]" : out;
  }

  // --------------------------------------------------------- lets, rules

  // `let name = condition;`, `=` aligned with its neighbours'. A let too
  // long for one line takes whichever of two layouts does not overflow and
  // has fewer lines, preferring a break after `=` on a tie:
  //   let name = a in [...,        let name =
  //                    ...];         a in [...];
  std::string FormatLet(const Piece& piece, size_t name_width) const {
    const absl::string_view name = tokens_[piece.begin + 1].text;
    CommentFree(piece.begin, piece.begin + 3);
    const size_t begin = piece.begin + 3;
    const size_t end = CodeEnd(begin, piece.end - 1);
    const std::string comments = AttachComments(end, piece.end - 1, 0);
    const std::string head =
        absl::StrCat("let ", name, Spaces(name_width - std::min(name_width, name.size())), " = ");
    const std::string after_head =
        absl::StrCat(head, Condition(begin, end, head.size(), 1, true), ";");
    if (after_head.find('\n') == std::string::npos && after_head.size() <= kFormatWidth) {
      return absl::StrCat(after_head, comments, "\n");
    }
    const std::string broken = absl::StrCat("let ", name, " =\n", Spaces(kRuleIndent),
                                            Condition(begin, end, kRuleIndent, 1, true), ";");
    const auto cost = [](const std::string& text) {
      return std::make_pair(Overflows(text + "\n"), std::count(text.begin(), text.end(), '\n'));
    };
    return absl::StrCat(cost(after_head) < cost(broken) ? after_head : broken, comments, "\n");
  }

  static bool Overflows(absl::string_view text) {
    size_t line_start = 0;
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] != '\n') continue;
      if (i - line_start > kFormatWidth) return true;
      line_start = i + 1;
    }
    return false;
  }

  // The clause keywords of a rule, outside brackets.
  std::vector<size_t> Clauses(const Piece& piece) const {
    std::vector<size_t> clauses;
    for (size_t i = piece.begin + 2; i < piece.end - 1; ++i) {
      if (tokens_[i].Is("(") || tokens_[i].Is("[")) {
        i = Close(i) - 1;
      } else if (tokens_[i].Is("when") || tokens_[i].Is("unless") || tokens_[i].Is("with") ||
                 tokens_[i].Is("because")) {
        clauses.push_back(i);
      }
    }
    return clauses;
  }

  // Comments before the `;` end up after it (with no indent if on a line
  // of their own), exactly where the next run leaves them.
  std::string FormatRule(const Piece& piece) const {
    const size_t semicolon = piece.end - 1;
    const size_t code_end = CodeEnd(piece.begin, semicolon);
    const std::string flat = JoinTokens(tokens_, piece.begin, piece.end);
    if (!HasComment(piece.begin, code_end) && flat.size() <= kFormatWidth) {
      return absl::StrCat(flat, AttachComments(code_end, semicolon, 0), "\n");
    }
    std::string out = CommentFree(piece.begin, piece.begin + 2);
    const std::vector<size_t> clauses = Clauses(piece);
    // Comments right after the name belong to the head line.
    const size_t head_end = clauses.empty() ? semicolon : clauses[0];
    const size_t head_code = CodeEnd(piece.begin + 2, head_end);
    if (head_code != piece.begin + 2) unformattable_ = true;
    std::string pending = AttachComments(head_code, head_end, kRuleIndent);
    for (size_t k = 0; k < clauses.size(); ++k) {
      absl::StrAppend(&out, pending);
      const size_t keyword = clauses[k];
      const bool last = k + 1 == clauses.size();
      const size_t body_end = CodeEnd(keyword + 1, last ? semicolon : clauses[k + 1]);
      const absl::string_view word = tokens_[keyword].text;
      const size_t column = kRuleIndent + word.size() + 1;
      const size_t trailer = last ? 1 : 0;
      const std::string body =
          word == "with" ? Obligations(keyword + 1, body_end, column, trailer)
          : word == "because"
              ? CommentFree(keyword + 1, body_end)
              : Condition(keyword + 1, body_end, column, trailer, true);
      absl::StrAppend(&out, "\n", Spaces(kRuleIndent), word, " ", body);
      pending = AttachComments(body_end, last ? semicolon : clauses[k + 1],
                               last ? 0 : kRuleIndent);
    }
    // The `;` goes before trailing comments, or a comment would swallow it.
    return absl::StrCat(out, ";", pending, "\n");
  }

  // `k = v, k = v` filled greedily, continuation lines under the first key.
  std::string Obligations(size_t begin, size_t end, size_t column, size_t trailer) const {
    CommentFree(begin, end);
    std::string out;
    size_t line_width = column;
    size_t start = begin;
    for (size_t i = begin; i <= end; ++i) {
      if (i < end && !tokens_[i].Is(",")) continue;
      std::string obligation = JoinTokens(tokens_, start, i);
      if (i < end) obligation += ",";
      const size_t extra = i < end ? 0 : trailer;
      if (start != begin && line_width + 1 + obligation.size() + extra > kFormatWidth) {
        absl::StrAppend(&out, "\n", Spaces(column), obligation);
        line_width = column + obligation.size();
      } else {
        absl::StrAppend(&out, start == begin ? "" : " ", obligation);
        line_width += (start == begin ? 0 : 1) + obligation.size();
      }
      start = i + 1;
    }
    return out;
  }

  absl::string_view text_;
  std::vector<Token> tokens_;
  std::string out_;
  // Set by the layout functions when the item at hand has a comment they
  // cannot place; FormatItem then keeps the item as written.
  mutable bool unformattable_ = false;
};

}  // namespace

absl::StatusOr<std::string> FormatPolicyFile(absl::string_view file_name,
                                             absl::string_view text,
                                             std::vector<Diagnostic>* diagnostics) {
  FileAst ast;
  if (!ParseFile(0, file_name, text, ParseOptions{}, &ast, diagnostics)) {
    return absl::InvalidArgumentError(
        absl::StrCat(file_name, ": does not parse; fix the syntax errors first"));
  }
  std::string formatted = Formatter(text).Run();
  if (SyntaxFingerprint(formatted) != SyntaxFingerprint(text)) {
    return absl::InternalError(absl::StrCat(
        file_name, ": formatting would change the policy's syntax tree (a writ fmt bug); "
                   "the file was left alone"));
  }
  return formatted;
}

}  // namespace writ::internal
