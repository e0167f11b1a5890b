// The written Service list is byte for byte what dumping ServiceJson gives: the contract did not
// change when /v1/services stopped building a JSON tree.
#include <doctest/doctest.h>

#include "control/snapshot_json.h"

namespace stackvisor::control {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;
using supervisor::Phase;

const Clock::time_point kT0 = Clock::from_time_t(1764597600);  // 2025-12-01T14:00:00Z

std::string Dumped(const std::vector<supervisor::ServiceSnapshot>& snaps, Clock::time_point now) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& snap : snaps) list.push_back(ServiceJson(snap, now));
  return list.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string Written(const std::vector<supervisor::ServiceSnapshot>& snaps, Clock::time_point now) {
  std::string out;
  ServiceListWriter(now).AppendList(out, snaps);
  return out;
}

TEST_CASE("control json: the written list is the dumped list, byte for byte") {
  std::vector<supervisor::ServiceSnapshot> snaps(6);
  snaps[0].name = "web";
  snaps[0].status.phase = Phase::kRunning;
  snaps[0].status.pid = 4242;
  snaps[0].status.health = supervisor::Health::kHealthy;
  snaps[0].status.restarts = 2;
  snaps[0].status.last_exit_code = 137;
  snaps[0].status.last_exit = "killed by SIGKILL";
  snaps[0].started_at = kT0 + 1ms;
  snaps[0].ready_at = kT0 + 1500ms;
  snaps[0].last_exit_at = kT0 - 250ms;
  snaps[1].name = "app.v2";
  snaps[1].status.waiting_for = "db (healthy)";
  snaps[2].name = "odd";
  snaps[2].status.phase = Phase::kFailed;
  // Quotes, backslashes, control bytes, UTF-8, DEL and invalid UTF-8 all take nlohmann's path.
  snaps[2].status.failure = "said \"no\" \\ at\ttab\x01 caf\xc3\xa9 \x7f bad\xff";
  snaps[2].status.last_exit_code = 1;
  snaps[2].status.last_exit = "exited 1\n";
  snaps[3].name = "up-whole-seconds";
  snaps[3].status.phase = Phase::kRunning;
  snaps[3].status.pid = 9;
  snaps[3].started_at = kT0 - 3s;  // uptime 3.0: nlohmann writes "3.0", not "3"
  snaps[4].name = "clock-stepped-back";
  snaps[4].status.pid = 10;
  snaps[4].started_at = kT0 + 5s;
  snaps[5].name = "done";
  snaps[5].status.phase = Phase::kStopped;
  snaps[5].status.stopped_by_request = true;
  snaps[5].status.last_exit_code = 143;
  snaps[5].last_exit_at = kT0 + 1234567us;
  for (auto now : {kT0, kT0 + 12345678us, kT0 + 1ns * 333})
    CHECK(Written(snaps, now) == Dumped(snaps, now));
  CHECK(Written({}, kT0) == "[]");
}

TEST_CASE("control json: strings are escaped as nlohmann escapes them") {
  for (std::string text : {"", "plain", "a\"b", "\\", "\x1f", "\xe2\x82\xac", "\xc3"}) {
    std::string out;
    AppendJsonString(out, text);
    CHECK(out == nlohmann::json(text).dump(-1, ' ', false,
                                           nlohmann::json::error_handler_t::replace));
  }
}

}  // namespace
}  // namespace stackvisor::control
