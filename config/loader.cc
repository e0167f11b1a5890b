// Load as a sequence of named steps: find the files, read the variables, read and interpolate
// each file (with what it includes), merge them, apply extends, then build and check the
// project (project.cc).
#include "config/path_join.h"
#include "config/loader.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>

#include <unistd.h>

#include "config/env_file.h"
#include "config/load_steps.h"
#include "config/read_file.h"
#include "config/state_home.h"

namespace stackvisor::config {
namespace {

namespace fs = std::filesystem;

struct File {
  std::string shown;     // as given, or relative to cwd: what diagnostics print
  std::string absolute;
};

/// Loader holds one Load call's state; each step is a method, run in order by Run().
class Loader {
 public:
  Loader(const LoadOptions& options, const std::string* text)
      : options_(options), text_(text), r_(result_.diagnostics) {}

  LoadResult Run() {
    cwd_ = options_.cwd.empty() ? fs::current_path().string() : Absolute(options_.cwd, "");
    if (!FindFiles()) return Finish();
    r_.SetFallback({files_.front().shown, 1, 1});
    project_dir_ = options_.project_directory.empty()
                       ? fs::path(files_.front().absolute).parent_path().string()
                       : Absolute(options_.project_directory, cwd_);
    ReadVariables();
    Node merged;
    merged.kind = Node::Kind::kMap;
    merged.pos = {files_.front().shown, 1, 1};
    bool unreadable = false;
    for (const auto& file : files_) {
      Node tree = ReadFile(file);
      if (!tree.IsMap()) {
        unreadable = true;  // the error is reported; the other files are still read
        continue;
      }
      InterpolateTree(tree, variables_, r_);
      NormaliseTree(tree, r_);
      std::vector<std::string> chain{file.absolute};
      ApplyIncludes(tree, project_dir_, cwd_, variables_, chain, r_);
      MergeTree(merged, tree);
    }
    // After the merge, so that a later file can change a base service or add an extends.
    ApplyExtends(merged, project_dir_, cwd_, variables_, r_);
    // Validating what is left of a file that could not be read or parsed would only report
    // its absence ("no command", "got null"), burying the one error that matters.
    if (unreadable || (HasErrors(result_.diagnostics) && merged.entries.empty())) return Finish();
    BuildContext context{project_dir_, cwd_, variables_, Euid()};
    std::vector<std::string> absolute;
    for (const auto& f : files_) absolute.push_back(f.absolute);
    auto manifest = BuildProject(merged, options_, context, absolute, r_);
    if (!HasErrors(result_.diagnostics)) result_.manifest = std::move(manifest);
    return Finish();
  }

 private:
  static std::string Absolute(const std::string& path, const std::string& base) {
    return JoinPath(base.empty() ? fs::current_path().string() : base, path);
  }

  bool FindFiles() {
    if (text_) {
      files_.push_back({options_.files.empty() ? "stdin" : options_.files.front(), ""});
      files_.back().absolute = Absolute(files_.back().shown, cwd_);
      return true;
    }
    std::vector<std::string> names = options_.files;
    if (names.empty()) names = DiscoverFiles(cwd_);
    if (names.empty()) {
      std::string looked;
      for (const auto& n : DefaultFileNames()) looked += (looked.empty() ? "" : ", ") + n;
      r_.Error(SourcePos{kNoFile, 0, 0}, "",
               "no manifest found in " + cwd_ + " (looked for " + looked + ")");
      return false;
    }
    for (const auto& name : names) {
      const std::string absolute = Absolute(name, cwd_);
      files_.push_back({name, absolute});  // named in messages as the user wrote it
    }
    return true;
  }

