// FindProjectIdentity: Load's file discovery, variables and project-name rules without
// building the project.
#include <filesystem>

#include "config/path_join.h"
#include "config/env_file.h"
#include "config/load_steps.h"
#include "config/read_file.h"

namespace stackvisor::config {
namespace {

namespace fs = std::filesystem;

// As the loader makes paths absolute.
std::string Absolute(const std::string& path, const std::string& base) { return JoinPath(base, path); }

// COMPOSE_PROJECT_NAME as interpolation sees it: the environment over the env files.
std::optional<std::string> ComposeProjectName(const LoadOptions& options, const std::string& cwd,
                                              const std::string& project_dir, bool& usable) {
  if (auto it = options.environment.find("COMPOSE_PROJECT_NAME");
      it != options.environment.end())
    return it->second;
  std::vector<std::string> files;
  for (const auto& f : options.env_files) files.push_back(Absolute(f, cwd));
  if (options.env_files.empty()) {
    const std::string dot_env = (fs::path(project_dir) / ".env").string();
    std::error_code ec;
    if (fs::exists(dot_env, ec)) files.push_back(dot_env);
  }
  const Variables environment(options.environment.begin(), options.environment.end());
  std::optional<std::string> found;
  for (const auto& file : files) {
    FileText text = ReadInputFile(file);
    std::vector<EnvFileIssue> issues;
    if (!text.ok) {
      usable = false;
      return std::nullopt;
    }
    for (auto& e : ParseEnvFile(text.text, environment, issues))
      if (e.key == "COMPOSE_PROJECT_NAME" && e.value) found = *e.value;
    for (const auto& i : issues)
      if (i.error) usable = false;
  }
  return found;
}

}  // namespace

std::optional<ProjectIdentity> FindProjectIdentity(const LoadOptions& options) {
  std::error_code ec;
  const std::string here = fs::current_path(ec).string();
  if (ec) return std::nullopt;
  const std::string cwd = options.cwd.empty() ? here : Absolute(options.cwd, here);
  ProjectIdentity id;
  std::vector<std::string> names = options.files.empty() ? DiscoverFiles(cwd) : options.files;
  if (names.empty()) return std::nullopt;
  for (const auto& name : names) id.files.push_back(Absolute(name, cwd));
  id.project_directory = options.project_directory.empty()
                             ? fs::path(id.files.front()).parent_path().string()
                             : Absolute(options.project_directory, cwd);
  if (!options.project_name.empty()) {
    if (!IsValidProjectName(options.project_name)) return std::nullopt;
    id.name = options.project_name;
    return id;
  }
  bool usable = true;
  auto compose_name = ComposeProjectName(options, cwd, id.project_directory, usable);
  if (!usable) return std::nullopt;
  if (compose_name && !compose_name->empty()) {
    id.name = NormaliseProjectName(*compose_name);
    return id;
  }
  std::optional<std::string> top_name;  // merging: the last file's `name` wins
  for (const auto& file : id.files) {
    FileText text = ReadInputFile(file);
    if (!text.ok) return std::nullopt;
    TopLevelScalar name = ReadTopLevelScalar(text.text, "name");
    if (!name.usable) return std::nullopt;
    if (name.value) top_name = name.value;
  }
  if (top_name) {
    if (top_name->find('$') != std::string::npos || !IsValidProjectName(*top_name))
      return std::nullopt;
    id.name = *top_name;
    return id;
  }
  id.name = NormaliseProjectName(fs::path(id.project_directory).filename());
  return id;
}

}  // namespace stackvisor::config
