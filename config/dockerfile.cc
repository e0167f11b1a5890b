// The Dockerfile reader: instructions applied stage by stage with Docker's rules for ARG
// scope, substitution, WORKDIR, ENV, CMD/ENTRYPOINT and multi-stage inheritance.
#include "config/dockerfile.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "config/dockerfile_stage.h"

namespace stackvisor::config {
namespace {

using dockerfile_internal::Lower;
using dockerfile_internal::StageState;
using dockerfile_internal::Trim;

bool IsArgName(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

/// Reader applies each instruction in order; it owns the stages built so far.
class Reader {
 public:
  Reader(const std::string& file, const std::map<std::string, std::string>& build_args,
         const BaseImageEnv& base_env, char escape, std::vector<Diagnostic>& diagnostics)
      : file_(file), build_args_(build_args), base_env_(base_env), escape_(escape),
        diagnostics_(diagnostics) {}

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
  std::optional<std::vector<std::string>> Command(const DockerfileInstruction& ins,
                                                  const StageState& stage);

  const std::string& file_;
  const std::map<std::string, std::string>& build_args_;
  const BaseImageEnv& base_env_;
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
    stage.StartChild();
  } else {
    stage.image.from = words[0];
    if (base_env_) {
      for (const auto& [k, v] : base_env_(words[0])) stage.SetBaseEnv(k, v);
    }
  }
  stage.name = words.size() == 3 ? Lower(words[2]) : "";
  stage.image.stage = stage.name;
  stages_.push_back(std::move(stage));
}

void Reader::Arg(const DockerfileInstruction& ins) {
  auto set = [&](const std::string& name, const std::string& value) {
    if (stages_.empty()) {
      global_args_[name] = value;
    } else {
      stages_.back().SetArg(name, value);
    }
  };
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
      set(name, it->second);  // build.args beat the Dockerfile's default
      consumed_.insert(name);
    } else if (eq != std::string::npos) {
      set(name, word.substr(eq + 1));
    } else if (!stages_.empty() && global_args_.count(name)) {
      set(name, global_args_[name]);  // `ARG NAME` in a stage takes the global's value
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
    std::vector<std::string> exec;
    std::string text = ins.args;
    if (ParseJsonStringArray(ins.args, exec)) {
      text.clear();
      for (const auto& w : exec) text += w + " ";
    }
    if (!ins.heredocs.empty() || !dockerfile_internal::NoteRun(text, stage)) {
      image.skipped.emplace_back(ins.line, dockerfile_internal::SkippedText(ins, ""));
    }
  } else if (kw == "HEALTHCHECK" || kw == "ONBUILD") {
    image.skipped.emplace_back(ins.line, dockerfile_internal::SkippedText(ins, "not applied"));
  } else if (kw == "LABEL" || kw == "MAINTAINER") {
    // Metadata: nothing a process would see.
  } else if (kw == "ENV") {
    dockerfile_internal::ApplyEnv(ins, escape_, file_, stage, diagnostics_);
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
    dockerfile_internal::ApplyExpose(ins, escape_, file_, stage, diagnostics_);
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
  return ParseDockerfile(text, file, build_args, target, BaseImageEnv(), diagnostics);
}

std::optional<Dockerfile> ParseDockerfile(const std::string& text, const std::string& file,
                                          const std::map<std::string, std::string>& build_args,
                                          const std::string& target, const BaseImageEnv& base_env,
                                          std::vector<Diagnostic>& diagnostics) {
  std::vector<Diagnostic> found;
  DockerfileLines lines;
  SplitDockerfile(text, file, lines, found);
  Reader reader(file, build_args, base_env, lines.escape, found);
  for (const auto& ins : lines.instructions) reader.Apply(ins);
  std::optional<Dockerfile> result = reader.Finish(target);
  diagnostics.insert(diagnostics.end(), found.begin(), found.end());
  return result;
}

}  // namespace stackvisor::config
