// The config step that turns image:/build: services into native programs. After
// it nothing downstream knows an image was named: the supervisor sees argv,
// env, user, readiness, ports and the container view, as for any other service.
#include <algorithm>
#include <set>

#include "config/load_steps.h"
#include "config/recipe.h"
#include "config/recipe_apply.h"

namespace stackvisor::config {
namespace {

// The services `up web db` will start: those named and everything they depend
// on. Empty names: all. A replica's name (web-2) selects its service.
std::set<std::string> Selected(const std::vector<ServiceDraft>& drafts,
                               const std::vector<std::string>& names) {
  std::set<std::string> out;
  std::vector<std::string> todo;
  auto known = [&](const std::string& n) {
    return std::any_of(drafts.begin(), drafts.end(),
                       [&](const ServiceDraft& d) { return d.service.name == n; });
  };
  for (const auto& n : names) {
    const auto dash = n.rfind('-');
    todo.push_back(known(n) || dash == std::string::npos ? n : n.substr(0, dash));
  }
  while (!todo.empty()) {
    const std::string n = todo.back();
    todo.pop_back();
    if (!out.insert(n).second) continue;
    for (const auto& d : drafts)
      if (d.service.name == n)
        for (const auto& dep : d.service.depends_on) todo.push_back(dep.service);
  }
  return out;
}

std::string NoRecipeMessage(const std::string& what) {
  return "no recipe for " + what +
         " and no 'command' to run instead: give the service a 'command', add a recipe "
         "(docs/recipes.md), leave it out with a profile, name the services to start, or pass "
         "--ignore-unavailable";
}

void ExpandOne(ServiceDraft& d, const Node& tree, const std::string& path, const Node* image,
               const Node* build, const RecipeCatalogue& catalogue, const LoadOptions& options,
               const BuildContext& context, Reporter& r) {
  RecipeInput in;
  in.tree = &tree;
  in.path = path;
  in.at = build ? build : image;
  in.at_path = path + (build ? ".build" : ".image");
  const bool has_command = tree.Get("command") || tree.Get("entrypoint");
  if (build) {
    // With a command of its own the service ran before without its Dockerfile, and still can:
    // what is wrong with the Dockerfile is then news, not a reason to refuse it.
    std::vector<Diagnostic> read;
    Reporter read_r(read);
    auto built = ReadBuild(*build, in.at_path, context.project_directory, catalogue, read_r);
    for (auto& diag : read)
      if (has_command) diag.severity = Diagnostic::Severity::kWarning;
    r.diagnostics().insert(r.diagnostics().end(), read.begin(), read.end());
    if (!built) return;
    in.ref = built->from;
    in.layer = std::move(built->layer);
  } else {
    in.ref = ParseImageRef(image->value);
  }
  const Recipe* recipe = catalogue.Find(in.ref.name);
  if (!recipe && has_command) return;  // the command runs natively, as it always did
  // image: and build: mean something here now: they are not among the keys `up` ignores.
  auto& ignored = d.ignored_keys;
  ignored.erase(
      std::remove_if(ignored.begin(), ignored.end(),
                     [](const auto& k) { return k.first == "image" || k.first == "build"; }),
      ignored.end());
  if (!recipe) {
    const std::string what = build
                                 ? "the base image " + Quote(in.ref.written) + " of its Dockerfile"
                                 : "image " + Quote(in.ref.written);
    if (options.ignore_unavailable) {
      if (!options.ignore_unavailable_quietly)
        r.Warning(in.at->pos, in.at_path,
                  "left out (--ignore-unavailable): no recipe for " + what + " and no 'command'");
    } else {
      r.Error(in.at->pos, in.at_path, NoRecipeMessage(what));
    }
    d.active = false;
    return;
  }
  ApplyRecipe(*recipe, in, context, d, r);
}

}  // namespace

void ExpandImages(std::vector<ServiceDraft>& drafts, const Node& services, const Node& model,
                  const LoadOptions& options, const BuildContext& context, Reporter& r) {
  if (!options.expand_images) {
    for (const ServiceDraft& d : drafts)
      if (d.active && d.service.argv.empty() &&
          std::any_of(d.ignored_keys.begin(), d.ignored_keys.end(), [](const auto& k) {
            return k.first == "image" || k.first == "build";
          }))
        r.Error(d.service.pos, "services." + d.service.name,
                "no command: set 'command' (or 'entrypoint')");
    return;
  }
  std::optional<RecipeCatalogue> catalogue;  // read only when some service names an image
  const auto selected = Selected(drafts, options.services);
  for (size_t i = 0; i < drafts.size() && i < services.entries.size(); ++i) {
    ServiceDraft& d = drafts[i];
    const Node& tree = services.entries[i].value;
    if (!d.active || !tree.IsMap()) continue;
    const Node* image = tree.Get("image");
    const Node* build = tree.Get("build");
    if ((!image || !image->IsScalar()) && !build) continue;
    const std::string path = "services." + d.service.name;
    if (!catalogue)
      catalogue = RecipeCatalogue::Load(options.environment, context.project_directory, model, r);
    const bool wanted = options.services.empty() || selected.count(d.service.name) > 0;
    if (!wanted) {
      // Not among the services to start: it is expanded if it can be, for
      // `config` and later starts, but whatever fails about it (no recipe, no
      // package) blocks nothing.
      std::vector<Diagnostic> quiet;
      Reporter quiet_r(quiet);
      ExpandOne(d, tree, path, image, build, *catalogue, options, context, quiet_r);
      if (HasErrors(quiet) || d.service.argv.empty()) d.active = false;
      continue;
    }
    ExpandOne(d, tree, path, image, build, *catalogue, options, context, r);
  }
}

}  // namespace stackvisor::config
