#include "config/interpolate.h"

#include "config/diagnostic.h"

namespace stackvisor::config {
namespace {

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

/// Parser walks one value once; nested ${...} arguments recurse through Text(). Problems found
/// inside an argument are kept aside and only reported if the argument is used.
class Parser {
 public:
  Parser(std::string_view text, const Variables& vars) : text_(text), vars_(vars) {}

  // Reads until the end, or until an unmatched '}' when inside a braced argument.
  // Plain braces in an argument pair up, as compose-go matches them: `${X:-{"a":1}}` has the
  // default `{"a":1}`, and with X set nothing of it may leak out.
  std::string Text(bool in_argument, std::vector<InterpolationIssue>& issues) {
    std::string out;
    int open_braces = 0;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (in_argument && c == '}' && open_braces == 0) return out;
      if (in_argument && c == '{') ++open_braces;
      if (in_argument && c == '}') --open_braces;
      if (c != '$') {
        out += c;
        ++pos_;
        continue;
      }
      out += Reference(issues);
    }
    return out;
  }

  // Malformed references are reported whether or not the argument holding them is used.
  const std::vector<InterpolationIssue>& syntax_errors() const { return syntax_errors_; }

 private:
  // At a '$': returns its substitution and moves past it.
  std::string Reference(std::vector<InterpolationIssue>& issues) {
    ++pos_;  // '$'
    if (pos_ < text_.size() && text_[pos_] == '$') {
      ++pos_;
      return "$";
    }
    if (pos_ < text_.size() && IsNameStart(text_[pos_])) {
      const std::string name = Name();
      return Value(name, issues);
    }
    if (pos_ < text_.size() && text_[pos_] == '{') return Braced(issues);
    return "$";  // as compose: a '$' that starts no reference is kept ("$1", "ready$")
  }

  std::string Name() {
    const size_t start = pos_;
    while (pos_ < text_.size() && IsNameChar(text_[pos_])) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }

  std::string Value(const std::string& name, std::vector<InterpolationIssue>& issues) {
    auto it = vars_.find(name);
    if (it != vars_.end()) return it->second;
    issues.push_back({false, "variable " + Quote(name) + " is not set, using an empty string"});
    return "";
  }

  std::string Braced(std::vector<InterpolationIssue>& issues) {
    ++pos_;  // '{'
    if (pos_ >= text_.size() || !IsNameStart(text_[pos_])) return Invalid();
    const std::string name = Name();
    if (pos_ >= text_.size()) return Invalid();
    if (text_[pos_] == '}') {
      ++pos_;
      return Value(name, issues);
    }
    bool colon = false;
    if (text_[pos_] == ':') {
      colon = true;
      ++pos_;
    }
    if (pos_ >= text_.size()) return Invalid();
    const char op = text_[pos_];
    if (op != '-' && op != '?' && op != '+') return Invalid();
    ++pos_;
    if (++depth_ > kMaxDepth) return Invalid();
    std::vector<InterpolationIssue> argument_issues;
    std::string argument = Text(true, argument_issues);
    if (pos_ >= text_.size()) return Invalid();
    ++pos_;  // '}'
    --depth_;

    auto it = vars_.find(name);
    const bool set = it != vars_.end();
    const bool usable = set && !(colon && it->second.empty());
    auto use_argument = [&]() {
      issues.insert(issues.end(), argument_issues.begin(), argument_issues.end());
      return argument;
    };
    switch (op) {
      case '-':
        return usable ? it->second : use_argument();
      case '+':
        return usable ? use_argument() : std::string();
      default: {  // '?'
        if (usable) return it->second;
        issues.insert(issues.end(), argument_issues.begin(), argument_issues.end());
        std::string message = "required variable " + Quote(name) + " is missing a value";
        if (!argument.empty()) message += ": " + Cut(argument);
        issues.push_back({true, message});
        return "";
      }
    }
  }

  std::string Invalid() {
    if (!failed_) {
      syntax_errors_.push_back(
          {true, "invalid interpolation format in " + Quote(text_)});
    }
    failed_ = true;  // nothing after a malformed ${ can be trusted: stop here
    pos_ = text_.size();
    return "";
  }

  static constexpr int kMaxDepth = 32;  // nesting beyond this is an attack, not a manifest

  std::string_view text_;
  const Variables& vars_;
  size_t pos_ = 0;
  int depth_ = 0;
  bool failed_ = false;
  std::vector<InterpolationIssue> syntax_errors_;
};

}  // namespace

std::string Interpolate(std::string_view text, const Variables& vars,
                        std::vector<InterpolationIssue>& issues) {
  if (text.find('$') == std::string_view::npos) return std::string(text);
  Parser parser(text, vars);
  std::vector<InterpolationIssue> found;
  std::string out = parser.Text(false, found);
  found.insert(found.end(), parser.syntax_errors().begin(), parser.syntax_errors().end());
  issues.insert(issues.end(), found.begin(), found.end());
  return out;
}

}  // namespace stackvisor::config
