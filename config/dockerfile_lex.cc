#include "config/dockerfile_lex.h"

#include <cctype>
#include <cstdint>

namespace stackvisor::config {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

std::string_view TrimLeft(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && IsSpace(s[i])) ++i;
  return s.substr(i);
}

std::string_view TrimRight(std::string_view s) {
  size_t n = s.size();
  while (n > 0 && IsSpace(s[n - 1])) --n;
  return s.substr(0, n);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string_view> PhysicalLines(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (end == text.size()) break;
    start = end + 1;
  }
  return lines;
}

bool IsBlankOrComment(std::string_view line) {
  std::string_view t = TrimLeft(line);
  return t.empty() || t[0] == '#';
}

// `# name=value` at the top of the file. Only the directives BuildKit knows count; anything
// else is a comment and ends the directive block, as it does for BuildKit.
bool ParseDirective(std::string_view line, std::string& name, std::string& value) {
  std::string_view t = TrimLeft(line);
  if (t.empty() || t[0] != '#') return false;
  t = TrimLeft(t.substr(1));
  size_t eq = t.find('=');
  if (eq == std::string_view::npos) return false;
  name = Lower(TrimRight(t.substr(0, eq)));
  value = std::string(TrimRight(TrimLeft(t.substr(eq + 1))));
  return name == "escape" || name == "syntax" || name == "check";
}

struct HeredocMarker {
  std::string word;
  bool strip_tabs = false;
};

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Heredoc markers `<<EOF`, `<<-EOF`, `<<"EOF"` outside quotes; `<<<` is a here-string.
std::vector<HeredocMarker> FindHeredocs(std::string_view args) {
  std::vector<HeredocMarker> markers;
  char quote = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    const char c = args[i];
    if (quote) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      continue;
    }
    if (c != '<' || args.substr(i, 2) != "<<" || args.substr(i, 3) == "<<<") continue;
    size_t j = i + 2;
    HeredocMarker m;
    if (j < args.size() && args[j] == '-') m.strip_tabs = true, ++j;
    char q = 0;
    if (j < args.size() && (args[j] == '"' || args[j] == '\'')) q = args[j++];
    size_t start = j;
    while (j < args.size() && IsWordChar(args[j])) ++j;
    if (j == start || (q && (j >= args.size() || args[j] != q))) continue;
    m.word = std::string(args.substr(start, j - start));
    markers.push_back(m);
    i = q ? j : j - 1;
  }
  return markers;
}

}  // namespace

