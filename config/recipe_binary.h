#pragma once
// Internal to config/: the host side of a recipe (tags, binaries, required
// files).
#include <optional>
#include <string>

#include "config/recipe_apply.h"

namespace stackvisor::config {

struct FoundBinary {
  std::string path;
  std::string version;  // from recipe.binary_version; empty without one
};

/// The version the image's tag asks for ("" when it names none), or nullopt
/// after reporting a tag the recipe does not accept.
std::optional<std::string> TagVersion(const Recipe& recipe, const RecipeInput& in, Reporter& r);

/// The installed binary that serves `wanted` (the newest, with a warning, when
/// none does), or nullopt after reporting that none is installed and the
/// apt-get line that installs one.
std::optional<FoundBinary> FindBinary(const Recipe& recipe, const RecipeInput& in,
                                      const std::string& wanted, Reporter& r);

/// Reports every required file that is missing, with its package; false when
/// one was.
bool CheckRequirements(const Recipe& recipe, const RecipeInput& in,
                       const std::map<std::string, std::string>& vars, Reporter& r);

}  // namespace stackvisor::config
