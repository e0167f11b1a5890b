#pragma once
// Internal to config/: turning one service's merged tree into a validated Service.
#include <string>

#include "config/load_steps.h"

namespace stackvisor::config {

/// ServiceBuilder validates one service's tree, key by key, and fills a ServiceDraft. It lives
/// for one BuildService call; every problem goes to the Reporter and building goes on, so one
/// pass finds all of a service's mistakes.
class ServiceBuilder {
 public:
  ServiceBuilder(const std::string& name, const SourcePos& name_pos, bool active,
                 const BuildContext& context, Reporter& r);

  ServiceDraft Build(const Node& tree);

 private:
  std::string Path(const std::string& key) const { return path_ + "." + key; }

  void Key(const MapEntry& entry);
  std::vector<std::string> Argv(const Node& node, const std::string& path);
  std::vector<std::string> SplitArgv(const Node& node, const std::string& path);
  void Restart(const Node& node);
  void WorkingDir(const Node& node);
  void UserSpec(const Node& node);
  void Profiles(const Node& node);

  // Reports "expected WHAT, got ..." and returns false, for the healthcheck kind readers.
  bool Fail(const Node& node, const std::string& path, const std::string& what) {
    r_.Expected(node, path, what);
    return false;
  }

  // service_env.cc
  void EnvFiles(const Node& node);
  void EnvFile(const std::string& file, bool required, const Node& at, const std::string& path);
  void Environment(const Node& node);

  // service_health.cc
  void Healthcheck(const MapEntry& entry);
  bool HealthTest(const Node& node, const std::string& path);
  bool HealthTcp(const Node& node, const std::string& path);
  bool HealthHttp(const Node& node, const std::string& path);
  bool HealthLog(const Node& node, const std::string& path);
  void DependsOn(const MapEntry& entry);
  void Dependency(const MapEntry& entry, const std::string& path);
  void RestartBackoff(const Node& node);

  // service_hooks.cc
  std::vector<Hook> Hooks(const Node& node, const std::string& path);
  std::optional<Hook> OneHook(const Node& node, const std::string& path);
  void HookEnvironment(const Node& node, const std::string& path, Hook& hook);

  // service_develop.cc
  void Develop(const Node& node);
  void WatchItem(const Node& node, const std::string& path);
  std::optional<std::string> WatchTarget(const Node& node, const std::string& path,
                                         const std::string& watched);

  // service_engine.cc
  void EngineKey(const MapEntry& entry);

  // service_sockets.cc
  void Sockets(const Node& node);
  std::optional<Socket> ReadSocket(const Node& node, const std::string& path);

  // service_replicas.cc
  void Scale(const MapEntry& entry);
  void Deploy(const MapEntry& entry);
  void SetReplicas(int count, const SourcePos& pos, const std::string& key);

  const std::string& name_;
  const std::string path_;
  const bool active_;
  const BuildContext& context_;
  Reporter& r_;
  ServiceDraft draft_;
  const Node* env_files_ = nullptr;     // applied before `environment` whatever the key order
  const Node* environment_ = nullptr;
  bool argv_error_ = false;  // command or entrypoint was malformed (and reported)
  std::string replicas_key_;  // "scale" or "deploy.replicas": which gave draft_.replicas
};

/// The service keys docker needs and stackvisor ignores with a warning.
bool IsDockerOnlyKey(const std::string& key);

/// The warning's text for an ignored key: "ignored: why".
std::string IgnoredKeyReason(const std::string& key);

}  // namespace stackvisor::config
