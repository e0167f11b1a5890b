// `ps --json` splits the server's answer instead of parsing it: each object must come out byte
// for byte as the server wrote it, with its state, and anything unexpected must be refused.
#include <doctest/doctest.h>

#include "control/service_list_scan.h"
#include "control/snapshot_json.h"

namespace stackvisor::control {
namespace {

using Clock = std::chrono::system_clock;
using supervisor::Phase;

TEST_CASE("service list scan: the server's objects come back whole, in order, with their state") {
  std::vector<supervisor::ServiceSnapshot> snaps(3);
  snaps[0].name = "web";
  snaps[0].status.phase = Phase::kRunning;
  snaps[0].status.pid = 42;
  snaps[0].started_at = Clock::from_time_t(1764597600);
  snaps[1].name = "odd";
  snaps[1].status.phase = Phase::kFailed;
  // Braces, brackets, quotes and commas inside strings must not end an object.
  snaps[1].status.failure = "said \"}]{[,\" \\ and\ttab\x01 caf\xc3\xa9";
  snaps[1].status.last_exit_code = 1;
  snaps[1].status.last_exit = "exited with code 1";
  snaps[2].name = "migrate";
  snaps[2].status.phase = Phase::kCompleted;
  ServiceListWriter writer(Clock::from_time_t(1764597700));
  std::string body = "{\"services\":";
  writer.AppendList(body, snaps);
  body += "}";

  auto scanned = ScanServiceList(body);
  REQUIRE(scanned.has_value());
  REQUIRE(scanned->size() == 3);
  for (size_t i = 0; i < snaps.size(); ++i) {
    std::string one;
    writer.Append(one, snaps[i]);
    CHECK((*scanned)[i].json == one);
  }
  CHECK((*scanned)[0].state == "running");
  CHECK((*scanned)[1].state == "failed");
  CHECK((*scanned)[2].state == "completed");
}

TEST_CASE("service list scan: spacing, other keys and an empty list are fine") {
  auto scanned = ScanServiceList(
      " { \"project\" : {\"a\": [1, -2.5e3, true, null]},\n \"services\" : [ {\"name\": \"a\", "
      "\"nested\": {\"state\": \"not this\"}, \"state\": \"waiting\"} ] } \n");
  REQUIRE(scanned.has_value());
  REQUIRE(scanned->size() == 1);
  CHECK((*scanned)[0].state == "waiting");
  CHECK((*scanned)[0].json.front() == '{');
  CHECK((*scanned)[0].json.back() == '}');
  auto empty = ScanServiceList(R"({"services":[]})");
  REQUIRE(empty.has_value());
  CHECK(empty->empty());
}

TEST_CASE("service list scan: anything but a services array of objects is refused") {
  for (const char* body : {"", "[]", "{}", R"({"services":{}})", R"({"services":[1]})",
                           R"({"services":[{"state":"running"})", R"({"services":[{}]} x)",
                           R"({"services":[{"a" 1}]})", R"({"services":[{"a":"open}]})",
                           R"({"services":[{},]})", "{\"services\":[{\"a\":\"x\ny\"}]}"}) {
    CAPTURE(body);
    CHECK_FALSE(ScanServiceList(body).has_value());
  }
}

}  // namespace
}  // namespace stackvisor::control
