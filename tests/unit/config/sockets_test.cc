// x-stackvisor.sockets: the listen address forms, the mapping form's keys, and every mistake
// reported at its place with the whole message.
#include <doctest/doctest.h>

#include "config/listen_address.h"
#include "tests/unit/config/load_test_util.h"

using namespace stackvisor::config;
using namespace stackvisor::config::testing;

TEST_CASE("ParseListenAddress: IPv4, IPv6 and unix forms") {
  Socket s;
  CHECK_FALSE(ParseListenAddress("127.0.0.1:8000", "/srv", s));
  CHECK(s.kind == Socket::Kind::kTcp);
  CHECK(s.host == "127.0.0.1");
  CHECK(s.port == 8000);
  CHECK(BindKey(s) == "tcp 127.0.0.1:8000");
  CHECK_FALSE(ParseListenAddress("[::1]:443", "/srv", s));
  CHECK(s.host == "::1");
  CHECK(s.port == 443);
  CHECK_FALSE(ParseListenAddress("unix:run/web.sock", "/srv/app", s));
  CHECK(s.kind == Socket::Kind::kUnix);
  CHECK(s.path == "/srv/app/run/web.sock");
  CHECK_FALSE(ParseListenAddress("unix:/run/x.sock", "/srv/app", s));
  CHECK(s.path == "/run/x.sock");
  CHECK(s.address == "unix:/run/x.sock");
}

TEST_CASE("ParseListenAddress: what is wrong is said") {
  Socket s;
  const std::string kExpected =
      "a listen address such as 127.0.0.1:8000, [::1]:8000 or unix:run/web.sock";
  CHECK(ParseListenAddress("8000", "/", s) == kExpected);
  CHECK(ParseListenAddress("localhost:8000", "/", s) ==
        kExpected + " (the host must be an IP address; IPv6 goes in brackets)");
  CHECK(ParseListenAddress("127.0.0.1:0", "/", s) ==
        kExpected + " (the port must be a number from 1 to 65535)");
  CHECK(ParseListenAddress("127.0.0.1:65536", "/", s) ==
        kExpected + " (the port must be a number from 1 to 65535)");
  CHECK(ParseListenAddress("[::g]:80", "/", s) == kExpected + " (::g is not an IPv6 address)");
  CHECK(ParseListenAddress("unix:", "/", s) == kExpected + " (unix: needs a path)");
  CHECK(ParseListenAddress("unix:@abstract", "/", s) ==
        kExpected + " (abstract sockets have no owner or mode: anyone could connect)");
  CHECK(ParseListenAddress("unix:/" + std::string(107, 'a'), "/", s)->find("longer than") !=
        std::string::npos);
}

TEST_CASE("Load: sockets in order, names default to the service's, both forms") {
  auto result = LoadText(R"(
services:
  web:
    command: gunicorn app
    x-stackvisor:
      sockets:
        - 127.0.0.1:8000
        - {listen: "unix:run/admin.sock", name: admin, backlog: 128, mode: "0660"}
)");
  INFO(Text(result));
  REQUIRE(result.manifest);
  const auto& sockets = result.manifest->services[0].sockets;
  REQUIRE(sockets.size() == 2);
  CHECK(sockets[0].name == "web");
  CHECK(sockets[0].port == 8000);
  CHECK(sockets[0].backlog == Socket::kDefaultBacklog);
  CHECK(sockets[0].mode == 0600);
  CHECK(sockets[1].name == "admin");
  CHECK(sockets[1].kind == Socket::Kind::kUnix);
  CHECK(sockets[1].path == DataDir() + "/run/admin.sock");
  CHECK(sockets[1].backlog == 128);
  CHECK(sockets[1].mode == 0660);
  CHECK(sockets[1].pos.line == 8);
}

TEST_CASE("Load: socket mistakes, each at its place") {
  auto result = LoadText(R"(
services:
  web:
    command: a
    x-stackvisor:
      sockets:
        - localhost:80
        - {listen: "127.0.0.1:81", name: "a:b", mode: "0600", bakclog: 1}
        - {name: x}
  api:
    command: b
    x-stackvisor:
      sockets: [127.0.0.1:82, 127.0.0.1:82, "127.0.0.1:83"]
  other:
    command: c
    x-stackvisor:
      sockets: "127.0.0.1:83"
)");
  CHECK_FALSE(result.manifest);
  CHECK(Text(result) ==
        "inline.yaml:7:11: error: services.web.sockets[0]: expected a listen address such as "
        "127.0.0.1:8000, [::1]:8000 or unix:run/web.sock (the host must be an IP address; IPv6 "
        "goes in brackets), got 'localhost:80'\n"
        "inline.yaml:8:42: error: services.web.sockets[1].name: expected a name of printable "
        "characters without spaces or ':' (LISTEN_FDNAMES), got 'a:b'\n"
        "inline.yaml:8:55: error: services.web.sockets[1].mode: only a unix socket has a file "
        "mode\n"
        "inline.yaml:8:63: error: services.web.sockets[1].bakclog: unknown key, did you mean "
        "'backlog'?\n"
        "inline.yaml:9:11: error: services.web.sockets[2]: no listen address: set 'listen' "
        "(such as 127.0.0.1:8000)\n"
        "inline.yaml:13:31: error: services.api.sockets[1]: 127.0.0.1:82 is already a socket "
        "of this service\n"
        "inline.yaml:17:16: error: services.other.sockets: expected a list of listen addresses "
        "such as 127.0.0.1:8000, got '127.0.0.1:83'\n");
}

TEST_CASE("Load: one address, two services: an error at the second") {
  auto result = LoadText(R"(
services:
  a:
    command: a
    x-stackvisor: {sockets: ["unix:s.sock"]}
  b:
    command: b
    x-stackvisor: {sockets: ["unix:./s.sock"]}
)");
  CHECK_FALSE(result.manifest);
  CHECK(Text(result) ==
        "inline.yaml:8:30: error: services.b.sockets[0]: unix:./s.sock is already a socket of "
        "service a\n");
}
