#include <filesystem>

#include "config/load_steps.h"

namespace stackvisor::config {

const std::vector<std::string>& DefaultFileNames() {
  static const std::vector<std::string> kNames = {
      "stackvisor.yaml", "stackvisor.yml",         "compose.yaml",
      "compose.yml",     "docker-compose.yaml",    "docker-compose.yml",
  };
  return kNames;
}

std::vector<std::string> DiscoverFiles(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (const auto& name : DefaultFileNames()) {
    if (!fs::is_regular_file(fs::path(dir) / name, ec)) continue;
    std::vector<std::string> files = {name};
    const std::string stem = name.substr(0, name.rfind('.'));
    // The override may use either extension, whichever the main file uses.
    for (const char* ext : {".override.yaml", ".override.yml"}) {
      if (fs::is_regular_file(fs::path(dir) / (stem + ext), ec)) {
        files.push_back(stem + ext);
        break;
      }
    }
    return files;
  }
  return {};
}

std::string DisplayPath(const std::string& absolute, const std::string& cwd) {
  // Relative only below the working directory: "../../../tmp/x.yaml" helps nobody.
  const std::filesystem::path rel = std::filesystem::path(absolute).lexically_relative(cwd);
  if (rel.empty() || *rel.begin() == "..") return absolute;
  return rel.string();
}

}  // namespace stackvisor::config
