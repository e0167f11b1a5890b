#include "control/runtime_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace stackvisor::control {
namespace fs = std::filesystem;
namespace {

std::optional<std::string> Env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

std::string Octal(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

std::string ReadPid(int fd) {
  char buffer[32] = {};
  ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
  std::string pid(buffer, n > 0 ? static_cast<std::size_t>(n) : 0);
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid.empty() ? "unknown" : pid;
}

}  // namespace

fs::path ChooseRuntimeDir(const RuntimeDirInputs& in) {
  if (in.explicit_dir && !in.explicit_dir->empty()) return *in.explicit_dir;
  if (in.env_override && !in.env_override->empty()) return *in.env_override;
  if (in.xdg_runtime_dir && !in.xdg_runtime_dir->empty()) {
    return fs::path(*in.xdg_runtime_dir) / "stackvisor" / in.project;
  }
  return in.project_dir / ".stackvisor";
}

RuntimeDirInputs RuntimeDirInputsFromEnv(std::string project, fs::path project_dir) {
  return RuntimeDirInputs{std::move(project), std::move(project_dir), std::nullopt,
                          Env("STACKVISOR_RUNTIME_DIR"), Env("XDG_RUNTIME_DIR")};
}

fs::path ApiSocketPath(const fs::path& dir) { return dir / "api.sock"; }

std::optional<base::Error> MakePrivateDir(const fs::path& dir, uid_t uid) {
  // Parents first, each made 0700 if missing; existing parents are left as they are.
  fs::path partial;
  for (const fs::path& part : dir) {
    partial /= part;
    if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) {
      return base::Error{base::ErrnoMessage("runtime directory: mkdir " + partial.string(), errno)};
    }
  }
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) {
    return base::Error{base::ErrnoMessage("runtime directory: stat " + dir.string(), errno)};
  }
  if (!S_ISDIR(st.st_mode)) {
    return base::Error{"runtime directory " + dir.string() +
                       " is not a directory (a symlink or a file); remove it or choose "
                       "another with STACKVISOR_RUNTIME_DIR"};
  }
  if (st.st_uid != uid) {
    return base::Error{"runtime directory " + dir.string() + " belongs to uid " +
                       std::to_string(st.st_uid) + ", not to us (uid " + std::to_string(uid) +
                       "); refusing to serve the API there"};
  }
  if ((st.st_mode & 077) != 0) {
    return base::Error{"runtime directory " + dir.string() + " is accessible to others (mode " +
                       Octal(st.st_mode) + "); refusing to serve the API there: chmod 700 " +
                       dir.string()};
  }
  return std::nullopt;
}

base::Result<std::unique_ptr<RuntimeDir>> RuntimeDir::Acquire(const fs::path& dir,
                                                              const std::string& project,
                                                              bool* busy) {
  if (busy != nullptr) *busy = false;
  if (auto error = MakePrivateDir(dir, ::geteuid())) return *error;
  fs::path lock_path = dir / "lock";
  base::UniqueFd lock(
      ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!lock.valid()) {
    return base::Error{base::ErrnoMessage("runtime directory: open " + lock_path.string(), errno)};
  }
  if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) {
      return base::Error{base::ErrnoMessage("runtime directory: flock " + lock_path.string(), errno)};
    }
    if (busy != nullptr) *busy = true;
    return base::Error{"stackvisor is already running project " + project + " (pid " +
                       ReadPid(lock.get()) + ", socket " + ApiSocketPath(dir).string() + ")"};
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(lock.get(), 0) != 0 ||
      ::pwrite(lock.get(), pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    return base::Error{base::ErrnoMessage("runtime directory: write pid to " + lock_path.string(), errno)};
  }
  // We hold the lock, so a socket here is a dead stackvisor's: nobody can be serving it.
  fs::path socket = ApiSocketPath(dir);
  if (::unlink(socket.c_str()) != 0 && errno != ENOENT) {
    return base::Error{base::ErrnoMessage("runtime directory: remove stale socket " + socket.string(), errno)};
  }
  return std::unique_ptr<RuntimeDir>(new RuntimeDir(dir, std::move(lock)));
}

}  // namespace stackvisor::control
