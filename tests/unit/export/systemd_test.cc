#include <doctest/doctest.h>

#include "config/loader.h"
#include "export/bundle.h"
#include "export/common.h"
#include "export/systemd_syntax.h"

using namespace stackvisor;
using namespace stackvisor::exporter;
using Words = std::vector<std::string>;

namespace {

config::Manifest LoadText(const std::string& text) {
  config::LoadOptions options;
  options.cwd = "/tmp";
  auto result = config::LoadFromString(text, "compose.yaml", options);
  REQUIRE(result.manifest);
  return *result.manifest;
}

const File& Named(const Bundle& b, const std::string& name) {
  for (const auto& f : b.files)
    if (f.name == name) return f;
  FAIL("no file " << name);
  return b.files.front();
}

}  // namespace

TEST_CASE("SdWord leaves plain words alone and protects specifiers, variables and quotes") {
  CHECK(SdWord("/usr/bin/gunicorn") == "/usr/bin/gunicorn");
  CHECK(SdWord("--bind=127.0.0.1:8000") == "--bind=127.0.0.1:8000");
  CHECK(SdWord("") == "\"\"");
  CHECK(SdWord("a b") == "\"a b\"");
  CHECK(SdWord("100%") == "\"100%%\"");
  CHECK(SdWord("$HOME") == "\"$$HOME\"");
  CHECK(SdWord("say \"hi\"\\") == "\"say \\\"hi\\\"\\\\\"");
  CHECK(SdCommand({"/bin/sh", "-c", "echo $1"}) == "/bin/sh -c \"echo $$1\"");
}

TEST_CASE("EnvFileLine escapes what the env file parser would expand") {
  CHECK(EnvFileLine("A", "plain") == "A=\"plain\"\n");
  CHECK(EnvFileLine("A", "$x \"q\" `c` \\") == "A=\"\\$x \\\"q\\\" \\`c\\` \\\\\"\n");
}

TEST_CASE("SdSeconds and WaitTimeout") {
  CHECK(SdSeconds(config::Duration(30000)) == "30s");
  CHECK(SdSeconds(config::Duration(1500)) == "1500ms");
  config::Healthcheck h;
  h.start_period = config::Duration(10000);
  h.interval = config::Duration(5000);
  h.timeout = config::Duration(2000);
  h.retries = 5;
  CHECK(WaitTimeout(h) == config::Duration(45000));
}

TEST_CASE("IsSecretKey matches credential words, not substrings") {
  CHECK(IsSecretKey("POSTGRES_PASSWORD"));
  CHECK(IsSecretKey("DJANGO_SECRET_KEY"));
  CHECK(IsSecretKey("api_token"));
  CHECK_FALSE(IsSecretKey("MONKEY"));
  CHECK_FALSE(IsSecretKey("POSTGRES_USER"));
  CHECK_FALSE(IsSecretKey("KEYBOARD_LAYOUT"));
}

TEST_CASE("ParseUrl splits host, port and path") {
  Url u = ParseUrl("http://127.0.0.1:8001/health");
  CHECK(u.host == "127.0.0.1");
  CHECK(u.port == 8001);
  CHECK(u.path == "/health");
  u = ParseUrl("http://[::1]/");
  CHECK(u.host == "::1");
  CHECK(u.port == 80);
}

TEST_CASE("The loader keeps image, ports and volumes (short and long syntax) for export") {
  auto m = LoadText(
      "services:\n  db:\n    command: x\n    image: postgres:15\n"
      "    ports: ['5432', {target: 80, published: 8080, protocol: tcp}]\n"
      "    volumes: [data:/var/lib/data, {type: volume, source: logs, target: /logs}]\n"
      "    labels: {a: b}\n"
      "volumes: {data: {}, logs: {}}\n");
  const auto& e = m.services[0].engine;
  CHECK(e.image == "postgres:15");
  CHECK(e.ports == Words{"5432", "8080:80/tcp"});
  CHECK(e.volumes == Words{"data:/var/lib/data", "logs:/logs"});
  CHECK(e.ignored == Words{"labels"});
}

