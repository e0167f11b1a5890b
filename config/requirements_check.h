#pragma once
// A Dockerfile's `pip install -r requirements.txt` cannot be replayed: instead the file is
// checked against the Python distributions the host has, naming the Debian package for each
// missing one and the apt-get line that installs them all.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "config/diagnostic.h"

namespace stackvisor::config {

/// One requirement that names a distribution.
struct Requirement {
  std::string name;        // as written: "Django"
  std::string normalized;  // PEP 503: "django"
  std::string specifier;   // ">=2.1,<3"; empty for any version
  std::string text;        // the line as written, for messages
  std::string file;
  int line = 0;
};

/// What one requirements file says: its requirements, and the files it includes (-r).
struct RequirementsText {
  std::vector<Requirement> requirements;
  std::vector<std::pair<std::string, int>> includes;  // -r path as written, and its line
};

/// The interpreter facts markers are evaluated against (python_version, sys_platform, ...).
using MarkerEnvironment = std::map<std::string, std::string>;

/// HostMarkers is the marker environment of a Linux CPython of version "3.11.2".
MarkerEnvironment HostMarkers(const std::string& python_full_version);

/// ParseRequirements reads pip's requirements format: comments, continuations, options
/// (-r/-c/-e, index options, --hash), URLs, extras and environment markers (a requirement
/// whose marker is false for env is left out). Lines that name no distribution it can check
/// (a local path, a URL without #egg=) are reported as warnings. Pure.
RequirementsText ParseRequirements(const std::string& text, const std::string& file,
                                   const MarkerEnvironment& env,
                                   std::vector<Diagnostic>& diagnostics);

/// InstalledFromListing maps normalized names to versions from the entries of site
/// directories ("Django-3.2.25.egg-info", "channels_redis-4.0.0.dist-info"; an entry with no
/// version, "cryptography.egg-info", maps to ""). Pure.
std::map<std::string, std::string> InstalledFromListing(const std::vector<std::string>& entries);

/// AddProgramDistributions adds to installed the distributions Debian ships as programs and
/// plugins rather than as site entries (uwsgi: the uwsgi binary and its python3 plugin), each
/// with no version, when exists() says their file is there. Pure given exists.
void AddProgramDistributions(std::map<std::string, std::string>& installed,
                             const std::function<bool(const std::string&)>& exists);

/// DebianPackageFor names the Debian package of a distribution ("psycopg2-binary" ->
/// "python3-psycopg2"); known is false for a guess ("python3-<name>").
std::string DebianPackageFor(const std::string& normalized, bool& known);

/// The outcome of a check: warnings at each requirement, and the packages to install.
struct RequirementsReport {
  std::vector<Diagnostic> diagnostics;
  std::vector<std::string> missing_packages;  // Debian packages, in order, each once
  std::string apt_line;                       // empty when nothing is missing
};

/// CheckRequirements compares requirements with installed. path is the key path the
/// warnings carry ("services.web.build"). Pure.
RequirementsReport CheckRequirements(const std::vector<Requirement>& requirements,
                                     const std::map<std::string, std::string>& installed,
                                     const std::string& path);

/// ReadRequirements reads a requirements file and the files it includes (bounded: each
/// file by read_file's limit, 16 levels of -r, a cycle read once). Errors name the file.
std::vector<Requirement> ReadRequirements(const std::string& file, const MarkerEnvironment& env,
                                          std::vector<Diagnostic>& diagnostics);

/// HostSiteDirectories are where /usr/bin/python3 looks for distributions: Debian's
/// dist-packages, the version's own and /usr/local's. python_version is "3.11".
std::vector<std::string> HostSiteDirectories(const std::string& python_version);

/// ListSiteEntries lists the dist-info/egg-info entries of dirs (missing dirs are skipped).
std::vector<std::string> ListSiteEntries(const std::vector<std::string>& dirs);

}  // namespace stackvisor::config
