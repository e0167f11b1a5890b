// CleanFileRanges picks exactly the mappings whose pages can be dropped without losing data.
#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include "base/resident_code.h"

using stackvisor::base::AddressRange;
using stackvisor::base::CleanFileRanges;

namespace {

std::string Mapping(const std::string& header, int anonymous_kb) {
  return header + "\nSize:                 16 kB\nRss:                  8 kB\nAnonymous:      " +
         std::to_string(anonymous_kb) + " kB\nVmFlags: rd ex mr mw me\n";
}

}  // namespace

TEST_CASE("CleanFileRanges keeps the binary's and the libraries' clean read-only mappings") {
  std::string smaps =
      Mapping("55fa6ce46000-55fa6ce63000 r--p 00000000 fe:01 1234   /usr/bin/stackvisor", 0) +
      Mapping("55fa6ce63000-55fa6d277000 r-xp 0001d000 fe:01 1234   /usr/bin/stackvisor", 0) +
      // RELRO: read-only now, but relocated at load time, so its pages are private copies.
      Mapping("55fa6d322000-55fa6d32c000 r--p 004dc000 fe:01 1234   /usr/bin/stackvisor", 40) +
      Mapping("55fa6d32c000-55fa6d32e000 rw-p 004e6000 fe:01 1234   /usr/bin/stackvisor", 8) +
      Mapping("55fa6e000000-55fa6e100000 rw-p 00000000 00:00 0      [heap]", 292) +
      Mapping("7f1000000000-7f1000100000 r-xp 00028000 fe:01 99     /usr/lib/x86_64-linux-gnu/libc.so.6", 0) +
      // A text page a debugger or a uprobe patched is a private copy too.
      Mapping("7f1000200000-7f1000300000 r-xp 00000000 fe:01 77     /usr/lib/libpatched.so", 4) +
      Mapping("7f1000400000-7f1000500000 rw-p 00000000 00:00 0 ", 72) +
      Mapping("7ffc00000000-7ffc00002000 r-xp 00000000 00:00 0      [vdso]", 0) +
      Mapping("7f1000600000-7f1000601000 r--s 00000000 fe:01 55     /dev/shm/shared", 0);
  auto ranges = CleanFileRanges(smaps);
  REQUIRE(ranges.size() == 3);
  CHECK(ranges[0] == AddressRange{0x55fa6ce46000, 0x55fa6ce63000});
  CHECK(ranges[1] == AddressRange{0x55fa6ce63000, 0x55fa6d277000});
  CHECK(ranges[2] == AddressRange{0x7f1000000000, 0x7f1000100000});
}

TEST_CASE("CleanFileRanges takes nothing from a mapping whose Anonymous line is missing") {
  // Without the line it cannot know the pages are the file's: a cut-off read of smaps.
  std::string smaps = "55fa6ce63000-55fa6d277000 r-xp 0001d000 fe:01 1234   /usr/bin/x\n"
                      "Size:               4176 kB\n"
                      "55fa6d277000-55fa6d278000 r--p 0001d000 fe:01 1234   /usr/bin/x\n";
  CHECK(CleanFileRanges(smaps).empty());
  CHECK(CleanFileRanges("").empty());
  CHECK(CleanFileRanges("garbage\nnot-a-range r-xp /x\nAnonymous: 0 kB\n").empty());
}

TEST_CASE("CleanFileRanges reads this process's own smaps") {
  // The test binary's own code is among them: a file-backed r-xp mapping with no private page.
  auto here = reinterpret_cast<std::uintptr_t>(&CleanFileRanges);
  std::string text;
  if (FILE* f = std::fopen("/proc/self/smaps", "r")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    std::fclose(f);
  }
  bool found = false;
  for (const auto& r : CleanFileRanges(text)) found |= r.begin <= here && here < r.end;
  CHECK(found);
}
