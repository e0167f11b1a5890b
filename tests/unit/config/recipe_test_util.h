#pragma once
// Helpers for the recipe tests: load a manifest with the source tree's recipes, and skip what
// needs a host package that is missing (scripts/install-deps.sh installs them all).
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/unit/config/load_test_util.h"

namespace stackvisor::config::testing {

inline bool Installed(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return true;
  MESSAGE("skipped: " << path << " is not installed (scripts/install-deps.sh)");
  return false;
}

inline Service Only(const LoadResult& result, const std::string& name) {
  REQUIRE_MESSAGE(result.manifest.has_value(), Text(result));
  const Service* s = result.manifest->Find(name);
  REQUIRE(s != nullptr);
  return *s;
}

inline std::string Env(const Service& s, const std::string& key) {
  auto it = s.environment.find(key);
  return it == s.environment.end() || !it->second ? "<unset>" : *it->second;
}

inline const Mount* MountAt(const Service& s, const std::string& target) {
  for (const auto& m : s.container.mounts)
    if (m.target == target) return &m;
  return nullptr;
}

/// A fresh directory under the build's temp space, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/stackvisor-recipe-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  void Write(const std::string& rel, const std::string& text, bool executable = false) const {
    const auto full = std::filesystem::path(path_) / rel;
    std::filesystem::create_directories(full.parent_path());
    std::ofstream(full) << text;
    if (executable)
      std::filesystem::permissions(full, std::filesystem::perms::owner_all,
                                   std::filesystem::perm_options::add);
  }

 private:
  std::string path_;
};

}  // namespace stackvisor::config::testing
