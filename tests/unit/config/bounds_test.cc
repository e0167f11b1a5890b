// The loader's bounds: big legitimate manifests load, hostile ones (alias bombs, deep nesting,
// huge values, files that are not files) get one clear, positioned error and nothing else.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "config/diagnostic.h"
#include "config/loader.h"
#include "config/read_file.h"
#include "tests/unit/config/load_test_util.h"

using namespace stackvisor::config;
using namespace stackvisor::config::testing;

namespace {

namespace fs = std::filesystem;

// A scratch directory removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string templ = (fs::temp_directory_path() / "stackvisor-bounds-XXXXXX").string();
    REQUIRE(::mkdtemp(templ.data()) != nullptr);
    path = templ;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string Write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return (path / name).string();
  }
};

size_t ErrorCount(const LoadResult& r) {
  size_t n = 0;
  for (const auto& d : r.diagnostics) n += d.severity == Diagnostic::Severity::kError;
  return n;
}

}  // namespace

TEST_CASE("Load: 5,000 services with 40 variables each load") {
  std::string yaml = "services:\n";
  for (int i = 0; i < 5000; ++i) {
    yaml += "  svc" + std::to_string(i) + ":\n    command: [\"/bin/sleep\", \"1000\"]\n";
    yaml += "    environment:\n";
    for (int j = 0; j < 40; ++j)
      yaml += "      VAR_" + std::to_string(j) + ": value-" + std::to_string(i) + "\n";
  }
  const LoadResult r = LoadText(yaml);
  CHECK(Text(r) == "");
  REQUIRE(r.manifest);
  REQUIRE(r.manifest->services.size() == 5000);
  CHECK(r.manifest->services.back().environment.size() == 40);
  CHECK(r.manifest->services.back().environment.at("VAR_39") == "value-4999");
}

TEST_CASE("Load: anchors, aliases and merge keys expand as YAML defines them") {
  const LoadResult r = LoadText(
      "x-env: &env {A: \"1\", B: \"2\"}\n"
      "x-base: &base\n"
      "  restart: always\n"
      "  command: [\"true\"]\n"
      "services:\n"
      "  one:\n"
      "    <<: *base\n"
      "    environment: *env\n"
      "  two:\n"
      "    <<: [*base, {restart: \"no\", working_dir: /tmp}]\n"
      "    restart: on-failure\n"
      "    \"<<\": {}\n");  // a quoted "<<" is an ordinary key, so an unknown one
  CHECK(Text(r) == "inline.yaml:12:5: error: services.two.<<: unknown key\n");
  const LoadResult ok = LoadText(
      "x-base: &base {restart: always, command: [\"true\"]}\n"
      "services:\n"
      "  one: {<<: *base, environment: {A: \"1\"}}\n"
      "  two: {<<: [{restart: \"no\", working_dir: /tmp}, *base], restart: on-failure}\n");
  CHECK(Text(ok) == "");
  REQUIRE(ok.manifest);
  const Service& one = *ok.manifest->Find("one");
  CHECK(one.argv == std::vector<std::string>{"true"});
  CHECK(one.restart.mode == RestartMode::kAlways);
  const Service& two = *ok.manifest->Find("two");
  CHECK(two.restart.mode == RestartMode::kOnFailure);  // the explicit key wins
  CHECK(two.working_dir == "/tmp");                        // earlier merged mapping wins
}

TEST_CASE("Load: keys YAML allows but a manifest cannot hold") {
  const LoadResult r = LoadText(
      "services:\n"
      "  web:\n"
      "    command: [\"true\"]\n"
      "    command: [\"false\"]\n"
      "    [a]: 1\n"
      "    <<: [1]\n");
  CHECK(Text(r) ==
        "inline.yaml:4:5: error: duplicate key 'command'\n"
        "inline.yaml:5:5: error: expected a string key, got a list\n"
        "inline.yaml:6:10: error: '<<' expects mappings, got '1'\n");
}

TEST_CASE("Load: an alias bomb is one error, at the alias that crosses the limit") {
  std::string yaml = "x-0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 30; ++i) {  // 10^30 nodes once expanded
    const std::string prev = "*a" + std::to_string(i - 1);
    yaml += "x-" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) yaml += (j ? ", " : "") + prev;
    yaml += "]\n";
  }
  yaml += "services:\n  web:\n    command: *a29\n";
  const LoadResult r = LoadText(yaml);
  CHECK_FALSE(r.manifest);
  CHECK(Text(r) == "inline.yaml:6:46: error: aliases expand to more than 1000000 nodes (an alias "
                   "bomb?); a manifest needs far fewer\n");
}

