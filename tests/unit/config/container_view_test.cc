#include <doctest/doctest.h>

#include "config/volume_spec.h"
#include "load_test_util.h"

using namespace stackvisor::config;
using namespace stackvisor::config::testing;
using Type = VolumeSpec::Type;

TEST_CASE("volume short syntax: bind, named, anonymous, modes") {
  auto bind = ParseVolumeShort("./src:/code/./app/:ro,z");
  REQUIRE(bind.ok());
  CHECK(bind.value() == VolumeSpec{Type::kBind, "./src", "/code/app", true, ""});
  auto named = ParseVolumeShort("pgdata:/var/lib/postgresql/data");
  REQUIRE(named.ok());
  CHECK(named.value() == VolumeSpec{Type::kVolume, "pgdata", "/var/lib/postgresql/data", false, ""});
  auto home = ParseVolumeShort("~/x:/x:rw");
  REQUIRE(home.ok());
  CHECK(home.value().type == Type::kBind);
  auto anonymous = ParseVolumeShort("/node_modules");
  REQUIRE(anonymous.ok());
  CHECK(anonymous.value() == VolumeSpec{Type::kVolume, "", "/node_modules", false, ""});
}

TEST_CASE("volume short syntax: what cannot be a container path or a mode is refused") {
  CHECK(ParseVolumeShort("./a:relative").error().message ==
        "container path 'relative' must be absolute, without '..'");
  CHECK(ParseVolumeShort("./a:/x/../etc").error().message ==
        "container path '/x/../etc' must be absolute, without '..'");
  CHECK(ParseVolumeShort("./a:/").error().message == "a volume cannot be mounted at '/'");
  CHECK(ParseVolumeShort("./a:/x:rx").error().message ==
        "unknown volume mode 'rx' in './a:/x:rx': expected ro or rw (z, Z, nocopy are accepted "
        "and ignored)");
  CHECK(!ParseVolumeShort("a:b:c:d").ok());
}

TEST_CASE("a service's own mounts hide its image's content at and under them, as in Docker") {
  auto mount = [](Mount::Kind kind, std::string target) {
    Mount m;
    m.kind = kind;
    m.target = std::move(target);
    return m;
  };
  using K = Mount::Kind;
  std::vector<Mount> mounts = {
      mount(K::kBind, "/etc/nginx/nginx.conf"),            // image file, not covered: kept
      mount(K::kBind, "/etc/nginx/conf.d/default.conf"),   // under the user's bind: hidden
      mount(K::kSymlink, "/var/log/nginx/access.log"),     // under the user's tmpfs: hidden
      mount(K::kVolume, "/var/lib/postgresql/data"),       // same path as a user bind: hidden
      mount(K::kBind, "/srv/data/seed.sql"),               // under a named volume: kept on top
      mount(K::kVolume, "/var/lib/postgresql/data/x"),     // an image VOLUME under a bind: kept
      mount(K::kBind, "/etc/nginx/conf.d.orig"),           // a sibling name, not under: kept
      // the service's own:
      mount(K::kBind, "/etc/nginx/conf.d"),
      mount(K::kTmpfs, "/var/log/nginx"),
      mount(K::kBind, "/var/lib/postgresql/data"),
      mount(K::kVolume, "/srv/data"),
  };
  HideImageContent(mounts, 7);
  std::vector<std::string> targets;
  for (const auto& m : mounts) targets.push_back(m.target);
  CHECK(targets == std::vector<std::string>{"/etc/nginx/nginx.conf", "/srv/data/seed.sql",
                                            "/var/lib/postgresql/data/x", "/etc/nginx/conf.d.orig",
                                            "/etc/nginx/conf.d", "/var/log/nginx",
                                            "/var/lib/postgresql/data", "/srv/data"});
}

TEST_CASE("tmpfs items: a path with optional mount data") {
  auto t = ParseTmpfsItem("/run:size=64m,mode=1777");
  REQUIRE(t.ok());
  CHECK(t.value() == VolumeSpec{Type::kTmpfs, "", "/run", false, "size=64m,mode=1777"});
  CHECK(ParseTmpfsItem("/tmp").value().tmpfs_options.empty());
}

