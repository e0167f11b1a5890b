// build: services: a FROM with a recipe makes the service that recipe, and the Dockerfile's
// WORKDIR, ENV, USER, CMD/ENTRYPOINT and COPY/ADD apply over it; RUN steps are named once.
#include <doctest/doctest.h>

#include "tests/unit/config/recipe_test_util.h"

using namespace stackvisor::config;
using namespace stackvisor::config::testing;

namespace {

LoadResult LoadIn(const TempDir& project, const std::string& yaml) {
  LoadOptions options = OptionsIn("");
  options.cwd = project.path();
  return LoadFromString(yaml, "compose.yaml", options);
}

const std::string kFake =
    "x-stackvisor:\n  recipes:\n    base:\n      images: [example/base]\n"
    "      binary: [/bin/true]\n      entrypoint: [/entry]\n      command: [serve]\n"
    "      working_dir: /srv\n      environment: {A: image, B: image}\n      user: '0'\n"
    "      files: {/etc/base.conf: /dev/null}\n";

}  // namespace

TEST_CASE("recipe build: the Dockerfile's settings over the base recipe, compose's over both") {
  TempDir p;
  p.Write("app/Dockerfile",
          "FROM example/base:1\nWORKDIR /code\nENV B=dockerfile C=dockerfile\n"
          "COPY run.sh /code/\nRUN apt-get update\nCMD [\"./run.sh\", \"--fast\"]\n");
  p.Write("app/run.sh", "#!/bin/sh\n", true);
  auto result = LoadIn(p, kFake + "services:\n  app:\n    build: ./app\n"
                                  "    environment: {C: compose}\n");
  Service s = Only(result, "app");
  // The Dockerfile's CMD replaces the image's; the image's ENTRYPOINT stays, as in Docker.
  CHECK(s.argv == std::vector<std::string>{"/entry", "./run.sh", "--fast"});
  CHECK(s.working_dir == "/code");
  CHECK(Env(s, "A") == "image");
  CHECK(Env(s, "B") == "dockerfile");
  CHECK(Env(s, "C") == "compose");
  CHECK(s.container.image == "example/base:1");
  const Mount* run = MountAt(s, "/code/run.sh");
  REQUIRE(run != nullptr);
  CHECK(run->kind == Mount::Kind::kBind);
  CHECK(run->source == p.path() + "/app/run.sh");
  CHECK(MountAt(s, "/etc/base.conf") != nullptr);
  // One note for the skipped RUN step, at the service's build.
  CHECK(Text(result).find("services.app.build: 1 Dockerfile step(s) skipped (a native process "
                          "cannot replay them; install what they would with apt-get): line 5: "
                          "RUN apt-get update") != std::string::npos);

  // An ENTRYPOINT in the Dockerfile resets the image's CMD; compose's command then replaces it.
  p.Write("app/Dockerfile", "FROM example/base\nENTRYPOINT [\"/bin/run\"]\n");
  s = Only(LoadIn(p, kFake + "services:\n  app:\n    build: ./app\n"), "app");
  CHECK(s.argv == std::vector<std::string>{"/bin/run"});
  s = Only(LoadIn(p, kFake + "services:\n  app:\n    build: {context: app}\n"
                             "    command: [x, y]\n    working_dir: /w\n"),
           "app");
  CHECK(s.argv == std::vector<std::string>{"/bin/run", "x", "y"});
  CHECK(s.working_dir == "/w");
}

TEST_CASE("recipe build: seed 000's nginx image (FROM nginx + ADD nginx.conf, RUN rm)") {
  if (!Installed("/usr/sbin/nginx")) return;
  TempDir p;
  p.Write("nginx/Dockerfile",
          "FROM nginx:latest\nRUN rm /etc/nginx/conf.d/default.conf\n"
          "ADD nginx.conf /etc/nginx/nginx.conf\n");
  p.Write("nginx/nginx.conf", "events {}\n");
  const Service s = Only(LoadIn(p, "services:\n  nginx:\n    build: ./nginx\n"), "nginx");
  // The image's entrypoint runs /docker-entrypoint.d, then execs nginx (found on its PATH).
  CHECK(s.argv == std::vector<std::string>{"/docker-entrypoint.sh", "nginx", "-g", "daemon off;"});
  // The ADDed file is the only one at nginx.conf, and the removed default site is not supplied.
  int at_conf = 0;
  for (const auto& m : s.container.mounts) at_conf += m.target == "/etc/nginx/nginx.conf";
  CHECK(at_conf == 1);
  CHECK(MountAt(s, "/etc/nginx/nginx.conf")->source == p.path() + "/nginx/nginx.conf");
  CHECK(MountAt(s, "/etc/nginx/conf.d/default.conf") == nullptr);
  CHECK(MountAt(s, "/var/log/nginx/access.log") != nullptr);
}

