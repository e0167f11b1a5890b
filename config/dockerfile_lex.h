#pragma once
// The Dockerfile's lexical layer, as BuildKit's parser reads it: parser directives, comments,
// line continuations and heredocs become one Instruction per logical line. No meaning yet.
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostic.h"

namespace stackvisor::config {

/// One logical instruction: its keyword (upper-cased), its arguments with continuations
/// joined and continued comment lines dropped, and where both were written.
struct DockerfileInstruction {
  std::string keyword;
  std::string args;
  std::vector<std::string> heredocs;  // bodies of `<<EOF` documents, in order
  int line = 0;                       // of the keyword
  int column = 0;                     // of the keyword, 1-based
  int args_column = 0;                // of the first argument on the keyword's line
};

/// The instructions of a file and the escape character its `# escape=` directive chose.
struct DockerfileLines {
  char escape = '\\';
  std::vector<DockerfileInstruction> instructions;
};

/// SplitDockerfile cuts text into instructions. Errors (a bad escape directive, a heredoc never
/// terminated) are added to diagnostics with file:line:column; returns false when it added one.
bool SplitDockerfile(std::string_view text, const std::string& file, DockerfileLines& out,
                     std::vector<Diagnostic>& diagnostics);

/// ParseJsonStringArray reads the exec form `["a", "b"]`. false when the text is not such an
/// array, in which case Docker takes the instruction in shell form (so does the caller).
bool ParseJsonStringArray(std::string_view text, std::vector<std::string>& out);

}  // namespace stackvisor::config
