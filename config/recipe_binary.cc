// The host side of a recipe: which tags it accepts, which installed binary
// serves the version a tag asks for, and the files the image has that the host
// must have too.
#include "config/recipe_binary.h"

#include <glob.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <regex>

namespace stackvisor::config {
namespace {

std::vector<std::string> Glob(const std::string& pattern) {
  glob_t g{};
  std::vector<std::string> out;
  if (::glob(pattern.c_str(), GLOB_NOSORT, nullptr, &g) == 0)
    for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  ::globfree(&g);
  return out;
}

bool Executable(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec) && ::access(path.c_str(), X_OK) == 0;
}

// A host version serves a tag's version when they agree on every component the
// shorter has: tag 16.2 is served by /usr/lib/postgresql/16, tag 9.6 is not
// served by 15.
bool Serves(const std::string& host, const std::string& wanted) {
  const std::string& a = host.size() <= wanted.size() ? host : wanted;
  const std::string& b = host.size() <= wanted.size() ? wanted : host;
  return b.compare(0, a.size(), a) == 0 && (b.size() == a.size() || b[a.size()] == '.');
}

std::string Packages(const std::vector<std::string>& packages) {
  std::string out;
  for (const auto& p : packages) out += " " + p;
  return out;
}

}  // namespace

int CompareVersions(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    long x = 0, y = 0;
    while (i < a.size() && std::isdigit(static_cast<unsigned char>(a[i])))
      x = x * 10 + (a[i++] - '0');
    while (j < b.size() && std::isdigit(static_cast<unsigned char>(b[j])))
      y = y * 10 + (b[j++] - '0');
    if (x != y) return x < y ? -1 : 1;
    while (i < a.size() && !std::isdigit(static_cast<unsigned char>(a[i]))) ++i;
    while (j < b.size() && !std::isdigit(static_cast<unsigned char>(b[j]))) ++j;
  }
  return 0;
}

std::optional<std::string> TagVersion(const Recipe& recipe, const RecipeInput& in, Reporter& r) {
  if (recipe.tags.empty()) return std::string();
  std::smatch m;
  const std::regex re(recipe.tags, std::regex::ECMAScript);
  if (std::regex_match(in.ref.tag, m, re)) return m.size() > 1 && m[1].matched ? m[1].str() : "";
  r.Error(in.at->pos, in.at_path,
          "image " + Quote(in.ref.written) + ": unknown tag " + Quote(in.ref.tag) + " for recipe " +
              Quote(recipe.name) +
              (recipe.tags_help.empty() ? "" : ": expected " + recipe.tags_help));
  return std::nullopt;
}

std::optional<FoundBinary> FindBinary(const Recipe& recipe, const RecipeInput& in,
                                      const std::string& wanted, Reporter& r) {
  if (recipe.binary.empty()) return FoundBinary{};  // an image of scripts only, say
  std::optional<std::regex> version_re;
  if (!recipe.binary_version.empty()) version_re.emplace(recipe.binary_version);
  std::vector<FoundBinary> found;
  for (const auto& pattern : recipe.binary)
    for (const auto& path : Glob(pattern)) {
      if (!Executable(path)) continue;
      FoundBinary b{path, ""};
      if (version_re) {
        std::smatch m;
        if (!std::regex_search(path, m, *version_re) || m.size() < 2) continue;
        b.version = m[1].str();
      }
      found.push_back(std::move(b));
    }
  if (found.empty()) {
    std::string needs;
    for (size_t i = 0; i < recipe.binary.size(); ++i)
      needs += (i == 0 ? "" : ", ") + recipe.binary[i];
    needs = recipe.binary.size() == 1 ? needs + ", which is not installed"
                                      : "one of " + needs + ", none of which is installed";
    r.Error(in.at->pos, in.at_path,
            "image " + Quote(in.ref.written) + " needs " + needs +
                (recipe.packages.empty() ? "" : ": apt-get install" + Packages(recipe.packages)));
    return std::nullopt;
  }
  // Newest first, so an unserved tag falls back to the newest installed
  // version.
  std::sort(found.begin(), found.end(), [](const FoundBinary& a, const FoundBinary& b) {
    return CompareVersions(a.version, b.version) > 0;
  });
  if (wanted.empty() || !version_re) return found.front();
  for (const auto& b : found)
    if (Serves(b.version, wanted)) return b;
  r.Warning(in.at->pos, in.at_path,
            "image " + Quote(in.ref.written) + " asks for version " + wanted +
                ", which this host lacks: using " + found.front().version + " (" +
                found.front().path + ")");
  return found.front();
}

bool CheckRequirements(const Recipe& recipe, const RecipeInput& in,
                       const std::map<std::string, std::string>& vars, Reporter& r) {
  bool ok = true;
  for (const auto& req : recipe.requires_files) {
    const std::string path = SubstituteRecipeVars(req.path, vars);
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) continue;
    r.Error(in.at->pos, in.at_path,
            "image " + Quote(in.ref.written) + " needs " + path + ", which is not installed: " +
                "apt-get install " + SubstituteRecipeVars(req.package, vars));
    ok = false;
  }
  return ok;
}

}  // namespace stackvisor::config