bool SplitDockerfile(std::string_view text, const std::string& file, DockerfileLines& out,
                     std::vector<Diagnostic>& diagnostics) {
  const std::vector<std::string_view> lines = PhysicalLines(text);
  bool ok = true;
  auto error = [&](int line, int column, std::string message) {
    diagnostics.push_back({Diagnostic::Severity::kError, file, line, column, "", std::move(message)});
    ok = false;
  };
  size_t i = 0;
  for (; i < lines.size(); ++i) {
    std::string name, value;
    if (!ParseDirective(lines[i], name, value)) break;
    if (name != "escape") continue;
    if (value != "\\" && value != "`") {
      error(static_cast<int>(i + 1), 1, "invalid escape directive " + Quote(value) +
                                            ": must be ` or \\");
    } else {
      out.escape = value[0];
    }
  }
  for (; i < lines.size(); ++i) {
    if (IsBlankOrComment(lines[i])) continue;
    DockerfileInstruction ins;
    ins.line = static_cast<int>(i + 1);
    std::string_view first = lines[i];
    const size_t kw_start = first.size() - TrimLeft(first).size();
    size_t kw_end = kw_start;
    while (kw_end < first.size() && !IsSpace(first[kw_end])) ++kw_end;
    ins.keyword = Upper(first.substr(kw_start, kw_end - kw_start));
    ins.column = static_cast<int>(kw_start + 1);
    std::string_view rest = first.substr(kw_end);
    ins.args_column = static_cast<int>(kw_end + 1 + (rest.size() - TrimLeft(rest).size()));
    std::string args(TrimLeft(rest));
    // A keyword alone followed by a continuation: its escape is the args' first character.
    if (ins.keyword.size() > 1 && ins.keyword.back() == out.escape && args.empty()) {
      ins.keyword.pop_back();
      args.push_back(out.escape);
    }
    while (true) {
      std::string_view trimmed = TrimRight(args);
      if (trimmed.empty() || trimmed.back() != out.escape) break;
      args.resize(trimmed.size() - 1);
      // Comment and blank lines inside a continued instruction are dropped, as BuildKit does.
      while (i + 1 < lines.size() && IsBlankOrComment(lines[i + 1])) ++i;
      if (i + 1 >= lines.size()) break;
      args.append(lines[++i]);
    }
    args = std::string(TrimRight(args));
    if (ins.keyword == "RUN" || ins.keyword == "COPY" || ins.keyword == "ADD") {
      for (const HeredocMarker& m : FindHeredocs(args)) {
        std::string body;
        bool closed = false;
        while (i + 1 < lines.size()) {
          std::string_view l = lines[++i];
          if (m.strip_tabs) {
            while (!l.empty() && l[0] == '\t') l.remove_prefix(1);
          }
          if (l == m.word) {
            closed = true;
            break;
          }
          body.append(l).push_back('\n');
        }
        ins.heredocs.push_back(std::move(body));
        if (!closed) {
          // The rest of the file is gone: one error, not one per remaining marker.
          error(ins.line, ins.column, ins.keyword + ": heredoc <<" + m.word +
                                          " is never closed (no line '" + m.word + "')");
          break;
        }
      }
    }
    ins.args = std::move(args);
    out.instructions.push_back(std::move(ins));
  }
  return ok;
}

namespace {

void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool ParseJsonString(std::string_view s, size_t& i, std::string& out) {
  ++i;  // the opening quote
  while (i < s.size()) {
    const char c = s[i++];
    if (c == '"') return true;
    if (static_cast<unsigned char>(c) < 0x20) return false;
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (i >= s.size()) return false;
    const char e = s[i++];
    switch (e) {
      case '"': case '\\': case '/': out.push_back(e); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'u': {
        if (i + 4 > s.size()) return false;
        uint32_t cp = 0;
        for (int k = 0; k < 4; ++k) {
          const char h = s[i++];
          if (!std::isxdigit(static_cast<unsigned char>(h))) return false;
          cp = cp * 16 + static_cast<uint32_t>(std::isdigit(static_cast<unsigned char>(h))
                                                   ? h - '0'
                                                   : std::tolower(h) - 'a' + 10);
        }
        AppendUtf8(cp, out);
        break;
      }
      default: return false;
    }
  }
  return false;
}

}  // namespace

bool ParseJsonStringArray(std::string_view text, std::vector<std::string>& out) {
  auto skip = [&](size_t& i) {
    while (i < text.size() && (IsSpace(text[i]) || text[i] == '\n' || text[i] == '\r')) ++i;
  };
  size_t i = 0;
  skip(i);
  if (i >= text.size() || text[i] != '[') return false;
  ++i;
  std::vector<std::string> items;
  skip(i);
  if (i < text.size() && text[i] == ']') {
    ++i;
  } else {
    while (true) {
      skip(i);
      if (i >= text.size() || text[i] != '"') return false;
      std::string item;
      if (!ParseJsonString(text, i, item)) return false;
      items.push_back(std::move(item));
      skip(i);
      if (i < text.size() && text[i] == ',') {
        ++i;
        continue;
      }
      if (i < text.size() && text[i] == ']') {
        ++i;
        break;
      }
      return false;
    }
  }
  skip(i);
  if (i != text.size()) return false;
  out = std::move(items);
  return true;
}

}  // namespace stackvisor::config
