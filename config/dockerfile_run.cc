// RUN steps are not replayed, but some say what the image has: a `pip install` what its
// Python needs (the requirements check compares it with the host), a plain `mkdir`/`rm` which
// directories exist, which image files are gone (seed 001 removes nginx's default.conf) and
// which are created empty (`touch`, seed 002).
#include <string_view>

#include "config/dockerfile_stage.h"

namespace stackvisor::config::dockerfile_internal {
namespace {

std::vector<std::string> Blanks(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n') {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else if (c != '"' && c != '\'') {
      word.push_back(c);  // quotes dropped: "Django>=4" is Django>=4 for this purpose
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

bool IsPip(const std::string& w) {
  const std::string base = w.substr(w.rfind('/') == std::string::npos ? 0 : w.rfind('/') + 1);
  return base == "pip" || base == "pip3" || base.rfind("pip3.", 0) == 0;
}

// pip options that take a value as the next word.
bool TakesValue(const std::string& w) {
  for (const char* o : {"-i", "--index-url", "--extra-index-url", "-f", "--find-links", "-c",
                        "--constraint", "-t", "--target", "--prefix", "--root", "--src",
                        "--trusted-host", "--cache-dir", "--progress-bar", "--platform",
                        "--python-version", "--only-binary", "--no-binary"}) {
    if (w == o) return true;
  }
  return false;
}

bool IsPlainPath(const std::string& w) {
  return !w.empty() && w[0] != '-' && w.find_first_of("*?[]{}$~`") == std::string::npos;
}

// `mkdir [-p] [-m MODE] DIR...`, `rm [-rf] PATH...` or `touch FILE...` with plain paths:
// recorded, and true.
bool FileCommand(const std::vector<std::string>& words, const std::string& workdir,
                 Dockerfile& image) {
  if (words.empty() || (words[0] != "mkdir" && words[0] != "rm" && words[0] != "touch"))
    return false;
  const bool mkdir = words[0] == "mkdir";
  const bool touch = words[0] == "touch";
  std::vector<std::string> paths;
  for (size_t i = 1; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (mkdir && (w == "-p" || w == "--parents" || w == "-v" || w.rfind("--mode=", 0) == 0)) continue;
    if (mkdir && w == "-m") {
      ++i;
      continue;
    }
    if (!mkdir && !touch && (w == "-f" || w == "-r" || w == "-R" || w == "-rf" || w == "-fr" ||
                   w == "-v" || w == "--force" || w == "--recursive")) {
      continue;
    }
    if (!IsPlainPath(w)) return false;
    paths.push_back(CleanImagePath(workdir, w));
  }
  if (paths.empty()) return false;
  auto& list = mkdir ? image.created_dirs : touch ? image.touched_files : image.removed_paths;
  list.insert(list.end(), paths.begin(), paths.end());
  return true;
}

}  // namespace

bool NoteRun(const std::string& run_text, StageState& stage) {
  // One command at a time: `apt-get update && pip install -r x.txt; echo done`.
  std::string text = run_text;
  for (const char* sep : {"&&", "||", ";", "|"}) {
    for (size_t at = text.find(sep); at != std::string::npos; at = text.find(sep, at + 1)) {
      text.replace(at, std::string_view(sep).size(), "\x01");
    }
  }
  size_t start = 0;
  bool honoured = true;
  const std::string& workdir = stage.image.workdir.empty() ? "/" : stage.image.workdir;
  while (start < text.size()) {
    size_t end = text.find('\x01', start);
    if (end == std::string::npos) end = text.size();
    const std::vector<std::string> words = Blanks(std::string_view(text).substr(start, end - start));
    start = end + 1;
    if (FileCommand(words, workdir, stage.image)) continue;
    honoured = false;
    size_t i = 0;
    while (i < words.size() && !IsPip(words[i])) {
      // `python -m pip install`: the module form.
      if (words[i] == "-m" && i + 1 < words.size() && words[i + 1] == "pip") {
        ++i;
        break;
      }
      ++i;
    }
    if (i + 1 >= words.size() || words[i + 1] != "install") continue;
    for (i += 2; i < words.size(); ++i) {
      const std::string& w = words[i];
      if (w == "-r" || w == "--requirement") {
        if (i + 1 < words.size()) stage.image.pip_requirement_files.push_back(CleanImagePath(workdir, words[++i]));
      } else if (w.rfind("-r", 0) == 0 && w.size() > 2 && w[2] != '-') {
        stage.image.pip_requirement_files.push_back(CleanImagePath(workdir, w.substr(2)));
      } else if (w.rfind("--requirement=", 0) == 0) {
        stage.image.pip_requirement_files.push_back(CleanImagePath(workdir, w.substr(14)));
      } else if (TakesValue(w)) {
        ++i;
      } else if (w[0] != '-' && w.find('/') == std::string::npos && w != ".") {
        stage.image.pip_packages.push_back(w);
      }
    }
  }
  return honoured;
}

}  // namespace stackvisor::config::dockerfile_internal
