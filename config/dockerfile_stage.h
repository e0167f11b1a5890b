#pragma once
// Internal to the Dockerfile reader: the state of one build stage while instructions apply,
// shared by dockerfile.cc (the instructions) and dockerfile_copy.cc (COPY and ADD).
#include <cctype>
#include <map>
#include <string>
#include <vector>

#include "config/dockerfile.h"
#include "config/dockerfile_lex.h"
#include "config/dockerfile_words.h"

namespace stackvisor::config::dockerfile_internal {

/// Instruction keywords and stage names compare case-insensitively, as Docker does.
inline std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// Without the blanks a Dockerfile allows around values.
inline std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

/// StageState is one FROM's image as it is built up; `FROM <stage>` copies it. The variables
/// in scope are kept up to date as ARG and ENV apply, so a long Dockerfile costs a lookup per
/// name rather than a rebuild per instruction.
struct StageState {
  std::string name;  // lower-cased, as Docker compares stage names; may be empty
  Dockerfile image;
  std::vector<std::string> shell{"/bin/sh", "-c"};
  bool cmd_set = false;  // a CMD in this stage (ENTRYPOINT resets only an inherited one)
  DockerVars args;       // ARGs declared in this stage
  DockerVars base_env;   // the FROM image's own environment (its recipe's), inherited
  std::map<std::string, size_t> env_index;  // name -> position in image.env

  const DockerVars& Vars() const { return vars_; }

  // An image's ENV (its own or the base's) beats an ARG of the same name, as in Docker.
  void SetArg(const std::string& key, const std::string& value) {
    args[key] = value;
    if (!env_index.count(key) && !base_env.count(key)) vars_[key] = value;
  }
  void SetBaseEnv(const std::string& key, const std::string& value) {
    base_env[key] = value;
    if (!env_index.count(key)) vars_[key] = value;
  }
  // Setting a name again replaces its value where it first appeared, as Docker does.
  void SetEnv(const std::string& key, const std::string& value) {
    auto it = env_index.find(key);
    if (it != env_index.end()) {
      image.env[it->second].second = value;
    } else {
      env_index.emplace(key, image.env.size());
      image.env.emplace_back(key, value);
    }
    vars_[key] = value;
  }
  // A new stage FROM this one: same image, no ARGs.
  void StartChild() {
    args.clear();
    cmd_set = false;
    vars_ = base_env;
    for (const auto& [k, v] : image.env) vars_[k] = v;
  }

 private:
  DockerVars vars_;
};

/// CleanImagePath makes path absolute against dir and removes ".", ".." and repeated '/'.
std::string CleanImagePath(const std::string& dir, const std::string& path);

/// ApplyCopy reads one COPY or ADD into stage. false: an error was added to diagnostics.
bool ApplyCopy(const DockerfileInstruction& ins, char escape, const std::string& file,
               StageState& stage, std::vector<Diagnostic>& diagnostics);

/// ApplyEnv reads `ENV K V` or `ENV K=V ...` into stage; errors go to diagnostics.
void ApplyEnv(const DockerfileInstruction& ins, char escape, const std::string& file,
              StageState& stage, std::vector<Diagnostic>& diagnostics);

/// ApplyExpose reads `EXPOSE 8000/tcp 9000-9002` into stage; errors go to diagnostics.
void ApplyExpose(const DockerfileInstruction& ins, char escape, const std::string& file,
                 StageState& stage, std::vector<Diagnostic>& diagnostics);

/// NoteRun records what one RUN's text tells about the image: `pip install` arguments, and
/// directories a plain `mkdir` makes and paths a plain `rm` removes. true when the RUN was
/// nothing but such mkdir/rm commands, which then count as honoured, not skipped.
bool NoteRun(const std::string& run_text, StageState& stage);

/// SkippedText is the instruction as the "skipped" note shows it.
std::string SkippedText(const DockerfileInstruction& ins, const std::string& why);

}  // namespace stackvisor::config::dockerfile_internal
