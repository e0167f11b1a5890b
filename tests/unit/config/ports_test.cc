// ports: and expose: (config/port_spec.h, config/service_ports.cc): the short and long syntax,
// ranges, merging with an image's default ports, what `config` and `up` show, and the clashes.
#include <doctest/doctest.h>

#include "config/port_spec.h"
#include "config/service_hash.h"
#include "tests/unit/config/load_test_util.h"

using namespace stackvisor::config;
using namespace stackvisor::config::testing;

namespace {

std::vector<std::string> Shown(const std::vector<Port>& ports) {
  std::vector<std::string> out;
  for (const auto& p : ports) out.push_back(FormatPort(p));
  return out;
}

std::vector<std::string> Parsed(const std::string& spec) {
  std::vector<Port> ports;
  auto why = ParsePortSpec(spec, ports);
  if (why) return {"error: " + *why};
  return Shown(ports);
}

using Texts = std::vector<std::string>;

}  // namespace

TEST_CASE("ParsePortSpec: compose's short syntax") {
  CHECK(Parsed("80") == Texts{"80/tcp"});
  CHECK(Parsed("1337:80") == Texts{"1337:80/tcp"});
  CHECK(Parsed("127.0.0.1:8001:8001") == Texts{"127.0.0.1:8001:8001/tcp"});
  CHECK(Parsed("127.0.0.1::5000") == Texts{"127.0.0.1::5000/tcp"});
  CHECK(Parsed("::1:6000:6000") == Texts{"[::1]:6000:6000/tcp"});
  CHECK(Parsed("[::1]:6001:6001/udp") == Texts{"[::1]:6001:6001/udp"});
  CHECK(Parsed("53:53/udp") == Texts{"53:53/udp"});
  CHECK(Parsed("8000-8002:8000-8002") ==
        Texts{"8000:8000/tcp", "8001:8001/tcp", "8002:8002/tcp"});
  CHECK(Parsed("3000-3001") == Texts{"3000/tcp", "3001/tcp"});
  // One container port on any free port of a host range: the range's first is reported.
  CHECK(Parsed("9000-9010:80") == Texts{"9000:80/tcp"});
  // Published 0 is "any free port": nothing is published that could be reported.
  CHECK(Parsed("0:80") == Texts{"80/tcp"});
  CHECK(Parsed("80/tcpx").front().find("tcp, udp or sctp") != std::string::npos);
  CHECK(Parsed("0").front().rfind("error: ", 0) == 0);
  CHECK(Parsed("65536").front().rfind("error: ", 0) == 0);
  CHECK(Parsed("8002-8000").front().rfind("error: ", 0) == 0);
  CHECK(Parsed("8000-8001:80-82").front().find("2 published ports for 3 container ports") !=
        std::string::npos);
  CHECK(Parsed("host:80:80").front().find("'host' is not an IP address") != std::string::npos);
}

TEST_CASE("ParseExposeSpec: a port, a range, a protocol; never a mapping") {
  std::vector<Port> ports;
  CHECK_FALSE(ParseExposeSpec("8000-8001/udp", ports));
  CHECK(Shown(ports) == Texts{"8000/udp", "8001/udp"});
  CHECK(ParseExposeSpec("8000:80", ports));
  CHECK(ParseExposeSpec("", ports));
}

TEST_CASE("MergePort: by container port and protocol; an image's default takes ports:") {
  std::vector<Port> ports;
  Port image_default;
  image_default.port = 80;
  MergePort(ports, image_default);
  std::vector<Port> more;
  REQUIRE_FALSE(ParsePortSpec("1337:80", more));
  REQUIRE_FALSE(ParsePortSpec("1337:80", more));  // twice: still one
  REQUIRE_FALSE(ParsePortSpec("1338:80", more));  // published twice: two entries, one bind
  REQUIRE_FALSE(ParsePortSpec("80/udp", more));
  REQUIRE_FALSE(ParseExposeSpec("80", more));  // already there
  for (const auto& p : more) MergePort(ports, p);
  CHECK(Shown(ports) == Texts{"1337:80/tcp", "1338:80/tcp", "80/udp"});
}

TEST_CASE("FormatPortMapping: as docker compose ps shows a port") {
  std::vector<Port> ports;
  REQUIRE_FALSE(ParsePortSpec("1337:80", ports));
  REQUIRE_FALSE(ParsePortSpec("127.0.0.1:53:53/udp", ports));
  REQUIRE_FALSE(ParsePortSpec("[::1]:7000:7000", ports));
  REQUIRE_FALSE(ParsePortSpec("9000", ports));
  CHECK(FormatPortMapping(ports[0]) == "0.0.0.0:1337->80/tcp");
  CHECK(FormatPortMapping(ports[1]) == "127.0.0.1:53->53/udp");
  CHECK(FormatPortMapping(ports[2]) == "[::1]:7000->7000/tcp");
  CHECK(FormatPortMapping(ports[3]) == "9000/tcp");
}