TEST_CASE("recipe build: a RUN touch of a recipe's file makes it an empty file of the service's") {
  if (!Installed("/usr/sbin/nginx")) return;
  TempDir p;
  p.Write("proxy/Dockerfile",
          "FROM nginxinc/nginx-unprivileged:1-alpine\nUSER root\n"
          "RUN touch /etc/nginx/conf.d/default.conf && chown nginx:nginx "
          "/etc/nginx/conf.d/default.conf\nUSER nginx\n");
  const Service s = Only(LoadIn(p, "services:\n  proxy:\n    build: ./proxy\n"), "proxy");
  CHECK(MountAt(s, "/etc/nginx/conf.d/default.conf") == nullptr);  // not the recipe's file
  CHECK(s.container.touched == std::vector<std::string>{"/etc/nginx/conf.d/default.conf"});
  CHECK(MountAt(s, "/etc/nginx/nginx.conf") != nullptr);
}

TEST_CASE("recipe build: a python app on the host's interpreter, requirements checked") {
  TempDir p;
  p.Write("src/Dockerfile",
          "FROM python:3.9-slim\nENV PYTHONUNBUFFERED=1\nWORKDIR /src\nCOPY requirements.txt "
          "/src/\nRUN pip install -r requirements.txt\nCOPY . /src/\n"
          "CMD [\"python\", \"manage.py\", \"runserver\"]\n");
  p.Write("src/requirements.txt", "surely-not-installed-dist==1.0\n");
  p.Write("src/manage.py", "print(1)\n");
  const auto result = LoadIn(p, "services:\n  web:\n    build: ./src\n");
  const Service s = Only(result, "web");
  REQUIRE(s.argv.size() == 3);
  CHECK(s.argv[0].rfind("/usr/bin/python3.", 0) == 0);
  CHECK(s.argv[1] == "manage.py");
  CHECK(s.working_dir == "/src");
  CHECK(Env(s, "PYTHONUNBUFFERED") == "1");
  CHECK(MountAt(s, "/src")->source == p.path() + "/src");
  CHECK(MountAt(s, "/usr/local/bin/python")->kind == Mount::Kind::kSymlink);
  const std::string text = Text(result);
  CHECK(text.find("apt-get install python3-surely-not-installed-dist") != std::string::npos);
  CHECK(text.find("RUN pip install -r requirements.txt") != std::string::npos);
}

TEST_CASE("recipe build: no recipe for FROM and no command is the clear error; unread "
          "Dockerfiles do not block a service with a command") {
  TempDir p;
  p.Write("x/Dockerfile", "FROM example/unknown:2\n");
  auto result = LoadIn(p, "services:\n  x:\n    build: x\n");
  CHECK(Text(result) ==
        "compose.yaml:3:12: error: services.x.build: no recipe for the base image "
        "'example/unknown:2' of its Dockerfile and no 'command' to run instead: give the service "
        "a 'command', add a recipe (docs/recipes.md), leave it out with a profile, name the "
        "services to start, or pass --ignore-unavailable\n");
  result = LoadIn(p, "services:\n  x:\n    build: x\n    command: /bin/true\n");
  CHECK(Only(result, "x").argv == std::vector<std::string>{"/bin/true"});
  result = LoadIn(p, "services:\n  x:\n    build: nowhere\n    command: /bin/true\n");
  CHECK(Only(result, "x").argv == std::vector<std::string>{"/bin/true"});
}

TEST_CASE("recipe build: an EXPOSE-only port shared with another service is a warning, not a clash") {
  TempDir p;
  p.Write("a/Dockerfile", "FROM example/base\nEXPOSE 8000\n");
  p.Write("b/Dockerfile", "FROM example/base\nEXPOSE 8000 9000\n");
  const std::string services =
      "services:\n  a:\n    build: ./a\n  b:\n    build: ./b\n"
      "  c:\n    command: [serve]\n    ports: [\"8000:8000\"]\n";
  auto result = LoadIn(p, kFake + services);
  REQUIRE_MESSAGE(result.manifest.has_value(), Text(result));
  CHECK(Text(result).find("compose.yaml:16:12: warning: services.b: 8000/tcp is also a port of "
                          "service a (compose.yaml:14:12); b's Dockerfile only EXPOSEs it, which "
                          "binds nothing: if both listen on 8000/tcp, the second fails to bind "
                          "(there is no network namespace)") != std::string::npos);
  CHECK(Text(result).find("services.c.ports[0]: 8000/tcp is also a port of service a") !=
        std::string::npos);
  CHECK(Text(result).find("error") == std::string::npos);
  const Service b = Only(result, "b");
  REQUIRE(b.ports.size() == 2);
  CHECK(b.ports[0].exposed_only);
  // `ports:` over an EXPOSE says the process listens there: then it is a port like any other.
  p.Write("b/Dockerfile", "FROM example/base\nEXPOSE 8000\n");
  result = LoadIn(p, kFake + "services:\n  a:\n    build: ./a\n    ports: [\"8000\"]\n"
                             "  b:\n    build: ./b\n    ports: [\"8000\"]\n");
  CHECK_FALSE(result.manifest.has_value());
  CHECK(Text(result).find("error: services.b: 8000/tcp is also a port of service a") !=
        std::string::npos);
  // A recipe's own listen port is known: two services of it clash, EXPOSE or not.
  const std::string with_port = kFake + "      ports: [8000]\n";
  result = LoadIn(p, with_port + "services:\n  a:\n    build: ./a\n  b:\n    build: ./b\n");
  CHECK_FALSE(result.manifest.has_value());
  CHECK(Text(result).find("error: services.b: 8000/tcp is also a port of service a") !=
        std::string::npos);
}
