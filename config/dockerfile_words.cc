#include "config/dockerfile_words.h"

#include <cctype>

#include "config/diagnostic.h"

namespace stackvisor::config {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

/// Words collects output words; `started` makes "" a word of its own.
struct Words {
  std::vector<std::string> list;
  std::string current;
  bool started = false;

  void Add(std::string_view s) {
    current.append(s);
    started = true;
  }
  void Break() {
    if (started) list.push_back(std::move(current));
    current.clear();
    started = false;
  }
};

/// Lexer walks one instruction's text once; nested ${X:-word} words recurse into Process.
class Lexer {
 public:
  Lexer(std::string_view text, const DockerVars& vars, char escape)
      : text_(text), vars_(vars), escape_(escape) {}

  // Reads up to `stop` (consumed) or the end when stop is 0. false: error_ says why.
  bool Process(char stop, bool split, Words& out) {
    while (i_ < text_.size()) {
      const char c = text_[i_];
      if (stop && c == stop) {
        ++i_;
        return true;
      }
      if (c == escape_) {
        out.Add(i_ + 1 < text_.size() ? text_.substr(i_ + 1, 1) : text_.substr(i_, 1));
        i_ += 2;
      } else if (c == '\'') {
        size_t end = text_.find('\'', i_ + 1);
        if (end == std::string_view::npos) {
          return Fail("unexpected end of statement while looking for matching single-quote");
        }
        out.Add(text_.substr(i_ + 1, end - i_ - 1));
        i_ = end + 1;
      } else if (c == '"') {
        if (!DoubleQuoted(out)) return false;
      } else if (c == '$') {
        std::string value;
        if (!Dollar(value)) return false;
        if (!split) {
          out.Add(value);
        } else {
          // An unquoted substitution splits on blanks, as a shell would.
          for (char v : value) {
            if (IsBlank(v)) out.Break(); else out.Add(std::string_view(&v, 1));
          }
        }
      } else if (split && IsBlank(c)) {
        out.Break();
        ++i_;
      } else {
        out.Add(text_.substr(i_, 1));
        ++i_;
      }
    }
    if (stop) return Fail("missing '}' in substitution");
    return true;
  }

  const std::string& error() const { return error_; }

 private:
  bool Fail(std::string message) {
    error_ = std::move(message);
    return false;
  }

  bool DoubleQuoted(Words& out) {
    ++i_;
    out.Add("");
    while (i_ < text_.size()) {
      const char d = text_[i_];
      if (d == '"') {
        ++i_;
        return true;
      }
      if (d == escape_ && i_ + 1 < text_.size() &&
          (text_[i_ + 1] == '"' || text_[i_ + 1] == '$' || text_[i_ + 1] == escape_)) {
        out.Add(text_.substr(i_ + 1, 1));
        i_ += 2;
      } else if (d == '$') {
        std::string value;
        if (!Dollar(value)) return false;
        out.Add(value);
      } else {
        out.Add(text_.substr(i_, 1));
        ++i_;
      }
    }
    return Fail("unexpected end of statement while looking for matching double-quote");
  }

  const std::string* Lookup(const std::string& name) const {
    auto it = vars_.find(name);
    return it == vars_.end() ? nullptr : &it->second;
  }

  bool Dollar(std::string& value) {
    ++i_;  // '$'
    if (i_ >= text_.size()) {
      value = "$";
      return true;
    }
    if (text_[i_] != '{') {
      if (!IsNameStart(text_[i_])) {
        value = "$";  // a lone '$' stays, as in Docker
        return true;
      }
      size_t start = i_;
      while (i_ < text_.size() && IsNameChar(text_[i_])) ++i_;
      const std::string* v = Lookup(std::string(text_.substr(start, i_ - start)));
      value = v ? *v : "";
      return true;
    }
    ++i_;
    size_t start = i_;
    while (i_ < text_.size() && IsNameChar(text_[i_])) ++i_;
    const std::string name(text_.substr(start, i_ - start));
    if (name.empty() || i_ >= text_.size()) return Fail("bad substitution in " + Quote(text_));
    const std::string* v = Lookup(name);
    if (text_[i_] == '}') {
      ++i_;
      value = v ? *v : "";
      return true;
    }
    bool colon = false;
    if (text_[i_] == ':') colon = true, ++i_;
    const char op = i_ < text_.size() ? text_[i_] : '\0';
    if (op != '-' && op != '+' && op != '?') {
      return Fail("unsupported modifier in ${" + name + "...} (only :- - :+ + :? ?)");
    }
    ++i_;
    // Each nested ${X:-${Y:-...}} recurses: bounded, so no input can exhaust the stack.
    if (++depth_ > kMaxDepth) return Fail("substitutions nested more than 32 deep");
    Words word;
    const bool ok = Process('}', false, word);
    --depth_;
    if (!ok) return false;
    const bool set = v && (!colon || !v->empty());
    if (op == '-') {
      value = set ? *v : word.current;
    } else if (op == '+') {
      value = set ? word.current : "";
    } else {
      if (!set) {
        return Fail(name + ": " + (word.current.empty() ? "is not allowed to be unset"
                                                        : word.current));
      }
      value = *v;
    }
    return true;
  }

  std::string_view text_;
  const DockerVars& vars_;
  char escape_;
  size_t i_ = 0;
  int depth_ = 0;
  std::string error_;
  static constexpr int kMaxDepth = 32;
};

}  // namespace

base::Result<std::string> ExpandDockerWord(std::string_view text, const DockerVars& vars,
                                           char escape) {
  Lexer lexer(text, vars, escape);
  Words words;
  if (!lexer.Process(0, false, words)) return base::Error{lexer.error()};
  return words.current;
}

base::Result<std::vector<std::string>> ExpandDockerWords(std::string_view text,
                                                         const DockerVars& vars, char escape) {
  Lexer lexer(text, vars, escape);
  Words words;
  if (!lexer.Process(0, true, words)) return base::Error{lexer.error()};
  words.Break();
  return words.list;
}

}  // namespace stackvisor::config
