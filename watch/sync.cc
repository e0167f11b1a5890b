#include "watch/sync.h"

#include <unistd.h>

#include <filesystem>
#include <system_error>

namespace stackvisor::watch {
namespace fs = std::filesystem;
namespace {

class Syncer {
 public:
  Syncer(const std::string& from, const std::string& to, const SyncFilter& filter)
      : from_(from), to_(to), filter_(filter) {}

  void One(const std::string& relative) {
    const fs::path src = relative.empty() ? from_ : from_ / relative;
    const fs::path dst = relative.empty() ? to_ : to_ / relative;
    std::error_code ec;
    auto status = fs::symlink_status(src, ec);
    if (ec || !fs::exists(status)) return Remove(dst);
    if (fs::is_directory(status)) return Directory(src, dst);
    Copy(src, dst, status);
  }

  void Directory(const fs::path& src, const fs::path& dst) {
    std::error_code ec;
    fs::create_directories(dst, ec);
    if (ec) return Fail("create " + dst.string(), ec);
    fs::recursive_directory_iterator it(src, ec), end;
    if (ec) return Fail("read " + src.string(), ec);
    for (; it != end; it.increment(ec)) {
      if (ec) return Fail("read " + src.string(), ec);
      const std::string rel = fs::relative(it->path(), from_, ec).string();
      const bool dir = it->is_directory(ec) && !it->is_symlink(ec);
      if (!filter_(rel, dir)) {
        if (dir) it.disable_recursion_pending();
        continue;
      }
      const fs::path target = to_ / rel;
      if (dir) {
        fs::create_directories(target, ec);
        if (ec) Fail("create " + target.string(), ec);
      } else {
        Copy(it->path(), target, it->symlink_status(ec));
      }
    }
  }

  void Copy(const fs::path& src, const fs::path& dst, fs::file_status status) {
    std::error_code ec;
    fs::create_directories(dst.parent_path(), ec);
    if (ec) return Fail("create " + dst.parent_path().string(), ec);
    // A temporary name beside the destination, then one rename: a service never reads a file
    // half copied, and a directory where a file now is gives way.
    const fs::path tmp = dst.parent_path() /
                         ("." + dst.filename().string() + ".stackvisor-sync-" +
                          std::to_string(getpid()));
    fs::remove(tmp, ec);
    if (fs::is_symlink(status)) {
      fs::copy_symlink(src, tmp, ec);
    } else {
      fs::copy_file(src, tmp, fs::copy_options::overwrite_existing, ec);
    }
    if (ec) {
      fs::remove(tmp, ec);
      return Fail("copy " + src.string() + " to " + dst.string(), ec);
    }
    if (fs::is_directory(fs::symlink_status(dst, ec))) fs::remove_all(dst, ec);
    fs::rename(tmp, dst, ec);
    if (ec) {
      std::error_code ignored;
      fs::remove(tmp, ignored);
      return Fail("copy " + src.string() + " to " + dst.string(), ec);
    }
    ++report_.copied;
  }

  void Remove(const fs::path& dst) {
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(dst, ec))) return;
    fs::remove_all(dst, ec);
    if (ec) return Fail("remove " + dst.string(), ec);
    ++report_.removed;
  }

  SyncReport Take() { return std::move(report_); }

 private:
  void Fail(const std::string& step, const std::error_code& ec) {
    if (report_.errors.size() < kMaxSyncErrors) report_.errors.push_back(step + ": " + ec.message());
  }

  const fs::path from_;
  const fs::path to_;
  const SyncFilter& filter_;
  SyncReport report_;
};

}  // namespace

SyncReport SyncPaths(const std::string& from, const std::string& to,
                     const std::vector<std::string>& relative, const SyncFilter& filter) {
  Syncer syncer(from, to, filter);
  for (const auto& rel : relative) syncer.One(rel);
  return syncer.Take();
}

SyncReport SyncAll(const std::string& from, const std::string& to, const SyncFilter& filter) {
  Syncer syncer(from, to, filter);
  std::error_code ec;
  auto status = fs::symlink_status(from, ec);
  if (!ec && fs::is_directory(status)) syncer.Directory(from, to);
  else syncer.One("");
  return syncer.Take();
}

}  // namespace stackvisor::watch
