// Reading pip's requirements format, with environment markers evaluated for the host.
#include "config/requirements_check.h"

#include <cctype>
#include <optional>

#include "config/pep440.h"

namespace stackvisor::config {
namespace {

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

/// MarkerParser evaluates a PEP 508 marker; nullopt when it uses something it cannot tell.
class MarkerParser {
 public:
  MarkerParser(std::string_view text, const MarkerEnvironment& env) : s_(text), env_(env) {}

  std::optional<bool> Evaluate() {
    auto r = Or();
    Skip();
    if (i_ != s_.size()) return std::nullopt;
    return r;
  }

 private:
  void Skip() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  bool Keyword(std::string_view k) {
    Skip();
    if (s_.substr(i_, k.size()) != k) return false;
    const size_t after = i_ + k.size();
    if (after < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[after])) || s_[after] == '_'))
      return false;
    i_ = after;
    return true;
  }
  std::optional<bool> Or() {
    auto left = And();
    while (Keyword("or")) {
      auto right = And();
      if (!left || !right) return std::nullopt;
      left = *left || *right;
    }
    return left;
  }
  std::optional<bool> And() {
    auto left = Atom();
    while (Keyword("and")) {
      auto right = Atom();
      if (!left || !right) return std::nullopt;
      left = *left && *right;
    }
    return left;
  }
  // A value: a quoted string, or a variable name (looked up; nullopt if unknown).
  std::optional<std::string> Value(bool& is_var, std::string& var) {
    Skip();
    if (i_ < s_.size() && (s_[i_] == '"' || s_[i_] == '\'')) {
      const char q = s_[i_];
      const size_t end = s_.find(q, i_ + 1);
      if (end == std::string_view::npos) return std::nullopt;
      std::string v(s_.substr(i_ + 1, end - i_ - 1));
      i_ = end + 1;
      is_var = false;
      return v;
    }
    const size_t start = i_;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_' || s_[i_] == '.'))
      ++i_;
    if (i_ == start) return std::nullopt;
    var = std::string(s_.substr(start, i_ - start));
    is_var = true;
    if (var == "extra") return std::string();  // no extras are requested of a requirement
    auto it = env_.find(var);
    if (it == env_.end()) return std::nullopt;
    return it->second;
  }
  std::optional<bool> Atom() {
    Skip();
    if (i_ < s_.size() && s_[i_] == '(') {
      ++i_;
      if (++depth_ > 32) return std::nullopt;  // bounded recursion, whatever the input
      auto r = Or();
      --depth_;
      Skip();
      if (i_ >= s_.size() || s_[i_] != ')') return std::nullopt;
      ++i_;
      return r;
    }
    bool lvar = false, rvar = false;
    std::string lname, rname;
    auto left = Value(lvar, lname);
    Skip();
    std::string op;
    if (Keyword("not")) {
      if (!Keyword("in")) return std::nullopt;
      op = "not in";
    } else if (Keyword("in")) {
      op = "in";
    } else {
      while (i_ < s_.size() && std::string_view("<>=!~").find(s_[i_]) != std::string_view::npos)
        op.push_back(s_[i_++]);
    }
    auto right = Value(rvar, rname);
    if (!left || !right || op.empty()) return std::nullopt;
    if (op == "in") return right->find(*left) != std::string::npos;
    if (op == "not in") return right->find(*left) == std::string::npos;
    const std::string& var = lvar ? lname : rname;
    if (var.find("version") != std::string::npos) {
      auto r = SatisfiesSpecifiers(*left, op + *right);
      if (r) return r;
    }
    if (op == "==" || op == "===") return *left == *right;
    if (op == "!=") return *left != *right;
    return std::nullopt;
  }

  std::string_view s_;
  const MarkerEnvironment& env_;
  size_t i_ = 0;
  int depth_ = 0;
};

// Options that change where pip looks, not what it installs.
bool IsIndexOption(const std::string& opt) {
  for (const char* o : {"-i", "--index-url", "--extra-index-url", "--no-index", "-f",
                        "--find-links", "--pre", "--prefer-binary", "--require-hashes",
                        "--only-binary", "--no-binary", "--trusted-host", "--use-feature",
                        "-c", "--constraint", "--upgrade-strategy"}) {
    if (opt == o) return true;
  }
  return false;
}

std::string EggName(const std::string& url) {
  const size_t egg = url.find("#egg=");
  if (egg == std::string::npos) return "";
  std::string name = url.substr(egg + 5);
  return name.substr(0, name.find_first_of("&[ "));
}

bool IsUrl(const std::string& s) {
  return s.find("://") != std::string::npos || StartsWith(s, "git+") || StartsWith(s, "file:");
}

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

}  // namespace

MarkerEnvironment HostMarkers(const std::string& full) {
  const size_t dot = full.find('.', full.find('.') + 1);
  return {{"python_version", full.substr(0, dot)},
          {"python_full_version", full},
          {"implementation_version", full},
          {"implementation_name", "cpython"},
          {"platform_python_implementation", "CPython"},
          {"sys_platform", "linux"},
          {"platform_system", "Linux"},
          {"os_name", "posix"},
          {"platform_machine", "x86_64"}};
}

