#include <doctest/doctest.h>

#include <string>

#include "healthcheck/log_matcher.h"

namespace stackvisor::healthcheck {
namespace {

TEST_CASE("LogMatcher: searches anywhere in the line, ECMAScript syntax") {
  LogMatcher postgres("database system is ready to accept connections");
  CHECK(postgres.Matches(
      "2024-05-01 10:00:00.123 UTC [42] LOG:  database system is ready to accept connections"));
  CHECK_FALSE(postgres.Matches("LOG:  database system was shut down"));

  LogMatcher listening(R"(Listening at: http://127\.0\.0\.1:\d+|Starting server at)");
  CHECK(listening.Matches("[INFO] Listening at: http://127.0.0.1:8000 (123)"));
  CHECK(listening.Matches("INFO     Starting server at tcp:port=8001:interface=127.0.0.1"));
  CHECK_FALSE(listening.Matches("[INFO] Listening at: http://127.0.0.1:port"));

  LogMatcher anchored("^Ready$");
  CHECK(anchored.Matches("Ready"));
  CHECK_FALSE(anchored.Matches(" Ready"));
}

TEST_CASE("LogMatcher: a very long line is searched in its first bytes, without blowing up") {
  LogMatcher matcher(".*ready");
  std::string line(200000, 'x');
  CHECK_FALSE(matcher.Matches(line));
  line.replace(10, 5, "ready");
  CHECK(matcher.Matches(line));
}

TEST_CASE("LogMatcher::CheckRegex") {
  CHECK_FALSE(LogMatcher::CheckRegex("ready (to|for) connections").has_value());
  CHECK(LogMatcher::CheckRegex("ready (to").has_value());
  CHECK(LogMatcher::CheckRegex("[").has_value());
}

}  // namespace
}  // namespace stackvisor::healthcheck
