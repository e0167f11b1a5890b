#pragma once
// Internal to the Dockerfile reader: the state of one build stage while instructions apply,
// shared by dockerfile.cc (the instructions) and dockerfile_copy.cc (COPY and ADD).
#include <string>
#include <vector>

#include "config/dockerfile.h"
#include "config/dockerfile_lex.h"
#include "config/dockerfile_words.h"

namespace stackvisor::config::dockerfile_internal {

/// StageState is one FROM's image as it is built up; `FROM <stage>` copies it.
struct StageState {
  std::string name;  // lower-cased, as Docker compares stage names; may be empty
  Dockerfile image;
  std::vector<std::string> shell{"/bin/sh", "-c"};
  bool cmd_set = false;  // a CMD in this stage (ENTRYPOINT resets only an inherited one)
  DockerVars args;       // ARGs declared in this stage
  DockerVars base_env;   // the FROM image's own environment (its recipe's), inherited

  DockerVars Vars() const {
    DockerVars vars = args;
    for (const auto& [k, v] : base_env) vars[k] = v;  // an image's ENV beats ARG, as in Docker
    for (const auto& [k, v] : image.env) vars[k] = v;
    return vars;
  }
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