RequirementsText ParseRequirements(const std::string& text, const std::string& file,
                                   const MarkerEnvironment& env,
                                   std::vector<Diagnostic>& diagnostics) {
  RequirementsText out;
  auto warn = [&](int line, std::string message) {
    diagnostics.push_back({Diagnostic::Severity::kWarning, file, line, 1, "", std::move(message)});
  };
  size_t i = 0;
  int line_no = 0;
  while (i < text.size()) {
    // A logical line: continuations ('\' at the end) joined, comments cut.
    const int first = line_no + 1;
    std::string logical;
    while (i < text.size()) {
      size_t end = text.find('\n', i);
      if (end == std::string::npos) end = text.size();
      std::string physical = text.substr(i, end - i);
      i = end + 1;
      ++line_no;
      if (!physical.empty() && physical.back() == '\r') physical.pop_back();
      if (line_no == 1 && StartsWith(physical, "\xEF\xBB\xBF")) physical.erase(0, 3);
      if (!physical.empty() && physical.back() == '\\') {
        physical.pop_back();
        logical += physical;
        continue;
      }
      logical += physical;
      break;
    }
    for (size_t h = logical.find('#'); h != std::string::npos; h = logical.find('#', h + 1)) {
      if (h == 0 || std::isspace(static_cast<unsigned char>(logical[h - 1]))) {
        logical.resize(h);
        break;
      }
    }
    std::string line = Trim(logical);
    if (line.empty()) continue;
    if (line[0] == '-') {
      const size_t cut = line.find_first_of(" \t=");
      std::string opt = line.substr(0, cut);
      std::string value = cut == std::string::npos ? "" : Trim(line.substr(cut + 1));
      if (StartsWith(opt, "-r") && opt.size() > 2 && opt[2] != '-') value = opt.substr(2), opt = "-r";
      if (StartsWith(opt, "-e") && opt.size() > 2) value = opt.substr(2), opt = "-e";
      if (opt == "-r" || opt == "--requirement") {
        out.includes.emplace_back(value, first);
      } else if (opt == "-e" || opt == "--editable") {
        const std::string egg = EggName(value);
        if (egg.empty()) {
          warn(first, Quote(line) + ": an editable install of " + Quote(value) +
                          " is not checked (install it on the host yourself)");
        } else {
          out.requirements.push_back({egg, NormalizeDistName(egg), "", line, file, first});
        }
      } else if (!IsIndexOption(opt)) {
        warn(first, "unknown option " + Quote(opt) + ", ignored");
      }
      continue;
    }
    // Per-requirement options (--hash=..., --global-option) are pip's business.
    if (const size_t opts = line.find(" --"); opts != std::string::npos) line = Trim(line.substr(0, opts));
    std::string marker;
    const size_t at = line.find('@');
    const size_t semi = at == std::string::npos ? line.find(';') : line.find(" ;", at);
    if (semi != std::string::npos) {
      marker = Trim(line.substr(line[semi] == ';' ? semi + 1 : semi + 2));
      line = Trim(line.substr(0, semi));
    }
    if (!marker.empty()) {
      auto applies = MarkerParser(marker, env).Evaluate();
      if (applies && !*applies) continue;  // not for this interpreter, as pip would skip it
    }
    size_t name_end = 0;
    while (name_end < line.size() && IsNameChar(line[name_end])) ++name_end;
    std::string after = Trim(line.substr(name_end));
    if (!after.empty() && after[0] == '[') after = Trim(after.substr(std::min(after.find(']'), after.size() - 1) + 1));
    const bool direct_reference = name_end > 0 && !after.empty() && after[0] == '@';
    if (!direct_reference && IsUrl(line)) {
      const std::string egg = EggName(line);
      if (egg.empty()) {
        warn(first, Quote(line) + ": a URL without #egg=name is not checked");
      } else {
        out.requirements.push_back({egg, NormalizeDistName(egg), "", line, file, first});
      }
      continue;
    }
    const bool local = line[0] == '.' || line[0] == '/' ||
                       line.find(".whl") != std::string::npos ||
                       line.find(".tar.gz") != std::string::npos ||
                       line.find(".zip") != std::string::npos;
    if (!direct_reference && local) {
      warn(first, Quote(line) + ": a local path is not checked (install it on the host yourself)");
      continue;
    }
    size_t n = 0;
    while (n < line.size() && IsNameChar(line[n])) ++n;
    if (n == 0) {
      warn(first, Quote(line) + ": not a requirement pip would read, ignored");
      continue;
    }
    Requirement r{line.substr(0, n), NormalizeDistName(line.substr(0, n)), "", line, file, first};
    std::string rest = Trim(line.substr(n));
    if (!rest.empty() && rest[0] == '[') {
      const size_t close = rest.find(']');
      rest = close == std::string::npos ? "" : Trim(rest.substr(close + 1));
    }
    if (!rest.empty() && rest[0] == '@') rest.clear();  // name @ url: any version
    if (!rest.empty() && rest[0] == '(' && rest.back() == ')') rest = rest.substr(1, rest.size() - 2);
    r.specifier = rest;
    out.requirements.push_back(std::move(r));
  }
  return out;
}

}  // namespace stackvisor::config
