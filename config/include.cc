// Top-level `include`: other compose models loaded on their own (own project directory, own
// env files) whose services join this one, as compose-go's ApplyInclude does.
#include <algorithm>
#include <filesystem>

#include "config/path_join.h"
#include "config/env_file.h"
#include "config/load_steps.h"
#include "config/read_file.h"

namespace stackvisor::config {
namespace {

namespace fs = std::filesystem;

std::string Absolute(const std::string& path, const std::string& dir) {
  return JoinPath(dir, path);
}

// Same value, wherever it was written: two includes of one file give equal services.
bool SameTree(const Node& a, const Node& b) {
  if (a.kind != b.kind || a.value != b.value || a.tag != b.tag) return false;
  if (a.items.size() != b.items.size() || a.entries.size() != b.entries.size()) return false;
  for (size_t i = 0; i < a.items.size(); ++i)
    if (!SameTree(a.items[i], b.items[i])) return false;
  for (size_t i = 0; i < a.entries.size(); ++i)
    if (a.entries[i].key != b.entries[i].key || !SameTree(a.entries[i].value, b.entries[i].value))
      return false;
  return true;
}

/// One item of `include:`, as written.
struct Include {
  std::vector<std::string> paths;  // the first is the model, the others its overrides
  std::optional<std::string> project_directory;
  std::vector<std::string> env_files;
  SourcePos pos;
};

std::optional<Include> ReadInclude(const Node& item, const std::string& path, Reporter& r) {
  Include out;
  out.pos = item.pos;
  if (item.IsScalar()) {
    out.paths = {item.value};
    return out;
  }
  if (!item.IsMap()) {
    r.Expected(item, path, "a path or {path, project_directory, env_file}");
    return std::nullopt;
  }
  bool ok = true;
  for (const auto& e : item.entries) {
    const std::string key_path = path + "." + e.key;
    if (e.key == "path") {
      if (auto list = ReadStringList(e.value, key_path, r)) out.paths = *list;
      else ok = false;
    } else if (e.key == "project_directory") {
      out.project_directory = ReadString(e.value, key_path, r);
      ok = ok && out.project_directory.has_value();
    } else if (e.key == "env_file") {
      if (auto list = ReadStringList(e.value, key_path, r)) out.env_files = *list;
      else ok = false;
    } else {
      r.Error(e.key_pos, key_path,
              "unknown key" + DidYouMean(e.key, {"path", "project_directory", "env_file"}));
      ok = false;
    }
  }
  if (out.paths.empty() && ok) {
    r.Error(item, path, "missing 'path': the compose file to include");
    return std::nullopt;
  }
  if (!ok) return std::nullopt;
  return out;
}

/// Includer loads one include item into a model of its own, then imports its services.
class Includer {
 public:
  Includer(const std::string& dir, const std::string& cwd, const Variables& vars,
           std::vector<std::string>& chain, Reporter& r)
      : dir_(dir), cwd_(cwd), vars_(vars), chain_(chain), r_(r) {}

  std::optional<Node> Load(const Include& inc, const std::string& path) {
    std::vector<std::string> files;
    for (const auto& p : inc.paths) files.push_back(Absolute(p, dir_));
    for (size_t i = 0; i < chain_.size(); ++i) {
      if (chain_[i] != files.front()) continue;
      std::string text;
      for (size_t j = i; j < chain_.size(); ++j) text += Shown(chain_[j]) + " -> ";
      r_.Error(inc.pos, path, "include cycle: " + text + Shown(files.front()));
      return std::nullopt;
    }
    const std::string project = inc.project_directory
                                    ? Absolute(*inc.project_directory, dir_)
                                    : fs::path(files.front()).parent_path().string();
    std::optional<Variables> vars = IncludeVariables(inc, project, path);
    if (!vars) return std::nullopt;
    Node model;
    model.kind = Node::Kind::kMap;
    chain_.push_back(files.front());
    bool ok = true;
    for (const auto& file : files) {
      Node tree = ReadTree(file, Shown(file), *vars, inc.pos, path, "included file", r_);
      if (!tree.IsMap()) {
        ok = false;
        continue;
      }
      ApplyIncludes(tree, project, cwd_, *vars, chain_, r_);
      MergeTree(model, tree);
    }
    chain_.pop_back();
    if (!ok) return std::nullopt;
    ApplyExtends(model, project, cwd_, *vars, r_);
    if (Node* services = model.Get("services"); services && services->IsMap()) {
      for (auto& e : services->entries) {
        RebaseServicePaths(e.value, project);
        // A service runs where its own project is, as a main file's runs in the main one.
        if (e.value.IsMap() && !e.value.Get("working_dir"))
          e.value.Set("working_dir", e.key_pos, Scalar(project, e.value.pos));
      }
    }
    return model;
  }

