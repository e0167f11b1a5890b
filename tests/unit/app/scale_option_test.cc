// `up --scale SERVICE=N`: the values CLI11 collected, read into LoadOptions::scale.
#include <doctest/doctest.h>

#include "app/cli.h"

using stackvisor::app::ParseScale;

TEST_CASE("ParseScale reads SERVICE=N; the last of a repeated service wins") {
  std::string error;
  auto counts = ParseScale({"web=3", "db=0", "web=2"}, error);
  REQUIRE(counts);
  CHECK(*counts == std::map<std::string, int>{{"web", 2}, {"db", 0}});
  CHECK(error.empty());
  CHECK(ParseScale({}, error)->empty());
}

TEST_CASE("ParseScale refuses what is not SERVICE=N, naming the value") {
  for (const char* bad : {"web", "web=", "=3", "web=-1", "web=two", "web=3x", "web=9999999999"}) {
    std::string error;
    CHECK_FALSE(ParseScale({bad}, error));
    CHECK(error == std::string("--scale: expected SERVICE=N with N a count such as 3, got '") +
                       bad + "'");
  }
}
