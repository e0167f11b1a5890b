#pragma once
// Internal to config/: applying one recipe (and a Dockerfile's layer over it)
// to a service.
#include <string>

#include "config/load_steps.h"
#include "config/recipe.h"

namespace stackvisor::config {

/// What ApplyRecipe needs besides the recipe: the service's tree (which compose
/// keys were written, so they beat the image's), the image and where it was
/// named.
struct RecipeInput {
  const Node* tree = nullptr;
  std::string path;          // services.NAME
  const Node* at = nullptr;  // the image: or build: node, for messages
  std::string at_path;       // its key path
  ImageRef ref;
  ImageLayer layer;  // empty for image:
};

/// ApplyRecipe makes the draft the recipe's program: it checks the tag, finds
/// the binary (a missing one names its apt-get line), and fills argv,
/// environment, user, readiness, stop signal, working directory, ports and the
/// container view wherever compose did not.
void ApplyRecipe(const Recipe& recipe, const RecipeInput& in, const BuildContext& context,
                 ServiceDraft& draft, Reporter& r);

/// Substitutes ${binary}, ${binary_dir}, ${version}, ${recipes} and ${tag} in
/// text.
std::string SubstituteRecipeVars(const std::string& text,
                                 const std::map<std::string, std::string>& vars);

/// The port an argument list moves the service to (`--port 6380`, `-p6380`,
/// `--port=6380`), if it names one with any of `options`.
std::optional<uint16_t> PortFromArgs(const std::vector<std::string>& args,
                                     const std::vector<std::string>& options);

/// CompareVersions orders "9.6" < "15" < "15.2" by their numeric components.
int CompareVersions(const std::string& a, const std::string& b);

}  // namespace stackvisor::config
