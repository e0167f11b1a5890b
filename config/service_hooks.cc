// post_start and pre_stop: compose's lifecycle hooks, lists of {command, user, privileged,
// working_dir, environment}.
#include <filesystem>

#include "config/path_join.h"
#include "config/service_builder.h"
#include "config/users.h"

namespace stackvisor::config {

std::vector<Hook> ServiceBuilder::Hooks(const Node& node, const std::string& path) {
  if (node.IsNull()) return {};
  if (!node.IsSequence()) {
    r_.Expected(node, path, "a list of {command, user, working_dir, environment}");
    return {};
  }
  std::vector<Hook> hooks;
  for (size_t i = 0; i < node.items.size(); ++i)
    if (auto hook = OneHook(node.items[i], path + "[" + std::to_string(i) + "]"))
      hooks.push_back(std::move(*hook));
  return hooks;
}

std::optional<Hook> ServiceBuilder::OneHook(const Node& node, const std::string& path) {
  if (!node.IsMap()) {
    r_.Expected(node, path, "a mapping with a 'command'");
    return std::nullopt;
  }
  Hook hook;
  bool ok = true;
  for (const auto& e : node.entries) {
    const std::string key_path = path + "." + e.key;
    const size_t errors = r_.error_count();
    if (e.key == "command") {
      hook.command = SplitArgv(e.value, key_path);
    } else if (e.key == "user") {
      auto spec = ReadString(e.value, key_path, r_);
      if (spec && active_) {
        auto user = LookupUser(*spec);
        if (!user.ok()) r_.Error(e.value, key_path, user.error().message);
        else if (auto why = CheckCanSwitch(user.value(), context_.euid))
          r_.Error(e.value, key_path, *why);
        else hook.user = user.value();
      }
    } else if (e.key == "working_dir") {
      if (auto dir = ReadString(e.value, key_path, r_)) {
        hook.working_dir = JoinPath(context_.project_directory, *dir);
      }
    } else if (e.key == "environment") {
      HookEnvironment(e.value, key_path, hook);
    } else if (e.key == "privileged") {
      hook.privileged = ReadBool(e.value, key_path, r_).value_or(false);
    } else {
      r_.Error(e.key_pos, key_path,
               "unknown key" + DidYouMean(e.key, {"command", "user", "privileged", "working_dir",
                                                   "environment"}));
    }
    if (r_.error_count() != errors) ok = false;
  }
  if (!node.Get("command")) {
    r_.Error(node, path, "missing 'command': what the hook runs");
    return std::nullopt;
  }
  if (ok && hook.command.empty()) {
    r_.Error(*node.Get("command"), path + ".command", "empty command: the hook runs nothing");
    return std::nullopt;
  }
  if (!ok) return std::nullopt;
  return hook;
}

// A map or a list of KEY=VALUE, as a service's; a bare KEY takes stackvisor's variable.
void ServiceBuilder::HookEnvironment(const Node& node, const std::string& path, Hook& hook) {
  auto add = [&](const std::string& key, const Node* value, const Node& at) {
    if (key.empty()) return r_.Expected(at, path, "KEY=VALUE");
    if (value && value->IsScalar()) return hook.environment.push_back(key + "=" + value->value);
    if (value && !value->IsNull()) return r_.Expected(*value, path + "." + key, "a string");
    if (auto it = context_.variables.find(key); it != context_.variables.end())
      hook.environment.push_back(key + "=" + it->second);
  };
  if (node.IsMap()) {
    for (const auto& e : node.entries) add(e.key, &e.value, e.value);
  } else if (node.IsSequence()) {
    for (const auto& item : node.items) {
      if (!item.IsScalar()) {
        r_.Expected(item, path, "KEY=VALUE");
        continue;
      }
      const size_t eq = item.value.find('=');
      if (eq == std::string::npos) {
        add(item.value, nullptr, item);
        continue;
      }
      Node value = Scalar(item.value.substr(eq + 1), item.pos);
      add(item.value.substr(0, eq), &value, item);
    }
  } else if (!node.IsNull()) {
    r_.Expected(node, path, "a mapping or a list of KEY=VALUE");
  }
}

}  // namespace stackvisor::config
