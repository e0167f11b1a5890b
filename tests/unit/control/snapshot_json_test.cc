// The Service object is exactly the contract of docs/api.md: every field, null when absent.
#include <doctest/doctest.h>

#include "control/log_follow.h"
#include "control/snapshot_json.h"

namespace stackvisor::control {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;
using supervisor::Phase;

const Clock::time_point kT0 = Clock::from_time_t(1764597600);  // 2025-12-01T14:00:00Z

TEST_CASE("control json: a running service with a past exit") {
  supervisor::ServiceSnapshot snap;
  snap.name = "web";
  snap.status.phase = Phase::kRunning;
  snap.status.pid = 4242;
  snap.status.health = supervisor::Health::kHealthy;
  snap.status.restarts = 2;
  snap.status.last_exit_code = 137;
  snap.status.last_exit = "killed by SIGKILL";
  snap.started_at = kT0;
  snap.ready_at = kT0 + 1500ms;
  snap.last_exit_at = kT0 - 250ms;
  const auto json = ServiceJson(snap, kT0 + 12500ms);
  CHECK(json == nlohmann::json::parse(R"({
    "name": "web", "state": "running", "health": "healthy", "pid": 4242, "restarts": 2,
    "started_at": "2025-12-01T14:00:00.000Z", "ready_at": "2025-12-01T14:00:01.500Z",
    "uptime_s": 12.5,
    "last_exit": {"code": 137, "description": "killed by SIGKILL",
                  "at": "2025-12-01T13:59:59.750Z"},
    "failure": null, "waiting_for": null, "stopped_by_request": false,
    "replica_of": null, "replica": null, "ports": [], "aliases": []})"));
}

TEST_CASE("control json: a replica names its group and index") {
  supervisor::ServiceSnapshot snap;
  snap.name = "web-2";
  snap.replica_of = "web";
  snap.replica = 2;
  snap.ports.resize(2);
  snap.ports[0].port = 80;
  snap.ports[0].published = 1337;
  snap.ports[1].port = 53;
  snap.ports[1].protocol = "udp";
  snap.ports[1].host_ip = "127.0.0.1";
  const auto json = ServiceJson(snap, kT0);
  CHECK(json["ports"] == nlohmann::json::parse(R"([
    {"port": 80, "protocol": "tcp", "published": 1337, "host_ip": null},
    {"port": 53, "protocol": "udp", "published": null, "host_ip": "127.0.0.1"}])"));
  CHECK(json["replica_of"] == "web");
  CHECK(json["replica"] == 2);
  std::string listed;
  ServiceListWriter(kT0).Append(listed, snap);
  CHECK(listed == json.dump());
}

TEST_CASE("control json: a waiting service has nulls, not empty strings or -1") {
  supervisor::ServiceSnapshot snap;
  snap.name = "app";
  snap.status.waiting_for = "db (healthy)";
  const auto json = ServiceJson(snap, kT0);
  CHECK(json["state"] == "waiting");
  CHECK(json["health"] == "none");
  CHECK(json["pid"].is_null());
  CHECK(json["started_at"].is_null());
  CHECK(json["uptime_s"].is_null());
  CHECK(json["last_exit"].is_null());
  CHECK(json["failure"].is_null());
  CHECK(json["waiting_for"] == "db (healthy)");
  CHECK(json["replica_of"].is_null());
  CHECK(json["replica"].is_null());
  CHECK(json["ports"] == nlohmann::json::array());
  CHECK(json["aliases"] == nlohmann::json::array());
  CHECK(json.size() == 16);
}

TEST_CASE("control json: uptime only while a process runs, never negative") {
  supervisor::ServiceSnapshot snap;
  snap.name = "x";
  snap.status.phase = Phase::kFailed;
  snap.status.failure = "gave up after 3 restarts";
  snap.started_at = kT0;
  CHECK(ServiceJson(snap, kT0 + 10s)["uptime_s"].is_null());
  CHECK(ServiceJson(snap, kT0)["failure"] == "gave up after 3 restarts");
  snap.status.pid = 7;
  CHECK(ServiceJson(snap, kT0 - 5s)["uptime_s"] == 0.0);
}

TEST_CASE("control json: every phase and health has its contract name") {
  CHECK(PhaseName(Phase::kWaiting) == "waiting");
  CHECK(PhaseName(Phase::kStarting) == "starting");
  CHECK(PhaseName(Phase::kBackoff) == "backoff");
  CHECK(PhaseName(Phase::kStopping) == "stopping");
  CHECK(PhaseName(Phase::kCompleted) == "completed");
  CHECK(PhaseName(Phase::kStopped) == "stopped");
  CHECK(HealthName(supervisor::Health::kStarting) == "starting");
  CHECK(HealthName(supervisor::Health::kUnhealthy) == "unhealthy");
}

TEST_CASE("control json: the stack is starting until nothing waits or starts") {
  std::vector<supervisor::ServiceSnapshot> snaps(2);
  snaps[0].status.phase = Phase::kRunning;
  snaps[1].status.phase = Phase::kStarting;
  CHECK(StackState(snaps, false) == "starting");
  snaps[1].status.phase = Phase::kCompleted;
  CHECK(StackState(snaps, false) == "running");
  CHECK(StackState(snaps, true) == "stopping");
}

TEST_CASE("control logs: a history entry as `up` prints it, or as NDJSON") {
  logmux::LogEntry entry;
  entry.source = 0;
  entry.stream = logmux::Stream::kStderr;
  entry.time = kT0 + 123ms;
  entry.seq = 7;
  entry.bytes = "hello \"world\"";
  LogLayout text{{false, true, 5}, false};
  logmux::LineFormatter formatter(text.format);
  std::string out;
  AppendLogEntry(out, text, formatter, "web", entry);
  CHECK(out == "2025-12-01T14:00:00.123Z web   | hello \"world\"\n");
  LogLayout json{{}, true};
  out.clear();
  AppendLogEntry(out, json, formatter, "web", entry);
  CHECK(nlohmann::json::parse(out) ==
        nlohmann::json{{"seq", 7}, {"service", "web"}, {"stream", "stderr"},
                       {"time", "2025-12-01T14:00:00.123Z"}, {"line", "hello \"world\""}});
  CHECK(out.back() == '\n');
}

}  // namespace
}  // namespace stackvisor::control
