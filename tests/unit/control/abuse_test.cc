// 1,000 hostile connections: each is answered 4xx or closed, and the loop keeps supervising.
#include <doctest/doctest.h>

#include <atomic>
#include <vector>

#include "control/client.h"
#include "control/http_server.h"
#include "control/router.h"
#include "tests/unit/control/control_test_util.h"

namespace stackvisor::control {
namespace {

using namespace testing;

enum class Kind { kGarbage, kHugeHeader, kHugeBody, kHalfSent, kIdle };

std::string Opening(Kind kind) {
  switch (kind) {
    case Kind::kGarbage: return "\x16\x03\x01\x02\x00 not http at all\r\n\r\n";
    case Kind::kHugeHeader: return "GET /v1/ping HTTP/1.1\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n";
    case Kind::kHugeBody: return "POST /v1/ping HTTP/1.1\r\nContent-Length: 100000\r\n\r\n";
    case Kind::kHalfSent: return "GET /v1/ping HTTP/1.1\r\nHost: loc";
    case Kind::kIdle: return "";
  }
  return "";
}

/// Opens `count` connections of one kind at once, then reads each to its end. Returns how many
/// were neither answered 4xx nor closed by the server (a read timing out counts as a failure).
int Batch(const std::filesystem::path& socket, Kind kind, int count) {
  std::vector<base::UniqueFd> fds;
  for (int i = 0; i < count; ++i) {
    fds.push_back(ConnectRaw(socket));
    if (fds.back().valid()) SendAll(fds.back().get(), Opening(kind));
  }
  int failures = 0;
  // All were opened together: once one has waited past every server deadline, the rest have
  // too, so they get a short wait and a broken server fails the test quickly.
  auto wait = std::chrono::milliseconds(15'000);
  for (auto& fd : fds) {
    if (!fd.valid()) {
      ++failures;
      continue;
    }
    bool timed_out = false;
    std::string answer = ReadToEnd(fd.get(), wait, &timed_out);
    if (timed_out) wait = std::chrono::milliseconds(100);
    bool rejected = answer.rfind("HTTP/1.1 4", 0) == 0;
    if (timed_out || !(rejected || answer.empty())) ++failures;
  }
  return failures;
}

TEST_CASE("control: garbage, oversized, half-sent and idle connections never stop the loop") {
  SigpipeBlocked sigpipe;
  TempDir dir;
  LoopRunner loop;
  {
    Limits limits;
    limits.request_timeout = std::chrono::milliseconds(300);
    Router router;
    router.Add("GET", "/v1/ping", [](const Request&, std::unique_ptr<Reply> reply) {
      reply->Send(200, "text/plain", "pong\n");
    });
    HttpServer server(loop.get(), router, limits);
    auto socket = dir.path() / "api.sock";
    REQUIRE_FALSE(server.Listen(socket));

    // "Supervision": a timer on the same loop, as the reaper and probes are.
    std::atomic<int> ticks{0};
    base::Timer supervision(loop.get());
    supervision.StartRepeating(std::chrono::milliseconds(10), [&] { ++ticks; });

    int failures = 0;
    int slow_batches = 0;
    int slow_batches_that_ticked = 0;
    int ping_status = 0;
    CHECK(loop.Run([&] {
      for (Kind kind : {Kind::kGarbage, Kind::kHugeHeader, Kind::kHugeBody, Kind::kHalfSent,
                        Kind::kIdle}) {
        for (int batch = 0; batch < 4 && failures == 0; ++batch) {  // 5 x 4 x 50 = 1,000
          int before = ticks;
          failures += Batch(socket, kind, 50);
          if (kind == Kind::kHalfSent || kind == Kind::kIdle) {
            ++slow_batches;
            if (ticks > before) ++slow_batches_that_ticked;
          }
        }
      }
      auto ping = Client(socket, "shop").Call("GET", "/v1/ping");
      ping_status = ping.ok() ? ping.value().status : -1;
    }, std::chrono::milliseconds(120'000)));
    CHECK(failures == 0);
    CHECK(slow_batches == 8);
    CHECK(slow_batches_that_ticked == slow_batches);  // the deadline waits never blocked it
    CHECK(ping_status == 200);
    const ServerStats& stats = server.stats();
    CHECK(stats.accepted == 1001);
    CHECK(stats.bad_requests == 600);
    CHECK(stats.timed_out == 200);
    CHECK(stats.idle_closed == 200);
    CHECK(stats.refused_full == 0);
    CHECK(server.connections() <= 1);
    server.Close();
  }
  CHECK(loop.Close() == 0);
}

TEST_CASE("control: connections past the cap are answered 503 and closed at once") {
  SigpipeBlocked sigpipe;
  TempDir dir;
  LoopRunner loop;
  {
    Limits limits;
    limits.max_connections = 4;
    Router router;
    HttpServer server(loop.get(), router, limits);
    auto socket = dir.path() / "api.sock";
    REQUIRE_FALSE(server.Listen(socket));
    std::vector<base::UniqueFd> idle;
    for (int i = 0; i < 4; ++i) idle.push_back(ConnectRaw(socket));
    REQUIRE(loop.RunUntil([&] { return server.connections() == 4; }, std::chrono::milliseconds(10'000)));
    base::Result<ClientResponse> result = base::Error{"not run"};
    CHECK(loop.Run([&] { result = Client(socket, "shop").Call("GET", "/v1/ping"); }));
    REQUIRE(result.ok());
    CHECK(result.value().status == 503);
    CHECK(result.value().body == "{\"error\":\"too many API connections (at most 4)\"}\n");
    CHECK(server.stats().refused_full == 1);
    idle.clear();  // the clients leave: the server notices and frees their places
    CHECK(loop.RunUntil([&] { return server.connections() == 0; }, std::chrono::milliseconds(10'000)));
    server.Close();
  }
  CHECK(loop.Close() == 0);
}

}  // namespace
}  // namespace stackvisor::control
