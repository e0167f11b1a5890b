// build: services: the Dockerfile's base image (which picks the recipe) and what its final
// stage puts over that image, read with D's Dockerfile reader (config/build_context.h).
#include <filesystem>

#include "config/path_join.h"
#include "config/build_context.h"
#include "config/recipe.h"
#include "config/recipe_apply.h"

namespace stackvisor::config {
namespace {

const std::vector<std::string> kBuildKeys = {"context", "dockerfile", "dockerfile_inline", "args",
                                             "target"};

// compose's build: a context path, or {context, dockerfile, dockerfile_inline, args, target};
// the other keys (cache_from, platforms, ...) are about image builds and change nothing here.
std::optional<BuildSpec> Spec(const Node& build, const std::string& path,
                              const std::string& project_dir, Reporter& r) {
  BuildSpec spec;
  spec.path = path;
  spec.pos = build.pos;
  spec.context = project_dir;
  if (build.IsScalar()) {
    spec.context = JoinPath(project_dir, build.value);
    return spec;
  }
  if (!build.IsMap()) {
    r.Expected(build, path, "a build context directory or a mapping");
    return std::nullopt;
  }
  for (const auto& e : build.entries) {
    const std::string key_path = path + "." + e.key;
    if (e.key == "context") {
      if (auto v = ReadString(e.value, key_path, r)) spec.context = JoinPath(project_dir, *v);
    } else if (e.key == "dockerfile") {
      if (auto v = ReadString(e.value, key_path, r)) spec.dockerfile = *v;
    } else if (e.key == "dockerfile_inline") {
      if (auto v = ReadString(e.value, key_path, r)) spec.dockerfile_inline = *v;
    } else if (e.key == "target") {
      if (auto v = ReadString(e.value, key_path, r)) spec.target = *v;
    } else if (e.key == "args" && e.value.IsMap()) {
      for (const auto& a : e.value.entries)
        if (a.value.IsScalar()) spec.args[a.key] = a.value.value;
    } else if (e.key == "args" && e.value.IsSequence()) {
      for (const auto& item : e.value.items) {
        if (!item.IsScalar()) continue;
        const auto eq = item.value.find('=');
        if (eq != std::string::npos)
          spec.args[item.value.substr(0, eq)] = item.value.substr(eq + 1);
      }
    }
  }
  return spec;
}

// The FROM image's own environment, as its recipe gives it, for `ENV PATH=/x:$PATH`.
std::vector<std::pair<std::string, std::string>> BaseEnv(const RecipeCatalogue& catalogue,
                                                         const std::string& image) {
  const Recipe* recipe = catalogue.Find(ParseImageRef(image).name);
  if (!recipe) return {};
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [k, v] : recipe->environment)
    if (v.find("${") == std::string::npos) out.emplace_back(k, v);  // host-dependent: later
  return out;
}

void Forward(const std::vector<Diagnostic>& diagnostics, Reporter& r) {
  r.diagnostics().insert(r.diagnostics().end(), diagnostics.begin(), diagnostics.end());
}

}  // namespace

std::optional<BuildImage> ReadBuild(const Node& build, const std::string& path,
                                    const std::string& project_dir,
                                    const RecipeCatalogue& catalogue, Reporter& r) {
  auto spec = Spec(build, path, project_dir, r);
  if (!spec) return std::nullopt;
  std::vector<Diagnostic> diagnostics;
  auto parsed = ReadBuildDockerfile(
      *spec, diagnostics, [&](const std::string& image) { return BaseEnv(catalogue, image); });
  if (!parsed) {
    Forward(diagnostics, r);
    return std::nullopt;
  }
  const Dockerfile& df = parsed->dockerfile;
  BuildImage out;
  out.from = ParseImageRef(df.from);
  const Recipe* recipe = catalogue.Find(out.from.name);
  std::vector<std::string> image_dirs = recipe ? recipe->dirs : std::vector<std::string>{};
  for (const auto& v : recipe ? recipe->volumes : std::vector<std::string>{})
    image_dirs.push_back(v);
  ImageLayer& layer = out.layer;
  layer.mounts = CopyMounts(*spec, *parsed, image_dirs, diagnostics);
  layer.entrypoint = df.entrypoint;
  layer.cmd = df.cmd;
  layer.environment = df.env;
  layer.user = df.user;
  layer.working_dir = df.workdir;
  layer.stop_signal = df.stop_signal;
  layer.expose = df.expose;
  layer.volumes = df.volumes;
  layer.removed_paths = df.removed_paths;
  layer.touched_files = df.touched_files;
  if (!df.skipped.empty()) {
    // Once per service: what the image would have and this process will not.
    std::string steps;
    for (const auto& [line, text] : df.skipped)
      steps += (steps.empty() ? "" : "; ") + std::string("line ") + std::to_string(line) + ": " +
               Cut(text);
    diagnostics.push_back({Diagnostic::Severity::kWarning, parsed->file, 0, 0, path,
                           std::to_string(df.skipped.size()) +
                               " Dockerfile step(s) skipped (a native process cannot replay "
                               "them; install what they would with apt-get): " +
                               steps});
  }
  const RequirementsReport report = CheckBuildRequirements(*spec, *parsed, layer.mounts);
  diagnostics.insert(diagnostics.end(), report.diagnostics.begin(), report.diagnostics.end());
  Forward(diagnostics, r);
  return out;
}

}  // namespace stackvisor::config
