#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "healthcheck/prober.h"
#include "tests/unit/healthcheck/test_loop.h"
#include "tests/unit/healthcheck/test_servers.h"

namespace stackvisor::healthcheck {
namespace {

using namespace std::chrono_literals;
using testing::HttpServer;
using testing::TcpPort;
using testing::TestLoop;

struct Seen {
  Prober::Event event;
  std::string detail;
};

config::Healthcheck FastCheck(config::ProbeKind kind) {
  config::Healthcheck check;
  check.kind = kind;
  check.start_interval = 20ms;
  check.interval = 30ms;
  check.timeout = 1000ms;
  check.start_period = 10000ms;
  check.retries = 3;
  return check;
}

TEST_CASE("Prober: starting, then healthy once the port opens late") {
  TestLoop loop;
  {
    TcpPort port;  // refused until Listen()
    std::vector<Seen> seen;
    Prober prober(loop.get(), FastCheck(config::ProbeKind::kTcp),
                  MakeTcpProbe(loop.get(), "127.0.0.1", port.port()),
                  [&](Prober::Event e, const std::string& d) { seen.push_back({e, d}); });
    prober.Start();
    CHECK(prober.awaiting_ready());
    loop.RunFor(150ms);  // several refused attempts, inside the start period: nothing to report
    CHECK(seen.empty());
    CHECK(prober.state() == HealthState::kStarting);
    REQUIRE(port.Listen());
    REQUIRE(loop.RunUntil([&] { return !seen.empty(); }));
    CHECK(seen[0].event == Prober::Event::kHealthy);
    CHECK(seen[0].detail == "connected to 127.0.0.1:" + std::to_string(port.port()));
    CHECK(prober.healthy());
    CHECK_FALSE(prober.awaiting_ready());
    prober.Stop();
    CHECK_FALSE(prober.healthy());
  }
  CHECK(loop.Close() == 0);
}

TEST_CASE("Prober: healthy -> unhealthy -> healthy again as the port closes and reopens") {
  TestLoop loop;
  {
    TcpPort port;
    REQUIRE(port.Listen());
    std::vector<Seen> seen;
    Prober prober(loop.get(), FastCheck(config::ProbeKind::kTcp),
                  MakeTcpProbe(loop.get(), "127.0.0.1", port.port()),
                  [&](Prober::Event e, const std::string& d) { seen.push_back({e, d}); });
    prober.Start();
    REQUIRE(loop.RunUntil([&] { return seen.size() == 1; }));
    CHECK(seen[0].event == Prober::Event::kHealthy);
    port.Close();
    REQUIRE(loop.RunUntil([&] { return seen.size() == 2; }));
    CHECK(seen[1].event == Prober::Event::kUnhealthy);
    CHECK(seen[1].detail.find("connection refused") != std::string::npos);
    loop.RunFor(100ms);  // more failures: reported once
    CHECK(seen.size() == 2);
    REQUIRE(port.Reopen());
    REQUIRE(loop.RunUntil([&] { return seen.size() == 3; }));
    CHECK(seen[2].event == Prober::Event::kHealthy);
  }
  CHECK(loop.Close() == 0);
}

TEST_CASE("Prober: never healthy after the start period, then no more attempts") {
  TestLoop loop;
  {
    TcpPort port;
    std::vector<Seen> seen;
    auto check = FastCheck(config::ProbeKind::kTcp);
    check.start_period = 100ms;
    Prober prober(loop.get(), check, MakeTcpProbe(loop.get(), "127.0.0.1", port.port()),
                  [&](Prober::Event e, const std::string& d) { seen.push_back({e, d}); });
    auto start = std::chrono::steady_clock::now();
    prober.Start();
    REQUIRE(loop.RunUntil([&] { return !seen.empty(); }));
    CHECK(std::chrono::steady_clock::now() - start >= 130ms);  // grace + 3 counted failures
    CHECK(seen[0].event == Prober::Event::kNeverHealthy);
    CHECK(seen[0].detail == "connect 127.0.0.1:" + std::to_string(port.port()) + ": connection refused");
    CHECK(prober.state() == HealthState::kNeverHealthy);
    // No timer is left: the loop is idle at once (nothing but the deadline timer would run).
    REQUIRE(port.Listen());
    loop.RunFor(100ms);
    CHECK(seen.size() == 1);
  }
  CHECK(loop.Close() == 0);
}

TEST_CASE("Prober: Stop cancels the attempt in flight; no event after Stop; restartable") {
  TestLoop loop;
  {
    HttpServer silent(loop.get(), "");
    std::vector<Seen> seen;
    auto check = FastCheck(config::ProbeKind::kHttp);
    check.start_period = 0ms;
    check.timeout = 50ms;
    check.retries = 1;
    Prober prober(loop.get(), check,
                  MakeHttpProbe(loop.get(), "http://127.0.0.1:" + std::to_string(silent.port())),
                  [&](Prober::Event e, const std::string& d) { seen.push_back({e, d}); });
    prober.Start();
    REQUIRE(loop.RunUntil([&] { return silent.requests() == 1; }));
    prober.Stop();  // the attempt would have timed out into kNeverHealthy 50 ms later
    CHECK(loop.RunUntil([&] { return silent.open_connections() == 0; }));
    loop.RunFor(150ms);
    CHECK(seen.empty());
    CHECK(silent.requests() == 1);

    // A restart: starting afresh, and this time the timeout counts.
    prober.Start();
    REQUIRE(loop.RunUntil([&] { return !seen.empty(); }));
    CHECK(seen[0].event == Prober::Event::kNeverHealthy);
    CHECK(seen[0].detail == "timed out after 50ms");
  }
  CHECK(loop.Close() == 0);
}

TEST_CASE("Prober: the event callback may destroy the Prober") {
  TestLoop loop;
  {
    TcpPort port;
    REQUIRE(port.Listen());
    std::unique_ptr<Prober> prober;
    bool healthy = false;
    prober = std::make_unique<Prober>(loop.get(), FastCheck(config::ProbeKind::kTcp),
                                      MakeTcpProbe(loop.get(), "127.0.0.1", port.port()),
                                      [&](Prober::Event e, const std::string&) {
                                        healthy = e == Prober::Event::kHealthy;
                                        prober.reset();
                                      });
    prober->Start();
    CHECK(loop.RunUntil([&] { return healthy; }));
    CHECK(prober == nullptr);
  }
  CHECK(loop.Close() == 0);
}

TEST_CASE("Prober: passive readiness via ReportReady") {
  TestLoop loop;
  {
    std::vector<Seen> seen;
    Prober prober(loop.get(), FastCheck(config::ProbeKind::kNotify), nullptr,
                  [&](Prober::Event e, const std::string& d) { seen.push_back({e, d}); });
    prober.ReportReady();  // not started: ignored
    CHECK(seen.empty());
    prober.Start();
    CHECK(prober.awaiting_ready());
    prober.ReportReady();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].event == Prober::Event::kHealthy);
    CHECK(seen[0].detail == "READY=1");
    CHECK(prober.healthy());
    prober.ReportReady();  // a second READY=1 changes nothing
    CHECK(seen.size() == 1);
    prober.Stop();
    prober.ReportReady();
    CHECK(seen.size() == 1);
    prober.Start();  // restarted child: starting again
    CHECK_FALSE(prober.healthy());
    prober.ReportReady();
    CHECK(seen.size() == 2);
  }
  CHECK(loop.Close() == 0);
}

TEST_CASE("Prober: passive readiness that never comes") {
  TestLoop loop;
  {
    std::vector<Seen> seen;
    auto check = FastCheck(config::ProbeKind::kLog);
    check.log_regex = "ready";
    check.start_period = 50ms;
    check.start_interval = 10ms;
    Prober prober(loop.get(), check, nullptr,
                  [&](Prober::Event e, const std::string& d) { seen.push_back({e, d}); });
    prober.Start();
    REQUIRE(loop.RunUntil([&] { return !seen.empty(); }));
    CHECK(seen[0].event == Prober::Event::kNeverHealthy);
    CHECK(seen[0].detail == "no output line matched /ready/ within 80ms");
    prober.ReportReady();  // too late
    CHECK(seen.size() == 1);
    CHECK_FALSE(prober.awaiting_ready());
  }
  CHECK(loop.Close() == 0);
}

}  // namespace
}  // namespace stackvisor::healthcheck
