#pragma once
// Recursive watching of one path with libuv's uv_fs_event, which on Linux is one inotify watch
// per directory and not recursive: directories are added as they appear and dropped as they go.
#include <uv.h>

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "base/uv_handle.h"

namespace stackvisor::watch {

/// WatchBudget bounds the directories every TreeWatcher of one watch may hold, and makes sure
/// a limit (its own, or the kernel's fs.inotify.max_user_watches) is reported once, not once
/// per directory. Owned by the Watcher; the tree watchers hold a reference.
struct WatchBudget {
  size_t max_directories = 8192;
  size_t used = 0;
  bool limit_reported = false;
  std::function<void(const std::string&)> report;  // one stackvisor log line
};

/// TreeWatcher watches `root`: a directory and every directory below it that `descend` accepts,
/// or a single file (through its parent directory, filtered to its name). Each change of an
/// entry calls `on_change` with its absolute path; a directory that appears is watched and each
/// file already in it reported (it may have been filled before its watch existed), one that
/// disappears is dropped with everything below it. Failures (limits, permissions) are reported
/// through the budget and watching goes on with what could be added. Owns its handles; not
/// copyable or movable; loop thread only.
class TreeWatcher {
 public:
  using ChangeFn = std::function<void(const std::string& absolute)>;
  using DescendFn = std::function<bool(const std::string& absolute_dir)>;

  TreeWatcher(uv_loop_t* loop, std::string root, DescendFn descend, ChangeFn on_change,
              WatchBudget& budget);
  ~TreeWatcher();
  TreeWatcher(const TreeWatcher&) = delete;
  TreeWatcher& operator=(const TreeWatcher&) = delete;

  /// Adds the watches; false (reported) when the root does not exist or cannot be watched.
  bool Start();
  size_t directories() const { return dirs_.size(); }

 private:
  struct Dir {
    TreeWatcher* owner = nullptr;
    std::string path;
    base::UvHandle<uv_fs_event_t> handle;
  };

  static void OnEvent(uv_fs_event_t* handle, const char* filename, int events,
                      int status) noexcept;
  void OnDirEvent(Dir* dir, const char* filename, int status);
  /// Watches `path` and, recursively, the directories below it; with `announce`, reports each
  /// file found (a directory that appeared after the watch began).
  void AddTree(const std::string& path, bool announce);
  bool AddDir(const std::string& path);
  void DropTree(const std::string& path);
  void Report(const std::string& path, int error);

  uv_loop_t* loop_;
  std::string root_;
  std::string file_name_;  // a file root: its name in the watched parent; empty otherwise
  DescendFn descend_;
  ChangeFn on_change_;
  WatchBudget& budget_;
  std::map<std::string, std::unique_ptr<Dir>> dirs_;  // by absolute path
};

}  // namespace stackvisor::watch
