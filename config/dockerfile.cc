// The Dockerfile reader: instructions applied stage by stage with Docker's rules for ARG
// scope, substitution, WORKDIR, ENV, CMD/ENTRYPOINT and multi-stage inheritance.
#include "config/dockerfile.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "config/dockerfile_stage.h"

namespace stackvisor::config {
namespace {

using dockerfile_internal::StageState;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

bool IsArgName(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

void SetEnv(Dockerfile& image, const std::string& key, const std::string& value) {
  for (auto& [k, v] : image.env) {
    if (k == key) {
      v = value;  // Docker replaces the value where the name first appeared
      return;
    }
  }
  image.env.emplace_back(key, value);
}

/// Reader applies each instruction in order; it owns the stages built so far.
class Reader {
 public:
  Reader(const std::string& file, const std::map<std::string, std::string>& build_args,
         char escape, std::vector<Diagnostic>& diagnostics)
      : file_(file), build_args_(build_args), escape_(escape), diagnostics_(diagnostics) {}

  void Apply(const DockerfileInstruction& ins);
  std::optional<Dockerfile> Finish(const std::string& target);

 private:
  void Error(const DockerfileInstruction& ins, const std::string& message) {
    diagnostics_.push_back({Diagnostic::Severity::kError, file_, ins.line, ins.column, "",
                            ins.keyword + ": " + message});
  }
  bool Expand(const DockerfileInstruction& ins, const DockerVars& vars, std::string& out);
  bool ExpandWords(const DockerfileInstruction& ins, const DockerVars& vars,
                   std::vector<std::string>& out);
  void From(const DockerfileInstruction& ins);
  void Arg(const DockerfileInstruction& ins);
  void Env(const DockerfileInstruction& ins, StageState& stage);
  void Expose(const DockerfileInstruction& ins, StageState& stage);
  std::optional<std::vector<std::string>> Command(const DockerfileInstruction& ins,
                                                  const StageState& stage);

  const std::string& file_;
  const std::map<std::string, std::string>& build_args_;
  char escape_;
  std::vector<Diagnostic>& diagnostics_;
  DockerVars global_args_;  // ARGs before the first FROM: seen by FROM lines only
  std::set<std::string> consumed_;
  std::vector<StageState> stages_;
  bool saw_from_ = false;  // a FROM that failed still counts: no second error for it
};

bool Reader::Expand(const DockerfileInstruction& ins, const DockerVars& vars, std::string& out) {
  auto r = ExpandDockerWord(Trim(ins.args), vars, escape_);
  if (!r.ok()) {
    Error(ins, r.error().message);
    return false;
  }
  out = Trim(r.value());
  if (out.empty()) Error(ins, "needs an argument");
  return !out.empty();
}

bool Reader::ExpandWords(const DockerfileInstruction& ins, const DockerVars& vars,
                         std::vector<std::string>& out) {
  auto r = ExpandDockerWords(ins.args, vars, escape_);
  if (!r.ok()) {
    Error(ins, r.error().message);
    return false;
  }
  out = r.value();
  if (out.empty()) Error(ins, "needs an argument");
  return !out.empty();
}

void Reader::From(const DockerfileInstruction& ins) {
  std::vector<std::string> words;
  if (!ExpandWords(ins, global_args_, words)) return;
  words.erase(std::remove_if(words.begin(), words.end(),
                             [](const std::string& w) { return w.rfind("--", 0) == 0; }),
              words.end());
  if (words.empty() || words.size() == 2 || words.size() > 3 ||
      (words.size() == 3 && Lower(words[1]) != "as")) {
    Error(ins, "expected 'FROM image [AS name]', got " + Quote(Trim(ins.args)));
    return;
  }
  StageState stage;
  const std::string base = Lower(words[0]);
  auto parent = std::find_if(stages_.begin(), stages_.end(),
                             [&](const StageState& s) { return s.name == base; });
  if (parent != stages_.end()) {
    stage = *parent;  // FROM <stage>: its ENV, WORKDIR, USER, CMD, files; not its ARGs
    stage.args.clear();
    stage.cmd_set = false;
  } else {
    stage.image.from = words[0];
  }
  stage.name = words.size() == 3 ? Lower(words[2]) : "";
  stage.image.stage = stage.name;
  stages_.push_back(std::move(stage));
}

void Reader::Arg(const DockerfileInstruction& ins) {
  DockerVars& scope = stages_.empty() ? global_args_ : stages_.back().args;
  std::vector<std::string> words;
  if (!ExpandWords(ins, stages_.empty() ? global_args_ : stages_.back().Vars(), words)) return;
  for (const std::string& word : words) {
    const size_t eq = word.find('=');
    const std::string name = word.substr(0, eq);
    if (!IsArgName(name)) {
      Error(ins, "invalid name " + Quote(name));
      continue;
    }
    if (auto it = build_args_.find(name); it != build_args_.end()) {
      scope[name] = it->second;  // build.args beat the Dockerfile's default
      consumed_.insert(name);
    } else if (eq != std::string::npos) {
      scope[name] = word.substr(eq + 1);
    } else if (!stages_.empty() && global_args_.count(name)) {
      scope[name] = global_args_[name];  // `ARG NAME` in a stage takes the global's value
    }
  }
}

void Reader::Env(const DockerfileInstruction& ins, StageState& stage) {
  const DockerVars vars = stage.Vars();  // every pair of one ENV sees the values before it
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
    auto r = ExpandDockerWord(Trim(args.substr(blank)), vars, escape_);
    if (!r.ok()) return Error(ins, r.error().message);
    SetEnv(stage.image, first, r.value());
    return;
  }
  std::vector<std::string> words;
  if (!ExpandWords(ins, vars, words)) return;
  for (const std::string& word : words) {
    const size_t eq = word.find('=');
    if (eq == std::string::npos || eq == 0) {
      Error(ins, "expected KEY=value, got " + Quote(word));
      continue;
    }
    SetEnv(stage.image, word.substr(0, eq), word.substr(eq + 1));
  }
}

void Reader::Expose(const DockerfileInstruction& ins, StageState& stage) {
  std::vector<std::string> words;
  if (!ExpandWords(ins, stage.Vars(), words)) return;
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
      const auto value = static_cast<uint16_t>(p);
      auto& ports = stage.image.expose;
      if (std::find(ports.begin(), ports.end(), value) == ports.end()) ports.push_back(value);
    }
  }
}

