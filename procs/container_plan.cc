#include "procs/container_plan.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>

namespace stackvisor::procs {
namespace {

using Kind = HostFs::Kind;

std::vector<std::string> Components(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string Join(const std::vector<std::string>& parts, size_t n) {
  std::string out;
  for (size_t i = 0; i < n && i < parts.size(); ++i) out += "/" + parts[i];
  return out.empty() ? "/" : out;
}

std::string Normalise(const std::string& path) {
  std::vector<std::string> parts;
  for (const auto& p : Components(path)) {
    if (p == ".") continue;
    if (p == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(p);
  }
  return Join(parts, parts.size());
}

std::string Child(const std::string& dir, const std::string& name) {
  return dir == "/" ? "/" + name : dir + "/" + name;
}

bool IsUnder(const std::string& path, const std::string& dir) {
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
         (dir == "/" || path[dir.size()] == '/');
}

std::string Describe(const MountSpec& m) {
  switch (m.kind) {
    case MountSpec::Kind::kTmpfs: return "mount tmpfs at " + m.target;
    case MountSpec::Kind::kSymlink: return "symlink " + m.target + " -> " + m.source;
    default: return "mount " + m.source + " at " + m.target;
  }
}

// Follows the host's symlinks on the way to target (never the last component), as the child's
// own lookups will, so "/var/run/x" is planned where it really lands: "/run/x".
std::string ResolveParents(const std::string& target, const HostFs& fs) {
  std::string path = target;
  for (int hops = 0; hops < 16; ++hops) {
    const auto parts = Components(path);
    bool changed = false;
    for (size_t i = 1; i < parts.size(); ++i) {
      const std::string prefix = Join(parts, i);
      const Kind kind = fs.Lstat(prefix);
      if (kind == Kind::kNone) return path;
      if (kind != Kind::kSymlink) continue;
      const std::string link = fs.ReadLink(prefix);
      std::string base = link.starts_with("/") ? link : Join(parts, i - 1) + "/" + link;
      std::string rest;
      for (size_t j = i; j < parts.size(); ++j) rest += "/" + parts[j];
      path = Normalise(base + rest);
      changed = true;
      break;
    }
    if (!changed) return path;
  }
  return path;
}

}  // namespace

Kind RealHostFs::Lstat(const std::string& path) const {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) return Kind::kNone;
  if (S_ISLNK(st.st_mode)) return Kind::kSymlink;
  return S_ISDIR(st.st_mode) ? Kind::kDir : Kind::kFile;
}

Kind RealHostFs::Stat(const std::string& path) const {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return Kind::kNone;
  return S_ISDIR(st.st_mode) ? Kind::kDir : Kind::kFile;
}

std::string RealHostFs::ReadLink(const std::string& path) const {
  char buf[4096];
  ssize_t n = readlink(path.c_str(), buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

base::Result<std::vector<HostFs::Entry>> RealHostFs::List(const std::string& dir) const {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return base::Error{base::ErrnoMessage("list " + dir, errno)};
  std::vector<Entry> out;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    Entry entry{name, Lstat(Child(dir, name)), ""};
    if (entry.kind == Kind::kSymlink) entry.link = ReadLink(Child(dir, name));
    if (entry.kind != Kind::kNone) out.push_back(std::move(entry));
  }
  closedir(d);
  std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });
  return out;
}

base::Result<std::vector<ContainerStep>> PlanContainer(const ContainerSpec& spec,
                                                       const HostFs& fs) {
  using Op = ContainerStep::Op;
  std::vector<MountSpec> mounts = spec.mounts;
  std::stable_sort(mounts.begin(), mounts.end(), [](const MountSpec& a, const MountSpec& b) {
    return Components(a.target).size() < Components(b.target).size();
  });
  // Pass 1: where each mount lands, and which host directories become scaffolds.
  std::set<std::string> scaffolds = {"/"};
  std::set<std::string> replaced;  // host entries a scaffold leaves out (a symlink goes there)
  std::vector<std::string> placed;  // targets mounted so far
  std::vector<bool> source_is_dir(mounts.size(), true);
  for (size_t i = 0; i < mounts.size(); ++i) {
    MountSpec& m = mounts[i];
    const std::string what = Describe(m);
    if (m.kind == MountSpec::Kind::kBind) {
      const Kind kind = fs.Stat(m.source);
      if (kind == Kind::kNone)
        return base::Error{base::ErrnoMessage(what, ENOENT)};
      source_is_dir[i] = kind == Kind::kDir;
    }
    const bool inside_mount = std::any_of(placed.begin(), placed.end(), [&](const std::string& p) {
      return IsUnder(m.target, p) || m.target == p;
    });
    if (!inside_mount) {
      m.target = ResolveParents(m.target, fs);
      const Kind want = m.kind == MountSpec::Kind::kBind && !source_is_dir[i] ? Kind::kFile
                                                                              : Kind::kDir;
      const Kind have = m.kind == MountSpec::Kind::kSymlink ? fs.Lstat(m.target)
                                                            : fs.Stat(m.target);
      if (have != want || m.kind == MountSpec::Kind::kSymlink) {
        // Made in tmpfs: every existing directory on its way becomes a scaffold.
        const auto parts = Components(m.target);
        for (size_t n = 1; n < parts.size(); ++n) {
          const std::string dir = Join(parts, n);
          const Kind k = fs.Lstat(dir);
          if (k == Kind::kNone) break;
          if (k != Kind::kDir) return base::Error{base::ErrnoMessage(what, ENOTDIR)};
          scaffolds.insert(dir);
        }
        if (have != Kind::kNone) replaced.insert(m.target);
      }
    }
    placed.push_back(m.target);
  }
  // Pass 2: the scaffolds, parents first (a set orders "/etc" before "/etc/nginx").
  std::vector<ContainerStep> steps;
  for (const auto& dir : scaffolds) {
    if (dir != "/") steps.push_back({Op::kMkdirLike, kOldRoot + dir, dir, "scaffold " + dir});
    auto entries = fs.List(dir);
    if (!entries.ok()) return base::Error{"scaffold of " + dir + ": " + entries.error().message};
    for (const auto& e : entries.value()) {
      const std::string path = Child(dir, e.name);
      if (scaffolds.count(path) || replaced.count(path)) continue;
      const std::string what = "scaffold: bind " + path;
      switch (e.kind) {
        case Kind::kSymlink:
          steps.push_back({Op::kSymlink, e.link, path, "scaffold: symlink " + path});
          break;
        case Kind::kDir:
          steps.push_back({Op::kMkdir, "", path, what});
          steps.push_back({Op::kBind, kOldRoot + path, path, what});
          break;
        default:
          steps.push_back({Op::kTouch, "", path, what});
          steps.push_back({Op::kBind, kOldRoot + path, path, what});
      }
    }
  }
  // Pass 3: the mounts, each after its missing parents (existing ones are left alone).
  for (size_t i = 0; i < mounts.size(); ++i) {
    const MountSpec& m = mounts[i];
    const std::string what = Describe(m);
    const auto parts = Components(m.target);
    for (size_t n = 1; n < parts.size(); ++n) steps.push_back({Op::kMkdir, "", Join(parts, n), what});
    switch (m.kind) {
      case MountSpec::Kind::kSymlink:
        steps.push_back({Op::kSymlink, m.source, m.target, what});
        break;
      case MountSpec::Kind::kTmpfs:
        steps.push_back({Op::kMkdir, "", m.target, what});
        steps.push_back({Op::kTmpfs, m.options, m.target, what});
        if (m.read_only) steps.push_back({Op::kRemountReadOnly, "", m.target, what});
        break;
      case MountSpec::Kind::kBind:
        steps.push_back({source_is_dir[i] ? Op::kMkdir : Op::kTouch, "", m.target, what});
        steps.push_back({Op::kBind, kOldRoot + m.source, m.target, what});
        if (m.read_only) steps.push_back({Op::kRemountReadOnly, "", m.target, what});
        break;
    }
  }
  return steps;
}

std::vector<std::string> ExecCandidates(const std::string& argv0, const std::string& path_env,
                                        const std::string& working_dir) {
  auto in_working_dir = [&](const std::string& path) {
    if (path.starts_with("/") || working_dir.empty()) return path;
    return working_dir + "/" + path;
  };
  if (argv0.find('/') != std::string::npos) return {in_working_dir(argv0)};
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path_env.size()) {
    size_t end = path_env.find(':', start);
    if (end == std::string::npos) end = path_env.size();
    std::string dir = path_env.substr(start, end - start);
    out.push_back(in_working_dir((dir.empty() ? "." : dir) + "/" + argv0));
    start = end + 1;
  }
  return out;
}

}  // namespace stackvisor::procs
