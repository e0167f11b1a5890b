// Applying a recipe to one service: the image's settings, then its
// Dockerfile's, then compose's own keys over both, the way docker builds a
// container's configuration.
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "config/recipe_binary.h"
#include "config/signals.h"
#include "config/users.h"

namespace stackvisor::config {
namespace {

bool Written(const RecipeInput& in, const char* key) { return in.tree->Get(key) != nullptr; }

std::vector<std::string> Substituted(std::vector<std::string> words,
                                     const std::map<std::string, std::string>& vars) {
  for (auto& w : words) w = SubstituteRecipeVars(w, vars);
  return words;
}

// Docker's rules: the image's ENTRYPOINT and CMD (a Dockerfile's beat its
// base's; its ENTRYPOINT alone resets CMD), then compose's entrypoint replaces
// the entrypoint and clears the image's CMD, and compose's command replaces the
// CMD.
void Argv(const Recipe& recipe, const RecipeInput& in,
          const std::map<std::string, std::string>& vars, Service& s) {
  const bool image_entrypoint = !in.layer.entrypoint.has_value();
  std::vector<std::string> entrypoint =
      in.layer.entrypoint
          ? *in.layer.entrypoint
          : Substituted(recipe.entrypoint.value_or(std::vector<std::string>{}), vars);
  std::vector<std::string> command =
      in.layer.cmd ? *in.layer.cmd
                   : Substituted(recipe.command.value_or(std::vector<std::string>{}), vars);
  if (Written(in, "entrypoint")) {
    entrypoint = s.entrypoint;
    command.clear();
  }
  if (Written(in, "command")) command = s.command;
  // The official images' entrypoints run `CMD -x` as `PROGRAM -x` (redis-server
  // --port 1).
  if (!Written(in, "entrypoint") && image_entrypoint && entrypoint.empty() && !command.empty() &&
      !recipe.options_program.empty() && command[0].rfind('-', 0) == 0)
    command.insert(command.begin(), recipe.options_program);
  // The image's program names are the host's binaries (redis-server, python).
  std::vector<std::string>& first = entrypoint.empty() ? command : entrypoint;
  if (!first.empty())
    if (auto it = recipe.programs.find(first[0]); it != recipe.programs.end())
      first[0] = SubstituteRecipeVars(it->second, vars);
  s.entrypoint = std::move(entrypoint);
  s.command = std::move(command);
  s.argv = s.entrypoint;
  s.argv.insert(s.argv.end(), s.command.begin(), s.command.end());
}

// The image's ENV under what compose sets (env_file and environment both beat
// it).
void Environment(const Recipe& recipe, const RecipeInput& in,
                 const std::map<std::string, std::string>& vars, Service& s) {
  std::vector<std::pair<std::string, std::string>> image;
  for (const auto& [k, v] : recipe.environment)
    image.emplace_back(k, SubstituteRecipeVars(v, vars));
  image.insert(image.end(), in.layer.environment.begin(), in.layer.environment.end());
  std::map<std::string, std::optional<std::string>> merged;
  for (const auto& [k, v] : image) merged[k] = v;
  for (const auto& [k, v] : s.environment) merged[k] = v;
  s.environment = std::move(merged);
}

// Image users are host users as root; as anyone else every image user is us,
// since we cannot become anybody else.
std::string HostUser(const Recipe& recipe, const std::string& image_user) {
  auto it = recipe.users.find(image_user);
  return it == recipe.users.end() ? image_user : it->second;
}

// A `user:` the host lacks, or cannot switch to, that names one of the image's users
// (`user: nginx` on nginx, `user: postgres:postgres`): as root the recipe's host user; as
// anyone else ourselves, as for the image's own user. Anything else stays a problem for the
// loader to report.
void WrittenImageUser(const std::map<std::string, std::string>& users,
                      const BuildContext& context, ServiceDraft& d) {
  if (!d.user_problem) return;
  const std::string& spec = d.user_problem->spec;
  const size_t colon = spec.find(':');
  auto user_it = users.find(spec.substr(0, colon));
  if (user_it == users.end()) return;
  if (context.euid != 0) {
    d.service.user.reset();
    d.user_problem.reset();
    return;
  }
  std::string host_spec = user_it->second;
  if (colon != std::string::npos) {
    const std::string group = spec.substr(colon + 1);
    auto group_it = users.find(group);
    host_spec += ":" + (group_it == users.end() ? group : group_it->second);
  }
  auto user = LookupUser(host_spec);
  if (!user.ok() || CheckCanSwitch(user.value(), context.euid)) return;
  user.value().spec = spec;
  d.service.user = user.value();
  d.user_problem.reset();
}

void Users(const Recipe& recipe, const RecipeInput& in, const BuildContext& context,
           ServiceDraft& d, Reporter& r) {
  Service& s = d.service;
  std::map<std::string, std::string> users = recipe.users;
  if (!recipe.user.empty()) users.emplace(recipe.user, recipe.user);
  for (const auto& [image_user, host_user] : users) {
    uid_t uid = context.euid;
    gid_t gid = ::getegid();
    std::string home = "/nonexistent";
    if (context.euid == 0) {
      const struct passwd* pw = ::getpwnam(host_user.c_str());
      if (!pw)
        continue;  // reported below if the service runs as it; else nothing
                   // needs it
      uid = pw->pw_uid;
      gid = pw->pw_gid;
      home = pw->pw_dir;
    }
    s.container.passwd.push_back(image_user + ":x:" + std::to_string(uid) + ":" +
                                 std::to_string(gid) + "::" + home + ":/usr/sbin/nologin");
    s.container.group.push_back(image_user + ":x:" + std::to_string(gid) + ":");
  }
  if (Written(in, "user")) return WrittenImageUser(users, context, d);
  if (context.euid != 0) return;
  const std::string image_user = !in.layer.user.empty() ? in.layer.user : recipe.user;
  if (image_user.empty()) return;
  const std::string host_user = HostUser(recipe, image_user);
  auto user = LookupUser(host_user);
  if (!user.ok()) {
    r.Error(in.at->pos, in.at_path,
            "image " + Quote(in.ref.written) + " runs as user " + Quote(image_user) +
                (host_user == image_user ? "" : " (the host's " + Quote(host_user) + ")") + ": " +
                user.error().message + "; install" +
                (recipe.packages.empty() ? " its package" : " " + recipe.packages[0]) +
                ", which creates it, or set 'user'");
    return;
  }
  s.user = user.value();
}

void Readiness(const Recipe& recipe, const RecipeInput& in, Service& s) {
  if (Written(in, "healthcheck") || recipe.readiness.empty()) return;
  Healthcheck h;
  h.interval = 10000ms;
  h.timeout = 5000ms;
  h.retries = 3;
  h.start_period = recipe.start_period.value_or(60000ms);  // probed every start_interval
  if (recipe.readiness == "notify") {
    h.kind = ProbeKind::kNotify;
  } else if (!s.ports.empty()) {
    h.kind = ProbeKind::kTcp;
    h.tcp_host = "127.0.0.1";
    h.tcp_port = s.ports.front().port;
  } else {
    return;
  }
  s.healthcheck = h;
}

void Ports(const Recipe& recipe, const RecipeInput& in, Service& s) {
  // The recipe's ports and one its options move are known listen ports; EXPOSE only says so.
  std::vector<std::pair<uint16_t, bool>> ports;  // port, exposed only
  for (uint16_t p : recipe.ports) ports.emplace_back(p, false);
  for (uint16_t p : in.layer.expose)
    if (std::none_of(ports.begin(), ports.end(), [p](const auto& have) { return have.first == p; }))
      ports.emplace_back(p, true);
  if (auto moved = PortFromArgs(s.argv, recipe.port_options)) {
    if (ports.empty())
      ports.emplace_back(*moved, false);
    else
      ports.front() = {*moved, false};
  }
  for (const auto& [p, exposed_only] : ports) {
    Port port;
    port.port = p;
    port.exposed_only = exposed_only;
    port.pos = in.at->pos;
    s.ports.push_back(port);
  }
}

void View(const Recipe& recipe, const RecipeInput& in,
          const std::map<std::string, std::string>& vars, Service& s) {
  ContainerView& v = s.container;
  v.enabled = true;
  v.image = in.ref.written;
  for (const auto& f : recipe.files) {
    // A Dockerfile's `RUN rm` of an image file (seed 001 removes nginx's default.conf).
    if (std::find(in.layer.removed_paths.begin(), in.layer.removed_paths.end(), f.target) !=
        in.layer.removed_paths.end())
      continue;
    // A `RUN touch` of it makes a new, empty file (seed 002's proxy writes it at start).
    if (std::find(in.layer.touched_files.begin(), in.layer.touched_files.end(), f.target) !=
        in.layer.touched_files.end())
      continue;
    // A Dockerfile's COPY/ADD onto the same path replaces the image's file (seed 000's nginx).
    if (std::any_of(in.layer.mounts.begin(), in.layer.mounts.end(),
                    [&](const Mount& m) { return m.target == f.target; }))
      continue;
    Mount m;
    m.kind = f.link ? Mount::Kind::kSymlink : Mount::Kind::kBind;
    m.source = SubstituteRecipeVars(f.source, vars);
    m.target = f.target;
    m.read_only = !f.link;
    m.pos = f.pos;
    v.mounts.push_back(std::move(m));
  }
  v.mounts.insert(v.mounts.end(), in.layer.mounts.begin(), in.layer.mounts.end());
  v.touched = in.layer.touched_files;
  std::vector<std::string> volumes = recipe.volumes;
  volumes.insert(volumes.end(), in.layer.volumes.begin(), in.layer.volumes.end());
  for (const auto& target : volumes) {
    Mount m;
    m.kind = Mount::Kind::kVolume;  // source and name empty: the volumes step
                                    // gives the path
    m.target = target;
    m.pos = recipe.pos;
    v.mounts.push_back(std::move(m));
  }
  for (const auto& target : recipe.tmpfs) {
    Mount m;
    m.kind = Mount::Kind::kTmpfs;
    m.target = target;
    m.pos = recipe.pos;
    v.mounts.push_back(std::move(m));
  }
}

}  // namespace

std::string SubstituteRecipeVars(const std::string& text,
                                 const std::map<std::string, std::string>& vars) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    const size_t end = text.compare(i, 2, "${") == 0 ? text.find('}', i) : std::string::npos;
    auto it = end == std::string::npos ? vars.end() : vars.find(text.substr(i + 2, end - i - 2));
    if (it == vars.end()) {
      out += text[i++];
      continue;
    }
    out += it->second;
    i = end + 1;
  }
  return out;
}

