#pragma once
// Helpers shared by the config loader tests.
#include <string>

#include "config/loader.h"

namespace stackvisor::config::testing {

inline std::string DataDir(const std::string& sub = "") {
  return std::string(STACKVISOR_TEST_DATA) + "/config" + (sub.empty() ? "" : "/" + sub);
}

inline LoadOptions OptionsIn(const std::string& sub) {
  LoadOptions options;
  options.cwd = DataDir(sub);
  options.environment = {{"PATH", "/usr/bin:/bin"}};
  return options;
}

// All diagnostics, one Format()ted line each.
inline std::string Text(const LoadResult& result) {
  std::string out;
  for (const auto& d : result.diagnostics) out += d.Format() + "\n";
  return out;
}

inline LoadResult LoadText(const std::string& yaml, LoadOptions options = OptionsIn("")) {
  return LoadFromString(yaml, "inline.yaml", options);
}

}  // namespace stackvisor::config::testing
