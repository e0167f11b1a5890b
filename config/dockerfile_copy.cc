// COPY and ADD: which sources are build-context files a native process can be shown at their
// image paths, and which need a build step (another stage, a download, an archive to extract).
#include <algorithm>

#include "config/dockerfile_stage.h"

namespace stackvisor::config::dockerfile_internal {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Docker downloads these instead of reading the context.
bool IsRemote(const std::string& src) {
  return StartsWith(src, "http://") || StartsWith(src, "https://") ||
         StartsWith(src, "git://") || StartsWith(src, "git@") || EndsWith(src, ".git") ||
         StartsWith(src, "github.com/");
}

// ADD unpacks a local tar archive (Docker looks at the content; the name is our cheap guess).
bool LooksLikeArchive(const std::string& src) {
  for (const char* ext : {".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz",
                          ".tar.zst", ".tzst"}) {
    if (EndsWith(src, ext)) return true;
  }
  return false;
}

}  // namespace

std::string CleanImagePath(const std::string& dir, const std::string& path) {
  const std::string full = !path.empty() && path[0] == '/' ? path : dir + "/" + path;
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= full.size()) {
    size_t end = full.find('/', i);
    if (end == std::string::npos) end = full.size();
    const std::string part = full.substr(i, end - i);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    i = end + 1;
  }
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

std::string SkippedText(const DockerfileInstruction& ins, const std::string& why) {
  std::string text = Cut(ins.keyword + " " + ins.args);
  if (!why.empty()) text += " (" + why + ")";
  return text;
}

bool ApplyCopy(const DockerfileInstruction& ins, char escape, const std::string& file,
               StageState& stage, std::vector<Diagnostic>& diagnostics) {
  auto error = [&](std::string message) {
    diagnostics.push_back({Diagnostic::Severity::kError, file, ins.line, ins.column, "",
                           ins.keyword + ": " + std::move(message)});
    return false;
  };
  const bool is_add = ins.keyword == "ADD";
  const DockerVars& vars = stage.Vars();
  DockerfileCopy copy;
  copy.is_add = is_add;
  copy.line = ins.line;
  copy.column = ins.column;
  std::string from;
  std::string_view rest = ins.args;
  while (true) {
    while (!rest.empty() && IsBlank(rest.front())) rest.remove_prefix(1);
    if (!StartsWith(rest, "--")) break;
    size_t end = 0;
    while (end < rest.size() && !IsBlank(rest[end])) ++end;
    auto flag = ExpandDockerWord(rest.substr(0, end), vars, escape);
    if (!flag.ok()) return error(flag.error().message);
    rest.remove_prefix(end);
    const std::string& f = flag.value();
    const size_t eq = f.find('=');
    const std::string name = f.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : f.substr(eq + 1);
    if (name == "--chown") {
      copy.chown = value;
    } else if (name == "--chmod") {
      copy.chmod = value;
    } else if (name == "--from" && !is_add) {
      from = value;
    } else if (name == "--link" || name == "--exclude" || (name == "--parents" && !is_add) ||
               (is_add && (name == "--checksum" || name == "--keep-git-dir"))) {
      // No effect on what a bind mount shows (--exclude is refused by build_context).
      if (name == "--exclude") return error("--exclude is not supported");
    } else {
      return error("unknown flag " + Quote(name));
    }
  }
  std::vector<std::string> words;
  std::vector<std::string> json;
  if (!ins.heredocs.empty()) {
    stage.image.skipped.emplace_back(ins.line, SkippedText(ins, "a file written inline"));
    return true;
  }
  if (!rest.empty() && rest.front() == '[' && ParseJsonStringArray(rest, json)) {
    for (const auto& item : json) {
      auto w = ExpandDockerWord(item, vars, escape);
      if (!w.ok()) return error(w.error().message);
      words.push_back(w.value());
    }
  } else {
    auto w = ExpandDockerWords(rest, vars, escape);
    if (!w.ok()) return error(w.error().message);
    words = w.value();
  }
  if (words.size() < 2) {
    return error("requires at least two arguments (sources and a destination), got " +
                 std::to_string(words.size()));
  }
  if (!from.empty()) {
    stage.image.skipped.emplace_back(ins.line,
                                     SkippedText(ins, "copies from stage or image " + from));
    return true;
  }
  const std::string dest = words.back();
  words.pop_back();
  if (is_add) {
    if (std::any_of(words.begin(), words.end(), IsRemote)) {
      stage.image.skipped.emplace_back(ins.line, SkippedText(ins, "Docker would download it"));
      return true;
    }
    if (std::any_of(words.begin(), words.end(), LooksLikeArchive)) {
      stage.image.skipped.emplace_back(
          ins.line, SkippedText(ins, "Docker would extract the archive; unpack it yourself"));
      return true;
    }
  }
  copy.sources = std::move(words);
  copy.destination_is_dir = EndsWith(dest, "/") || dest == "." || EndsWith(dest, "/.") ||
                            copy.sources.size() > 1;
  const std::string& workdir = stage.image.workdir.empty() ? "/" : stage.image.workdir;
  copy.destination = CleanImagePath(workdir, dest);
  stage.image.copies.push_back(std::move(copy));
  return true;
}

}  // namespace stackvisor::config::dockerfile_internal
