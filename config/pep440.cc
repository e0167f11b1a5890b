#include "config/pep440.h"

#include <cctype>
#include <vector>

namespace stackvisor::config {
namespace {

/// Version is the parts of a PEP 440 version that order it; local labels (+dfsg1) are kept
/// only for display, since a specifier without one ignores them.
struct Version {
  long epoch = 0;
  std::vector<long> release;
  int pre_kind = 3;  // 0 a, 1 b, 2 rc, 3 none; -1 a dev release of the final (1.0.dev1)
  long pre = 0;
  long post = -1;              // -1: none
  long dev = -1;               // -1: none
};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool ReadNumber(const std::string& s, size_t& i, long& out) {
  if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  out = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
    if (out < 100000000) out = out * 10 + (s[i] - '0');
    ++i;
  }
  return true;
}

void SkipSeparator(const std::string& s, size_t& i) {
  if (i < s.size() && (s[i] == '.' || s[i] == '-' || s[i] == '_')) ++i;
}

bool Word(const std::string& s, size_t& i, const char* w) {
  const std::string_view word(w);
  if (s.compare(i, word.size(), word) != 0) return false;
  i += word.size();
  return true;
}

std::optional<Version> Parse(std::string_view text) {
  std::string s = Lower(text);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t start = 0;
  while (start < s.size() && std::isspace(static_cast<unsigned char>(s[start]))) ++start;
  s = s.substr(start);
  if (const size_t plus = s.find('+'); plus != std::string::npos) s.resize(plus);
  Version v;
  size_t i = 0;
  if (i < s.size() && s[i] == 'v') ++i;
  long n = 0;
  size_t bang = s.find('!');
  if (bang != std::string::npos) {
    if (!ReadNumber(s, i, v.epoch) || i != bang) return std::nullopt;
    ++i;
  }
  if (!ReadNumber(s, i, n)) return std::nullopt;
  v.release.push_back(n);
  while (i + 1 < s.size() && s[i] == '.' && std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
    ++i;
    ReadNumber(s, i, n);
    v.release.push_back(n);
  }
  size_t mark = i;
  SkipSeparator(s, i);
  static const std::pair<const char*, int> kPre[] = {
      {"alpha", 0}, {"beta", 1}, {"preview", 2}, {"pre", 2}, {"rc", 2}, {"a", 0}, {"b", 1}, {"c", 2}};
  bool found = false;
  for (const auto& [word, kind] : kPre) {
    if (Word(s, i, word)) {
      v.pre_kind = kind;
      SkipSeparator(s, i);
      if (!ReadNumber(s, i, v.pre)) v.pre = 0;
      found = true;
      break;
    }
  }
  if (!found) i = mark;
  mark = i;
  if (i < s.size() && s[i] == '-' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
    ++i;
    ReadNumber(s, i, v.post);
  } else {
    SkipSeparator(s, i);
    if (Word(s, i, "post") || Word(s, i, "rev") || Word(s, i, "r")) {
      SkipSeparator(s, i);
      if (!ReadNumber(s, i, v.post)) v.post = 0;
    } else {
      i = mark;
    }
  }
  mark = i;
  SkipSeparator(s, i);
  if (Word(s, i, "dev")) {
    SkipSeparator(s, i);
    if (!ReadNumber(s, i, v.dev)) v.dev = 0;
  } else {
    i = mark;
  }
  if (i != s.size()) return std::nullopt;
  if (v.pre_kind == 3 && v.post < 0 && v.dev >= 0) v.pre_kind = -1;
  return v;
}

int Compare(const Version& a, const Version& b) {
  if (a.epoch != b.epoch) return a.epoch < b.epoch ? -1 : 1;
  const size_t n = std::max(a.release.size(), b.release.size());
  for (size_t k = 0; k < n; ++k) {
    const long x = k < a.release.size() ? a.release[k] : 0;
    const long y = k < b.release.size() ? b.release[k] : 0;
    if (x != y) return x < y ? -1 : 1;
  }
  if (a.pre_kind != b.pre_kind) return a.pre_kind < b.pre_kind ? -1 : 1;
  if (a.pre != b.pre) return a.pre < b.pre ? -1 : 1;
  if (a.post != b.post) return a.post < b.post ? -1 : 1;
  const long ad = a.dev < 0 ? 1L << 40 : a.dev, bd = b.dev < 0 ? 1L << 40 : b.dev;
  if (ad != bd) return ad < bd ? -1 : 1;
  return 0;
}

// "==3.0.*": the release starts with 3.0.
bool PrefixMatch(const Version& v, const Version& prefix) {
  for (size_t k = 0; k < prefix.release.size(); ++k) {
    const long x = k < v.release.size() ? v.release[k] : 0;
    if (x != prefix.release[k]) return false;
  }
  return v.epoch == prefix.epoch;
}

std::optional<bool> Clause(const Version& v, std::string_view raw_version, std::string clause) {
  while (!clause.empty() && std::isspace(static_cast<unsigned char>(clause.front()))) clause.erase(0, 1);
  while (!clause.empty() && std::isspace(static_cast<unsigned char>(clause.back()))) clause.pop_back();
  if (clause.empty()) return true;
  size_t op_len = 0;
  while (op_len < clause.size() && std::string_view("=<>!~").find(clause[op_len]) != std::string_view::npos) ++op_len;
  const std::string op = clause.substr(0, op_len);
  std::string target = clause.substr(op_len);
  while (!target.empty() && std::isspace(static_cast<unsigned char>(target.front()))) target.erase(0, 1);
  if (op == "===") return Lower(raw_version) == Lower(target);
  const bool wildcard = target.size() > 2 && target.compare(target.size() - 2, 2, ".*") == 0;
  if (wildcard) {
    if (op != "==" && op != "!=") return std::nullopt;
    auto prefix = Parse(target.substr(0, target.size() - 2));
    if (!prefix) return std::nullopt;
    return PrefixMatch(v, *prefix) == (op == "==");
  }
  auto t = Parse(target);
  if (!t) return std::nullopt;
  const int c = Compare(v, *t);
  if (op == "==") return c == 0;
  if (op == "!=") return c != 0;
  if (op == ">=") return c >= 0;
  if (op == "<=") return c <= 0;
  if (op == ">") return c > 0;
  if (op == "<") return c < 0;
  if (op == "~=") {
    if (t->release.size() < 2) return std::nullopt;
    Version prefix = *t;
    prefix.release.pop_back();
    return c >= 0 && PrefixMatch(v, prefix);
  }
  return std::nullopt;
}

}  // namespace

std::string NormalizeDistName(std::string_view name) {
  std::string out;
  bool sep = false;
  for (char c : name) {
    if (c == '-' || c == '_' || c == '.') {
      sep = true;
      continue;
    }
    if (sep && !out.empty()) out.push_back('-');
    sep = false;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

std::optional<int> CompareVersions(std::string_view a, std::string_view b) {
  auto x = Parse(a), y = Parse(b);
  if (!x || !y) return std::nullopt;
  return Compare(*x, *y);
}

std::optional<bool> SatisfiesSpecifiers(std::string_view version, std::string_view specifiers) {
  auto v = Parse(version);
  if (!v) return std::nullopt;
  size_t i = 0;
  bool all = true;
  while (i <= specifiers.size()) {
    size_t end = specifiers.find(',', i);
    if (end == std::string_view::npos) end = specifiers.size();
    auto r = Clause(*v, version, std::string(specifiers.substr(i, end - i)));
    if (!r) return std::nullopt;
    all = all && *r;
    i = end + 1;
  }
  return all;
}

}  // namespace stackvisor::config
