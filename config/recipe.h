#pragma once
// Internal to config/: the recipe catalogue, which maps an image reference
// (`image:`, or the FROM of a `build:` Dockerfile) to the native program that
// reproduces it. The schema is documented in docs/recipes.md; the built-in
// recipes are the YAML files of recipes/.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/manifest.h"
#include "config/report.h"
#include "config/tree.h"

namespace stackvisor::config {

/// An image reference split as docker reads it: registry and `library/` dropped
/// for Docker Hub images, the tag ("latest" when none) and any digest apart.
struct ImageRef {
  std::string written;  // as written: for messages
  std::string name;     // "postgres", "postgis/postgis", "ghcr.io/org/app"
  std::string tag;      // "latest" when none was written
};

ImageRef ParseImageRef(const std::string& text);

/// A file the recipe supplies at an image path (a bind of a file next to the
/// recipe), or a symbolic link the image has (`/var/log/nginx/access.log ->
/// /dev/stdout`).
struct RecipeFile {
  std::string source;  // absolute host path (files) or the link's text (links)
  std::string target;  // absolute image path
  bool link = false;
  SourcePos pos;
};

/// A file the image has that the host must have too, with the package that
/// provides it.
struct RecipeRequirement {
  std::string path;     // may hold ${version}
  std::string package;  // may hold ${version}
};

/// Recipe is one image family's native reproduction, as read from a recipe file
/// or from `x-stackvisor.recipes`. Plain data; strings may hold ${binary},
/// ${binary_dir}, ${version} and ${recipes}, which ExpandImages substitutes
/// once the binary is found.
struct Recipe {
  std::string name;
  std::string dir;  // the directory of the file it came from: ${recipes}, relative files
  SourcePos pos;
  std::vector<std::string> images;    // image names it matches, as ParseImageRef gives them
  std::string tags;                   // ECMAScript regex a whole tag must match; group 1 is the
                                      // version asked for (may not participate); empty: any tag
  std::string tags_help;              // what `tags` accepts, for the error message
  std::vector<std::string> packages;  // Debian packages that provide the binary
  std::vector<std::string> binary;    // candidate paths, glob patterns allowed
  std::string binary_version;         // regex on the found path: group 1 is its version
  std::vector<RecipeRequirement> requires_files;
  std::map<std::string, std::string> programs;         // image program name -> host path
  std::optional<std::vector<std::string>> entrypoint;  // the image's ENTRYPOINT
  std::optional<std::vector<std::string>> command;     // the image's CMD
  std::string options_program;  // a command starting with '-' runs as its arguments
  std::string listen_env;  // gets where to listen (ListenAddresses), unless compose sets it
  std::vector<std::pair<std::string, std::string>> environment;  // the image's ENV, in order
  std::string working_dir;  // the image's WORKDIR; empty: the compose default
  std::string user;         // the image user it runs as; empty: as stackvisor's user
  std::map<std::string, std::string> users;   // image user -> host user (root only)
  std::string readiness;                      // "notify", "tcp" or empty
  std::optional<Duration> start_period;       // readiness's; unset: 60 s
  std::string stop_signal;                    // e.g. "SIGINT"; empty: compose's default
  std::optional<Duration> stop_grace_period;  // unset: compose's default
  std::vector<uint16_t> ports;                // the image's EXPOSE
  std::vector<std::string> port_options;      // "--port", "-p": an argument that moves the port
  std::vector<std::string> volumes;           // the image's VOLUMEs
  // Directories a container starts with empty and the program writes to (/run for a pid file,
  // nginx's temp paths): a tmpfs each, so the host's are neither needed nor written.
  std::vector<std::string> tmpfs;
  std::vector<std::string> dirs;              // directories the image has (COPY merges into them)
  std::vector<RecipeFile> files;              // files and links the image has
};

/// RecipeCatalogue holds every recipe known to one Load: the built-in
/// directory, the user's directory, the project's, then `x-stackvisor.recipes`;
/// a later recipe of the same name replaces an earlier one, and a later recipe
/// matching an image beats an earlier one.
class RecipeCatalogue {
 public:
  /// Reads the recipe directories named by `environment`
  /// (STACKVISOR_RECIPES_PATH replaces the built-in directory; XDG_CONFIG_HOME
  /// or HOME finds the user's) and the project's, then the merged model's
  /// `x-stackvisor.recipes`. Problems in a recipe are reported where written.
  static RecipeCatalogue Load(const std::map<std::string, std::string>& environment,
                              const std::string& project_directory, const Node& model, Reporter& r);

  /// The directories read, in order (for messages and `stackvisor config`).
  const std::vector<std::string>& directories() const { return directories_; }
  const Recipe* Find(const std::string& image_name) const;
  const Recipe* Named(const std::string& recipe_name) const;
  void Add(Recipe recipe);

 private:
  std::vector<Recipe> recipes_;
  std::vector<std::string> directories_;
};

/// ReadRecipes reads a mapping of recipe names to recipes (a recipe file, or
/// `x-stackvisor.recipes`); `dir` resolves relative file sources. A recipe with
/// `base: NAME` starts as a copy of NAME from `known` or from the same mapping.
std::vector<Recipe> ReadRecipes(const Node& node, const std::string& path, const std::string& dir,
                                const RecipeCatalogue& known, Reporter& r);

/// What a `build:` service's Dockerfile puts over its base image's recipe: its
/// final stage's settings and the build-context files COPY/ADD place at image
/// paths.
struct ImageLayer {
  std::optional<std::vector<std::string>> entrypoint;
  std::optional<std::vector<std::string>> cmd;  // empty when an ENTRYPOINT reset it
  std::vector<std::pair<std::string, std::string>> environment;
  std::string user;
  std::string working_dir;
  std::optional<std::string> stop_signal;
  std::vector<uint16_t> expose;
  std::vector<std::string> volumes;
  std::vector<Mount> mounts;               // COPY/ADD
  std::vector<std::string> removed_paths;  // RUN rm: image files the recipe must not supply
  std::vector<std::string> touched_files;  // RUN touch: empty files the image user may write
};

/// ReadBuild reads the Dockerfile of a service's `build:` (a context path, or a mapping with
/// context, dockerfile, dockerfile_inline, args, target) and returns its base image and layer,
/// the COPY/ADD mounts placed by the base recipe's directories; problems are reported at
/// `build`. nullopt when the Dockerfile cannot be had. Skipped RUN steps are noted once per
/// service, and what its `pip install` steps name is checked against the host.
struct BuildImage {
  ImageRef from;
  ImageLayer layer;
};
class RecipeCatalogue;
std::optional<BuildImage> ReadBuild(const Node& build, const std::string& path,
                                    const std::string& project_dir,
                                    const RecipeCatalogue& catalogue, Reporter& r);

/// Where the built-in recipes are: next to the installed binary, else the
/// source tree's.
std::string BuiltinRecipesDirectory();

}  // namespace stackvisor::config
