// FindProjectIdentity names the project exactly as the full load does, or declines.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "config/loader.h"

namespace stackvisor::config {
namespace {

namespace fs = std::filesystem;

/// A project directory under /tmp, removed at the end.
class Project {
 public:
  Project() {
    char name[] = "/tmp/stackvisor-identity-XXXXXX";
    root_ = ::mkdtemp(name);
    dir_ = root_ / "My_App";
    fs::create_directory(dir_);
  }
  ~Project() {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }
  void Write(const std::string& file, const std::string& text) {
    std::ofstream(dir_ / file) << text;
  }
  LoadOptions Options() const {
    LoadOptions options;
    options.cwd = dir_.string();
    options.environment = {{"PATH", "/usr/bin:/bin"}};
    return options;
  }
  const fs::path& dir() const { return dir_; }

 private:
  fs::path root_, dir_;
};

const char kServices[] =
    "services:\n  a:\n    command: [\"true\"]\n    environment:\n      name: inner\n"
    "    x-name: {name: deeper}\n";

// The identity agrees with Load's manifest; returns its name.
std::string Agreed(const LoadOptions& options) {
  auto id = FindProjectIdentity(options);
  REQUIRE(id.has_value());
  auto loaded = Load(options);
  REQUIRE(loaded.manifest.has_value());
  CHECK(id->name == loaded.manifest->name);
  CHECK(id->project_directory == loaded.manifest->project_directory);
  CHECK(id->files == loaded.manifest->files);
  return id->name;
}

TEST_CASE("identity: the top-level name, wherever it is, and never a nested one") {
  Project p;
  p.Write("compose.yaml", std::string(kServices) + "name: late\n");
  CHECK(Agreed(p.Options()) == "late");
  p.Write("compose.yaml", std::string("name: early\n") + kServices);
  CHECK(Agreed(p.Options()) == "early");
  p.Write("compose.yaml", std::string("{\"name\": \"flow\", services: {a: {command: [x]}}}\n"));
  CHECK(Agreed(p.Options()) == "flow");
}

TEST_CASE("identity: no name means the directory, normalised") {
  Project p;
  p.Write("compose.yaml", kServices);
  CHECK(Agreed(p.Options()) == "my_app");
}

TEST_CASE("identity: -p, then COMPOSE_PROJECT_NAME (environment over .env), then the name") {
  Project p;
  p.Write("compose.yaml", std::string("name: fromfile\n") + kServices);
  p.Write(".env", "COMPOSE_PROJECT_NAME=From_Dot_Env\n");
  auto options = p.Options();
  CHECK(Agreed(options) == "from_dot_env");
  options.environment["COMPOSE_PROJECT_NAME"] = "fromenv";
  CHECK(Agreed(options) == "fromenv");
  options.project_name = "given";
  CHECK(Agreed(options) == "given");
}

TEST_CASE("identity: with several files the last name wins") {
  Project p;
  p.Write("compose.yaml", std::string("name: first\n") + kServices);
  p.Write("compose.override.yaml", "name: second\n");
  CHECK(Agreed(p.Options()) == "second");
}

TEST_CASE("identity: declines what only the full load can decide") {
  Project p;
  auto options = p.Options();
  CHECK_FALSE(FindProjectIdentity(options).has_value());  // no manifest at all
  options.environment["N"] = "viaenv";
  p.Write("compose.yaml", std::string("name: ${N}\n") + kServices);
  CHECK_FALSE(FindProjectIdentity(options).has_value());
  CHECK(Load(options).manifest->name == "viaenv");
  p.Write("compose.yaml", std::string("name: &n anchored\n") + kServices);
  CHECK_FALSE(FindProjectIdentity(options).has_value());
  p.Write("compose.yaml", std::string("name: Not Valid\n") + kServices);
  CHECK_FALSE(FindProjectIdentity(options).has_value());
  p.Write("compose.yaml", std::string("name: [a]\n") + kServices);
  CHECK_FALSE(FindProjectIdentity(options).has_value());
  p.Write("compose.yaml", "services: {a: [unclosed\nname: ok\n");
  CHECK_FALSE(FindProjectIdentity(options).has_value());
  p.Write("compose.yaml", std::string("name: !reset x\n") + kServices);
  CHECK_FALSE(FindProjectIdentity(options).has_value());
}

}  // namespace
}  // namespace stackvisor::config
