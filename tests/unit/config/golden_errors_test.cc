// Golden error texts: each tests/data/config/errors/<case>.yaml is loaded with the data dir
// tests/data/config as cwd and "errors/<case>.yaml" as -f, so diagnostics name files relative
// to it; the Format()ted diagnostics, one per line, must equal <case>.expected exactly.
// STACKVISOR_UPDATE_GOLDEN=1 rewrites the .expected files (review the diff before committing).
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/loader.h"
#include "tests/unit/config/load_test_util.h"

using namespace stackvisor::config;
using namespace stackvisor::config::testing;

namespace {

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("Load: golden error texts for broken manifests") {
  namespace fs = std::filesystem;
  const bool update = std::getenv("STACKVISOR_UPDATE_GOLDEN") != nullptr;
  std::vector<fs::path> cases;
  for (const auto& entry : fs::directory_iterator(DataDir("errors")))
    if (entry.path().extension() == ".yaml") cases.push_back(entry.path());
  std::sort(cases.begin(), cases.end());
  CHECK(cases.size() >= 13);
  for (const auto& path : cases) {
    const std::string name = path.stem().string();
    CAPTURE(name);
    LoadOptions options = OptionsIn("");
    options.files = {"errors/" + path.filename().string()};
    const LoadResult result = Load(options);
    CHECK_FALSE(result.manifest.has_value());
    const std::string actual = Text(result);
    fs::path expected_path = path;
    expected_path.replace_extension(".expected");
    if (update) std::ofstream(expected_path) << actual;
    REQUIRE_MESSAGE(fs::exists(expected_path), "missing " << expected_path.string());
    CHECK(actual == ReadAll(expected_path));
  }
}