std::optional<std::vector<std::string>> Reader::Command(const DockerfileInstruction& ins,
                                                        const StageState& stage) {
  std::vector<std::string> argv;
  if (ParseJsonStringArray(ins.args, argv)) return argv;
  if (Trim(ins.args).empty()) {
    Error(ins, "needs a command");
    return std::nullopt;
  }
  argv = stage.shell;  // shell form: SHELL's argv (default /bin/sh -c) and the text
  argv.push_back(ins.args);
  return argv;
}

void Reader::Apply(const DockerfileInstruction& ins) {
  const std::string& kw = ins.keyword;
  if (kw == "FROM") {
    saw_from_ = true;
    return From(ins);
  }
  if (kw == "ARG") return Arg(ins);
  static const std::set<std::string> kKnown = {
      "RUN",  "CMD",  "ENTRYPOINT", "ENV",   "WORKDIR",     "USER",    "EXPOSE",
      "VOLUME", "STOPSIGNAL", "SHELL", "COPY", "ADD", "LABEL", "MAINTAINER",
      "HEALTHCHECK", "ONBUILD"};
  if (!kKnown.count(kw)) {
    diagnostics_.push_back({Diagnostic::Severity::kError, file_, ins.line, ins.column, "",
                            "unknown instruction " + Quote(kw)});
    return;
  }
  if (stages_.empty()) {
    if (!saw_from_) Error(ins, "comes before the first FROM (only ARG may)");
    return;
  }
  StageState& stage = stages_.back();
  Dockerfile& image = stage.image;
  if (kw == "RUN") {
    image.skipped.emplace_back(ins.line, dockerfile_internal::SkippedText(ins, ""));
    std::vector<std::string> exec;
    if (ParseJsonStringArray(ins.args, exec)) {
      std::string joined;
      for (const auto& w : exec) joined += w + " ";
      dockerfile_internal::NotePipInstall(joined, stage);
    } else {
      dockerfile_internal::NotePipInstall(ins.args, stage);
    }
  } else if (kw == "HEALTHCHECK" || kw == "ONBUILD") {
    image.skipped.emplace_back(ins.line, dockerfile_internal::SkippedText(ins, "not applied"));
  } else if (kw == "LABEL" || kw == "MAINTAINER") {
    // Metadata: nothing a process would see.
  } else if (kw == "ENV") {
    Env(ins, stage);
  } else if (kw == "WORKDIR") {
    std::string dir;
    if (!Expand(ins, stage.Vars(), dir)) return;
    image.workdir = dockerfile_internal::CleanImagePath(
        image.workdir.empty() ? "/" : image.workdir, dir);
    image.created_dirs.push_back(image.workdir);
  } else if (kw == "USER") {
    Expand(ins, stage.Vars(), image.user);
  } else if (kw == "STOPSIGNAL") {
    std::string signal;
    if (Expand(ins, stage.Vars(), signal)) image.stop_signal = signal;
  } else if (kw == "EXPOSE") {
    Expose(ins, stage);
  } else if (kw == "VOLUME") {
    std::vector<std::string> paths;
    if (!ParseJsonStringArray(ins.args, paths) && !ExpandWords(ins, stage.Vars(), paths)) return;
    for (auto& p : paths) image.volumes.push_back(p);
  } else if (kw == "SHELL") {
    std::vector<std::string> shell;
    if (!ParseJsonStringArray(ins.args, shell) || shell.empty()) {
      return Error(ins, "must be in exec form, e.g. SHELL [\"/bin/bash\", \"-c\"]");
    }
    stage.shell = shell;
  } else if (kw == "CMD") {
    if (auto argv = Command(ins, stage)) image.cmd = *argv, stage.cmd_set = true;
  } else if (kw == "ENTRYPOINT") {
    if (auto argv = Command(ins, stage)) {
      image.entrypoint = *argv;
      if (!stage.cmd_set) image.cmd = std::vector<std::string>{};  // Docker resets it
    }
  } else {
    dockerfile_internal::ApplyCopy(ins, escape_, file_, stage, diagnostics_);
  }
}

