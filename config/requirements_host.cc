// Checking requirements against the host's distributions, and the Debian names for them.

#include <algorithm>
#include <filesystem>
#include <set>

#include "config/pep440.h"
#include "config/read_file.h"
#include "config/requirements_check.h"

namespace stackvisor::config {
namespace fs = std::filesystem;
namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Distributions whose Debian package does not follow python3-<normalized name>.
const std::map<std::string, std::string>& DebianNames() {
  static const std::map<std::string, std::string> kNames = {
      {"aioredis", "python3-aioredis"},       {"asgiref", "python3-asgiref"},
      {"attrs", "python3-attr"},              {"beautifulsoup4", "python3-bs4"},
      {"celery", "python3-celery"},           {"channels", "python3-django-channels"},
      {"channels-redis", "python3-channels-redis"}, {"daphne", "python3-daphne"},
      {"dj-database-url", "python3-dj-database-url"}, {"django", "python3-django"},
      {"django-cors-headers", "python3-django-cors-headers"},
      {"django-debug-toolbar", "python3-django-debug-toolbar"},
      {"django-environ", "python3-django-environ"},
      {"django-extensions", "python3-django-extensions"},
      {"django-filter", "python3-django-filters"}, {"django-redis", "python3-django-redis"},
      {"djangorestframework", "python3-djangorestframework"},
      {"gunicorn", "python3-gunicorn"},       {"hiredis", "python3-hiredis"},
      {"mysqlclient", "python3-mysqldb"},     {"opencv-python", "python3-opencv"},
      {"opencv-python-headless", "python3-opencv"}, {"pillow", "python3-pil"},
      {"psycopg", "python3-psycopg"},         {"psycopg-binary", "python3-psycopg"},
      {"psycopg2", "python3-psycopg2"},       {"psycopg2-binary", "python3-psycopg2"},
      {"pyjwt", "python3-jwt"},               {"python-dateutil", "python3-dateutil"},
      {"python-decouple", "python3-decouple"}, {"python-dotenv", "python3-dotenv"},
      {"pytz", "python3-tz"},                 {"pyyaml", "python3-yaml"},
      {"pyzmq", "python3-zmq"},               {"redis", "python3-redis"},
      {"scikit-learn", "python3-sklearn"},    {"sqlparse", "python3-sqlparse"},
      {"typing-extensions", "python3-typing-extensions"}, {"uvicorn", "python3-uvicorn"},
      {"uwsgi", "uwsgi-plugin-python3"},  // pulls in uwsgi-core (the uwsgi binary)
      {"whitenoise", "python3-whitenoise"},
  };
  return kNames;
}

// The -binary wheels are the same module as the source distribution Debian packages.
std::string Alternative(const std::string& normalized) {
  if (normalized == "psycopg2-binary") return "psycopg2";
  if (normalized == "psycopg-binary") return "psycopg";
  if (normalized == "opencv-python-headless" || normalized == "opencv-python") return "opencv";
  return "";
}

}  // namespace

std::map<std::string, std::string> InstalledFromListing(const std::vector<std::string>& entries) {
  std::map<std::string, std::string> installed;
  for (std::string e : entries) {
    if (EndsWith(e, ".dist-info")) e.resize(e.size() - 10);
    else if (EndsWith(e, ".egg-info")) e.resize(e.size() - 9);
    else continue;
    // Names in these entries have '-' escaped to '_', so the first '-' ends the name.
    const size_t dash = e.find('-');
    std::string version = dash == std::string::npos ? "" : e.substr(dash + 1);
    if (const size_t py = version.find("-py"); py != std::string::npos) version.resize(py);
    const std::string name = NormalizeDistName(e.substr(0, dash));
    auto [it, fresh] = installed.emplace(name, version);
    if (!fresh && it->second.empty()) it->second = version;  // "cryptography.egg-info" too
  }
  return installed;
}

void AddProgramDistributions(std::map<std::string, std::string>& installed,
                             const std::function<bool(const std::string&)>& exists) {
  // No dist-info: the python recipe's UWSGI_PLUGIN=python3 loads this plugin into
  // /usr/bin/uwsgi. Debian's version is not pip's (2.0.21 either way), so none is claimed.
  if (exists("/usr/lib/uwsgi/plugins/python3_plugin.so") && exists("/usr/bin/uwsgi"))
    installed.emplace("uwsgi", "");
}

