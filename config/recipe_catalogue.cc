// The recipe catalogue: where recipe files are looked for, and which recipe an
// image gets.
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "config/read_file.h"
#include "config/recipe.h"

#ifndef STACKVISOR_SOURCE_RECIPES_DIR
#define STACKVISOR_SOURCE_RECIPES_DIR ""
#endif
#ifndef STACKVISOR_INSTALLED_RECIPES_DIR
#define STACKVISOR_INSTALLED_RECIPES_DIR ""
#endif

namespace stackvisor::config {
namespace {

namespace fs = std::filesystem;

// A recipe file is small; a cap keeps a stray huge file from costing the load.
constexpr size_t kMaxRecipeBytes = 1024 * 1024;

std::vector<std::string> SplitColons(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(':', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string Lookup(const std::map<std::string, std::string>& env, const std::string& key) {
  auto it = env.find(key);
  return it == env.end() ? std::string() : it->second;
}

void ReadDirectory(const std::string& dir, RecipeCatalogue& catalogue, Reporter& r) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const auto ext = entry.path().extension();
    if ((ext == ".yaml" || ext == ".yml") && entry.is_regular_file(ec))
      files.push_back(entry.path());
  }
  std::sort(files.begin(),
            files.end());  // a stable order, whatever readdir gives
  for (const auto& file : files) {
    FileText text = ReadInputFile(file.string(), kMaxRecipeBytes);
    if (!text.ok) {
      r.Warning(SourcePos{file.string(), 0, 0}, "", "cannot read recipe file: " + text.error);
      continue;
    }
    Node root = ReadYaml(text.text, file.string(), r.diagnostics());
    const Node* recipes = root.IsMap() ? root.Get("recipes") : nullptr;
    if (!recipes) {
      if (!root.IsNull())
        r.Error(root.pos, "recipes", "a recipe file holds one key, 'recipes': a mapping of names");
      continue;
    }
    for (auto& recipe : ReadRecipes(*recipes, "recipes", dir, catalogue, r))
      catalogue.Add(std::move(recipe));
  }
}

}  // namespace

ImageRef ParseImageRef(const std::string& text) {
  ImageRef ref;
  ref.written = text;
  std::string rest = text.substr(0, text.find('@'));  // a digest pins bytes we do not pull
  const size_t slash = rest.rfind('/');
  const size_t colon = rest.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    ref.tag = rest.substr(colon + 1);
    rest.resize(colon);
  }
  if (ref.tag.empty()) ref.tag = "latest";
  for (const char* hub : {"docker.io/", "index.docker.io/", "registry-1.docker.io/"})
    if (rest.rfind(hub, 0) == 0) rest = rest.substr(std::string(hub).size());
  if (rest.rfind("library/", 0) == 0) rest = rest.substr(8);
  ref.name = rest;
  std::transform(ref.name.begin(), ref.name.end(), ref.name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ref;
}

std::string BuiltinRecipesDirectory() {
  // Installed: BINDIR/../share/stackvisor/recipes next to the binary, wherever
  // the prefix is.
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path near = exe.parent_path().parent_path() / "share/stackvisor/recipes";
    if (fs::is_directory(near, ec)) return near.string();
  }
  // A build-tree binary (and the unit tests) read the source tree's recipes.
  if (fs::is_directory(STACKVISOR_SOURCE_RECIPES_DIR, ec)) return STACKVISOR_SOURCE_RECIPES_DIR;
  return STACKVISOR_INSTALLED_RECIPES_DIR;
}

RecipeCatalogue RecipeCatalogue::Load(const std::map<std::string, std::string>& environment,
                                      const std::string& project_directory, const Node& model,
                                      Reporter& r) {
  RecipeCatalogue c;
  const std::string override_path = Lookup(environment, "STACKVISOR_RECIPES_PATH");
  if (!override_path.empty())
    c.directories_ = SplitColons(override_path);
  else
    c.directories_ = {BuiltinRecipesDirectory()};
  std::string config_home = Lookup(environment, "XDG_CONFIG_HOME");
  if (config_home.empty() && !Lookup(environment, "HOME").empty())
    config_home = Lookup(environment, "HOME") + "/.config";
  if (!config_home.empty() && override_path.empty())
    c.directories_.push_back(config_home + "/stackvisor/recipes");
  c.directories_.push_back(project_directory + "/.stackvisor/recipes");
  for (const auto& dir : c.directories_) ReadDirectory(dir, c, r);

  const Node* extra = model.IsMap() ? model.Get("x-stackvisor") : nullptr;
  const Node* inline_recipes = extra && extra->IsMap() ? extra->Get("recipes") : nullptr;
  if (inline_recipes)
    for (auto& recipe :
         ReadRecipes(*inline_recipes, "x-stackvisor.recipes", project_directory, c, r))
      c.Add(std::move(recipe));
  return c;
}

void RecipeCatalogue::Add(Recipe recipe) {
  recipes_.erase(std::remove_if(recipes_.begin(), recipes_.end(),
                                [&](const Recipe& old) { return old.name == recipe.name; }),
                 recipes_.end());
  recipes_.push_back(std::move(recipe));
}

const Recipe* RecipeCatalogue::Find(const std::string& image_name) const {
  for (auto it = recipes_.rbegin(); it != recipes_.rend(); ++it)
    if (std::find(it->images.begin(), it->images.end(), image_name) != it->images.end())
      return &*it;
  return nullptr;
}

const Recipe* RecipeCatalogue::Named(const std::string& recipe_name) const {
  for (const auto& recipe : recipes_)
    if (recipe.name == recipe_name) return &recipe;
  return nullptr;
}

}  // namespace stackvisor::config