TEST_CASE("ToSystemd: oneshot for completion dependencies, notify, ordering, env file") {
  auto m = LoadText(
      "name: p\nservices:\n"
      "  init:\n    command: /bin/true\n    restart: always\n"
      "  db:\n    command: /bin/db\n    environment: {PW: s3cret, GONE: null}\n"
      "    depends_on: {init: {condition: service_completed_successfully}}\n"
      "    x-stackvisor: {healthcheck: {notify: true}}\n");
  Options o;
  o.output_dir = "/srv/units";
  Bundle b = ToSystemd(m, o);
  const std::string& init = Named(b, "p-init.service").content;
  CHECK(init.find("Type=oneshot\nRemainAfterExit=yes\n") != std::string::npos);
  CHECK(init.find("Restart=on-failure\n") != std::string::npos);  // always refused for oneshot
  const std::string& db = Named(b, "p-db.service").content;
  CHECK(db.find("Type=notify\n") != std::string::npos);
  CHECK(db.find("After=p-init.service\nRequires=p-init.service\n") != std::string::npos);
  CHECK(db.find("EnvironmentFile=/srv/units/p-db.env\n") != std::string::npos);
  CHECK(db.find("s3cret") == std::string::npos);
  const File& env = Named(b, "p-db.env");
  CHECK(env.secret);
  CHECK(env.content == "PW=\"s3cret\"\n");
  REQUIRE(b.unmapped.size() >= 1);
  CHECK(b.unmapped[0].key == "services.init.restart");
  CHECK(Named(b, "p.target").content.find("Wants=p-db.service\n") != std::string::npos);
}

TEST_CASE("LoadOptions::euid: export resolves `user:` as the root service manager would") {
  config::LoadOptions options;
  options.cwd = "/tmp";
  const std::string text = "services:\n  db:\n    command: /bin/db\n    user: daemon\n";
  options.euid = 4242;  // an ordinary user cannot switch to daemon
  auto as_user = config::LoadFromString(text, "compose.yaml", options);
  CHECK_FALSE(as_user.manifest);
  options.euid = 0;
  auto as_root = config::LoadFromString(text, "compose.yaml", options);
  REQUIRE(as_root.manifest);
  CHECK(as_root.manifest->services[0].user->name == "daemon");
}

TEST_CASE("ToSystemd: sockets become one .socket unit, in fd order, that the service requires") {
  auto m = LoadText(
      "name: p\nservices:\n  web:\n    command: /bin/web\n"
      "    x-stackvisor:\n      sockets:\n        - 127.0.0.1:8000\n"
      "        - {listen: 'unix:/run/p/admin.sock', mode: '0660', backlog: 128}\n"
      "        - '[::1]:8002'\n");
  Bundle b = ToSystemd(m, Options{"/srv/units"});
  const std::string& web = Named(b, "p-web.service").content;
  CHECK(web.find("Requires=p-web.socket\nAfter=p-web.socket\n") != std::string::npos);
  CHECK(web.find("Sockets=p-web.socket\n") != std::string::npos);
  const std::string& socket = Named(b, "p-web.socket").content;
  CHECK(socket.find("[Socket]\nListenStream=127.0.0.1:8000\nListenStream=/run/p/admin.sock\n"
                    "ListenStream=[::1]:8002\nFileDescriptorName=web\nBacklog=4096\n"
                    "SocketMode=0660\nService=p-web.service\n\n[Install]\nWantedBy=p.target\n") !=
        std::string::npos);
  CHECK(Named(b, "p.target").content.find("Wants=p-web.socket\n") != std::string::npos);
  REQUIRE(b.unmapped.size() == 1);  // backlog differs; one unit has one Backlog=
  CHECK(b.unmapped[0].key == "services.web.x-stackvisor.sockets.backlog");
}

TEST_CASE("ToSystemd: a service without sockets gets no socket unit") {
  auto m = LoadText("name: p\nservices:\n  web:\n    command: /bin/web\n");
  Bundle b = ToSystemd(m, Options{"/srv/units"});
  for (const auto& f : b.files) CHECK(f.name.find(".socket") == std::string::npos);
  CHECK(Named(b, "p-web.service").content.find("Sockets=") == std::string::npos);
}

TEST_CASE("ToSystemd: replicas share their group's one socket unit, as under `up`") {
  auto m = LoadText(
      "name: p\nservices:\n  web:\n    command: /bin/web\n    deploy: {replicas: 2}\n"
      "    x-stackvisor: {sockets: [127.0.0.1:8000]}\n");
  Bundle b = ToSystemd(m, Options{"/srv/units"});
  int socket_units = 0;
  for (const auto& f : b.files) socket_units += f.name.ends_with(".socket") ? 1 : 0;
  CHECK(socket_units == 1);
  CHECK(Named(b, "p-web.socket").content.find("ListenStream=127.0.0.1:8000\n") !=
        std::string::npos);
  for (const char* unit : {"p-web-1.service", "p-web-2.service"})
    CHECK(Named(b, unit).content.find("Sockets=p-web.socket\n") != std::string::npos);
  const std::string& target = Named(b, "p.target").content;
  CHECK(target.find("Wants=p-web.socket\n") == target.rfind("Wants=p-web.socket\n"));
}
