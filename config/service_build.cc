#include <filesystem>

#include "config/path_join.h"
#include "config/service_builder.h"
#include "config/shell_words.h"
#include "config/signals.h"
#include "config/users.h"

namespace stackvisor::config {
namespace {

const std::vector<std::string>& ServiceKeys() {
  static const std::vector<std::string> kKeys = {
      "command",   "entrypoint",   "environment", "env_file",          "working_dir",
      "user",      "depends_on",   "healthcheck", "restart",           "stop_signal",
      "stop_grace_period", "profiles", "restart_backoff", "x-stackvisor", "extends",
      "post_start", "pre_stop", "sockets", "develop", "ports", "expose",
  };
  return kKeys;
}

const std::vector<std::string>& DockerOnlyKeys() {
  static const std::vector<std::string> kKeys = {
      "annotations", "attach", "blkio_config", "build", "cap_add", "cap_drop", "cgroup",
      "cgroup_parent", "configs", "container_name", "cpu_count", "cpu_percent", "cpu_period",
      "cpu_quota", "cpu_rt_period", "cpu_rt_runtime", "cpu_shares", "cpus", "cpuset",
      "credential_spec", "deploy", "device_cgroup_rules", "devices", "dns",
      "dns_opt", "dns_search", "domainname", "external_links", "extra_hosts",
      "gpus", "group_add", "hostname", "image", "init", "ipc", "isolation", "label_file",
      "labels", "links", "logging", "mac_address", "mem_limit", "mem_reservation",
      "mem_swappiness", "memswap_limit", "network_mode", "networks", "oom_kill_disable",
      "oom_score_adj", "pid", "pids_limit", "platform", "privileged", "pull_policy", "read_only", "runtime", "scale", "secrets", "security_opt",
      "shm_size", "stdin_open", "storage_opt", "sysctls", "tmpfs", "tty", "ulimits",
      "userns_mode", "uts", "volumes", "volumes_from",
      // newer compose-spec keys, about models and plugins rather than processes
      "models", "provider", "pull_refresh_after", "use_api_socket",
  };
  return kKeys;
}

// Honoured by the container view (config/container_view.cc): no "ignored" warning. Still read
// as engine keys, which `stackvisor export` reports.
bool IsContainerViewKey(const std::string& key) {
  for (const char* k : {"volumes", "tmpfs", "hostname", "container_name", "links", "extra_hosts",
                        "networks"})
    if (key == k) return true;
  return false;
}

}  // namespace

std::string IgnoredKeyReason(const std::string& key) {
  if (key == "models" || key == "use_api_socket")
    return "ignored: a container engine feature, not a process setting";
  if (key == "provider")
    return "ignored: provider services are run by a compose plugin; give the service a "
           "'command' to run it here";
  return "ignored: stackvisor runs native processes";
}

bool IsDockerOnlyKey(const std::string& key) {
  for (const auto& k : DockerOnlyKeys())
    if (k == key) return true;
  return false;
}

ServiceBuilder::ServiceBuilder(const std::string& name, const SourcePos& name_pos, bool active,
                               const BuildContext& context, Reporter& r)
    : name_(name), path_("services." + name), active_(active), context_(context), r_(r) {
  draft_.service.name = name;
  draft_.service.pos = name_pos;
  draft_.service.working_dir = context.project_directory;
  draft_.active = active;
}

ServiceDraft ServiceBuilder::Build(const Node& tree) {
  Service& s = draft_.service;
  if (!tree.IsMap() && !tree.IsNull()) {
    r_.Expected(tree, path_, "a mapping");
    return std::move(draft_);
  }
  for (const auto& entry : tree.entries) Key(entry);
  if (draft_.user_problem && !tree.Get("image") && !tree.Get("build")) {
    r_.Error(draft_.user_problem->pos, Path("user"), draft_.user_problem->message);
    draft_.user_problem.reset();
  }
  if (env_files_) EnvFiles(*env_files_);
  if (environment_) Environment(*environment_);
  s.argv = s.entrypoint;
  s.argv.insert(s.argv.end(), s.command.begin(), s.command.end());
  if (argv_error_) {
    // already reported where the command is written; "empty command" would only repeat it
  } else if (s.argv.empty() && !tree.Get("command") && !tree.Get("entrypoint")) {
    // An image or a build gives its program in ExpandImages, which reports when it cannot.
    if (!tree.Get("image") && !tree.Get("build"))
      r_.Error(s.pos, path_, "no command: set 'command' (or 'entrypoint')");
  }
  else if (s.argv.empty())
    r_.Error(s.pos, path_, "empty command: 'command' and 'entrypoint' give no program to run");
  return std::move(draft_);
}

void ServiceBuilder::Key(const MapEntry& entry) {
  const std::string& key = entry.key;
  const Node& value = entry.value;
  Service& s = draft_.service;
  if (key == "command") {
    s.command = Argv(value, Path(key));
  } else if (key == "entrypoint") {
    s.entrypoint = Argv(value, Path(key));
  } else if (key == "environment") {
    environment_ = &value;
  } else if (key == "env_file") {
    env_files_ = &value;
  } else if (key == "working_dir") {
    WorkingDir(value);
  } else if (key == "user") {
    UserSpec(value);
  } else if (key == "depends_on") {
    DependsOn(entry);
  } else if (key == "healthcheck") {
    Healthcheck(entry);
  } else if (key == "restart") {
    Restart(value);
  } else if (key == "stop_signal") {
    if (!value.IsScalar()) {
      r_.Expected(value, Path(key), "a signal name such as SIGTERM");
    } else if (auto signo = ParseSignal(value.value)) {
      s.stop_signal = *signo;
    } else {
      r_.Expected(value, Path(key), "a signal name such as SIGTERM, SIGINT or SIGQUIT");
    }
  } else if (key == "stop_grace_period") {
    if (auto d = ReadDuration(value, Path(key), r_, false)) s.stop_grace_period = *d;
  } else if (key == "profiles") {
    Profiles(value);
  } else if (key == "restart_backoff") {
    RestartBackoff(value);
  } else if (key == "post_start" || key == "pre_stop") {
    (key == "post_start" ? s.post_start : s.pre_stop) = Hooks(value, Path(key));
  } else if (key == "extends" && value.tag == kFailedExtends) {
    argv_error_ = true;  // the base it names was not found: its command is not missing news
  } else if (key == "pre_start") {
    r_.Error(entry.key_pos, Path(key),
             "unknown key: compose's lifecycle hooks are post_start (after the process started) "
             "and pre_stop (before it is stopped)");
  } else if (key == "sockets") {
    Sockets(value);
  } else if (key == "scale") {
    Scale(entry);
  } else if (key == "deploy") {
    Deploy(entry);
  } else if (key == "develop") {
    Develop(value);
  } else if (key == "ports" || key == "expose") {
    // Read with the image's default ports by ApplyPorts (service_ports.cc); `ports:` is also
    // kept as written for `stackvisor export`.
    if (key == "ports") EngineKey(entry);
  } else if (key.rfind("x-", 0) == 0) {
    // extensions: x-stackvisor was merged over the service already; others are the user's
  } else if (IsDockerOnlyKey(key)) {
    if (!IsContainerViewKey(key)) draft_.ignored_keys.emplace_back(key, entry.key_pos);
    EngineKey(entry);
  } else {
    r_.Error(entry.key_pos, Path(key), "unknown key" + DidYouMean(key, ServiceKeys()));
  }
}

std::vector<std::string> ServiceBuilder::Argv(const Node& node, const std::string& path) {
  const size_t errors_before = r_.error_count();
  auto argv = SplitArgv(node, path);
  if (r_.error_count() != errors_before) argv_error_ = true;
  return argv;
}

std::vector<std::string> ServiceBuilder::SplitArgv(const Node& node, const std::string& path) {
  if (node.IsNull()) return {};
  if (node.IsScalar()) {
    auto words = SplitShellWords(node.value);
    if (words.ok()) return words.value();
    r_.Error(node, path, "cannot split into words: " + words.error().message);
    return {};
  }
  if (node.IsSequence()) {
    if (auto list = ReadStringList(node, path, r_)) return *list;
    return {};
  }
  r_.Expected(node, path, "a string or a list of strings");
  return {};
}

void ServiceBuilder::Restart(const Node& node) {
  RestartPolicy& p = draft_.service.restart;
  const std::string& v = node.value;
  if (node.IsScalar()) {
    if (v == "no" || v == "false") return void(p = {RestartMode::kNo, 0});
    if (v == "always") return void(p = {RestartMode::kAlways, 0});
    if (v == "unless-stopped") return void(p = {RestartMode::kUnlessStopped, 0});
    if (v == "on-failure") return void(p = {RestartMode::kOnFailure, 0});
    if (v.rfind("on-failure:", 0) == 0) {
      const std::string n = v.substr(11);
      if (!n.empty() && n.size() < 9 && n.find_first_not_of("0123456789") == std::string::npos)
        return void(p = {RestartMode::kOnFailure, std::stoi(n)});
    }
  }
  r_.Expected(node, Path("restart"), "one of no, always, on-failure[:N], unless-stopped");
}

void ServiceBuilder::WorkingDir(const Node& node) {
  auto dir = ReadString(node, Path("working_dir"), r_);
  if (!dir) return;
  if (dir->empty()) return r_.Expected(node, Path("working_dir"), "a directory");
  draft_.service.working_dir = JoinPath(context_.project_directory, *dir);
}

void ServiceBuilder::UserSpec(const Node& node) {
  auto spec = ReadString(node, Path("user"), r_);
  if (!spec || !active_) {
    if (spec) {  // inactive: keep the spec, look nothing up
      User unresolved;
      unresolved.spec = *spec;
      draft_.service.user = unresolved;
    }
    return;
  }
  auto user = LookupUser(*spec);
  std::optional<std::string> problem;
  if (!user.ok())
    problem = user.error().message;
  else if (auto why = CheckCanSwitch(user.value(), context_.euid))
    problem = *why;
  if (problem) {  // Build() reports it unless an image may name this user
    draft_.user_problem = ServiceDraft::UserProblem{*spec, node.pos, *problem};
    return;
  }
  draft_.service.user = user.value();
}

void ServiceBuilder::Profiles(const Node& node) {
  if (!node.IsSequence()) return r_.Expected(node, Path("profiles"), "a list of profile names");
  if (auto list = ReadStringList(node, Path("profiles"), r_)) draft_.service.profiles = *list;
}

const Node* DraftTree(const Node& services, const std::vector<ServiceDraft>& drafts, size_t i) {
  const std::string& name = drafts[i].service.name;
  if (i < services.entries.size() && services.entries[i].key == name)
    return &services.entries[i].value;
  return services.Get(name);  // a step that reordered or added drafts
}

ServiceDraft BuildService(const std::string& name, const SourcePos& name_pos, const Node& tree,
                          bool active, const BuildContext& context, Reporter& r) {
  return ServiceBuilder(name, name_pos, active, context, r).Build(tree);
}

}  // namespace stackvisor::config
