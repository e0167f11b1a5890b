#include "base/resident_code.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <string>

#include "base/unique_fd.h"

namespace stackvisor::base {
namespace {

// A process of ours has well under a hundred mappings, ~1 KiB of smaps each.
constexpr std::size_t kMaxSmaps = 1 << 20;

bool ParseHex(std::string_view text, std::uintptr_t* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out, 16);
  return ec == std::errc() && end == text.data() + text.size();
}

// "55fa6ce63000-55fa6d277000 r-xp 0001d000 fe:01 1234   /usr/bin/x": the range, the
// permissions and whether the path is a file's.
struct Header {
  AddressRange range;
  bool candidate = false;
};

bool ParseHeader(std::string_view line, Header* out) {
  auto dash = line.find('-');
  auto space = line.find(' ');
  if (dash == std::string_view::npos || space == std::string_view::npos || dash > space)
    return false;
  if (!ParseHex(line.substr(0, dash), &out->range.begin) ||
      !ParseHex(line.substr(dash + 1, space - dash - 1), &out->range.end))
    return false;
  std::string_view perms = line.substr(space + 1, 4);
  if (perms.size() != 4) return false;
  auto slash = line.find(" /");
  out->candidate = perms[0] == 'r' && perms[1] == '-' && perms[3] == 'p' &&
                   slash != std::string_view::npos && out->range.end > out->range.begin;
  return true;
}

}  // namespace

std::vector<AddressRange> CleanFileRanges(std::string_view smaps) {
  std::vector<AddressRange> ranges;
  Header current;
  bool open = false;  // a candidate mapping whose "Anonymous:" line has not been seen yet
  while (!smaps.empty()) {
    auto nl = smaps.find('\n');
    std::string_view line = smaps.substr(0, nl);
    smaps.remove_prefix(nl == std::string_view::npos ? smaps.size() : nl + 1);
    Header header;
    // A header line starts with a hex digit; the field lines ("Rss:", ...) with a capital.
    if (!line.empty() && std::isxdigit(static_cast<unsigned char>(line[0])) &&
        !std::isupper(static_cast<unsigned char>(line[0])) && ParseHeader(line, &header)) {
      current = header;
      open = header.candidate;
      continue;
    }
    if (!open || !line.starts_with("Anonymous:")) continue;
    open = false;
    std::string_view value = line.substr(10);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (value.starts_with("0 kB")) ranges.push_back(current.range);
  }
  return ranges;
}

std::size_t DropCleanFileRanges() {
  UniqueFd fd(open("/proc/self/smaps", O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return 0;
  std::string text;
  char buffer[16384];
  while (text.size() < kMaxSmaps) {
    ssize_t n = read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  std::size_t dropped = 0;
  for (const AddressRange& r : CleanFileRanges(text)) {
    if (madvise(reinterpret_cast<void*>(r.begin), r.end - r.begin, MADV_DONTNEED) == 0)
      dropped += r.end - r.begin;
  }
  return dropped;
}

}  // namespace stackvisor::base
