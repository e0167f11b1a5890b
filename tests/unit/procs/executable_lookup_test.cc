// LookupExecutable: the errno behind "not found" (127) and "not executable" (126), which
// `exec` and `run` turn into their exit code.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "procs/spawner.h"

using namespace stackvisor;

TEST_CASE("LookupExecutable says found, not found (ENOENT) or found but not runnable") {
  char dir[] = "/tmp/stackvisor-lookup-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  std::string wd = dir;
  for (auto [name, mode] : {std::pair{"/tool", 0755}, std::pair{"/data", 0644}}) {
    int fd = open((wd + name).c_str(), O_CREAT | O_WRONLY, mode);
    REQUIRE(fd >= 0);
    close(fd);
    chmod((wd + name).c_str(), mode);
  }
  auto tool = procs::LookupExecutable("tool", "/nonexistent:" + wd, "");
  CHECK(tool.error == 0);
  CHECK(tool.path == wd + "/tool");

  auto missing = procs::LookupExecutable("no-such-tool", "/usr/bin:" + wd, "");
  CHECK(missing.error == ENOENT);
  CHECK(missing.path == "no-such-tool");

  // A directory on the path is "found but not runnable", as sh says for `/tmp`.
  CHECK(procs::LookupExecutable("/tmp", "", "").error == EISDIR);
  CHECK(procs::LookupExecutable("./nope", "", wd).path == wd + "/./nope");
  CHECK(procs::LookupExecutable("./nope", "", wd).error == ENOENT);
  CHECK(procs::LookupExecutable("", "/usr/bin", "").error == ENOENT);
  // No x bit at all: not runnable even for root.
  CHECK(procs::LookupExecutable("data", wd, "").error == EACCES);
  CHECK(procs::LookupExecutable(wd + "/data", "", "").error == EACCES);
  for (const char* name : {"/tool", "/data"}) unlink((wd + name).c_str());
  rmdir(dir);
}
