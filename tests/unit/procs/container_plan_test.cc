#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "procs/container_plan.h"

using namespace stackvisor::procs;
using Op = ContainerStep::Op;
using Kind = HostFs::Kind;

namespace {

/// A host tree: path -> kind (and link text for symlinks).
class FakeFs final : public HostFs {
 public:
  FakeFs(std::map<std::string, Kind> kinds, std::map<std::string, std::string> links = {})
      : kinds_(std::move(kinds)), links_(std::move(links)) {}
  Kind Lstat(const std::string& p) const override {
    auto it = kinds_.find(p);
    return it == kinds_.end() ? Kind::kNone : it->second;
  }
  Kind Stat(const std::string& p) const override {
    Kind k = Lstat(p);
    return k == Kind::kSymlink ? Kind::kDir : k;
  }
  std::string ReadLink(const std::string& p) const override { return links_.at(p); }
  stackvisor::base::Result<std::vector<Entry>> List(const std::string& dir) const override {
    std::vector<Entry> out;
    const std::string prefix = dir == "/" ? "/" : dir + "/";
    for (const auto& [path, kind] : kinds_) {
      if (path.rfind(prefix, 0) != 0 || path == dir) continue;
      std::string rest = path.substr(prefix.size());
      if (rest.empty() || rest.find('/') != std::string::npos) continue;
      out.push_back({rest, kind, kind == Kind::kSymlink ? links_.at(path) : ""});
    }
    ++lists;
    return out;
  }
  mutable int lists = 0;

 private:
  std::map<std::string, Kind> kinds_;
  std::map<std::string, std::string> links_;
};

FakeFs Host() {
  return FakeFs({{"/bin", Kind::kSymlink},
                 {"/etc", Kind::kDir},
                 {"/etc/hosts", Kind::kFile},
                 {"/etc/ssl", Kind::kDir},
                 {"/usr", Kind::kDir},
                 {"/var", Kind::kDir},
                 {"/var/run", Kind::kSymlink},
                 {"/run", Kind::kDir},
                 {"/srv", Kind::kDir},
                 {"/srv/app", Kind::kDir},
                 {"/srv/app/nginx.conf", Kind::kFile}},
                {{"/bin", "usr/bin"}, {"/var/run", "../run"}});
}

std::vector<std::string> Describe(const std::vector<ContainerStep>& steps) {
  std::vector<std::string> out;
  const char* names[] = {"mkdir", "touch", "bind", "ro", "tmpfs", "symlink", "mkdir-like"};
  for (const auto& s : steps)
    out.push_back(std::string(names[int(s.op)]) + " " + (s.source.empty() ? "" : s.source + " ") +
                  s.target);
  return out;
}

}  // namespace

TEST_CASE("container plan: the root scaffold binds every top-level entry and recreates symlinks") {
  ContainerSpec spec;
  spec.mounts = {{MountSpec::Kind::kBind, "/srv/app", "/code", false, ""}};
  auto plan = PlanContainer(spec, Host());
  REQUIRE(plan.ok());
  CHECK(Describe(plan.value()) ==
        std::vector<std::string>{"symlink usr/bin /bin", "mkdir /etc", "bind /.oldroot/etc /etc",
                                 "mkdir /run", "bind /.oldroot/run /run", "mkdir /srv",
                                 "bind /.oldroot/srv /srv", "mkdir /usr",
                                 "bind /.oldroot/usr /usr", "mkdir /var",
                                 "bind /.oldroot/var /var", "mkdir /code",
                                 "bind /.oldroot/srv/app /code"});
}

