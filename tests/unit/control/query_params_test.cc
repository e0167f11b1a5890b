// The API's query parameters are parsed strictly: a bad value is a 400 naming it, never a guess.
#include <doctest/doctest.h>

#include "control/query_params.h"

namespace stackvisor::control {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

TEST_CASE("control params: timeout is plain non-negative seconds, fractions allowed") {
  CHECK(ParseTimeoutSeconds("10").value == config::Duration(10000));
  CHECK(ParseTimeoutSeconds("0").value == config::Duration(0));
  CHECK(ParseTimeoutSeconds("2.5").value == config::Duration(2500));
  CHECK(ParseTimeoutSeconds("86400").ok());
  for (const char* bad : {"", "-1", "+1", "10s", "1e3", " 1", "1 ", "abc", ".5", "5.", "86401",
                          "nan", "inf", "0x10"}) {
    CAPTURE(bad);
    auto parsed = ParseTimeoutSeconds(bad);
    CHECK_FALSE(parsed.ok());
    CHECK_FALSE(parsed.value);
  }
  CHECK(ParseTimeoutSeconds("10s").error ==
        "timeout must be a number of seconds up to 86400, got '10s'");
}

TEST_CASE("control params: signal by name, short name or number") {
  CHECK(ParseSignalParam("SIGKILL").value == 9);
  CHECK(ParseSignalParam("KILL").value == 9);
  CHECK(ParseSignalParam("term").value == 15);
  CHECK(ParseSignalParam("9").value == 9);
  for (const char* bad : {"", "SIGNOPE", "0", "65", "-9", "9x"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseSignalParam(bad).ok());
  }
}

TEST_CASE("control params: tail is digits or all; flags are 1/0 and friends") {
  CHECK(ParseTail("0").value == size_t{0});
  CHECK(ParseTail("25").value == size_t{25});
  CHECK(ParseTail("all").ok());
  CHECK_FALSE(ParseTail("all").value);
  for (const char* bad : {"", "-1", "1.5", "ten", "99999999999999999999999"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseTail(bad).ok());
  }
  CHECK(ParseFlag("follow", "").value == true);
  CHECK(ParseFlag("follow", "1").value == true);
  CHECK(ParseFlag("follow", "true").value == true);
  CHECK(ParseFlag("follow", "0").value == false);
  CHECK(ParseFlag("follow", "no").value == false);
  CHECK(ParseFlag("follow", "maybe").error == "follow must be 1 or 0, got 'maybe'");
}

TEST_CASE("control params: since takes RFC 3339, unix seconds or a duration ago") {
  const Clock::time_point now = Clock::from_time_t(1764597600);  // 2025-12-01T14:00:00Z
  CHECK(ParseSince("2025-12-01T14:00:00Z", now).value == now);
  CHECK(ParseSince("2025-12-01T14:00:00.250Z", now).value == now + 250ms);
  CHECK(ParseSince("2025-12-01T15:30:00+01:30", now).value == now);
  CHECK(ParseSince("2025-12-01T12:00:00-02:00", now).value == now);
  CHECK(ParseSince("1764597600", now).value == now);
  CHECK(ParseSince("1764597600.5", now).value == now + 500ms);
  CHECK(ParseSince("10m", now).value == now - 10min);
  CHECK(ParseSince("1h30m", now).value == now - 90min);
  for (const char* bad : {"", "yesterday", "2025-12-01", "2025-12-01T14:00:00",
                          "2025-13-01T14:00:00Z", "2025-12-01T14:00:00+0100", "-10m"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseSince(bad, now).ok());
  }
}

}  // namespace
}  // namespace stackvisor::control