TEST_CASE("Load: ports and expose fill Service::ports, long syntax too, without a warning") {
  auto result = LoadText(R"(services:
  nginx:
    command: nginx
    ports:
      - "1337:80"
      - target: 443
        published: "8443"
        host_ip: 127.0.0.1
        protocol: tcp
        mode: host
      - 8080
    expose: ["80", "9000/udp"]
)");
  INFO(Text(result));
  REQUIRE(result.manifest);
  CHECK(Text(result).empty());
  const Service& s = result.manifest->services[0];
  CHECK(Shown(s.ports) == Texts{"1337:80/tcp", "127.0.0.1:8443:443/tcp", "8080/tcp", "9000/udp"});
  CHECK(s.ports[0].pos.line == 5);
  CHECK(s.engine.ports.size() == 3);  // kept as written for export
  CHECK(DescribeServicePorts(s) ==
        "nginx listens on 80, 443, 8080, 9000/udp; ports: 1337:80, 127.0.0.1:8443:443 publish "
        "nothing: there is no network namespace, the service binds 80 and 443 on the host");
  CHECK(EmitYaml(*result.manifest).find("    ports:\n      - \"1337:80/tcp\"\n"
                                        "      - \"127.0.0.1:8443:443/tcp\"\n") !=
        std::string::npos);
}

TEST_CASE("DescribeServicePorts: a port published as itself publishes what it says") {
  auto result = LoadText("services:\n  web:\n    command: run\n    ports: [\"8000:8000\"]\n"
                         "  quiet:\n    command: run\n");
  REQUIRE(result.manifest);
  CHECK(DescribeServicePorts(result.manifest->services[0]) == "web listens on 8000");
  CHECK(DescribeServicePorts(result.manifest->services[1]).empty());
}

TEST_CASE("Load: a change of ports is a change of the service; where it is written is not") {
  auto a = LoadText("services:\n  web:\n    command: run\n    ports: [\"8000:80\"]\n");
  auto b = LoadText("services:\n  web:\n    command: run\n\n    ports: [\"8000:80\"]\n");
  auto c = LoadText("services:\n  web:\n    command: run\n    ports: [\"8001:80\"]\n");
  REQUIRE(a.manifest);
  REQUIRE(b.manifest);
  REQUIRE(c.manifest);
  CHECK(SameDefinition(a.manifest->services[0], b.manifest->services[0]));
  CHECK_FALSE(SameDefinition(a.manifest->services[0], c.manifest->services[0]));
  CHECK(ServiceHash(a.manifest->services[0]) != ServiceHash(c.manifest->services[0]));
}

TEST_CASE("Load: port clashes are refused; other addresses, protocols and profiles are not") {
  auto clash = LoadText(R"(services:
  a:
    command: run
    ports: ["8000"]
  b:
    command: run
    ports: ["9000:8000"]
)");
  CHECK_FALSE(clash.manifest);
  CHECK(Text(clash).find("inline.yaml:7:13: error: services.b.ports[0]: 8000/tcp is also a port "
                         "of service a (inline.yaml:4:13)") != std::string::npos);
  auto apart = LoadText(R"(services:
  a:
    command: run
    ports: ["127.0.0.1:8000:8000", "53/udp"]
  b:
    command: run
    ports: ["127.0.0.2:8000:8000", "53/tcp"]
  c:
    command: run
    profiles: [debug]
    ports: ["8000"]
  d:
    command: run
    scale: 0
    ports: ["8000"]
  e:
    command: run
    scale: 2
    expose: ["7000"]
    x-stackvisor:
      sockets: ["127.0.0.1:7000"]
)");
  INFO(Text(apart));
  CHECK(apart.manifest);
  auto scaled = LoadText("services:\n  web:\n    command: run\n    ports: [\"8000\"]\n",
                         [] {
                           auto o = OptionsIn("");
                           o.scale = {{"web", 2}};
                           return o;
                         }());
  CHECK_FALSE(scaled.manifest);
  CHECK(Text(scaled).find("services.web.ports[0]: 2 replicas of 'web' would each bind 8000/tcp") !=
        std::string::npos);
}

TEST_CASE("ListenAddresses: loopback unless ports: publishes the service") {
  auto parsed = [](std::initializer_list<const char*> specs) {
    std::vector<Port> ports;
    for (const char* spec : specs) REQUIRE_FALSE(ParsePortSpec(spec, ports));
    return ports;
  };
  CHECK(ListenAddresses({}) == "localhost");
  // A container port alone: compose publishes it on a random host port, which a process on the
  // host cannot have; stackvisor publishes nothing for it (docs/ports.md).
  CHECK(ListenAddresses(parsed({"5432"})) == "localhost");
  CHECK(ListenAddresses(parsed({"5434:5432"})) == "*");
  CHECK(ListenAddresses(parsed({"0.0.0.0:5432:5432"})) == "*");
  CHECK(ListenAddresses(parsed({"[::]:5432:5432"})) == "*");
  CHECK(ListenAddresses(parsed({"127.0.0.1:5432:5432"})) == "127.0.0.1,localhost");
  CHECK(ListenAddresses(parsed({"192.0.2.7:5432:5432", "[::1]:5433:5432", "192.0.2.7:5435:5432"})) ==
        "192.0.2.7,::1,localhost");
  CHECK(ListenAddresses(parsed({"127.0.0.1:5432:5432", "5433:5432"})) == "*");
}
