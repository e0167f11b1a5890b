#include "config/read_file.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/unique_fd.h"

namespace stackvisor::config {
namespace {

std::string KindOf(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a file";
}

std::string LimitText(size_t max_bytes) {
  if (max_bytes % (1024 * 1024) == 0) return std::to_string(max_bytes / (1024 * 1024)) + " MiB";
  return std::to_string(max_bytes) + " bytes";
}

FileText Failed(std::string why) { return FileText{false, false, {}, std::move(why)}; }

}  // namespace

FileText ReadInputFile(const std::string& path, size_t max_bytes) {
  base::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid() && errno == ENOENT) return FileText{false, true, {}, "not found"};
  if (!fd.valid()) return Failed(std::strerror(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Failed(std::string("fstat: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return Failed("not a regular file (" + KindOf(st.st_mode) + ")");
  const std::string too_large = "larger than the " + LimitText(max_bytes) + " limit";
  if (static_cast<unsigned long long>(st.st_size) > max_bytes) return Failed(too_large);

  std::string text;
  text.resize(static_cast<size_t>(st.st_size) + 1);  // +1: a grown file shows as a full buffer
  size_t used = 0;
  for (;;) {
    if (used == text.size()) {
      if (used > max_bytes) return Failed(too_large);
      text.resize(std::min(text.size() * 2 + 4096, max_bytes + 1));
    }
    const ssize_t n = ::read(fd.get(), text.data() + used, text.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Failed(std::string("read: ") + std::strerror(errno));
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  if (used > max_bytes) return Failed(too_large);
  text.resize(used);
  return FileText{true, false, std::move(text), {}};
}

}  // namespace stackvisor::config
