#include <doctest/doctest.h>

#include <optional>

#include "healthcheck/probe.h"
#include "tests/unit/healthcheck/test_loop.h"
#include "tests/unit/healthcheck/test_servers.h"

namespace stackvisor::healthcheck {
namespace {

using namespace std::chrono_literals;

using testing::HttpServer;
using testing::TcpPort;
using testing::TestLoop;

// Runs one attempt to completion (or a 5 s test deadline) and gives its result.
std::optional<ProbeResult> RunOnce(TestLoop& loop, ActiveProbe& probe,
                                   std::chrono::milliseconds timeout = 2000ms) {
  std::optional<ProbeResult> result;
  int calls = 0;
  probe.Run(timeout, [&](ProbeResult r) {
    ++calls;
    result = std::move(r);
  });
  CHECK(calls == 0);  // never from inside Run
  loop.RunUntil([&] { return result.has_value(); });
  loop.RunFor(20ms);
  CHECK(calls <= 1);
  return result;
}

TEST_CASE("tcp probe: healthy against a listening socket, refused against a closed port") {
  TestLoop loop;
  {
    TcpPort open_port;
    REQUIRE(open_port.Listen());
    TcpPort closed_port;  // bound, not listening: refused
    auto ok = MakeTcpProbe(loop.get(), "127.0.0.1", open_port.port());
    auto result = RunOnce(loop, *ok);
    REQUIRE(result.has_value());
    CHECK(result->healthy);
    CHECK(result->detail == "connected to 127.0.0.1:" + std::to_string(open_port.port()));

    auto refused = MakeTcpProbe(loop.get(), "127.0.0.1", closed_port.port());
    result = RunOnce(loop, *refused);
    REQUIRE(result.has_value());
    CHECK_FALSE(result->healthy);
    CHECK(result->detail ==
          "connect 127.0.0.1:" + std::to_string(closed_port.port()) + ": connection refused");

    // The same probe runs again and sees the port open.
    REQUIRE(closed_port.Listen());
    result = RunOnce(loop, *refused);
    REQUIRE(result.has_value());
    CHECK(result->healthy);
  }
  CHECK(loop.Close() == 0);
}

TEST_CASE("tcp probe: a name is resolved and every address tried (localhost)") {
  TestLoop loop;
  {
    TcpPort port;  // 127.0.0.1 only: if localhost gives ::1 first, that one is refused
    REQUIRE(port.Listen());
    auto probe = MakeTcpProbe(loop.get(), "localhost", port.port());
    auto result = RunOnce(loop, *probe);
    REQUIRE(result.has_value());
    CHECK(result->healthy);

    auto bad = MakeTcpProbe(loop.get(), "no-such-host.invalid", 80);
    result = RunOnce(loop, *bad);
    REQUIRE(result.has_value());
    CHECK_FALSE(result->healthy);
    CHECK(result->detail.rfind("resolve no-such-host.invalid: ", 0) == 0);
  }
  CHECK(loop.Close() == 0);
}

TEST_CASE("tcp probe: IPv6 loopback in brackets is numeric") {
  TestLoop loop;
  {
    TcpPort closed_port;
    auto probe = MakeTcpProbe(loop.get(), "[::1]", closed_port.port());
    auto result = RunOnce(loop, *probe);
    REQUIRE(result.has_value());
    CHECK_FALSE(result->healthy);
    CHECK(result->detail.rfind("connect [::1]:" + std::to_string(closed_port.port()) + ": ", 0) == 0);
  }
  CHECK(loop.Close() == 0);
}

TEST_CASE("tcp probe: Cancel and destruction mid-flight never call done and leak nothing") {
  TestLoop loop;
  {
    TcpPort port;
    REQUIRE(port.Listen());
    bool called = false;
    auto probe = MakeTcpProbe(loop.get(), "localhost", port.port());  // resolving on the pool
    probe->Run(1000ms, [&](ProbeResult) { called = true; });
    probe->Cancel();
    auto numeric = MakeTcpProbe(loop.get(), "127.0.0.1", port.port());  // connect in flight
    numeric->Run(1000ms, [&](ProbeResult) { called = true; });
    numeric.reset();
    probe->Run(1000ms, [&](ProbeResult) { called = true; });
    probe.reset();  // destroyed while resolving
    loop.RunFor(100ms);
    CHECK_FALSE(called);
  }
  CHECK(loop.Close() == 0);
}

TEST_CASE("http probe: 2xx and 3xx are healthy, 503 is not") {
  TestLoop loop;
  {
    HttpServer ok(loop.get(), "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    HttpServer redirect(loop.get(), "HTTP/1.1 302 Found\r\nLocation: /x\r\n\r\n");
    HttpServer unavailable(loop.get(), "HTTP/1.0 503 Service Unavailable\r\n\r\n");
    HttpServer bare(loop.get(), "HTTP/1.1 204 No Content");  // no line end, then EOF
    HttpServer junk(loop.get(), "SSH-2.0-OpenSSH_9.2\r\n");

    std::string url = "http://127.0.0.1:" + std::to_string(ok.port()) + "/health?x=1";
    auto probe = MakeHttpProbe(loop.get(), url);
    auto result = RunOnce(loop, *probe);
    REQUIRE(result.has_value());
    CHECK(result->healthy);
    CHECK(result->detail == "HTTP 200");
    CHECK(ok.last_request() == "GET /health?x=1 HTTP/1.1\r\nHost: 127.0.0.1:" +
                                   std::to_string(ok.port()) +
                                   "\r\nUser-Agent: stackvisor-healthcheck\r\nAccept: */*\r\n"
                                   "Connection: close\r\n\r\n");

    probe = MakeHttpProbe(loop.get(), "http://localhost:" + std::to_string(redirect.port()));
    result = RunOnce(loop, *probe);
    REQUIRE(result.has_value());
    CHECK(result->healthy);
    CHECK(result->detail == "HTTP 302");

    probe = MakeHttpProbe(loop.get(), "http://127.0.0.1:" + std::to_string(unavailable.port()));
    result = RunOnce(loop, *probe);
    REQUIRE(result.has_value());
    CHECK_FALSE(result->healthy);
    CHECK(result->detail == "HTTP 503");

    probe = MakeHttpProbe(loop.get(), "http://127.0.0.1:" + std::to_string(bare.port()));
    result = RunOnce(loop, *probe);
    REQUIRE(result.has_value());
    CHECK(result->healthy);
    CHECK(result->detail == "HTTP 204");

    probe = MakeHttpProbe(loop.get(), "http://127.0.0.1:" + std::to_string(junk.port()));
    result = RunOnce(loop, *probe);
    REQUIRE(result.has_value());
    CHECK_FALSE(result->healthy);
    CHECK(result->detail == "not an HTTP/1.x status line: \"SSH-2.0-OpenSSH_9.2\"");
  }
  CHECK(loop.Close() == 0);
}

TEST_CASE("http probe: a server that never answers times out; refused and bad URLs fail") {
  TestLoop loop;
  {
    HttpServer silent(loop.get(), "");
    auto probe = MakeHttpProbe(loop.get(), "http://127.0.0.1:" + std::to_string(silent.port()) + "/");
    auto start = std::chrono::steady_clock::now();
    auto result = RunOnce(loop, *probe, 200ms);
    auto took = std::chrono::steady_clock::now() - start;
    REQUIRE(result.has_value());
    CHECK_FALSE(result->healthy);
    CHECK(result->detail == "timed out after 200ms");
    CHECK(took >= 190ms);  // libuv times from its cached loop time
    CHECK(silent.requests() == 1);
    // The probe closed its connection when it gave up.
    CHECK(loop.RunUntil([&] { return silent.open_connections() == 0; }));

    TcpPort closed_port;
    probe = MakeHttpProbe(loop.get(), "http://127.0.0.1:" + std::to_string(closed_port.port()));
    result = RunOnce(loop, *probe);
    REQUIRE(result.has_value());
    CHECK_FALSE(result->healthy);
    CHECK(result->detail ==
          "connect 127.0.0.1:" + std::to_string(closed_port.port()) + ": connection refused");

    probe = MakeHttpProbe(loop.get(), "https://127.0.0.1/");
    result = RunOnce(loop, *probe);
    REQUIRE(result.has_value());
    CHECK_FALSE(result->healthy);
    CHECK(result->detail == "bad URL \"https://127.0.0.1/\": https is not supported, use http://");
  }
  CHECK(loop.Close() == 0);
}

TEST_CASE("http probe: destroyed while waiting for the response") {
  TestLoop loop;
  {
    HttpServer silent(loop.get(), "");
    bool called = false;
    auto probe = MakeHttpProbe(loop.get(), "http://127.0.0.1:" + std::to_string(silent.port()));
    probe->Run(5000ms, [&](ProbeResult) { called = true; });
    REQUIRE(loop.RunUntil([&] { return silent.requests() == 1; }));
    probe.reset();
    CHECK(loop.RunUntil([&] { return silent.open_connections() == 0; }));
    CHECK_FALSE(called);
  }
  CHECK(loop.Close() == 0);
}

TEST_CASE("http probe: done may destroy the probe") {
  TestLoop loop;
  {
    HttpServer ok(loop.get(), "HTTP/1.1 200 OK\r\n\r\n");
    auto probe = MakeHttpProbe(loop.get(), "http://127.0.0.1:" + std::to_string(ok.port()));
    bool called = false;
    probe->Run(1000ms, [&](ProbeResult r) {
      called = r.healthy;
      probe.reset();
    });
    CHECK(loop.RunUntil([&] { return called; }));
    CHECK(probe == nullptr);
  }
  CHECK(loop.Close() == 0);
}

}  // namespace
}  // namespace stackvisor::healthcheck