std::optional<uint16_t> PortFromArgs(const std::vector<std::string>& args,
                                     const std::vector<std::string>& options) {
  auto number = [](const std::string& text) -> std::optional<uint16_t> {
    if (text.empty() || text.size() > 5 ||
        text.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    const long n = std::stol(text);
    return n >= 1 && n <= 65535 ? std::optional<uint16_t>(static_cast<uint16_t>(n)) : std::nullopt;
  };
  std::optional<uint16_t> out;  // the last one wins, as with getopt
  for (size_t i = 0; i < args.size(); ++i)
    for (const auto& opt : options) {
      if (args[i] == opt && i + 1 < args.size()) {
        if (auto n = number(args[i + 1])) out = n;
      } else if (args[i].rfind(opt + "=", 0) == 0) {
        if (auto n = number(args[i].substr(opt.size() + 1))) out = n;
      } else if (opt.size() == 2 && args[i].size() > 2 && args[i].rfind(opt, 0) == 0) {
        if (auto n = number(args[i].substr(2))) out = n;  // -p6380
      }
    }
  return out;
}

void ApplyRecipe(const Recipe& recipe, const RecipeInput& in, const BuildContext& context,
                 ServiceDraft& d, Reporter& r) {
  Service& s = d.service;
  const auto wanted = TagVersion(recipe, in, r);
  if (!wanted) return;
  const auto binary = FindBinary(recipe, in, *wanted, r);
  if (!binary) return;
  const std::map<std::string, std::string> vars = {
      {"binary", binary->path},
      {"binary_dir", std::filesystem::path(binary->path).parent_path().string()},
      {"version", binary->version},
      {"recipes", recipe.dir},
      {"tag", in.ref.tag},
  };
  if (!CheckRequirements(recipe, in, vars, r)) return;
  Argv(recipe, in, vars, s);
  if (s.argv.empty()) {
    r.Error(in.at->pos, in.at_path,
            "image " + Quote(in.ref.written) + " gives no program to run: set 'command'");
    return;
  }
  Environment(recipe, in, vars, s);
  d.listen_env = recipe.listen_env;
  Users(recipe, in, context, d, r);
  if (!Written(in, "working_dir")) {
    const std::string& wd =
        !in.layer.working_dir.empty() ? in.layer.working_dir : recipe.working_dir;
    if (!wd.empty()) s.working_dir = wd;
  }
  if (!Written(in, "stop_signal")) {
    const std::string sig = in.layer.stop_signal.value_or(recipe.stop_signal);
    if (auto signo = ParseSignal(sig); signo && !sig.empty()) s.stop_signal = *signo;
  }
  if (!Written(in, "stop_grace_period") && recipe.stop_grace_period)
    s.stop_grace_period = *recipe.stop_grace_period;
  Ports(recipe, in, s);
  Readiness(recipe, in, s);
  View(recipe, in, vars, s);
}

}  // namespace stackvisor::config
