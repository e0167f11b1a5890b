#include <doctest/doctest.h>

#include "config/loader.h"
#include "export/bundle.h"
#include "export/kubernetes_pod.h"
#include "export/yaml_value.h"

using namespace stackvisor;
using namespace stackvisor::exporter;

TEST_CASE("Value prints block YAML with every string quoted") {
  Value doc = Value::Map();
  doc.Set("kind", "Deployment");
  doc.Set("replicas", 1);
  Value& list = doc.Set("containers", Value::List());
  Value& c = list.Push(Value::Map());
  c.Set("name", "no");  // would be a boolean unquoted
  c.Set("command", Value::List()).Push("a: b");
  doc.Set("empty", Value::List());
  doc.Set("weird key", Value::Bool(true));
  CHECK(doc.Yaml() ==
        "kind: \"Deployment\"\n"
        "replicas: 1\n"
        "containers:\n"
        "  - name: \"no\"\n"
        "    command:\n"
        "      - \"a: b\"\n"
        "empty: []\n"
        "\"weird key\": true\n");
}

TEST_CASE("ParsePort reads compose's short syntax") {
  auto p = k8s::ParsePort("127.0.0.1:8080:80/udp");
  REQUIRE(p);
  CHECK(p->published == 8080);
  CHECK(p->target == 80);
  CHECK(p->protocol == "UDP");
  p = k8s::ParsePort("5432");
  REQUIRE(p);
  CHECK(p->published == 5432);
  CHECK(p->target == 5432);
  CHECK_FALSE(k8s::ParsePort("8000-8010:8000-8010"));
  CHECK_FALSE(k8s::ParsePort("99999"));
}

TEST_CASE("DnsName makes object names Kubernetes accepts") {
  CHECK(k8s::DnsName("db_init.v2") == "db-init-v2");
  CHECK(k8s::DnsName("Web") == "web");
  CHECK(k8s::DnsName("__") == "x");
}

TEST_CASE("ToKubernetes reports a service without an image and keeps secrets apart") {
  config::LoadOptions options;
  options.cwd = "/tmp";
  auto result = config::LoadFromString(
      "name: p\nservices:\n  web:\n    command: /bin/web\n"
      "    environment: {API_TOKEN: t0k, MODE: prod}\n",
      "compose.yaml", options);
  REQUIRE(result.manifest);
  Bundle b = ToKubernetes(*result.manifest, Options{});
  REQUIRE(b.files.size() == 2);
  CHECK(b.files[0].name == "p.yaml");
  CHECK_FALSE(b.files[0].secret);
  CHECK(b.files[0].content.find("t0k") == std::string::npos);
  CHECK(b.files[0].content.find("MODE: \"prod\"") != std::string::npos);
  CHECK(b.files[1].name == "p-secrets.yaml");
  CHECK(b.files[1].secret);
  CHECK(b.files[1].content.find("API_TOKEN: \"t0k\"") != std::string::npos);
  REQUIRE_FALSE(b.unmapped.empty());
  CHECK(b.unmapped[0].key == "services.web.image");
}

TEST_CASE("ToNomad: one-shots before the main tasks, secrets in a variables file") {
  config::LoadOptions options;
  options.cwd = "/tmp";
  auto result = config::LoadFromString(
      "name: p\nservices:\n  init:\n    command: /bin/true\n"
      "  web:\n    command: /bin/web --port 80\n    environment: {DB_PASSWORD: pw}\n"
      "    depends_on: {init: {condition: service_completed_successfully}}\n",
      "compose.yaml", options);
  REQUIRE(result.manifest);
  Bundle b = ToNomad(*result.manifest, Options{});
  REQUIRE(b.files.size() == 2);
  const std::string& job = b.files[0].content;
  CHECK(job.find("hook = \"prestart\"") != std::string::npos);
  CHECK(job.find("args = [\"--port\", \"80\"]") != std::string::npos);
  CHECK(job.find("pw") == std::string::npos);
  CHECK(b.files[1].name == "p-web.nv.hcl");
  CHECK(b.files[1].secret);
  CHECK(b.files[1].content.find("DB_PASSWORD = \"pw\"") != std::string::npos);
}

namespace {

config::Manifest SocketManifest() {
  config::LoadOptions options;
  options.cwd = "/tmp";
  auto result = config::LoadFromString(
      "name: p\nservices:\n  ws:\n    command: /bin/daphne --fd 3 app\n"
      "    x-stackvisor: {sockets: [127.0.0.1:8001]}\n",
      "compose.yaml", options);
  REQUIRE(result.manifest);
  return *result.manifest;
}

bool SaysSockets(const Bundle& b, const std::string& engine) {
  for (const auto& u : b.unmapped)
    if (u.key == "services.ws.x-stackvisor.sockets" &&
        u.why.find("fds 3..") != std::string::npos &&
        u.why.find("127.0.0.1:8001") != std::string::npos &&
        u.why.find(engine + " cannot pass") != std::string::npos)
      return true;
  return false;
}

}  // namespace

TEST_CASE("ToKubernetes and ToNomad say a service expects inherited sockets they cannot pass") {
  const config::Manifest m = SocketManifest();
  Bundle k = ToKubernetes(m, Options{});
  CHECK(SaysSockets(k, "Kubernetes"));
  CHECK(k.files[0].content.find("#   services.ws.x-stackvisor.sockets: ") != std::string::npos);
  Bundle n = ToNomad(m, Options{});
  CHECK(SaysSockets(n, "Nomad"));
  CHECK(n.files[0].content.find("#   services.ws.x-stackvisor.sockets: ") != std::string::npos);
}
