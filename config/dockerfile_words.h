#pragma once
// Docker's word processing for the instructions that substitute variables (FROM, WORKDIR,
// ENV, ARG, COPY, ADD, USER, EXPOSE, VOLUME, STOPSIGNAL): quotes are removed and $VAR,
// ${VAR}, ${VAR:-word}, ${VAR-word}, ${VAR:+word}, ${VAR+word}, ${VAR:?msg} substituted, as
// BuildKit's shell lexer does. RUN, CMD and ENTRYPOINT are left to the shell.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace stackvisor::config {

/// The variables in scope: a name absent is unset, which ${X-w} tells apart from empty.
using DockerVars = std::map<std::string, std::string>;

/// ExpandDockerWord processes text as one word (blanks kept), like `ENV K some value`.
base::Result<std::string> ExpandDockerWord(std::string_view text, const DockerVars& vars,
                                           char escape);

/// ExpandDockerWords splits text on unquoted blanks too, like COPY's sources and EXPOSE.
base::Result<std::vector<std::string>> ExpandDockerWords(std::string_view text,
                                                         const DockerVars& vars, char escape);

}  // namespace stackvisor::config
