// compose's `develop.watch`: the rules `stackvisor watch` and `up --watch` follow. Paths are
// host paths here: `path` and `target` resolve against the project directory, and a target
// outside it is dropped with a warning, since a compose file's targets are usually container
// paths (/app) that must not be written to on the host.
#include <filesystem>

#include "config/path_join.h"
#include "config/service_builder.h"

namespace stackvisor::config {
namespace {

const std::vector<std::string> kDevelopKeys = {"watch"};
const std::vector<std::string> kWatchKeys = {"path",    "action", "target",      "ignore",
                                             "include", "exec",   "initial_sync"};

std::optional<WatchAction> ParseAction(const std::string& text) {
  if (text == "sync") return WatchAction::kSync;
  if (text == "restart") return WatchAction::kRestart;
  if (text == "sync+restart") return WatchAction::kSyncRestart;
  if (text == "rebuild") return WatchAction::kRebuild;
  if (text == "sync+exec") return WatchAction::kSyncExec;
  return std::nullopt;
}

bool Syncs(WatchAction a) {
  return a == WatchAction::kSync || a == WatchAction::kSyncRestart || a == WatchAction::kSyncExec;
}

std::string Resolve(const std::string& base, const std::string& path) {
  return JoinPath(base, path);
}

// Whether `inner` is `outer` or below it (both absolute and normal).
bool Within(const std::string& inner, const std::string& outer) {
  if (outer == "/") return true;
  return inner == outer || (inner.size() > outer.size() && inner.compare(0, outer.size(), outer) == 0 &&
                            inner[outer.size()] == '/');
}

}  // namespace

void ServiceBuilder::Develop(const Node& node) {
  const std::string path = Path("develop");
  if (node.IsNull()) return;
  if (!node.IsMap()) return r_.Expected(node, path, "a mapping");
  for (const auto& e : node.entries) {
    if (e.key == "watch") {
      if (e.value.IsNull()) continue;
      if (!e.value.IsSequence()) {
        r_.Expected(e.value, path + ".watch", "a list of rules");
        continue;
      }
      for (size_t i = 0; i < e.value.items.size(); ++i)
        WatchItem(e.value.items[i], path + ".watch[" + std::to_string(i) + "]");
    } else if (e.key.rfind("x-", 0) != 0) {
      r_.Error(e.key_pos, path + "." + e.key, "unknown key" + DidYouMean(e.key, kDevelopKeys));
    }
  }
}

void ServiceBuilder::WatchItem(const Node& node, const std::string& path) {
  if (!node.IsMap()) return r_.Expected(node, path, "a mapping with path and action");
  config::WatchRule rule;
  bool ok = true;
  const Node* path_node = node.Get("path");
  const Node* action_node = node.Get("action");
  const Node* target_node = nullptr;
  if (path_node == nullptr) {
    r_.Error(node, path, "missing 'path': the file or directory to watch");
    ok = false;
  }
  if (action_node == nullptr) {
    r_.Error(node, path, "missing 'action': one of sync, restart, sync+restart, rebuild, sync+exec");
    ok = false;
  }
  for (const auto& e : node.entries) {
    const std::string key_path = path + "." + e.key;
    if (e.key == "path") {
      auto text = ReadString(e.value, key_path, r_);
      if (text && text->empty()) r_.Expected(e.value, key_path, "a path");
      if (!text || text->empty()) ok = false;
      else rule.path = Resolve(context_.project_directory, *text);
    } else if (e.key == "action") {
      auto text = ReadString(e.value, key_path, r_);
      auto action = text ? ParseAction(*text) : std::nullopt;
      if (text && !action)
        r_.Expected(e.value, key_path, "one of sync, restart, sync+restart, rebuild, sync+exec");
      if (!action) ok = false;
      else rule.action = *action;
    } else if (e.key == "target") {
      target_node = &e.value;
    } else if (e.key == "ignore" || e.key == "include") {
      auto list = ReadStringList(e.value, key_path, r_);
      if (!list) ok = false;
      else (e.key == "ignore" ? rule.ignore : rule.include) = *list;
    } else if (e.key == "exec") {
      r_.Warning(e.key_pos, key_path,
                 "not supported: the command is not run (files are still synced)");
    } else if (e.key == "initial_sync") {
      ReadBool(e.value, key_path, r_);  // accepted: there is no container that could be stale
    } else if (e.key.rfind("x-", 0) != 0) {
      r_.Error(e.key_pos, key_path, "unknown key" + DidYouMean(e.key, kWatchKeys));
      ok = false;
    }
  }
  if (!ok) return;
  if (target_node != nullptr && Syncs(rule.action)) {
    auto target = WatchTarget(*target_node, path + ".target", rule.path);
    if (!target) return;
    rule.target = *target;
  } else if (target_node == nullptr && Syncs(rule.action)) {
    r_.Warning(node.pos, path,
               rule.action == WatchAction::kSync
                   ? "sync without a target: this rule does nothing"
                   : "no target: nothing is synced, the rule only restarts the service");
  }
  draft_.service.watch.push_back(std::move(rule));
}

// The sync destination, or nullopt when it is invalid (reported). An empty string: dropped
// with a warning (outside the project), so the rule keeps its restart.
std::optional<std::string> ServiceBuilder::WatchTarget(const Node& node, const std::string& path,
                                                       const std::string& watched) {
  auto text = ReadString(node, path, r_);
  if (!text) return std::nullopt;
  if (text->empty()) {
    r_.Expected(node, path, "a directory");
    return std::nullopt;
  }
  const std::string target = Resolve(context_.project_directory, *text);
  if (!Within(target, context_.project_directory)) {
    r_.Warning(node.pos, path,
               "'" + *text + "' is outside the project directory: not synced (a container "
               "path has no meaning for native processes; use a path relative to the project)");
    return std::string();
  }
  if (Within(target, watched)) {
    r_.Error(node, path, "'" + *text + "' is inside the watched path: each copy would be seen "
                         "as a change and synced again");
    return std::nullopt;
  }
  return target;
}

}  // namespace stackvisor::config
