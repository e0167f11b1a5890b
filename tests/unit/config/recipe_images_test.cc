// What each built-in recipe makes of its image: argv, environment, user, readiness, stop signal,
// ports and container view. Needs the Debian packages scripts/install-deps.sh installs; a test
// whose package is missing says so and checks nothing.
#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include "tests/unit/config/recipe_test_util.h"

using namespace stackvisor::config;
using namespace stackvisor::config::testing;

namespace {
const std::string kRecipes =
    std::filesystem::path(STACKVISOR_TEST_DATA "/../../recipes").lexically_normal().string();
}

TEST_CASE("recipe redis: the image's program, port, data volume and user") {
  if (!Installed("/usr/bin/redis-server")) return;
  const auto result = LoadText("services:\n  cache:\n    image: redis:7.2\n");
  const Service s = Only(result, "cache");
  CHECK(s.argv == std::vector<std::string>{"/usr/bin/redis-server"});
  CHECK(s.container.enabled);
  CHECK(s.container.image == "redis:7.2");
  REQUIRE(s.ports.size() == 1);
  CHECK(s.ports[0].port == 6379);
  CHECK(s.healthcheck.kind == ProbeKind::kTcp);
  CHECK(s.healthcheck.tcp_host == "127.0.0.1");
  CHECK(s.healthcheck.tcp_port == 6379);
  CHECK(s.working_dir == "/data");
  CHECK(Env(s, "PATH") == "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  const Mount* data = MountAt(s, "/data");
  REQUIRE(data != nullptr);
  CHECK(data->kind == Mount::Kind::kVolume);
  // An image VOLUME is an anonymous volume: a directory of the project's state (config/
  // container_view.cc), one per service.
  CHECK(data->source.find("/volumes/_anonymous/cache/data") != std::string::npos);
  CHECK(data->volume.empty());
  if (::geteuid() == 0) {
    REQUIRE(s.user.has_value());
    CHECK(s.user->name == "redis");
  } else {
    CHECK_FALSE(s.user.has_value());
  }
  // The image key means something now: it is not among the ignored keys.
  CHECK(Text(result).find("ignored") == std::string::npos);
}

TEST_CASE("recipe redis: command replaces the args, options alone run redis-server") {
  if (!Installed("/usr/bin/redis-server")) return;
  const Service a = Only(
      LoadText("services:\n  r:\n    image: redis\n    command: redis-server --port 6390\n"), "r");
  CHECK(a.argv == std::vector<std::string>{"/usr/bin/redis-server", "--port", "6390"});
  CHECK(a.ports.at(0).port == 6390);
  CHECK(a.healthcheck.tcp_port == 6390);
  const Service b =
      Only(LoadText("services:\n  r:\n    image: redis\n    command: [--port, '6391']\n"), "r");
  CHECK(b.argv == std::vector<std::string>{"/usr/bin/redis-server", "--port", "6391"});
  CHECK(b.healthcheck.tcp_port == 6391);
  // entrypoint: replaces the image's and clears its command, as Docker does.
  const Service c = Only(
      LoadText("services:\n  r:\n    image: redis\n    entrypoint: [/bin/echo, hi]\n"), "r");
  CHECK(c.argv == std::vector<std::string>{"/bin/echo", "hi"});
  // Compose's own healthcheck, stop_signal, user and working_dir beat the image's.
  const Service d = Only(LoadText("services:\n  r:\n    image: redis\n    stop_signal: SIGKILL\n"
                                   "    working_dir: /srv\n    user: '0'\n"
                                   "    healthcheck:\n      test: [CMD, 'true']\n"),
                          "r");
  CHECK(d.stop_signal == SIGKILL);
  CHECK(d.working_dir == "/srv");
  CHECK(d.user->uid == 0);
  CHECK(d.healthcheck.kind == ProbeKind::kExec);
}

TEST_CASE("recipe memcached: -p moves the port; environment keeps compose's values") {
  if (!Installed("/usr/bin/memcached")) return;
  const Service s =
      Only(LoadText("services:\n  m:\n    image: memcached:1.6-alpine\n"
                    "    command: [-p, '11311', -U, '0']\n    environment:\n      PATH: /mine\n"),
           "m");
  CHECK(s.argv == std::vector<std::string>{"/usr/bin/memcached", "-p", "11311", "-U", "0"});
  CHECK(s.ports.at(0).port == 11311);
  CHECK(s.healthcheck.tcp_port == 11311);
  CHECK(Env(s, "PATH") == "/mine");
}

TEST_CASE("recipe nginx: the image's own config files, logs linked, nginx user mapped") {
  if (!Installed("/usr/sbin/nginx")) return;
  const Service s = Only(LoadText("services:\n  proxy:\n    image: nginx:latest\n"), "proxy");
  // The image's entrypoint runs /docker-entrypoint.d, then execs nginx (found on its PATH).
  CHECK(s.argv == std::vector<std::string>{"/docker-entrypoint.sh", "nginx", "-g", "daemon off;"});
  CHECK(s.stop_signal == SIGQUIT);
  CHECK(s.ports.at(0).port == 80);
  const Mount* conf = MountAt(s, "/etc/nginx/nginx.conf");
  REQUIRE(conf != nullptr);
  CHECK(conf->kind == Mount::Kind::kBind);
  CHECK(conf->source == kRecipes + "/nginx/nginx.conf");
  CHECK(conf->read_only);
  REQUIRE(MountAt(s, "/etc/nginx/conf.d/default.conf") != nullptr);
  const Mount* log = MountAt(s, "/var/log/nginx/access.log");
  REQUIRE(log != nullptr);
  CHECK(log->kind == Mount::Kind::kSymlink);
  CHECK(log->source == "/dev/stdout");
  CHECK(MountAt(s, "/var/log/nginx/error.log")->source == "/dev/stderr");
  // Its pid file and temp paths are scratch space of its own, as in a container.
  for (const char* scratch : {"/run", "/var/lib/nginx", "/var/cache/nginx"}) {
    CAPTURE(scratch);
    const Mount* tmp = MountAt(s, scratch);
    REQUIRE(tmp != nullptr);
    CHECK(tmp->kind == Mount::Kind::kTmpfs);
  }
  REQUIRE(s.container.passwd.size() == 1);
  CHECK(s.container.passwd[0].rfind("nginx:x:", 0) == 0);
  if (::geteuid() == 0) CHECK(s.container.passwd[0].rfind("nginx:x:33:33:", 0) == 0);
  CHECK_FALSE(s.user.has_value());  // the master runs as us; `user nginx;` names the workers'
}

TEST_CASE("recipe nginx-unprivileged: nginx as the image user, on 8080, its own config, /tmp") {
  if (!Installed("/usr/sbin/nginx")) return;
  const Service s = Only(
      LoadText("services:\n  proxy:\n    image: nginxinc/nginx-unprivileged:1-alpine\n"), "proxy");
  CHECK(s.argv == std::vector<std::string>{"/docker-entrypoint.sh", "nginx", "-g", "daemon off;"});
  CHECK(s.stop_signal == SIGQUIT);
  REQUIRE(s.ports.size() == 1);
  CHECK(s.ports[0].port == 8080);
  CHECK(s.healthcheck.tcp_port == 8080);
  // Its own files replace the base recipe's: one bind per path.
  int confs = 0;
  for (const Mount& m : s.container.mounts) confs += m.target == "/etc/nginx/nginx.conf";
  CHECK(confs == 1);
  CHECK(MountAt(s, "/etc/nginx/nginx.conf")->source == kRecipes + "/nginx-unprivileged/nginx.conf");
  CHECK(MountAt(s, "/etc/nginx/conf.d/default.conf")->source ==
        kRecipes + "/nginx-unprivileged/default.conf");
  REQUIRE(MountAt(s, "/tmp") != nullptr);  // pid file and temp paths
  CHECK(MountAt(s, "/tmp")->kind == Mount::Kind::kTmpfs);
  CHECK(MountAt(s, "/var/log/nginx/error.log")->source == "/dev/stderr");
  // The master runs as the image user: Debian's www-data as root; as anyone else, ourselves.
  if (::geteuid() == 0) {
    REQUIRE(s.user.has_value());
    CHECK(s.user->name == "www-data");
  } else {
    CHECK_FALSE(s.user.has_value());
  }
}

TEST_CASE("recipe postgres: the entrypoint, the host's major version, SIGINT, notify") {
  if (!Installed("/usr/lib/postgresql")) return;
  const auto result =
      LoadText("services:\n  db:\n    image: postgres:9.6\n    command: [-c, fsync=off]\n");
  const Service s = Only(result, "db");
  CHECK(s.entrypoint == std::vector<std::string>{"/usr/local/bin/docker-entrypoint.sh"});
  // Bound there from the recipes, so the postgres user reads it whatever the checkout's parents.
  const Mount* entry = MountAt(s, "/usr/local/bin/docker-entrypoint.sh");
  REQUIRE(entry != nullptr);
  CHECK(entry->source == kRecipes + "/postgres/docker-entrypoint.sh");
  // `-c x` runs as `postgres -c x`: the entrypoint script does that, as the image's does.
  CHECK(s.command == std::vector<std::string>{"-c", "fsync=off"});
  CHECK(s.stop_signal == SIGINT);
  CHECK(s.healthcheck.kind == ProbeKind::kNotify);
  CHECK(Env(s, "PGDATA") == "/var/lib/postgresql/data");
  CHECK(Env(s, "PATH").rfind("/usr/lib/postgresql/", 0) == 0);
  CHECK(MountAt(s, "/var/lib/postgresql/data")->kind == Mount::Kind::kVolume);
  CHECK(s.ports.at(0).port == 5432);
  // Published nowhere: loopback only, where the stack's services reach it by name.
  CHECK(Env(s, "STACKVISOR_LISTEN_ADDRESSES") == "localhost");
  CHECK_FALSE(s.user.has_value());  // the entrypoint drops root itself
  // 9.6 is not what Debian 12 has: the installed one, with a warning.
  CHECK(Text(result).find("asks for version 9.6, which this host lacks: using ") !=
        std::string::npos);
}

TEST_CASE("recipe postgres: listens where ports: publishes it, else on loopback") {
  if (!Installed("/usr/lib/postgresql")) return;
  for (auto [ports, expected] :
       {std::pair{"['5434:5432']", "*"}, std::pair{"['127.0.0.1:5432:5432']", "127.0.0.1,localhost"},
        std::pair{"['0.0.0.0:5432:5432']", "*"}, std::pair{"[]", "localhost"}}) {
    const auto result = LoadText(std::string("services:\n  db:\n    image: postgres:15\n    ports: ") +
                                 ports + "\n");
    CAPTURE(ports);
    CHECK(Env(Only(result, "db"), "STACKVISOR_LISTEN_ADDRESSES") == expected);
  }
}

TEST_CASE("recipe postgis: postgres plus the PostGIS init script; both image names") {
  if (!Installed("/usr/lib/postgresql")) return;
  // Each image's own name for the script: it decides whether the user's init scripts run
  // before it (mdillon's postgis.sh sorts after init_*.sh) or after (10_postgis.sh).
  for (auto [image, script] : {std::pair{"postgis/postgis:15-3.3", "10_postgis.sh"},
                               std::pair{"mdillon/postgis:9.6", "postgis.sh"}}) {
    CAPTURE(image);
    const auto result = LoadText(std::string("services:\n  db:\n    image: ") + image + "\n");
    if (!result.manifest && Text(result).find("apt-get install postgresql-") != std::string::npos) {
      MESSAGE("skipped: PostGIS is not installed");
      return;
    }
    const Service s = Only(result, "db");
    CHECK(s.entrypoint.at(0) == "/usr/local/bin/docker-entrypoint.sh");
    const Mount* init = MountAt(s, std::string("/docker-entrypoint-initdb.d/") + script);
    REQUIRE(init != nullptr);
    CHECK(init->source == kRecipes + "/postgis/initdb-postgis.sh");
  }
}

TEST_CASE("recipe caddy and python: default commands and the image's paths") {
  if (Installed("/usr/bin/caddy")) {
    const Service c = Only(LoadText("services:\n  c:\n    image: caddy:2\n"), "c");
    CHECK(c.argv == std::vector<std::string>{"/usr/bin/caddy", "run", "--config",
                                             "/etc/caddy/Caddyfile", "--adapter", "caddyfile"});
    CHECK(MountAt(c, "/etc/caddy/Caddyfile")->source == kRecipes + "/caddy/Caddyfile");
    CHECK(MountAt(c, "/data")->kind == Mount::Kind::kVolume);
    // Its local CA's root must not reach the host's trust store (the image's goes to its
    // container layer): the store caddy writes is read-only in its view.
    const Mount* trust = MountAt(c, "/usr/local/share/ca-certificates");
    REQUIRE(trust != nullptr);
    CHECK(trust->read_only);
  }
  const auto result = LoadText("services:\n  app:\n    image: python:3.11-slim\n"
                               "    command: python manage.py runserver\n");
  const Service p = Only(result, "app");
  REQUIRE(p.argv.size() == 3);
  CHECK(p.argv[0].rfind("/usr/bin/python3.", 0) == 0);
  const Mount* link = MountAt(p, "/usr/local/bin/python");
  REQUIRE(link != nullptr);
  CHECK(link->kind == Mount::Kind::kSymlink);
  CHECK(link->source == p.argv[0]);
  CHECK(MountAt(p, "/usr/local/bin/python3") != nullptr);
  CHECK(Env(p, "PATH").rfind("/usr/local/bin:", 0) == 0);
}

TEST_CASE("recipe: `stackvisor config` output of an expanded service loads back the same") {
  if (!Installed("/usr/bin/redis-server") || !Installed("/usr/sbin/nginx")) return;
  const auto first = LoadText(
      "services:\n  cache:\n    image: redis:7\n    command: [--port, '6390']\n"
      "  proxy:\n    image: nginx\n");
  REQUIRE_MESSAGE(first.manifest, Text(first));
  const std::string yaml = EmitYaml(*first.manifest);
  INFO(yaml);
  CHECK(yaml.find("- \"volume (anonymous) ") != std::string::npos);
  CHECK(yaml.find("- \"6390/tcp\"") != std::string::npos);
  const auto second = LoadText(yaml);
  REQUIRE_MESSAGE(second.manifest, Text(second));
  Manifest a = *first.manifest, b = *second.manifest;
  for (auto* m : {&a, &b}) {
    m->files.clear();
    for (auto& s : m->services) {
      s.pos = {};
      for (auto& mount : s.container.mounts) mount.pos = {};
      for (auto& port : s.ports) port.pos = {};
      // `config` prints the resolved ports (an image's defaults too) under `ports:`, which the
      // second load keeps as written; Service::ports is what must round-trip.
      s.engine.ports.clear();
    }
  }
  for (size_t i = 0; i < a.services.size(); ++i) {
    CAPTURE(a.services[i].name);
    CHECK(a.services[i].argv == b.services[i].argv);
    CHECK(a.services[i].environment == b.services[i].environment);
    CHECK(a.services[i].container == b.services[i].container);
    CHECK(a.services[i].ports == b.services[i].ports);
    CHECK(a.services[i].container.hosts == b.services[i].container.hosts);
    CHECK(a.services[i].working_dir == b.services[i].working_dir);
    CHECK(a.services[i].healthcheck == b.services[i].healthcheck);
    CHECK(a.services[i] == b.services[i]);
  }
}

TEST_CASE("a written user that names an image user is the recipe's host user, or ourselves") {
  if (!Installed("/usr/sbin/nginx") || !Installed("/usr/lib/postgresql")) return;
  const std::string yaml =
      "services:\n  web:\n    image: nginx:latest\n    user: nginx:nginx\n"
      "  db:\n    image: postgres:15\n    user: postgres\n";
  LoadOptions root = OptionsIn("");
  root.euid = 0;
  const auto as_root = LoadText(yaml, root);
  INFO(Text(as_root));
  // As root, `user: nginx:nginx` on nginx is the image's user, Debian's www-data (group too).
  const Service web = Only(as_root, "web");
  REQUIRE(web.user.has_value());
  CHECK(web.user->name == "www-data");
  CHECK(web.user->uid == 33);
  CHECK(web.user->gid == 33);
  CHECK(web.user->spec == "nginx:nginx");  // shown as written
  REQUIRE(Only(as_root, "db").user.has_value());
  CHECK(Only(as_root, "db").user->name == "postgres");
  // As anyone else every image user is ourselves, as for the image's own user: before, both
  // were refused ("unknown user 'nginx'", "cannot run as user 'postgres'").
  LoadOptions user = OptionsIn("");
  user.euid = 12345;
  const auto as_user = LoadText(yaml, user);
  INFO(Text(as_user));
  CHECK_FALSE(Only(as_user, "web").user.has_value());
  CHECK_FALSE(Only(as_user, "db").user.has_value());
}

TEST_CASE("a written user the image does not have is still the host's to give") {
  if (!Installed("/usr/bin/redis-server")) return;
  for (unsigned euid : {0u, 12345u}) {
    LoadOptions options = OptionsIn("");
    options.euid = euid;
    const auto result =
        LoadText("services:\n  cache:\n    image: redis:7\n    user: nginx\n", options);
    CHECK_FALSE(result.manifest);
    CHECK(Text(result) == "inline.yaml:4:11: error: services.cache.user: unknown user 'nginx'\n");
  }
  // Without an image nothing can name it: reported where it is written, as before.
  const auto plain = LoadText("services:\n  a:\n    command: run\n    user: nobody-here\n");
  CHECK(Text(plain) == "inline.yaml:4:11: error: services.a.user: unknown user 'nobody-here'\n");
}
