// ENV and EXPOSE: the two instructions whose arguments are lists with forms of their own.
#include <algorithm>
#include <cctype>

#include "config/dockerfile_stage.h"

namespace stackvisor::config::dockerfile_internal {
namespace {

// Words of the instruction, substituted; false (with the error added) when empty or bad.
bool Words(const DockerfileInstruction& ins, const DockerVars& vars, char escape,
           const std::string& file, std::vector<std::string>& out,
           std::vector<Diagnostic>& diagnostics) {
  auto r = ExpandDockerWords(ins.args, vars, escape);
  std::string error = r.ok() ? "" : r.error().message;
  if (r.ok() && r.value().empty()) error = "needs an argument";
  if (!error.empty()) {
    diagnostics.push_back({Diagnostic::Severity::kError, file, ins.line, ins.column, "",
                           ins.keyword + ": " + error});
    return false;
  }
  out = r.value();
  return true;
}

}  // namespace

void ApplyEnv(const DockerfileInstruction& ins, char escape, const std::string& file,
              StageState& stage, std::vector<Diagnostic>& diagnostics) {
  auto Error = [&](const DockerfileInstruction& i, const std::string& message) {
    diagnostics.push_back({Diagnostic::Severity::kError, file, i.line, i.column, "",
                           i.keyword + ": " + message});
  };
  // Every pair of one ENV sees the values from before it: all are expanded before any is set.
  const DockerVars& vars = stage.Vars();
  const std::string args = Trim(ins.args);
  const size_t blank = args.find_first_of(" \t");
  const std::string first = args.substr(0, blank);
  if (first.find('=') == std::string::npos) {
    // Legacy `ENV KEY some value`: the rest of the line is the value.
    std::string value;
    if (blank == std::string::npos || first.empty()) {
      Error(ins, "expected 'ENV KEY value' or 'ENV KEY=value ...', got " + Quote(args));
      return;
    }
    auto r = ExpandDockerWord(Trim(args.substr(blank)), vars, escape);
    if (!r.ok()) return Error(ins, r.error().message);
    stage.SetEnv(first, r.value());
    return;
  }
  std::vector<std::string> words;
  if (!Words(ins, vars, escape, file, words, diagnostics)) return;
  for (const std::string& word : words) {
    const size_t eq = word.find('=');
    if (eq == std::string::npos || eq == 0) {
      Error(ins, "expected KEY=value, got " + Quote(word));
      continue;
    }
    stage.SetEnv(word.substr(0, eq), word.substr(eq + 1));
  }
}

void ApplyExpose(const DockerfileInstruction& ins, char escape, const std::string& file,
                 StageState& stage, std::vector<Diagnostic>& diagnostics) {
  auto Error = [&](const DockerfileInstruction& i, const std::string& message) {
    diagnostics.push_back({Diagnostic::Severity::kError, file, i.line, i.column, "",
                           i.keyword + ": " + message});
  };
  std::vector<std::string> words;
  if (!Words(ins, stage.Vars(), escape, file, words, diagnostics)) return;
  // `EXPOSE 1-65535` is legal: a bitmap keeps de-duplication linear.
  std::vector<bool> seen(65536, false);
  for (uint16_t p : stage.image.expose) seen[p] = true;
  for (const std::string& word : words) {
    const size_t slash = word.find('/');
    const std::string proto = slash == std::string::npos ? "tcp" : Lower(word.substr(slash + 1));
    const std::string range = word.substr(0, slash);
    const size_t dash = range.find('-');
    auto port = [](const std::string& s) -> long {
      if (s.empty() || s.size() > 5 || !std::all_of(s.begin(), s.end(), ::isdigit)) return -1;
      const long n = std::stol(s);
      return n >= 1 && n <= 65535 ? n : -1;
    };
    const long lo = port(range.substr(0, dash));
    const long hi = dash == std::string::npos ? lo : port(range.substr(dash + 1));
    if (lo < 0 || hi < lo || (proto != "tcp" && proto != "udp" && proto != "sctp")) {
      Error(ins, "invalid port " + Quote(word) + " (expected PORT[-PORT][/tcp|udp|sctp])");
      continue;
    }
    for (long p = lo; p <= hi; ++p) {
      if (seen[static_cast<size_t>(p)]) continue;
      seen[static_cast<size_t>(p)] = true;
      stage.image.expose.push_back(static_cast<uint16_t>(p));
    }
  }
}

}  // namespace stackvisor::config::dockerfile_internal
