#include <doctest/doctest.h>

#include "supervisor/container_files.h"
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
