#pragma once
// The `sync` of develop.watch on one host: changed files under a rule's path are copied to its
// target, removed ones removed. Synchronous file system calls (std::filesystem), run on the
// loop between batches: development trees, bounded by the batch size.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace stackvisor::watch {

struct SyncReport {
  size_t copied = 0;
  size_t removed = 0;
  std::vector<std::string> errors;  // "copy SRC to DST: REASON", at most kMaxSyncErrors
};

inline constexpr size_t kMaxSyncErrors = 5;

/// Filter for SyncPaths/SyncAll: whether a path (relative to `from`) takes part.
using SyncFilter = std::function<bool(const std::string& relative, bool is_directory)>;

/// Brings each `relative` path of `to` in line with `from`: a file is copied (to a temporary
/// name, then renamed, so a reader never sees half a file), a directory is copied with what it
/// holds (filtered), a symlink is copied as a symlink, and what no longer exists in `from` is
/// removed from `to`. "" names `from` itself (a rule watching one file syncs to `to` itself).
SyncReport SyncPaths(const std::string& from, const std::string& to,
                     const std::vector<std::string>& relative, const SyncFilter& filter);

/// SyncPaths over the whole of `from` (after an overflowed batch); nothing is removed.
SyncReport SyncAll(const std::string& from, const std::string& to, const SyncFilter& filter);

}  // namespace stackvisor::watch
