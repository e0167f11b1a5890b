#include "watch/tree_watcher.h"

#include <filesystem>
#include <fstream>
#include <system_error>

namespace stackvisor::watch {
namespace fs = std::filesystem;
namespace {

std::string Join(const std::string& dir, const std::string& name) {
  return dir == "/" ? "/" + name : dir + "/" + name;
}

std::string ReadSysctl(const char* path) {
  std::ifstream in(path);
  std::string value;
  if (!(in >> value)) return "?";
  return value;
}

fs::file_status StatusOf(const std::string& path) {
  std::error_code ec;
  return fs::symlink_status(path, ec);
}

}  // namespace

TreeWatcher::TreeWatcher(uv_loop_t* loop, std::string root, DescendFn descend,
                         ChangeFn on_change, WatchBudget& budget)
    : loop_(loop),
      root_(std::move(root)),
      descend_(std::move(descend)),
      on_change_(std::move(on_change)),
      budget_(budget) {}

TreeWatcher::~TreeWatcher() {
  budget_.used -= dirs_.size();
}

bool TreeWatcher::Start() {
  auto status = StatusOf(root_);
  if (!fs::exists(status)) {
    budget_.report("watch: " + root_ + " does not exist: not watched");
    return false;
  }
  if (!fs::is_directory(status)) {
    // inotify can watch a file, but an editor that saves by renaming a new file over it would
    // leave that watch on the old inode: watch the directory, keep only the name.
    const fs::path path(root_);
    file_name_ = path.filename().string();
    return AddDir(path.parent_path().string());
  }
  AddTree(root_, false);
  return !dirs_.empty();
}

void TreeWatcher::AddTree(const std::string& path, bool announce) {
  if (!AddDir(path)) return;
  std::error_code ec;
  for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string child = it->path().string();
    std::error_code type_ec;
    if (it->is_directory(type_ec) && !it->is_symlink(type_ec)) {
      if (descend_(child)) AddTree(child, announce);
    } else if (announce) {
      on_change_(child);
    }
  }
}

bool TreeWatcher::AddDir(const std::string& path) {
  if (dirs_.count(path) != 0) return true;
  if (budget_.used >= budget_.max_directories) {
    if (!budget_.limit_reported) {
      budget_.limit_reported = true;
      budget_.report("watch: not watching " + path + " (nor what is below it, nor further new "
                     "directories): " + std::to_string(budget_.max_directories) +
                     " directories are watched already (STACKVISOR_WATCH_MAX_DIRS); ignore "
                     "generated trees with `ignore:` in develop.watch");
    }
    return false;
  }
  auto dir = std::make_unique<Dir>();
  dir->owner = this;
  dir->path = path;
  uv_fs_event_init(loop_, dir->handle.get());
  dir->handle.MarkInitialized();
  dir->handle->data = dir.get();
  int rc = uv_fs_event_start(dir->handle.get(), &TreeWatcher::OnEvent, path.c_str(), 0);
  if (rc < 0) {
    Report(path, rc);
    return false;
  }
  dirs_.emplace(path, std::move(dir));
  ++budget_.used;
  return true;
}

void TreeWatcher::Report(const std::string& path, int error) {
  if (error == UV_ENOSPC || error == UV_EMFILE) {
    if (budget_.limit_reported) return;
    budget_.limit_reported = true;
    const bool watches = error == UV_ENOSPC;
    const char* sysctl = watches ? "fs.inotify.max_user_watches" : "fs.inotify.max_user_instances";
    const std::string value = ReadSysctl(watches ? "/proc/sys/fs/inotify/max_user_watches"
                                                 : "/proc/sys/fs/inotify/max_user_instances");
    budget_.report("watch: inotify limit reached watching " + path + " (" + sysctl + " = " +
                   value + "): changes there and in further new directories are not seen; "
                   "raise it with `sysctl " + sysctl + "=" + (watches ? "524288" : "1024") +
                   "` or ignore generated trees with `ignore:` in develop.watch");
    return;
  }
  // A directory gone between its event and its watch is no news; anything else is reported.
  if (error != UV_ENOENT && error != UV_ENOTDIR)
    budget_.report("watch: cannot watch " + path + ": " + uv_strerror(error));
}

void TreeWatcher::OnEvent(uv_fs_event_t* handle, const char* filename, int /*events*/,
                          int status) noexcept {
  auto* dir = static_cast<Dir*>(handle->data);
  if (dir == nullptr) return;
  dir->owner->OnDirEvent(dir, filename, status);
}

void TreeWatcher::OnDirEvent(Dir* dir, const char* filename, int status) {
  // Copied: DropTree below may destroy *dir.
  const std::string dir_path = dir->path;
  if (status < 0) return Report(dir_path, status);
  if (!fs::exists(StatusOf(dir_path))) {
    // The directory itself went (its parent's watch reports that); the root has no parent here.
    if (dir_path == root_ || !file_name_.empty())
      budget_.report("watch: " + dir_path + " was removed: no longer watched");
    DropTree(dir_path);
    return;
  }
  if (filename == nullptr || *filename == '\0') return;
  if (!file_name_.empty()) {
    if (file_name_ == filename) on_change_(root_);
    return;
  }
  const std::string path = Join(dir_path, filename);
  auto entry = StatusOf(path);
  if (fs::is_directory(entry)) {
    if (dirs_.count(path) == 0 && descend_(path)) AddTree(path, true);
  } else if (!fs::exists(entry)) {
    DropTree(path);
  }
  on_change_(path);
}

void TreeWatcher::DropTree(const std::string& path) {
  // Erasing destroys each Dir, whose UvHandle closes the watch.
  if (dirs_.erase(path) != 0) --budget_.used;
  const std::string below = path + "/";  // sorts right before every path below it
  for (auto it = dirs_.lower_bound(below);
       it != dirs_.end() && it->first.compare(0, below.size(), below) == 0;) {
    it = dirs_.erase(it);
    --budget_.used;
  }
}

}  // namespace stackvisor::watch
