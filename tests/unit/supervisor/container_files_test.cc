#include <doctest/doctest.h>

#include <stdlib.h>

#include <filesystem>

#include "supervisor/container_files.h"
#include "supervisor/container_preflight.h"
#include "supervisor/spawn_spec_builder.h"

using namespace stackvisor;
using MK = procs::MountSpec::Kind;

TEST_CASE("container spec: volumes are binds of their directories; a plain service has none") {
  config::Service s;
  s.name = "web";
  s.argv = {"run"};
  CHECK(!supervisor::BuildSpawnSpec(s, {}, true).container);
  s.container.enabled = true;
  s.container.hostname = "web";
  config::Mount volume;
  volume.kind = config::Mount::Kind::kVolume;
  volume.source = "/state/p/volumes/data";
  volume.target = "/data";
  volume.volume = "data";
  config::Mount tmpfs;
  tmpfs.kind = config::Mount::Kind::kTmpfs;
  tmpfs.target = "/run";
  tmpfs.tmpfs_options = "size=1m";
  s.container.mounts = {volume, tmpfs};
  auto root = supervisor::BuildSpawnSpec(s, {}, true);
  REQUIRE(root.container);
  CHECK(!root.container->user_namespace);
  CHECK(root.container->hostname == "web");
  REQUIRE(root.container->mounts.size() == 2);
  CHECK(root.container->mounts[0].kind == MK::kBind);
  CHECK(root.container->mounts[0].source == "/state/p/volumes/data");
  CHECK(root.container->mounts[1].kind == MK::kTmpfs);
  CHECK(root.container->mounts[1].options == "size=1m");
  CHECK(supervisor::BuildSpawnSpec(s, {}, false).container->user_namespace);

  s.container.passwd = {"nginx:x:101:101::/nonexistent:/usr/sbin/nologin"};
  supervisor::AddGeneratedFiles(s, "/rt/container", *root.container);
  REQUIRE(root.container->mounts.size() == 4);
  CHECK(root.container->mounts[2].source == "/rt/container/web/hosts");
  CHECK(root.container->mounts[2].target == "/etc/hosts");
  CHECK(root.container->mounts[2].read_only);
  CHECK(root.container->mounts[3].target == "/etc/passwd");

  // A `RUN touch` file: the service's own copy, read-write.
  s.container.touched = {"/etc/nginx/conf.d/default.conf"};
  auto again = supervisor::BuildSpawnSpec(s, {}, true);
  supervisor::AddGeneratedFiles(s, "/rt/container", *again.container);
  const auto& last = again.container->mounts.back();
  CHECK(last.source == "/rt/container/web/touched-0");
  CHECK(last.target == "/etc/nginx/conf.d/default.conf");
  CHECK(!last.read_only);
}

TEST_CASE("generated files: the host's text, then the view's lines") {
  CHECK(supervisor::GeneratedFile("127.0.0.1 localhost", {"127.0.0.1\tdb"}) ==
        "127.0.0.1 localhost\n# added by stackvisor for this service's container view\n"
        "127.0.0.1\tdb\n");
  CHECK(supervisor::GeneratedFile("a\n", {}) == "a\n");
}

TEST_CASE("a bind with create_host_path false and no source is refused before start, not made") {
  char dir_template[] = "/tmp/sv-bind-XXXXXX";
  REQUIRE(mkdtemp(dir_template) != nullptr);
  const std::string dir = dir_template;
  config::Manifest m;
  config::Service s;
  s.name = "web";
  s.argv = {"run"};
  s.container.enabled = true;
  config::Mount strict;
  strict.kind = config::Mount::Kind::kBind;
  strict.source = dir + "/missing";
  strict.target = "/data";
  strict.create_source = false;
  strict.pos = {"compose.yaml", 7, 9};
  config::Mount lenient = strict;
  lenient.source = dir + "/made";
  lenient.target = "/made";
  lenient.create_source = true;
  s.container.mounts = {lenient, strict};
  m.services = {s};
  CHECK(supervisor::MissingBindSources(m) ==
        std::vector<std::string>{"compose.yaml:7:9: services.web.volumes: the bind source " + dir +
                                 "/missing for /data does not exist, and bind.create_host_path "
                                 "is false: create it, or drop that setting"});
  // At spawn (exec and run go this way too): the same refusal, and nothing made for it.
  auto prepared = supervisor::PrepareContainerFiles(s, dir + "/files", false);
  REQUIRE(!prepared.ok());
  CHECK(prepared.error().message == "web: the bind source " + dir + "/missing for /data does not "
                                    "exist, and bind.create_host_path is false: create it, or "
                                    "drop that setting");
  CHECK(!std::filesystem::exists(dir + "/missing"));
  std::filesystem::create_directory(dir + "/missing");
  CHECK(supervisor::MissingBindSources(m).empty());
  std::filesystem::remove_all(dir);
}

TEST_CASE("host names: a running stack's names are added once, after the view's own") {
  config::ContainerView view;
  view.hosts = {"127.0.0.1\tmigrate", "10.0.0.5\tdb-primary db"};
  supervisor::AddHostNames(view, {"db", "web", "web", "nginx", "migrate"});
  CHECK(view.hosts == std::vector<std::string>{"127.0.0.1\tmigrate", "10.0.0.5\tdb-primary db",
                                               "127.0.0.1\tweb", "127.0.0.1\tnginx"});
}
