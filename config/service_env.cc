#include <filesystem>

#include "config/path_join.h"
#include "config/env_file.h"
#include "config/read_file.h"
#include "config/service_builder.h"

namespace stackvisor::config {

void ServiceBuilder::EnvFiles(const Node& node) {
  const std::string path = Path("env_file");
  if (node.IsScalar()) return EnvFile(node.value, true, node, path);
  if (!node.IsSequence())
    return r_.Expected(node, path, "a path, or a list of paths or {path, required}");
  for (size_t i = 0; i < node.items.size(); ++i) {
    const Node& item = node.items[i];
    const std::string item_path = path + "[" + std::to_string(i) + "]";
    if (item.IsScalar()) {
      EnvFile(item.value, true, item, item_path);
      continue;
    }
    if (!item.IsMap()) {
      r_.Expected(item, item_path, "a path or {path, required}");
      continue;
    }
    std::optional<std::string> file;
    bool required = true;
    const Node* file_node = &item;
    for (const auto& e : item.entries) {
      const std::string key_path = item_path + "." + e.key;
      if (e.key == "path") {
        file = ReadString(e.value, key_path, r_);
        file_node = &e.value;
      } else if (e.key == "required") {
        required = ReadBool(e.value, key_path, r_).value_or(true);
      } else if (e.key == "format") {
        // compose's "raw" format is read like the default one here
      } else {
        r_.Error(e.key_pos, key_path, "unknown key" + DidYouMean(e.key, {"path", "required"}));
      }
    }
    if (file) EnvFile(*file, required, *file_node, item_path);
    else if (!item.Get("path")) r_.Error(item, item_path, "missing 'path'");
  }
}

void ServiceBuilder::EnvFile(const std::string& file, bool required, const Node& at,
                             const std::string& path) {
  if (file.empty()) return r_.Expected(at, path, "a path");
  if (!active_) return;  // an inactive service's files may not exist on this host
  namespace fs = std::filesystem;
  const std::string absolute = JoinPath(context_.project_directory, file);
  FileText read = ReadInputFile(absolute);
  if (!read.ok) {
    if (read.missing && !required) return;
    if (read.missing) return r_.Error(at, path, "env file " + Quote(file) + " not found");
    return r_.Error(at, path, "cannot read env file " + Quote(file) + ": " + read.error);
  }
  std::vector<EnvFileIssue> issues;
  auto entries = ParseEnvFile(read.text, context_.variables, issues);
  const std::string shown = DisplayPath(absolute, context_.cwd);
  for (const auto& issue : issues) {
    const SourcePos pos{shown, issue.line, 1};
    if (issue.error) r_.Error(pos, "", issue.message);
    else r_.Warning(pos, "", issue.message);
  }
  for (auto& e : entries) draft_.service.environment[e.key] = std::move(e.value);
}

void ServiceBuilder::Environment(const Node& node) {
  const std::string path = Path("environment");
  if (node.IsNull()) return;
  if (!node.IsMap()) return r_.Expected(node, path, "a mapping or a list of KEY=VALUE");
  auto& env = draft_.service.environment;
  for (const auto& e : node.entries) {
    if (e.value.IsScalar()) {
      env[e.key] = e.value.value;
    } else if (e.value.IsNull()) {
      // A bare KEY takes its value from stackvisor's environment (or .env), else is unset.
      auto it = context_.variables.find(e.key);
      env[e.key] = it == context_.variables.end() ? std::nullopt
                                                  : std::optional<std::string>(it->second);
    } else {
      r_.Expected(e.value, path + "." + e.key, "a string");
    }
  }
}

}  // namespace stackvisor::config
