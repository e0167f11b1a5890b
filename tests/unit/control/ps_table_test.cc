// What `ps` prints and what `top` reads of /proc.
#include <doctest/doctest.h>

#include "control/ps_table.h"

namespace stackvisor::control {
namespace {

TEST_CASE("ps: the table has compose's columns and dashes for what is absent") {
  std::vector<nlohmann::json> services = {
      nlohmann::json::parse(R"({"name":"web","state":"running","health":"healthy","pid":42,
        "restarts":1,"uptime_s":75.9,"last_exit":{"code":1,"description":"exited with code 1",
        "at":"x"},"ports":[{"port":80,"protocol":"tcp","published":1337,"host_ip":null},
        {"port":53,"protocol":"udp","published":null,"host_ip":null}]})"),
      nlohmann::json::parse(R"({"name":"migrate","state":"completed","health":"none",
        "pid":null,"restarts":0,"uptime_s":null,"last_exit":null})")};
  CHECK(PsTable(services) ==
        "SERVICE   STATE       HEALTH    PID   RESTARTS   UPTIME   LAST EXIT            PORTS\n"
        "web       running     healthy   42    1          1m15s    exited with code 1   "
        "0.0.0.0:1337->80/tcp, 53/udp\n"
        "migrate   completed   -         -     0          -        -                    -\n");
}

TEST_CASE("ps: by default completed and stopped services are hidden, failed ones are not") {
  CHECK(ShownByDefault({{"state", "running"}}));
  CHECK(ShownByDefault({{"state", "failed"}}));
  CHECK(ShownByDefault({{"state", "waiting"}}));
  CHECK_FALSE(ShownByDefault({{"state", "completed"}}));
  CHECK_FALSE(ShownByDefault({{"state", "stopped"}}));
}

TEST_CASE("ps: uptime reads at a glance") {
  CHECK(FormatUptime(nullptr) == "-");
  CHECK(FormatUptime(0.4) == "0s");
  CHECK(FormatUptime(59.9) == "59s");
  CHECK(FormatUptime(192) == "3m12s");
  CHECK(FormatUptime(7500) == "2h05m");
  CHECK(FormatUptime(273600) == "3d04h");
}

TEST_CASE("top: /proc/PID/stat with a command name holding spaces and parentheses") {
  const std::string stat =
      "4242 (my (odd) prog) S 17 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 "
      "123456 10485760 2560 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
  auto parsed = ParseProcStat(stat);
  REQUIRE(parsed);
  CHECK(parsed->pid == 4242);
  CHECK(parsed->ppid == 17);
  CHECK(parsed->cpu_ticks == 300);
  CHECK(parsed->rss_pages == 2560);
  CHECK_FALSE(ParseProcStat(""));
  CHECK_FALSE(ParseProcStat("12 (x) S 1 2 3"));
}

TEST_CASE("top: sizes and the table") {
  CHECK(FormatBytes(512 * 1024) == "512K");
  CHECK(FormatBytes(12'900'000) == "12.3M");
  CHECK(TopTable({{42, 1, 12.345, 2 * 1024 * 1024, "python3 -m http.server"}}) ==
        "PID   PPID   %CPU   RSS    COMMAND\n"
        "42    1      12.3   2.0M   python3 -m http.server\n");
}

}  // namespace
}  // namespace stackvisor::control

namespace stackvisor::control {
namespace {

TEST_CASE("control top: the innermost pid of /proc/PID/status") {
  CHECK(InnermostPid("Name:\tsleep\nPid:\t4242\nNSpid:\t4242\t7\nNSpgid:\t4242\t7\n") == 7);
  CHECK(InnermostPid("NSpid:\t99\n") == 99);
  CHECK_FALSE(InnermostPid("Name:\tsleep\nPid:\t1\n").has_value());
  CHECK_FALSE(InnermostPid("NSpid:\n").has_value());
  CHECK_FALSE(InnermostPid("NSpid:\t12x\n").has_value());
}

}  // namespace
}  // namespace stackvisor::control
