// The requirements check of a `build:` service: what its Dockerfile's pip steps name,
// compared with the host's python3.
#include <unistd.h>

#include <climits>
#include <filesystem>

#include "config/build_context.h"

namespace stackvisor::config {

std::string HostPathOf(const std::vector<Mount>& mounts, const std::string& image_path) {
  for (auto it = mounts.rbegin(); it != mounts.rend(); ++it) {
    if (it->kind != Mount::Kind::kBind) continue;
    if (it->target == image_path) return it->source;
    const std::string dir = it->target == "/" ? "/" : it->target + "/";
    if (image_path.rfind(dir, 0) == 0) return it->source + "/" + image_path.substr(dir.size());
  }
  return "";
}

std::string HostPythonVersion() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/usr/bin/python3", buf, sizeof buf - 1);
  if (n <= 0) return "";
  const std::string target(buf, static_cast<size_t>(n));
  const size_t at = target.rfind("python");
  return at == std::string::npos ? "" : target.substr(at + 6);
}

RequirementsReport CheckBuildRequirements(const BuildSpec& spec, const BuildDockerfile& parsed,
                                          const std::vector<Mount>& mounts,
                                          std::vector<std::string> site_dirs) {
  const std::string version = HostPythonVersion();
  if (site_dirs.empty()) site_dirs = HostSiteDirectories(version.empty() ? "3" : version);
  const MarkerEnvironment env = HostMarkers(version.empty() ? "3.11" : version);
  std::vector<Diagnostic> read_notes;
  std::vector<Requirement> requirements;
  const Dockerfile& df = parsed.dockerfile;
  for (const std::string& image_path : df.pip_requirement_files) {
    const std::string host = HostPathOf(mounts, image_path);
    if (host.empty()) {
      read_notes.push_back({Diagnostic::Severity::kWarning, parsed.file, 0, 0, spec.path,
                            "pip install -r " + image_path +
                                ": no COPY brings that file in, so it is not checked"});
      continue;
    }
    std::vector<Requirement> more = ReadRequirements(host, env, read_notes);
    requirements.insert(requirements.end(), more.begin(), more.end());
  }
  if (!df.pip_packages.empty()) {
    std::string text;
    for (const auto& p : df.pip_packages) text += p + "\n";
    RequirementsText inline_reqs = ParseRequirements(text, parsed.file, env, read_notes);
    for (Requirement& r : inline_reqs.requirements) {
      r.line = 0;  // one RUN line names them all; the file is enough
      requirements.push_back(std::move(r));
    }
  }
  std::map<std::string, std::string> installed = InstalledFromListing(ListSiteEntries(site_dirs));
  AddProgramDistributions(installed, [](const std::string& path) {
    std::error_code ec;
    return std::filesystem::exists(path, ec);
  });
  RequirementsReport report = CheckRequirements(requirements, installed, spec.path);
  report.diagnostics.insert(report.diagnostics.begin(), read_notes.begin(), read_notes.end());
  if (!report.apt_line.empty()) {
    report.diagnostics.push_back(
        {Diagnostic::Severity::kWarning, parsed.file, 0, 0, spec.path,
         std::to_string(report.missing_packages.size()) +
             " Python distribution(s) the image would install are missing on the host; "
             "install them with: " + report.apt_line});
  }
  return report;
}

}  // namespace stackvisor::config