std::optional<Dockerfile> Reader::Finish(const std::string& target) {
  for (const auto& [name, value] : build_args_) {
    if (!consumed_.count(name)) {
      diagnostics_.push_back({Diagnostic::Severity::kWarning, file_, 0, 0, "build.args",
                              Quote(name) + " is not declared by an ARG (Docker ignores it too)"});
    }
  }
  if (stages_.empty()) {
    if (!saw_from_) {
      diagnostics_.push_back(
          {Diagnostic::Severity::kError, file_, 0, 0, "", "no FROM instruction"});
    }
    return std::nullopt;
  }
  if (HasErrors(diagnostics_)) return std::nullopt;
  if (target.empty()) return stages_.back().image;
  const std::string want = Lower(target);
  for (const auto& s : stages_) {
    if (s.name == want) return s.image;
  }
  std::string names;
  for (const auto& s : stages_) {
    if (!s.name.empty()) names += (names.empty() ? "" : ", ") + s.name;
  }
  diagnostics_.push_back({Diagnostic::Severity::kError, file_, 0, 0, "build.target",
                          "no stage named " + Quote(target) + " (stages: " +
                              (names.empty() ? "none named" : names) + ")"});
  return std::nullopt;
}

}  // namespace

std::optional<Dockerfile> ParseDockerfile(const std::string& text, const std::string& file,
                                          const std::map<std::string, std::string>& build_args,
                                          const std::string& target,
                                          std::vector<Diagnostic>& diagnostics) {
  std::vector<Diagnostic> found;
  DockerfileLines lines;
  SplitDockerfile(text, file, lines, found);
  Reader reader(file, build_args, lines.escape, found);
  for (const auto& ins : lines.instructions) reader.Apply(ins);
  std::optional<Dockerfile> result = reader.Finish(target);
  diagnostics.insert(diagnostics.end(), found.begin(), found.end());
  return result;
}

}  // namespace stackvisor::config
