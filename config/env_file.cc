#include "config/env_file.h"

#include "config/diagnostic.h"

namespace stackvisor::config {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/// Reader walks the file once, keeping the line number for messages.
class Reader {
 public:
  Reader(std::string_view text, const Variables& vars, std::vector<EnvFileIssue>& issues)
      : text_(text), vars_(vars), scope_(vars), issues_(issues) {}

  std::vector<EnvEntry> Run() {
    // Editors on Windows write a byte order mark; compose skips it, else the first key has it.
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
    while (pos_ < text_.size()) Line();
    return std::move(entries_);
  }

 private:
  void Line() {
    SkipBlanks();
    if (pos_ >= text_.size()) return;
    if (text_[pos_] == '\n' || text_[pos_] == '#') return SkipLine();
    if (text_.substr(pos_, 7) == "export " || text_.substr(pos_, 7) == "export\t") {
      pos_ += 7;
      SkipBlanks();
    }
    const int line = line_;
    const size_t start = pos_;
    // `KEY: value` is read too, as compose's dotenv does (YAML-style files); the first '=' or
    // ':' ends the key, so `URL=http://x` keeps its colon.
    while (pos_ < text_.size() && text_[pos_] != '=' && text_[pos_] != ':' && text_[pos_] != '\n')
      ++pos_;
    std::string key(text_.substr(start, pos_ - start));
    while (!key.empty() && IsBlank(key.back())) key.pop_back();
    if (key.empty() || key.find_first_of(" \t#") != std::string::npos) {
      Issue(line, true,
            "invalid line " + Quote(text_.substr(start, pos_ - start)) + ": expected KEY=VALUE");
      return SkipLine();
    }
    if (pos_ >= text_.size() || text_[pos_] == '\n') {
      // A bare KEY passes a value through from the variables (or an earlier line); unresolved,
      // it is left out, as compose does: setting it to "" would be a value nobody gave.
      if (auto it = scope_.find(key); it != scope_.end()) entries_.push_back({key, it->second, line});
      return SkipLine();
    }
    ++pos_;  // '=' or ':'
    SkipBlanks();
    std::optional<std::string> value;
    if (pos_ < text_.size() && text_[pos_] == '\'') value = SingleQuoted(line);
    else if (pos_ < text_.size() && text_[pos_] == '"') value = DoubleQuoted(line);
    else value = Unquoted(line);
    if (!value) return;
    // Later lines see this value unless the caller's variables define the key (they win).
    if (!vars_.count(key)) scope_[key] = *value;
    entries_.push_back({key, std::move(value), line});
  }

  std::optional<std::string> SingleQuoted(int line) {
    const size_t end = text_.find('\'', pos_ + 1);
    if (end == std::string_view::npos) return Unterminated(line, "single");
    std::string value(text_.substr(pos_ + 1, end - pos_ - 1));
    Advance(end + 1);
    return AfterQuote(line) ? std::optional(value) : std::nullopt;
  }

  std::optional<std::string> DoubleQuoted(int line) {
    std::string raw;  // escapes resolved; a literal '$' kept as "$$" for Interpolate
    size_t i = pos_ + 1;
    for (; i < text_.size() && text_[i] != '"'; ++i) {
      if (text_[i] != '\\' || i + 1 >= text_.size()) {
        raw += text_[i];
        continue;
      }
      const char e = text_[++i];
      switch (e) {
        case 'n': raw += '\n'; break;
        case 't': raw += '\t'; break;
        case 'r': raw += '\r'; break;
        case '\\': raw += '\\'; break;
        case '"': raw += '"'; break;
        case '$': raw += "$$"; break;
        default: raw += '\\'; raw += e;
      }
    }
    if (i >= text_.size()) return Unterminated(line, "double");
    Advance(i + 1);
    if (!AfterQuote(line)) return std::nullopt;
    return Expand(raw, line);
  }

  std::optional<std::string> Unquoted(int line) {
    const size_t start = pos_;
    size_t end = start;
    while (end < text_.size() && text_[end] != '\n') {
      if (text_[end] == '#' && end > start && IsBlank(text_[end - 1])) break;
      ++end;
    }
    std::string raw(text_.substr(start, end - start));
    while (!raw.empty() && IsBlank(raw.back())) raw.pop_back();
    pos_ = end;
    SkipLine();
    return Expand(raw, line);
  }

  // After a closing quote only blanks and a comment may follow on that line.
  bool AfterQuote(int line) {
    SkipBlanks();
    const bool ok = pos_ >= text_.size() || text_[pos_] == '\n' || text_[pos_] == '#';
    if (!ok) Issue(line, true, "unexpected text after the closing quote");
    SkipLine();
    return ok;
  }

  std::string Expand(const std::string& raw, int line) {
    std::vector<InterpolationIssue> found;
    std::string value = Interpolate(raw, scope_, found);
    for (auto& f : found) Issue(line, f.error, f.message);
    return value;
  }

  std::optional<std::string> Unterminated(int line, const char* kind) {
    Issue(line, true, std::string("unterminated ") + kind + " quote");
    pos_ = text_.size();
    return std::nullopt;
  }

  void Issue(int line, bool error, std::string message) {
    issues_.push_back({line, error, std::move(message)});
  }

  void SkipBlanks() {
    while (pos_ < text_.size() && IsBlank(text_[pos_])) ++pos_;
  }
  void SkipLine() {
    while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
    if (pos_ < text_.size()) Advance(pos_ + 1);
  }
  // Moves to `to`, counting the newlines passed (quoted values may span lines).
  void Advance(size_t to) {
    for (; pos_ < to; ++pos_)
      if (text_[pos_] == '\n') ++line_;
  }

  std::string_view text_;
  const Variables& vars_;
  // vars_ plus the keys defined so far, kept up to date line by line: rebuilding it for each
  // line made a file of n lines cost n^2.
  Variables scope_;
  std::vector<EnvFileIssue>& issues_;
  std::vector<EnvEntry> entries_;
  size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace

std::vector<EnvEntry> ParseEnvFile(std::string_view text, const Variables& vars,
                                   std::vector<EnvFileIssue>& issues) {
  return Reader(text, vars, issues).Run();
}

}  // namespace stackvisor::config
