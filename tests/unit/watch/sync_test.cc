// The host `sync` of develop.watch on real temporary directories: copies, new directories
// (filtered), removals, symlinks and a single-file rule.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "watch/sync.h"

namespace fs = std::filesystem;
using stackvisor::watch::SyncAll;
using stackvisor::watch::SyncPaths;

namespace {

struct TempTree {
  TempTree() {
    std::string pattern = (fs::temp_directory_path() / "sv-sync-XXXXXX").string();
    root = mkdtemp(pattern.data());
    fs::create_directories(root / "from");
  }
  ~TempTree() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  void Write(const std::string& rel, const std::string& text) {
    fs::create_directories((root / rel).parent_path());
    std::ofstream(root / rel) << text;
  }
  std::string Read(const std::string& rel) {
    std::ifstream in(root / rel);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  bool Exists(const std::string& rel) { return fs::exists(fs::symlink_status(root / rel)); }
  std::string From() { return (root / "from").string(); }
  std::string To() { return (root / "to").string(); }
  fs::path root;
};

bool NoTmp(const std::string& rel, bool) { return rel.find(".tmp") == std::string::npos; }

}  // namespace

TEST_CASE("sync: files copied, new directories with their content, removals removed") {
  TempTree t;
  t.Write("from/a.py", "a1");
  t.Write("from/pkg/b.py", "b1");
  t.Write("from/pkg/skip.tmp", "no");
  auto first = SyncPaths(t.From(), t.To(), {"a.py", "pkg"}, NoTmp);
  CHECK(first.errors.empty());
  CHECK(first.copied == 2);
  CHECK(t.Read("to/a.py") == "a1");
  CHECK(t.Read("to/pkg/b.py") == "b1");
  CHECK_FALSE(t.Exists("to/pkg/skip.tmp"));  // the filter applies inside new directories
  t.Write("from/a.py", "a2");
  fs::remove_all(t.root / "from/pkg");
  auto second = SyncPaths(t.From(), t.To(), {"a.py", "pkg", "never-was"}, NoTmp);
  CHECK(second.copied == 1);
  CHECK(second.removed == 1);  // pkg; never-was had nothing to remove
  CHECK(t.Read("to/a.py") == "a2");
  CHECK_FALSE(t.Exists("to/pkg"));
  for (const auto& e : fs::directory_iterator(t.root / "to"))  // no temporary copies left
    CHECK(e.path().filename().string().find("stackvisor-sync") == std::string::npos);
}

TEST_CASE("sync: symlinks stay symlinks; a file replaces a directory") {
  TempTree t;
  t.Write("from/real.txt", "r");
  fs::create_symlink("real.txt", t.root / "from/link.txt");
  fs::create_directories(t.root / "to/was_dir/inner");
  t.Write("from/was_dir", "now a file");
  auto report = SyncPaths(t.From(), t.To(), {"link.txt", "was_dir"}, NoTmp);
  CHECK(report.errors.empty());
  CHECK(fs::is_symlink(t.root / "to/link.txt"));
  CHECK(fs::read_symlink(t.root / "to/link.txt") == "real.txt");
  CHECK(t.Read("to/was_dir") == "now a file");
}

TEST_CASE("sync: a single-file rule writes its target; SyncAll copies a whole tree") {
  TempTree t;
  t.Write("conf.ini", "x=1");
  auto one = SyncPaths((t.root / "conf.ini").string(), (t.root / "out/conf.ini").string(), {""},
                       NoTmp);
  CHECK(one.copied == 1);
  CHECK(t.Read("out/conf.ini") == "x=1");
  t.Write("from/a/b/c.txt", "c");
  t.Write("from/d.tmp", "no");
  auto all = SyncAll(t.From(), t.To(), NoTmp);
  CHECK(all.copied == 1);
  CHECK(t.Read("to/a/b/c.txt") == "c");
  CHECK_FALSE(t.Exists("to/d.tmp"));
}

TEST_CASE("sync: failures are reported with the step and the path, bounded") {
  TempTree t;
  t.Write("from/a.txt", "a");
  t.Write("blocker", "a file where the target directory should be");
  auto report = SyncPaths(t.From(), (t.root / "blocker").string(), {"a.txt"}, NoTmp);
  REQUIRE(report.errors.size() == 1);
  CHECK(report.errors[0].find("create " + (t.root / "blocker").string()) == 0);
  CHECK(report.copied == 0);
}
