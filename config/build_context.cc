#include "config/path_join.h"
#include "config/build_context.h"

#include <fnmatch.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <system_error>

#include "config/dockerignore.h"
#include "config/read_file.h"

namespace stackvisor::config {
namespace fs = std::filesystem;
namespace {

// Every Debian-based image has these: a directory copied onto one must not hide it.
const std::set<std::string>& StandardDirs() {
  static const std::set<std::string> kDirs = {
      "/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/media", "/mnt", "/opt",
      "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/usr/bin",
      "/usr/lib", "/usr/local", "/usr/local/bin", "/usr/local/lib", "/usr/local/sbin",
      "/usr/local/share", "/usr/sbin", "/usr/share", "/usr/src", "/var", "/var/lib",
      "/var/log", "/var/tmp", "/var/cache", "/var/run"};
  return kDirs;
}

constexpr size_t kMaxWalkEntries = 20000;  // a .dockerignore check reads no more than this
constexpr size_t kMaxGlobMatches = 10000;

bool HasGlob(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

std::string JoinImage(const std::string& dir, const std::string& name) {
  return dir == "/" ? "/" + name : dir + "/" + name;
}

std::string JoinRel(const std::string& a, const std::string& b) {
  return a.empty() ? b : a + "/" + b;
}

std::string Basename(const std::string& rel) {
  const size_t slash = rel.rfind('/');
  return slash == std::string::npos ? rel : rel.substr(slash + 1);
}

// A source relative to the context ('/' at the start means the context too, as in Docker).
// false when ".." would leave the context.
bool ContextRelative(const std::string& src, std::string& rel) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= src.size()) {
    size_t end = src.find('/', i);
    if (end == std::string::npos) end = src.size();
    const std::string part = src.substr(i, end - i);
    i = end + 1;
    if (part == "..") {
      if (parts.empty()) return false;
      parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
  }
  rel.clear();
  for (const auto& p : parts) rel = JoinRel(rel, p);
  return true;
}

std::vector<std::string> SortedChildren(const fs::path& dir, std::error_code& ec) {
  std::vector<std::string> names;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

/// Copier turns one Dockerfile's copies into mounts; it lives for one CopyMounts call.
class Copier {
 public:
  Copier(const BuildSpec& spec, const BuildDockerfile& parsed,
         const std::vector<std::string>& image_dirs, std::vector<Diagnostic>& diagnostics)
      : spec_(spec), parsed_(parsed), diagnostics_(diagnostics), context_(spec.context) {
    while (context_.size() > 1 && context_.back() == '/') context_.pop_back();
    preexisting_ = StandardDirs();
    preexisting_.insert(image_dirs.begin(), image_dirs.end());
    created_.insert(parsed.dockerfile.created_dirs.begin(), parsed.dockerfile.created_dirs.end());
    FileText ignore = ReadInputFile(context_ + "/.dockerignore", kMaxDockerfileBytes);
    if (ignore.ok) ignore_ = DockerIgnore(ignore.text);
  }

  void Apply(const DockerfileCopy& copy);
  std::vector<Mount> Take() { return std::move(mounts_); }

 private:
  void Report(Diagnostic::Severity severity, const DockerfileCopy& copy, std::string message) {
    diagnostics_.push_back({severity, parsed_.file, copy.line, copy.column, spec_.path,
                            std::move(message)});
  }
  void Bind(const DockerfileCopy& copy, const std::string& host, const std::string& target) {
    Mount m;
    m.kind = Mount::Kind::kBind;
    m.source = host;
    m.target = target;
    m.pos = SourcePos{parsed_.file, copy.line, copy.column};
    mounts_.push_back(std::move(m));
  }
  void Glob(const std::vector<std::string>& parts, size_t i, const std::string& rel,
            std::vector<std::string>& out) const;
  void CopyDirectory(const DockerfileCopy& copy, const std::string& rel, const std::string& dest);
  size_t DeepExcluded(const std::string& rel, std::string& example, bool& truncated) const;

  const BuildSpec& spec_;
  const BuildDockerfile& parsed_;
  std::vector<Diagnostic>& diagnostics_;
  std::string context_;                // spec.context without a trailing '/'
  std::set<std::string> preexisting_;  // image directories a bind must not hide
  std::set<std::string> created_;      // directories this Dockerfile makes (WORKDIR, copies)
  DockerIgnore ignore_;
  std::vector<Mount> mounts_;
};

void Copier::Glob(const std::vector<std::string>& parts, size_t i, const std::string& rel,
                  std::vector<std::string>& out) const {
  if (out.size() >= kMaxGlobMatches) return;
  if (i == parts.size()) {
    out.push_back(rel);
    return;
  }
  const fs::path dir = fs::path(context_) / rel;
  std::error_code ec;
  if (!HasGlob(parts[i])) {
    if (fs::exists(dir / parts[i], ec)) Glob(parts, i + 1, JoinRel(rel, parts[i]), out);
    return;
  }
  for (const std::string& name : SortedChildren(dir, ec)) {
    if (::fnmatch(parts[i].c_str(), name.c_str(), 0) == 0) {
      Glob(parts, i + 1, JoinRel(rel, name), out);
    }
  }
}

size_t Copier::DeepExcluded(const std::string& rel, std::string& example, bool& truncated) const {
  size_t count = 0, seen = 0;
  std::error_code ec;
  const std::string prefix = context_ + "/";
  const fs::path root = rel.empty() ? fs::path(context_) : fs::path(prefix + rel);
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    if (++seen > kMaxWalkEntries) {
      truncated = true;
      break;
    }
    const std::string in_context = it->path().string().substr(prefix.size());
    if (!ignore_.Excluded(in_context)) continue;
    // Top-level entries were left out of the binds already; deeper ones are visible.
    if (it.depth() > 0 && count++ == 0) example = in_context;
    it.disable_recursion_pending();
  }
  return count;
}

void Copier::CopyDirectory(const DockerfileCopy& copy, const std::string& rel,
                           const std::string& dest) {
  const std::string host = rel.empty() ? context_ : context_ + "/" + rel;
  std::error_code ec;
  const std::vector<std::string> children = SortedChildren(host, ec);
  if (ec) return Report(Diagnostic::Severity::kError, copy, "cannot list " + host + ": " + ec.message());
  std::vector<std::string> kept;
  for (const auto& name : children) {
    if (!ignore_.Excluded(JoinRel(rel, name))) kept.push_back(name);
  }
  const bool merge = preexisting_.count(dest) > 0;
  if (merge || kept.size() != children.size()) {
    // Entry by entry: the image's own files stay, and excluded entries are left out.
    if (kept.size() > kMaxMergedEntries) {
      return Report(Diagnostic::Severity::kError, copy,
                    host + " has " + std::to_string(kept.size()) + " entries to put into " +
                        dest + " one by one (more than " +
                        std::to_string(kMaxMergedEntries) + "): copy a subdirectory instead");
    }
    for (const auto& name : kept) Bind(copy, host + "/" + name, JoinImage(dest, name));
  } else {
    Bind(copy, host, dest);
  }
  created_.insert(dest);
  if (ignore_.empty()) return;
  std::string example;
  bool truncated = false;
  const size_t deep = DeepExcluded(rel, example, truncated);
  if (deep > 0) {
    Report(Diagnostic::Severity::kWarning, copy,
           ".dockerignore excludes " + std::to_string(deep) + " path(s) under " + host +
               " (e.g. " + Quote(example) + "), which the service sees at " + dest +
               " anyway: a bind mount shows the whole directory");
  } else if (truncated) {
    Report(Diagnostic::Severity::kWarning, copy,
           host + " has more than " + std::to_string(kMaxWalkEntries) +
               " entries: .dockerignore was not checked below its top level");
  }
}

void Copier::Apply(const DockerfileCopy& copy) {
  const std::string what = copy.is_add ? "ADD" : "COPY";
  std::vector<std::pair<std::string, bool>> sources;  // context-relative, is a directory
  for (const std::string& src : copy.sources) {
    std::string rel;
    if (!ContextRelative(src, rel)) {
      Report(Diagnostic::Severity::kError, copy,
             what + " " + Quote(src) + ": outside the build context " + context_);
      continue;
    }
    std::vector<std::string> matches;
    if (HasGlob(rel)) {
      Glob(SplitPath(rel), 0, "", matches);
      if (matches.empty()) {
        Report(Diagnostic::Severity::kError, copy,
               what + " " + Quote(src) + ": no file in " + context_ + " matches");
      }
    } else {
      matches.push_back(rel);
    }
    for (const std::string& m : matches) {
      std::error_code ec;
      const fs::file_status st = fs::status(fs::path(context_) / m, ec);
      if (ec || !fs::exists(st)) {
        Report(Diagnostic::Severity::kError, copy,
               what + " " + Quote(src) + ": not found in the build context " + context_);
      } else if (!m.empty() && ignore_.Excluded(m)) {
        Report(Diagnostic::Severity::kError, copy,
               what + " " + Quote(src) + ": excluded from the build context by .dockerignore");
      } else {
        sources.emplace_back(m, fs::is_directory(st));
      }
    }
  }
  const std::string& dest = copy.destination;
  const bool into_dir = copy.destination_is_dir || sources.size() > 1 ||
                        preexisting_.count(dest) > 0 || created_.count(dest) > 0;
  for (const auto& [rel, is_dir] : sources) {
    if (is_dir) {
      CopyDirectory(copy, rel, dest);
    } else {
      Bind(copy, context_ + "/" + rel, into_dir ? JoinImage(dest, Basename(rel)) : dest);
      if (into_dir) created_.insert(dest);
    }
  }
  if (!copy.chown.empty() || !copy.chmod.empty()) {
    Report(Diagnostic::Severity::kWarning, copy,
           what + (copy.chown.empty() ? " --chmod" : " --chown") +
               " is not applied: the files keep their owner and mode on the host");
  }
}

}  // namespace

std::optional<BuildDockerfile> ReadBuildDockerfile(const BuildSpec& spec,
                                                   std::vector<Diagnostic>& diagnostics,
                                                   const BaseImageEnv& base_env) {
  auto error = [&](const std::string& key, std::string message) {
    diagnostics.push_back({Diagnostic::Severity::kError, spec.pos.file, spec.pos.line,
                           spec.pos.column, spec.path + key, std::move(message)});
    return std::nullopt;
  };
  if (spec.context.find("://") != std::string::npos || spec.context.rfind("git@", 0) == 0) {
    return error(".context", Quote(spec.context) +
                                 " is a remote context: clone it and point build.context at "
                                 "the directory");
  }
  std::error_code ec;
  if (!fs::is_directory(spec.context, ec)) {
    return error(".context", spec.context + " is not a directory" +
                                 (fs::exists(spec.context, ec) ? "" : " (not found)"));
  }
  BuildDockerfile out;
  std::string text;
  if (!spec.dockerfile_inline.empty()) {
    out.file = spec.pos.file + ":" + spec.path + ".dockerfile_inline";
    text = spec.dockerfile_inline;
  } else {
    out.file = JoinPath(spec.context, spec.dockerfile);
    FileText read = ReadInputFile(out.file, kMaxDockerfileBytes);
    if (!read.ok) return error(".dockerfile", "cannot read " + out.file + ": " + read.error);
    text = std::move(read.text);
  }
  std::optional<Dockerfile> parsed =
      ParseDockerfile(text, out.file, spec.args, spec.target, base_env, diagnostics);
  if (!parsed) return std::nullopt;
  out.dockerfile = std::move(*parsed);
  return out;
}

std::vector<Mount> CopyMounts(const BuildSpec& spec, const BuildDockerfile& parsed,
                              const std::vector<std::string>& image_dirs,
                              std::vector<Diagnostic>& diagnostics) {
  Copier copier(spec, parsed, image_dirs, diagnostics);
  for (const DockerfileCopy& copy : parsed.dockerfile.copies) copier.Apply(copy);
  return copier.Take();
}

}  // namespace stackvisor::config
