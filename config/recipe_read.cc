// Reading recipes out of Node trees (recipe files and x-stackvisor.recipes).
// Lenient about nothing: a recipe is code the user wrote, so an unknown key or
// a bad type is an error where it is written.
#include <filesystem>
#include <regex>

#include "config/path_join.h"
#include "config/recipe.h"
#include "config/signals.h"

namespace stackvisor::config {
namespace {

const std::vector<std::string> kRecipeKeys = {
    "base",           "images",       "tags",     "tags_help",  "packages",  "binary",
    "binary_version", "requires",     "programs", "entrypoint", "command",   "options_program",
    "environment",    "working_dir",  "user",     "users",      "readiness", "stop_signal",
    "ports",          "port_options", "volumes",  "files",      "links",     "dirs",
    "start_period",   "stop_grace_period", "tmpfs", "listen_env",
};

bool IsAbsolute(const std::string& p) { return !p.empty() && p[0] == '/'; }

std::optional<std::map<std::string, std::string>> ReadStringMap(const Node& node,
                                                                const std::string& path,
                                                                Reporter& r) {
  if (!node.IsMap()) {
    r.Expected(node, path, "a mapping of strings");
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  for (const auto& e : node.entries)
    if (auto v = ReadString(e.value, path + "." + e.key, r)) out[e.key] = *v;
  return out;
}

bool ValidRegex(const Node& node, const std::string& path, Reporter& r) {
  try {
    std::regex re(node.value, std::regex::ECMAScript);
    return true;
  } catch (const std::regex_error& e) {
    r.Error(node, path, std::string("invalid regular expression: ") + e.what());
    return false;
  }
}

class RecipeReader {
 public:
  RecipeReader(Recipe& recipe, const std::string& path, Reporter& r)
      : recipe_(recipe), path_(path), r_(r) {}

  void Key(const MapEntry& e);

 private:
  std::string P(const std::string& key) const { return path_ + "." + key; }
  void Files(const Node& node, const std::string& key);
  void Requires(const Node& node);

  Recipe& recipe_;
  const std::string& path_;
  Reporter& r_;
};

void RecipeReader::Key(const MapEntry& e) {
  const Node& v = e.value;
  const std::string& k = e.key;
  Recipe& rc = recipe_;
  if (k == "base") return;  // applied before the other keys
  if (k == "images") {
    if (auto list = ReadStringList(v, P(k), r_)) {
      rc.images.clear();
      for (const auto& image : *list) rc.images.push_back(ParseImageRef(image).name);
    }
  } else if (k == "tags") {
    if (auto s = ReadString(v, P(k), r_); s && ValidRegex(v, P(k), r_)) rc.tags = *s;
  } else if (k == "tags_help" || k == "options_program" || k == "working_dir" || k == "user" ||
             k == "listen_env") {
    auto s = ReadString(v, P(k), r_);
    if (!s) return;
    if (k == "working_dir" && !s->empty() && !IsAbsolute(*s))
      return r_.Expected(v, P(k), "an absolute image path");
    (k == "tags_help"         ? rc.tags_help
     : k == "options_program" ? rc.options_program
     : k == "working_dir"     ? rc.working_dir
     : k == "listen_env"      ? rc.listen_env
                              : rc.user) = *s;
  } else if (k == "binary_version") {
    if (auto s = ReadString(v, P(k), r_); s && ValidRegex(v, P(k), r_)) rc.binary_version = *s;
  } else if (k == "dirs") {
    if (auto list = ReadStringList(v, P(k), r_))
      rc.dirs.insert(rc.dirs.end(), list->begin(), list->end());
  } else if (k == "packages" || k == "binary" || k == "port_options" || k == "volumes" ||
             k == "tmpfs") {
    auto list = ReadStringList(v, P(k), r_);
    if (!list) return;
    if (k == "volumes" || k == "tmpfs") {
      for (const auto& target : *list)
        if (!IsAbsolute(target)) return r_.Expected(v, P(k), "absolute image paths");
      auto& into = k == "volumes" ? rc.volumes : rc.tmpfs;
      into.insert(into.end(), list->begin(), list->end());
      return;
    }
    (k == "packages" ? rc.packages : k == "binary" ? rc.binary : rc.port_options) = *list;
  } else if (k == "entrypoint" || k == "command") {
    // A list only: the recipe states the image's exec form exactly, with no
    // shell splitting.
    auto list = v.IsSequence() ? ReadStringList(v, P(k), r_) : std::nullopt;
    if (!v.IsSequence()) return r_.Expected(v, P(k), "a list of strings");
    if (list) (k == "entrypoint" ? rc.entrypoint : rc.command) = *list;
  } else if (k == "programs" || k == "users") {
    if (auto m = ReadStringMap(v, P(k), r_)) (k == "programs" ? rc.programs : rc.users) = *m;
  } else if (k == "environment") {
    if (!v.IsMap()) return r_.Expected(v, P(k), "a mapping of variable names to values");
    for (const auto& item : v.entries)
      if (auto s = ReadString(item.value, P(k) + "." + item.key, r_))
        rc.environment.emplace_back(item.key, *s);
  } else if (k == "readiness") {
    auto s = ReadString(v, P(k), r_);
    if (s && *s != "notify" && *s != "tcp" && *s != "none")
      return r_.Expected(v, P(k), "one of notify, tcp, none");
    if (s) rc.readiness = *s == "none" ? "" : *s;
  } else if (k == "stop_signal") {
    auto s = ReadString(v, P(k), r_);
    if (s && !ParseSignal(*s)) return r_.Expected(v, P(k), "a signal name such as SIGINT");
    if (s) rc.stop_signal = *s;
  } else if (k == "start_period" || k == "stop_grace_period") {
    if (auto d = ReadDuration(v, P(k), r_, false))
      (k == "start_period" ? rc.start_period : rc.stop_grace_period) = *d;
  } else if (k == "ports") {
    if (!v.IsSequence()) return r_.Expected(v, P(k), "a list of port numbers");
    rc.ports.clear();
    for (const auto& item : v.items)
      if (auto n = ReadInt(item, P(k), r_, 1, 65535)) rc.ports.push_back(static_cast<uint16_t>(*n));
  } else if (k == "files" || k == "links") {
    Files(v, k);
  } else if (k == "requires") {
    Requires(v);
  } else if (k.rfind("x-", 0) != 0) {
    r_.Error(e.key_pos, P(k), "unknown key" + DidYouMean(k, kRecipeKeys));
  }
}

// files: {IMAGE_PATH: FILE_NEXT_TO_THE_RECIPE}; links: {IMAGE_PATH: LINK_TEXT}.
void RecipeReader::Files(const Node& node, const std::string& key) {
  if (!node.IsMap())
    return r_.Expected(
        node, P(key),
        "a mapping of image paths to " + std::string(key == "files" ? "files" : "link texts"));
  namespace fs = std::filesystem;
  for (const auto& e : node.entries) {
    auto value = ReadString(e.value, P(key) + "." + e.key, r_);
    if (!value) continue;
    if (!IsAbsolute(e.key)) {
      r_.Error(e.key_pos, P(key) + "." + e.key, "expected an absolute image path");
      continue;
    }
    RecipeFile f;
    f.target = e.key;
    f.link = key == "links";
    f.source = f.link || IsAbsolute(*value) || value->rfind("${", 0) == 0
                   ? *value
                   : JoinPath(recipe_.dir, *value);
    f.pos = e.value.pos;
    // One file per image path: a recipe's own replaces its base's (nginx-unprivileged's
    // nginx.conf is not nginx's).
    std::erase_if(recipe_.files, [&](const RecipeFile& old) { return old.target == f.target; });
    recipe_.files.push_back(std::move(f));
  }
}

void RecipeReader::Requires(const Node& node) {
  if (!node.IsSequence()) return r_.Expected(node, P("requires"), "a list of {path, package}");
  for (const auto& item : node.items) {
    const Node* path = item.IsMap() ? item.Get("path") : nullptr;
    const Node* package = item.IsMap() ? item.Get("package") : nullptr;
    if (!path || !package || !path->IsScalar() || !package->IsScalar()) {
      r_.Expected(item, P("requires"), "a mapping with 'path' and 'package'");
      continue;
    }
    recipe_.requires_files.push_back({path->value, package->value});
  }
}

}  // namespace

std::vector<Recipe> ReadRecipes(const Node& node, const std::string& path, const std::string& dir,
                                const RecipeCatalogue& known, Reporter& r) {
  std::vector<Recipe> out;
  if (node.IsNull()) return out;
  if (!node.IsMap()) {
    r.Expected(node, path, "a mapping of recipe names to recipes");
    return out;
  }
  for (const auto& e : node.entries) {
    const std::string rpath = path + "." + e.key;
    if (!e.value.IsMap()) {
      r.Expected(e.value, rpath, "a mapping");
      continue;
    }
    Recipe recipe;
    if (const Node* base = e.value.Get("base")) {
      const Recipe* from = nullptr;
      for (const auto& earlier : out)
        if (earlier.name == base->value) from = &earlier;
      if (!from) from = known.Named(base->value);
      if (!from || !base->IsScalar() || base->value == e.key) {
        r.Error(*base, rpath + ".base", "no such recipe: " + Quote(base->value));
        continue;
      }
      recipe = *from;
      recipe.images.clear();  // the base's images stay the base's
    }
    recipe.name = e.key;
    recipe.dir = dir;
    recipe.pos = e.key_pos;
    RecipeReader reader(recipe, rpath, r);
    for (const auto& entry : e.value.entries) reader.Key(entry);
    out.push_back(std::move(recipe));
  }
  return out;
}

}  // namespace stackvisor::config