  // Interpolation values: --env-file files (or the project's .env), then the environment over
  // them (compose's precedence).
  void ReadVariables() {
    std::vector<std::pair<std::string, std::string>> sources;  // shown, absolute
    if (!options_.env_files.empty()) {
      for (const auto& f : options_.env_files) {
        const std::string absolute = Absolute(f, cwd_);
        sources.emplace_back(f, absolute);
      }
    } else {
      const std::string dot_env = (fs::path(project_dir_) / ".env").string();
      std::error_code ec;
      if (fs::exists(dot_env, ec)) sources.emplace_back(DisplayPath(dot_env, cwd_), dot_env);
    }
    Variables environment(options_.environment.begin(), options_.environment.end());
    for (const auto& [shown, absolute] : sources) {
      FileText file = ReadInputFile(absolute);
      if (!file.ok) {
        r_.Error(SourcePos{shown, 0, 0}, "", "cannot read env file: " + file.error);
        continue;
      }
      std::vector<EnvFileIssue> issues;
      for (auto& e : ParseEnvFile(file.text, environment, issues))
        if (e.value) variables_[e.key] = *e.value;
      for (const auto& i : issues) {
        if (i.error) r_.Error(SourcePos{shown, i.line, 1}, "", i.message);
        else r_.Warning(SourcePos{shown, i.line, 1}, "", i.message);
      }
    }
    for (const auto& [key, value] : environment) variables_[key] = value;
    if (!variables_.contains(kStateHomeVariable))
      variables_[kStateHomeVariable] = DefaultStateHome(variables_, Euid() == 0);
  }

  Node ReadFile(const File& file) {
    if (text_) return ReadYaml(*text_, file.shown, result_.diagnostics);
    FileText read = ReadInputFile(file.absolute);
    if (!read.ok) {
      r_.Error(SourcePos{file.shown, 0, 0}, "", "cannot read manifest: " + read.error);
      return Node{};
    }
    return ReadYaml(read.text, file.shown, result_.diagnostics);
  }

  // Diagnostics in file order: no-file ones first, then the manifests in merge order, then
  // env files; by line and column within a file; otherwise in the order they were found.
  LoadResult Finish() {
    std::map<std::string, size_t> rank{{kNoFile, 0}};
    for (const auto& f : files_) rank.emplace(f.shown, rank.size());
    for (const auto& d : result_.diagnostics) rank.emplace(d.file, rank.size());
    std::stable_sort(result_.diagnostics.begin(), result_.diagnostics.end(),
                     [&](const Diagnostic& a, const Diagnostic& b) {
                       return std::tie(rank[a.file], a.line, a.column) <
                              std::tie(rank[b.file], b.line, b.column);
                     });
    MergeRepeats();
    return std::move(result_);
  }

  // A file several services read (one env_file or requirements.txt for web and worker) is
  // checked once per reader: say each of its problems once, naming every reader's key path.
  void MergeRepeats() {
    std::map<std::string, size_t> first;  // severity, position and message -> kept index
    std::map<size_t, std::set<std::string>> paths;  // kept index -> the key paths it names
    std::vector<Diagnostic> kept;
    for (Diagnostic& d : result_.diagnostics) {
      std::string key = Diagnostic{d.severity, d.file, d.line, d.column, "", d.message}.Format();
      auto [it, fresh] = first.emplace(key, kept.size());
      if (fresh) {
        paths[kept.size()].insert(d.path);
        kept.push_back(std::move(d));
      } else if (paths[it->second].insert(d.path).second) {
        std::string& path = kept[it->second].path;
        path += path.empty() || d.path.empty() ? d.path : ", " + d.path;
      }
    }
    result_.diagnostics = std::move(kept);
  }

  unsigned Euid() const { return options_.euid ? *options_.euid : geteuid(); }

  const LoadOptions& options_;
  const std::string* text_;  // LoadFromString's text, else null
  LoadResult result_;
  Reporter r_;
  std::string cwd_, project_dir_;
  std::vector<File> files_;
  Variables variables_;
};

}  // namespace

LoadResult Load(const LoadOptions& options) { return Loader(options, nullptr).Run(); }

LoadResult LoadFromString(const std::string& text, const std::string& file_name,
                          const LoadOptions& options) {
  LoadOptions copy = options;
  copy.files = {file_name};
  return Loader(copy, &text).Run();
}

}  // namespace stackvisor::config
