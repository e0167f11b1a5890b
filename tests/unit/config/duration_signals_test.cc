#include <doctest/doctest.h>

#include <csignal>

#include "config/duration.h"
#include "config/signals.h"

using namespace stackvisor::config;
using namespace std::chrono_literals;

TEST_CASE("ParseDuration reads compose durations") {
  CHECK(ParseDuration("10s") == Duration(10000));
  CHECK(ParseDuration("1m30s") == Duration(90000));
  CHECK(ParseDuration("100ms") == Duration(100));
  CHECK(ParseDuration("1h") == Duration(3600000));
  CHECK(ParseDuration("2.5s") == Duration(2500));
  CHECK(ParseDuration("1500us") == Duration(2));  // sub-millisecond rounds up
  CHECK(ParseDuration("1us") == Duration(1));     // never rounds a non-zero value to zero
  CHECK(ParseDuration("0") == Duration(0));
  CHECK(ParseDuration("0s") == Duration(0));
  CHECK(ParseDuration("1h2m3s4ms") == Duration(3723004));
}

TEST_CASE("ParseDuration rejects malformed text") {
  for (const char* bad : {"", "10", "s", "10x", "-1s", "1.2.3s", "10 s", "1e3s", "ms10",
                          "99999999999999999999999999h"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseDuration(bad).has_value());
  }
}

TEST_CASE("FormatDuration prints what ParseDuration reads back") {
  CHECK(FormatDuration(Duration(0)) == "0s");
  CHECK(FormatDuration(Duration(30000)) == "30s");
  CHECK(FormatDuration(Duration(100)) == "100ms");
  CHECK(FormatDuration(Duration(90000)) == "1m30s");
  CHECK(FormatDuration(Duration(3600000)) == "1h");
  CHECK(FormatDuration(Duration(2500)) == "2s500ms");
  for (long ms : {0L, 1L, 999L, 1000L, 61001L, 3723004L, 86400000L})
    CHECK(ParseDuration(FormatDuration(Duration(ms))) == Duration(ms));
}

TEST_CASE("ParseSignal accepts names with and without SIG, any case, and numbers") {
  CHECK(ParseSignal("SIGTERM") == SIGTERM);
  CHECK(ParseSignal("TERM") == SIGTERM);
  CHECK(ParseSignal("sigquit") == SIGQUIT);
  CHECK(ParseSignal("15") == 15);
  CHECK(ParseSignal("SIGUSR1") == SIGUSR1);
  CHECK(ParseSignal("SIGWINCH") == SIGWINCH);
  CHECK(ParseSignal("SIGRTMIN+2") == SIGRTMIN + 2);
  CHECK(ParseSignal("SIGRTMAX-1") == SIGRTMAX - 1);
  for (const char* bad : {"", "SIG", "SIGFOO", "0", "65", "-1", "15x", "SIGRTMIN+99", "TERM "}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseSignal(bad).has_value());
  }
}

TEST_CASE("SignalName gives names ParseSignal reads back") {
  CHECK(SignalName(SIGTERM) == "SIGTERM");
  CHECK(SignalName(SIGKILL) == "SIGKILL");
  CHECK(SignalName(SIGABRT) == "SIGABRT");
  CHECK(SignalName(SIGRTMIN + 3) == "SIGRTMIN+3");
  for (int signo = 1; signo <= 64; ++signo) {
    CAPTURE(signo);
    CHECK(ParseSignal(SignalName(signo)) == signo);
  }
}