TEST_CASE("Load: volumes, tmpfs and names make a container view; plain services keep the host") {
  LoadOptions options = OptionsIn("");
  options.environment["HOME"] = "/home/ann";
  options.environment["STACKVISOR_STATE_HOME"] = "/state";
  auto result = LoadText(R"(name: shop
services:
  web:
    command: run
    hostname: front
    volumes:
      - ./src:/code
      - {type: bind, source: ~/conf, target: /etc/app, read_only: true}
      - pgdata:/data
      - /cache
      - {type: tmpfs, target: /scratch, tmpfs: {size: 1000000}}
    tmpfs: /run/x:size=1m
    links: ["db:database"]
    extra_hosts: ["gw:10.0.0.1", "v6=::1"]
    networks: {back: {aliases: [api]}}
  db:
    command: run
    scale: 2
  plain:
    command: run
volumes:
  pgdata:
)", options);
  INFO(Text(result));
  REQUIRE(result.manifest);
  CHECK(Text(result).empty());  // honoured keys are not "ignored" any more
  const Service& web = *result.manifest->Find("web");
  const ContainerView& v = web.container;
  CHECK(v.enabled);
  CHECK(v.hostname == "front");
  REQUIRE(v.mounts.size() == 6);
  const std::string dir = DataDir();
  CHECK(v.mounts[0].kind == Mount::Kind::kBind);
  CHECK(v.mounts[0].source == dir + "/src");
  CHECK(v.mounts[0].target == "/code");
  CHECK(v.mounts[1].source == "/home/ann/conf");
  CHECK(v.mounts[1].read_only);
  CHECK(v.mounts[2].kind == Mount::Kind::kVolume);
  CHECK(v.mounts[2].source == "/state/shop/volumes/pgdata");
  CHECK(v.mounts[2].volume == "pgdata");
  CHECK(v.mounts[3].source == "/state/shop/volumes/_anonymous/web/cache");
  CHECK(v.mounts[4].kind == Mount::Kind::kTmpfs);
  CHECK(v.mounts[4].tmpfs_options == "size=1000000");
  CHECK(v.mounts[5].target == "/run/x");
  CHECK(v.hosts == std::vector<std::string>{"127.0.0.1\tweb", "127.0.0.1\tfront", "127.0.0.1\tapi",
                                            "127.0.0.1\tdb-1", "127.0.0.1\tdb",
                                            "127.0.0.1\tdb-2", "127.0.0.1\tplain",
                                            "127.0.0.1\tdatabase", "10.0.0.1\tgw", "::1\tv6"});
  CHECK(!result.manifest->Find("plain")->container.enabled);
  CHECK(result.manifest->Find("plain")->container.hosts.empty());
  CHECK(!result.manifest->Find("db-1")->container.enabled);
  // `stackvisor config` shows the names the service sees, not only its mounts.
  const std::string yaml = EmitYaml(*result.manifest);
  CHECK(yaml.find("      hostname: \"front\"\n      hosts:\n        - \"127.0.0.1\\tweb\"\n") !=
        std::string::npos);
  CHECK(yaml.find("        - \"10.0.0.1\\tgw\"\n") != std::string::npos);
}

TEST_CASE("bind.create_host_path: only an explicit false keeps a missing source from being made") {
  auto result = LoadText(R"(services:
  web:
    command: run
    volumes:
      - {type: bind, source: ./strict, target: /a, bind: {create_host_path: false}}
      - {type: bind, source: ./made, target: /b}
      - {type: bind, source: ./also, target: /c, bind: {create_host_path: true}}
      - ./short:/d
)");
  INFO(Text(result));
  REQUIRE(result.manifest);
  const auto& mounts = result.manifest->Find("web")->container.mounts;
  REQUIRE(mounts.size() == 4);
  CHECK(!mounts[0].create_source);
  CHECK(mounts[1].create_source);
  CHECK(mounts[2].create_source);
  CHECK(mounts[3].create_source);
  CHECK(mounts[0].pos.line == 5);
}

TEST_CASE("Load: an undeclared volume and a missing external one are errors") {
  auto result = LoadText(R"(services:
  a:
    command: run
    volumes: [nope:/x, ext:/y]
volumes:
  ext: {external: true, name: shared}
)");
  CHECK(!result.manifest);
  const std::string text = Text(result);
  CHECK(text.find("inline.yaml:4:15: error: services.a.volumes: volume 'nope' is not declared in "
                  "the top-level 'volumes'") != std::string::npos);
  CHECK(text.find("volume 'ext' is external: it is the directory ") != std::string::npos);
  CHECK(text.find("/volumes/shared, which does not exist") != std::string::npos);
}

TEST_CASE("links: each linked service is a dependency too, as compose orders start and stop") {
  const auto result = LoadText(R"(services:
  redis:
    command: run
  cache:
    command: run
  channels:
    command: run
    links: [redis, "cache:memo"]
    depends_on:
      cache: {condition: service_started, restart: true}
)");
  REQUIRE_MESSAGE(result.manifest, Text(result));
  const Service& channels = *result.manifest->Find("channels");
  REQUIRE(channels.depends_on.size() == 2);
  CHECK(channels.depends_on[0].service == "cache");
  CHECK(channels.depends_on[0].restart);  // the declared one is kept as written
  CHECK(channels.depends_on[1].service == "redis");
  CHECK(channels.depends_on[1].condition == DependCondition::kStarted);
  CHECK(StartOrder(*result.manifest).back() == "channels");
}
