// SplitCommaList: COMPOSE_PROFILES and ?services= lists.
#include <doctest/doctest.h>

#include "config/comma_list.h"

using stackvisor::config::SplitCommaList;
using Items = std::vector<std::string>;

TEST_CASE("SplitCommaList: items trimmed, empty ones dropped") {
  CHECK(SplitCommaList("") == Items{});
  CHECK(SplitCommaList("web") == Items{"web"});
  CHECK(SplitCommaList("web,db") == Items{"web", "db"});
  CHECK(SplitCommaList(" web , db\t,,") == Items{"web", "db"});
  CHECK(SplitCommaList(",, ,") == Items{});
}
