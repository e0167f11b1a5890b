// Byte sizes for up --log-bytes, as docker writes them.
#include <doctest/doctest.h>

#include "config/byte_size.h"

namespace stackvisor::config {
namespace {

TEST_CASE("byte size: numbers with binary units, any case") {
  CHECK(ParseByteSize("100") == 100u);
  CHECK(ParseByteSize("100b") == 100u);
  CHECK(ParseByteSize("512k") == 512u * 1024);
  CHECK(ParseByteSize("4M") == 4u << 20);
  CHECK(ParseByteSize("2MiB") == 2u << 20);
  CHECK(ParseByteSize("1gb") == 1u << 30);
}

TEST_CASE("byte size: refuses what is not a size") {
  for (const char* bad : {"", "k", "0", "0k", "-1", "1.5m", "4 m", "4t", "m4",
                          "99999999999999999999", "17179869184g"})
    CHECK_FALSE(ParseByteSize(bad).has_value());
}

}  // namespace
}  // namespace stackvisor::config