std::string DebianPackageFor(const std::string& normalized, bool& known) {
  auto it = DebianNames().find(normalized);
  known = it != DebianNames().end();
  if (known) return it->second;
  // Debian drops a "python-" prefix: python-slugify is python3-slugify.
  const std::string base = normalized.rfind("python-", 0) == 0 ? normalized.substr(7) : normalized;
  return "python3-" + base;
}

RequirementsReport CheckRequirements(const std::vector<Requirement>& requirements,
                                     const std::map<std::string, std::string>& installed,
                                     const std::string& path) {
  RequirementsReport report;
  std::set<std::string> seen;
  auto warn = [&](const Requirement& r, std::string message) {
    report.diagnostics.push_back(
        {Diagnostic::Severity::kWarning, r.file, r.line, 1, path, std::move(message)});
  };
  for (const Requirement& r : requirements) {
    if (!seen.insert(r.normalized).second) continue;
    auto it = installed.find(r.normalized);
    if (it == installed.end() && !Alternative(r.normalized).empty()) {
      it = installed.find(Alternative(r.normalized));
    }
    bool known = false;
    const std::string package = DebianPackageFor(r.normalized, known);
    if (it == installed.end()) {
      warn(r, Quote(r.text) + " is not installed on the host: " +
                  (known ? "apt-get install " + package
                         : package + " if Debian packages it (apt-cache policy " + package + ")"));
      if (std::find(report.missing_packages.begin(), report.missing_packages.end(), package) ==
          report.missing_packages.end()) {
        report.missing_packages.push_back(package);
      }
      continue;
    }
    if (r.specifier.empty() || it->second.empty()) continue;
    auto ok = SatisfiesSpecifiers(it->second, r.specifier);
    if (ok && !*ok) {
      warn(r, Quote(r.text) + ": the host has " + r.name + " " + it->second + " (" + package +
                  "), which is not " + r.specifier + "; the service runs with " + it->second);
    }
  }
  if (!report.missing_packages.empty()) {
    report.apt_line = "apt-get install";
    for (const auto& p : report.missing_packages) report.apt_line += " " + p;
  }
  return report;
}

namespace {

void ReadInto(const std::string& file, const MarkerEnvironment& env, int depth,
              std::set<std::string>& visited, std::vector<Requirement>& out,
              std::vector<Diagnostic>& diagnostics) {
  std::error_code ec;
  const std::string key = fs::weakly_canonical(file, ec).string();
  if (!visited.insert(ec ? file : key).second) return;  // an include cycle is read once
  FileText text = ReadInputFile(file);
  if (!text.ok) {
    diagnostics.push_back({Diagnostic::Severity::kWarning, file, 0, 0, "",
                           "cannot read requirements file: " + text.error +
                               "; its requirements are not checked"});
    return;
  }
  RequirementsText parsed = ParseRequirements(text.text, file, env, diagnostics);
  out.insert(out.end(), parsed.requirements.begin(), parsed.requirements.end());
  for (const auto& [include, line] : parsed.includes) {
    if (depth >= 16) {
      diagnostics.push_back({Diagnostic::Severity::kWarning, file, line, 1, "",
                             "-r " + Quote(include) + ": more than 16 levels of includes"});
      continue;
    }
    // pip reads an include relative to the file that names it.
    const fs::path target = include.empty() || include[0] == '/'
                                ? fs::path(include)
                                : fs::path(file).parent_path() / include;
    ReadInto(target.string(), env, depth + 1, visited, out, diagnostics);
  }
}

}  // namespace

std::vector<Requirement> ReadRequirements(const std::string& file, const MarkerEnvironment& env,
                                          std::vector<Diagnostic>& diagnostics) {
  std::vector<Requirement> out;
  std::set<std::string> visited;
  ReadInto(file, env, 0, visited, out, diagnostics);
  return out;
}

std::vector<std::string> HostSiteDirectories(const std::string& python_version) {
  return {"/usr/local/lib/python" + python_version + "/dist-packages",
          "/usr/lib/python3/dist-packages", "/usr/lib/python" + python_version + "/dist-packages"};
}

std::vector<std::string> ListSiteEntries(const std::vector<std::string>& dirs) {
  std::vector<std::string> entries;
  for (const auto& dir : dirs) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (EndsWith(name, ".dist-info") || EndsWith(name, ".egg-info")) entries.push_back(name);
    }
  }
  return entries;
}

}  // namespace stackvisor::config
