#include "supervisor/container_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "supervisor/container_preflight.h"

namespace stackvisor::supervisor {
namespace {

namespace fs = std::filesystem;

std::string ReadHostFile(const char* path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

base::Result<bool> MakeDirs(const std::string& dir, const std::string& what) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return base::Error{what + " " + dir + ": " + ec.message()};
  return true;
}

// Opens path with flags (truncating) and writes text whole; the error names `what` and path.
base::Result<bool> WriteFile(const std::string& path, int flags, const std::string& text,
                             const std::string& what) {
  int fd = open(path.c_str(), flags | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return base::Error{base::ErrnoMessage(what + " " + path, errno)};
  const bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const int err = errno;
  close(fd);
  if (!ok) return base::Error{base::ErrnoMessage(what + " " + path, err)};
  return true;
}

base::Result<bool> WriteAtomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  if (auto written = WriteFile(tmp, O_CREAT, text, "write"); !written.ok()) return written;
  fchmodat(AT_FDCWD, tmp.c_str(), 0644, 0);  // whatever the umask: every user must read it
  if (rename(tmp.c_str(), path.c_str()) != 0)
    return base::Error{base::ErrnoMessage("rename " + tmp, errno)};
  return true;
}

std::string ServiceDir(const config::Service& service, const std::string& files_dir) {
  return (fs::path(files_dir) / service.name).string();
}

std::string TouchedFile(const std::string& service_dir, size_t index) {
  return service_dir + "/touched-" + std::to_string(index);
}

}  // namespace

std::string ContainerFilesDir(const std::string& configured) {
  if (!configured.empty()) return configured;
  const char* tmp = std::getenv("TMPDIR");
  return std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/stackvisor-" +
         std::to_string(geteuid()) + "-" + std::to_string(getpid()) + "-container";
}

void AddHostNames(config::ContainerView& view, const std::vector<std::string>& names) {
  std::set<std::string> listed;
  for (const auto& line : view.hosts) {
    std::istringstream words(line);
    std::string word;
    words >> word;  // the address
    while (words >> word) listed.insert(word);
  }
  for (const auto& name : names)
    if (listed.insert(name).second) view.hosts.push_back("127.0.0.1\t" + name);
}

std::string GeneratedFile(const std::string& host_text, const std::vector<std::string>& lines) {
  std::string out = host_text;
  if (!out.empty() && out.back() != '\n') out += '\n';
  if (!lines.empty()) out += "# added by stackvisor for this service's container view\n";
  for (const auto& line : lines) out += line + "\n";
  return out;
}

void AddGeneratedFiles(const config::Service& service, const std::string& files_dir,
                       procs::ContainerSpec& spec) {
  const std::string dir = ServiceDir(service, files_dir);
  auto bind = [&](const char* name, const char* target) {
    spec.mounts.push_back({procs::MountSpec::Kind::kBind, dir + "/" + name, target, true, ""});
  };
  bind("hosts", "/etc/hosts");
  if (!service.container.passwd.empty()) bind("passwd", "/etc/passwd");
  if (!service.container.group.empty()) bind("group", "/etc/group");
  for (size_t i = 0; i < service.container.touched.size(); ++i) {
    spec.mounts.push_back({procs::MountSpec::Kind::kBind, TouchedFile(dir, i),
                           service.container.touched[i], false, ""});
  }
}

base::Result<bool> PrepareContainerFiles(const config::Service& service,
                                         const std::string& files_dir, bool root) {
  const config::ContainerView& view = service.container;
  const std::string prefix = service.name + ": ";
  for (const config::Mount& m : view.mounts) {
    if (m.kind == config::Mount::Kind::kBind) {
      std::error_code ec;
      if (fs::exists(m.source, ec)) continue;
      if (!m.create_source) return base::Error{prefix + MissingBindSourceText(m)};
      auto made = MakeDirs(m.source, prefix + "create the missing bind source for " + m.target + ":");
      if (!made.ok()) return made.error();
    } else if (m.kind == config::Mount::Kind::kVolume) {
      std::error_code ec;
      const bool fresh = !fs::exists(m.source, ec);
      auto made = MakeDirs(m.source, prefix + "create volume directory");
      if (!made.ok()) return made.error();
      if (fresh && root && service.user && chown(m.source.c_str(), service.user->uid, service.user->gid) != 0)
        return base::Error{base::ErrnoMessage(prefix + "chown " + m.source, errno)};
    }
  }
  const std::string dir = ServiceDir(service, files_dir);
  if (auto made = MakeDirs(dir, prefix + "create"); !made.ok()) return made.error();
  const struct {
    const char* name;
    const char* host;
    const std::vector<std::string>& lines;
  } files[] = {{"hosts", "/etc/hosts", view.hosts},
               {"passwd", "/etc/passwd", view.passwd},
               {"group", "/etc/group", view.group}};
  for (const auto& f : files) {
    if (f.lines.empty() && std::string(f.name) != "hosts") continue;
    auto written = WriteAtomically(dir + "/" + f.name, GeneratedFile(ReadHostFile(f.host), f.lines));
    if (!written.ok()) return base::Error{prefix + written.error().message};
  }
  // A `RUN touch` file starts empty, as in a fresh container, and is the service's user's:
  // the RUN's chown to the image user (the one it runs as) is what made it writable there.
  for (size_t i = 0; i < view.touched.size(); ++i) {
    const std::string path = TouchedFile(dir, i);
    auto written = WriteFile(path, O_CREAT, "", prefix + "create " + view.touched[i] + " at");
    if (!written.ok()) return written.error();
    fchmodat(AT_FDCWD, path.c_str(), 0644, 0);
    if (root && service.user && chown(path.c_str(), service.user->uid, service.user->gid) != 0)
      return base::Error{base::ErrnoMessage(prefix + "chown " + path, errno)};
  }
  return true;
}

base::Result<bool> RewriteHostsInPlace(const config::Service& service,
                                       const std::string& files_dir) {
  // Truncated on the same inode, no rename: a running process's bind follows the inode.
  return WriteFile(ServiceDir(service, files_dir) + "/hosts", 0,
                   GeneratedFile(ReadHostFile("/etc/hosts"), service.container.hosts),
                   service.name + ": rewrite");
}

}  // namespace stackvisor::supervisor