 private:
  std::string Shown(const std::string& absolute) const { return DisplayPath(absolute, cwd_); }

  // The included model's variables: ours, then its env files (default: its .env) for what we
  // leave unset, as compose-go merges them.
  std::optional<Variables> IncludeVariables(const Include& inc, const std::string& project,
                                      const std::string& path) {
    std::vector<std::string> env_files;
    for (const auto& f : inc.env_files) env_files.push_back(Absolute(f, dir_));
    if (inc.env_files.empty()) {
      std::error_code ec;
      const std::string dot_env = (fs::path(project) / ".env").string();
      if (fs::is_regular_file(dot_env, ec)) env_files.push_back(dot_env);
    }
    Variables vars = vars_;
    bool ok = true;
    for (const auto& file : env_files) {
      FileText read = ReadInputFile(file);
      if (!read.ok) {
        r_.Error(inc.pos, path + ".env_file",
                 "cannot read env file " + Quote(Shown(file)) + ": " + read.error);
        ok = false;
        continue;
      }
      std::vector<EnvFileIssue> issues;
      for (auto& e : ParseEnvFile(read.text, vars_, issues))
        if (e.value && !vars_.count(e.key)) vars[e.key] = *e.value;
      for (const auto& i : issues) {
        if (i.error) r_.Error(SourcePos{Shown(file), i.line, 1}, "", i.message);
        else r_.Warning(SourcePos{Shown(file), i.line, 1}, "", i.message);
      }
    }
    if (!ok) return std::nullopt;
    return vars;
  }

  const std::string& dir_;
  const std::string& cwd_;
  const Variables& vars_;
  std::vector<std::string>& chain_;
  Reporter& r_;
};

}  // namespace

void ApplyIncludes(Node& model, const std::string& dir, const std::string& cwd,
                   const Variables& vars, std::vector<std::string>& chain, Reporter& r) {
  const Node* include = model.Get("include");
  if (!include) return;
  const Node list = *include;
  model.Erase("include");
  if (list.IsNull()) return;
  if (!list.IsSequence()) return r.Expected(list, "include", "a list of files to include");
  const Node* own = model.Get("services");
  if (own && !own->IsMap()) own = nullptr;  // reported by the project step
  // Included services come first, in include order, as they were loaded first.
  std::vector<MapEntry> imported;
  std::vector<std::string> imported_from;  // the include's file, per imported service
  for (size_t i = 0; i < list.items.size(); ++i) {
    const std::string path = "include[" + std::to_string(i) + "]";
    auto inc = ReadInclude(list.items[i], path, r);
    if (!inc) continue;
    auto included = Includer(dir, cwd, vars, chain, r).Load(*inc, path);
    Node* from = included ? included->Get("services") : nullptr;
    if (!from || !from->IsMap()) continue;
    const std::string shown = Quote(DisplayPath(Absolute(inc->paths.front(), dir), cwd));
    for (auto& e : from->entries) {
      auto earlier = std::find_if(imported.begin(), imported.end(),
                                  [&](const MapEntry& m) { return m.key == e.key; });
      if (earlier != imported.end()) {
        if (!SameTree(earlier->value, e.value))
          r.Error(e.key_pos, "services." + e.key,
                  "service " + Quote(e.key) + " is defined differently by included files " +
                      imported_from[earlier - imported.begin()] + " and " + shown);
        continue;
      }
      const Node* mine = own ? own->Get(e.key) : nullptr;
      if (mine && !SameTree(*mine, e.value)) {
        const MapEntry* at = nullptr;
        for (const auto& m : own->entries)
          if (m.key == e.key) at = &m;
        r.Error(at->key_pos, "services." + e.key,
                "service " + Quote(e.key) + " is also defined by included file " + shown +
                    ": an included service cannot be redefined (extend it, or override it "
                    "with a later -f file)");
      }
      if (mine) continue;
      imported.push_back(std::move(e));
      imported_from.push_back(shown);
    }
  }
  if (imported.empty()) return;
  Node* services = model.Get("services");
  if (!services || services->IsNull()) {
    Node map;
    map.kind = Node::Kind::kMap;
    map.pos = imported.front().key_pos;
    model.Set("services", map.pos, std::move(map));
    services = model.Get("services");
  }
  if (!services->IsMap()) return;
  for (auto& e : services->entries) imported.push_back(std::move(e));
  services->entries = std::move(imported);
}

}  // namespace stackvisor::config