TEST_CASE("container plan: a missing directory under a host directory makes that a scaffold") {
  ContainerSpec spec;
  spec.mounts = {{MountSpec::Kind::kBind, "/srv/app/nginx.conf", "/etc/nginx/nginx.conf", true, ""},
                 {MountSpec::Kind::kBind, "/srv/app/nginx.conf", "/etc/hosts", true, ""}};
  auto plan = PlanContainer(spec, Host());
  REQUIRE(plan.ok());
  const auto steps = Describe(plan.value());
  // /etc is no longer bound whole: its entries are, and nginx/ is made in tmpfs.
  CHECK(std::find(steps.begin(), steps.end(), "bind /.oldroot/etc /etc") == steps.end());
  // The scaffold takes the host directory's mode (and owner): /tmp stays 1777.
  const std::vector<std::string> etc = {"mkdir-like /.oldroot/etc /etc", "touch /etc/hosts",
                                        "bind /.oldroot/etc/hosts /etc/hosts", "mkdir /etc/ssl",
                                        "bind /.oldroot/etc/ssl /etc/ssl"};
  auto at = std::search(steps.begin(), steps.end(), etc.begin(), etc.end());
  CHECK(at != steps.end());
  // Shallow first: /etc/hosts (depth 2) before /etc/nginx/nginx.conf (depth 3).
  const std::vector<std::string> tail = {"mkdir /etc",
                                         "touch /etc/hosts",
                                         "bind /.oldroot/srv/app/nginx.conf /etc/hosts",
                                         "ro /etc/hosts",
                                         "mkdir /etc",
                                         "mkdir /etc/nginx",
                                         "touch /etc/nginx/nginx.conf",
                                         "bind /.oldroot/srv/app/nginx.conf /etc/nginx/nginx.conf",
                                         "ro /etc/nginx/nginx.conf"};
  REQUIRE(steps.size() > tail.size());
  CHECK(std::vector<std::string>(steps.end() - 9, steps.end()) == tail);
}

TEST_CASE("container plan: targets inside a mount, through a symlink, and a missing source") {
  ContainerSpec spec;
  spec.mounts = {{MountSpec::Kind::kTmpfs, "", "/code/node_modules", false, "size=1m"},
                 {MountSpec::Kind::kBind, "/srv/app", "/code", false, ""},
                 {MountSpec::Kind::kTmpfs, "", "/var/run/app", false, ""}};
  FakeFs fs = Host();
  auto plan = PlanContainer(spec, fs);
  REQUIRE(plan.ok());
  const auto steps = Describe(plan.value());
  // /var/run -> ../run: the tmpfs lands at /run/app, which makes /run (not /var) a scaffold.
  CHECK(std::find(steps.begin(), steps.end(), "tmpfs /run/app") != steps.end());
  CHECK(std::find(steps.begin(), steps.end(), "bind /.oldroot/var /var") != steps.end());
  CHECK(std::find(steps.begin(), steps.end(), "bind /.oldroot/run /run") == steps.end());
  // The node_modules tmpfs comes after /code, inside it (made in the bind, as Docker does).
  auto code = std::find(steps.begin(), steps.end(), "bind /.oldroot/srv/app /code");
  auto modules = std::find(steps.begin(), steps.end(), "tmpfs size=1m /code/node_modules");
  CHECK(code < modules);
  CHECK(modules != steps.end());

  spec.mounts = {{MountSpec::Kind::kBind, "/srv/gone", "/x", false, ""}};
  auto missing = PlanContainer(spec, fs);
  REQUIRE(!missing.ok());
  CHECK(missing.error().message == "mount /srv/gone at /x: No such file or directory");
}

TEST_CASE("exec candidates: PATH inside the new root, relative names from the working dir") {
  CHECK(ExecCandidates("python3", "/usr/local/bin:/usr/bin", "/code") ==
        std::vector<std::string>{"/usr/local/bin/python3", "/usr/bin/python3"});
  CHECK(ExecCandidates("./wait-for.sh", "/usr/bin", "/code") ==
        std::vector<std::string>{"/code/./wait-for.sh"});
  CHECK(ExecCandidates("/bin/sh", "/usr/bin", "/code") == std::vector<std::string>{"/bin/sh"});
  CHECK(ExecCandidates("x", "bin:", "/w") == std::vector<std::string>{"/w/bin/x", "/w/./x"});
}
