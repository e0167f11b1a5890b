#include <doctest/doctest.h>

#include "healthcheck/http_message.h"

namespace stackvisor::healthcheck {
namespace {

TEST_CASE("ParseHttpUrl: host, port, path, query") {
  auto u = ParseHttpUrl("http://127.0.0.1:8000/health?full=1#top");
  REQUIRE(u.ok());
  CHECK(u.value().host == "127.0.0.1");
  CHECK(u.value().port == 8000);
  CHECK(u.value().target == "/health?full=1");
  CHECK(u.value().host_header == "127.0.0.1:8000");

  auto plain = ParseHttpUrl("HTTP://example.com");
  REQUIRE(plain.ok());
  CHECK(plain.value().port == 80);
  CHECK(plain.value().target == "/");
  CHECK(plain.value().host_header == "example.com");

  auto query = ParseHttpUrl("http://localhost:80?x");
  REQUIRE(query.ok());
  CHECK(query.value().target == "/?x");
  CHECK(query.value().host_header == "localhost");
}

TEST_CASE("ParseHttpUrl: bracketed IPv6") {
  auto u = ParseHttpUrl("http://[::1]:8080/");
  REQUIRE(u.ok());
  CHECK(u.value().host == "::1");
  CHECK(u.value().port == 8080);
  CHECK(u.value().host_header == "[::1]:8080");
  auto no_port = ParseHttpUrl("http://[::1]/x");
  REQUIRE(no_port.ok());
  CHECK(no_port.value().port == 80);
  CHECK(no_port.value().host_header == "[::1]");
}

TEST_CASE("ParseHttpUrl: errors say what is wrong") {
  CHECK(ParseHttpUrl("https://x/").error().message ==
        "bad URL \"https://x/\": https is not supported, use http://");
  CHECK(ParseHttpUrl("ftp://x/").error().message ==
        "bad URL \"ftp://x/\": expected http://HOST[:PORT][/PATH]");
  CHECK(ParseHttpUrl("http://:80/").error().message == "bad URL \"http://:80/\": missing host");
  CHECK(ParseHttpUrl("http://h:99999/").error().message ==
        "bad URL \"http://h:99999/\": port must be a number from 1 to 65535");
  CHECK(!ParseHttpUrl("http://h:0/").ok());
  CHECK(!ParseHttpUrl("http://h:/").ok());
  CHECK(!ParseHttpUrl("http://h:8x/").ok());
  CHECK(!ParseHttpUrl("http://user:pw@h/").ok());
  CHECK(!ParseHttpUrl("http://[::1/").ok());
  CHECK(!ParseHttpUrl("http://[::1]x/").ok());
}

TEST_CASE("BuildHttpRequest: GET with Host and Connection: close") {
  auto u = ParseHttpUrl("http://localhost:8000/health");
  REQUIRE(u.ok());
  CHECK(BuildHttpRequest(u.value()) ==
        "GET /health HTTP/1.1\r\nHost: localhost:8000\r\nUser-Agent: stackvisor-healthcheck\r\n"
        "Accept: */*\r\nConnection: close\r\n\r\n");
}

TEST_CASE("ParseStatusCode") {
  CHECK(ParseStatusCode("HTTP/1.1 200 OK") == 200);
  CHECK(ParseStatusCode("HTTP/1.0 503 Service Unavailable") == 503);
  CHECK(ParseStatusCode("HTTP/1.1 302") == 302);
  CHECK(ParseStatusCode("HTTP/1.1 204 ") == 204);
  CHECK_FALSE(ParseStatusCode("HTTP/2 200").has_value());
  CHECK_FALSE(ParseStatusCode("HTTP/1.1 20 OK").has_value());
  CHECK_FALSE(ParseStatusCode("HTTP/1.1 2000 OK").has_value());
  CHECK_FALSE(ParseStatusCode("HTTP/1.1 abc").has_value());
  CHECK_FALSE(ParseStatusCode("SSH-2.0-OpenSSH").has_value());
  CHECK_FALSE(ParseStatusCode("").has_value());
}

}  // namespace
}  // namespace stackvisor::healthcheck