TEST_CASE("Load: 10,000 levels of nesting give the level and place, not 'bad file'") {
  for (const char* open : {"[", "{a: "}) {
    std::string deep = "services:\n  web: ";
    for (int i = 0; i < 10000; ++i) deep += open;
    const LoadResult r = LoadText(deep);
    CAPTURE(open);
    CHECK(Text(r).find("bad file") == std::string::npos);
    REQUIRE(r.diagnostics.size() == 1);
    CHECK(r.diagnostics[0].message == "nesting deeper than 100 levels");
    CHECK(r.diagnostics[0].line == 2);
  }
}

TEST_CASE("Load: a 100,000-deep ${VAR} error quotes at most 80 bytes of the value") {
  std::string value;
  for (int i = 0; i < 100000; ++i) value += "${A:-";
  const LoadResult r = LoadText("services:\n  web:\n    command: [\"" + value + "\"]\n");
  REQUIRE(ErrorCount(r) == 1);
  const std::string& message = r.diagnostics[0].message;
  CHECK(message == "invalid interpolation format in '" + value.substr(0, 80) + "\u2026'");
}

TEST_CASE("Cut keeps whole UTF-8 characters") {
  CHECK(Cut("short") == "short");
  CHECK(Quote(std::string(80, 'x')) == "'" + std::string(80, 'x') + "'");
  const std::string accents = std::string(79, 'x') + "\u00e9\u00e9";  // the first é straddles 80
  CHECK(Cut(accents) == std::string(79, 'x') + "\u2026");
}

TEST_CASE("Load: an override that fails to parse stops the load before validation") {
  TempDir dir;
  dir.Write("compose.yaml", "services:\n  web:\n    restart: always\n");  // command comes later
  dir.Write("override.yaml", "services:\n  web:\n    command: [\"gunicorn\"\n");
  LoadOptions options;
  options.cwd = dir.path.string();
  options.files = {"compose.yaml", "override.yaml"};
  const LoadResult r = Load(options);
  CHECK_FALSE(r.manifest);
  CHECK(Text(r) == "override.yaml:4:1: error: invalid YAML: end of sequence flow not found\n");
}

TEST_CASE("ReadInputFile reads regular files only, within the size limit") {
  TempDir dir;
  const std::string file = dir.Write("a.env", "A=1\n");
  FileText ok = ReadInputFile(file);
  CHECK(ok.ok);
  CHECK(ok.text == "A=1\n");
  CHECK(ReadInputFile(file, 4).ok);  // exactly at the limit
  FileText big = ReadInputFile(file, 3);
  CHECK_FALSE(big.ok);
  CHECK(big.error == "larger than the 3 bytes limit");
  CHECK(ReadInputFile((dir.path / "missing").string()).missing);
  CHECK(ReadInputFile(dir.path.string()).error == "not a regular file (a directory)");
  CHECK(ReadInputFile("/dev/zero").error == "not a regular file (a character device)");
  const std::string fifo = (dir.path / "fifo").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(ReadInputFile(fifo).error == "not a regular file (a FIFO)");  // and did not block
}

TEST_CASE("Load: env_file and .env that are not regular files are errors naming them") {
  TempDir dir;
  fs::create_directory(dir.path / "envdir");
  fs::create_directory(dir.path / ".env");
  dir.Write("compose.yaml",
            "services:\n"
            "  web:\n"
            "    command: [\"true\"]\n"
            "    env_file: [envdir, /dev/zero, {path: envdir, required: false}]\n");
  LoadOptions options;
  options.cwd = dir.path.string();
  const LoadResult r = Load(options);
  CHECK_FALSE(r.manifest);
  CHECK(Text(r) ==
        "compose.yaml:4:16: error: services.web.env_file[0]: cannot read env file 'envdir': not "
        "a regular file (a directory)\n"
        "compose.yaml:4:24: error: services.web.env_file[1]: cannot read env file '/dev/zero': "
        "not a regular file (a character device)\n"
        "compose.yaml:4:42: error: services.web.env_file[2]: cannot read env file 'envdir': not "
        "a regular file (a directory)\n"
        ".env: error: cannot read env file: not a regular file (a directory)\n");
}
