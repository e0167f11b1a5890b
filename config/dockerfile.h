#pragma once
// A Dockerfile read for what a native process can honour: the base image, the final stage's
// WORKDIR, ENV, USER, CMD/ENTRYPOINT and the build-context files COPY/ADD put at image paths.
// RUN steps cannot be replayed; they are listed so the user is told which were skipped.
// Pure: the caller reads the file (bounded) and reports the diagnostics.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/diagnostic.h"

namespace stackvisor::config {

/// One COPY or ADD of build-context files into the image.
struct DockerfileCopy {
  std::vector<std::string> sources;  // as written, relative to the build context
  std::string destination;           // absolute image path (a relative one is against WORKDIR)
  bool destination_is_dir = false;   // ends in '/' or is '.', or several sources (globs are
                                     // expanded later, by build_context)
  std::string chown;                 // --chown, as written; may be empty
  std::string chmod;                 // --chmod, as written; may be empty
  bool is_add = false;               // ADD rather than COPY (for messages)
  int line = 0;
  int column = 0;                    // of the instruction's keyword
};

/// The final (or `build.target`) stage of a Dockerfile, ARGs and ENVs substituted.
struct Dockerfile {
  std::string from;     // the stage's base image as written ("python:3.9", "nginx:latest")
  std::string workdir;  // absolute; empty when the Dockerfile sets none
  std::vector<std::pair<std::string, std::string>> env;  // ENV, in order
  std::string user;     // USER; empty when not set
  // Exec form as written; shell form becomes SHELL's argv (default {"/bin/sh", "-c"}) plus the
  // text. Unset: not in the file (nor in a stage it is built FROM).
  std::optional<std::vector<std::string>> entrypoint;
  // An ENTRYPOINT set without a CMD after it in its stage resets the inherited CMD, as in
  // Docker: cmd is then an empty vector, and the base image's CMD must not apply either.
  std::optional<std::vector<std::string>> cmd;
  std::vector<DockerfileCopy> copies;  // COPY/ADD from the context, in order
  std::vector<uint16_t> expose;        // EXPOSE
  std::vector<std::string> volumes;    // VOLUME
  std::optional<std::string> stop_signal;  // STOPSIGNAL
  // Directories the image has because of this Dockerfile: WORKDIRs and plain `RUN mkdir`s.
  std::vector<std::string> created_dirs;
  // Image paths a plain `RUN rm` removed (a recipe must not supply them: seed 001's nginx
  // Dockerfile removes /etc/nginx/conf.d/default.conf).
  std::vector<std::string> removed_paths;
  // Image paths a plain `RUN touch` created: empty files, made writable for the image user in
  // the view (seed 002's proxy touches conf.d/default.conf, which its run.sh then writes).
  std::vector<std::string> touched_files;
  std::string stage;                       // the chosen stage's name; empty when unnamed
  // What RUN's `pip install` would have installed, for the requirements check: each `-r FILE`
  // as an image path (against that step's WORKDIR), and the packages named on its command line.
  std::vector<std::string> pip_requirement_files;
  std::vector<std::string> pip_packages;
  // Instructions that cannot apply to a native process (RUN, COPY --from, ADD of a URL, ...):
  // line and text, for the "skipped" note.
  std::vector<std::pair<int, std::string>> skipped;
};

/// ParseDockerfile reads `text` (named `file` in diagnostics, which carry line and column).
/// build_args are `build.args` (they beat ARG defaults); target is `build.target` (empty: the
/// last stage). nullopt when there were errors, all of them in diagnostics.
std::optional<Dockerfile> ParseDockerfile(const std::string& text, const std::string& file,
                                          const std::map<std::string, std::string>& build_args,
                                          const std::string& target,
                                          std::vector<Diagnostic>& diagnostics);

/// The environment an image named by FROM starts with (its recipe's ENV: the python images'
/// PATH, LANG, ...), so `ENV PATH=/app/bin:$PATH` sees it as Docker would. May return {}.
using BaseImageEnv =
    std::function<std::vector<std::pair<std::string, std::string>>(const std::string& image)>;

/// ParseDockerfile as above, with base_env giving each external FROM image's environment.
std::optional<Dockerfile> ParseDockerfile(const std::string& text, const std::string& file,
                                          const std::map<std::string, std::string>& build_args,
                                          const std::string& target, const BaseImageEnv& base_env,
                                          std::vector<Diagnostic>& diagnostics);

}  // namespace stackvisor::config
