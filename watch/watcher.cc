#include "watch/watcher.h"

#include <algorithm>

#include "watch/sync.h"

namespace stackvisor::watch {
namespace {

const char* ActionName(config::WatchAction a) {
  switch (a) {
    case config::WatchAction::kSync: return "sync";
    case config::WatchAction::kRestart: return "restart";
    case config::WatchAction::kSyncRestart: return "sync+restart";
    case config::WatchAction::kRebuild: return "rebuild (a restart: there is no image)";
    case config::WatchAction::kSyncExec: return "sync+exec (synced only)";
  }
  return "?";
}

std::string Shown(const std::string& path, const std::string& project_directory) {
  if (path == project_directory) return ".";
  if (path.rfind(project_directory + "/", 0) == 0) return path.substr(project_directory.size() + 1);
  return path;
}

std::string Changes(const ServiceWork& work) {
  std::string text = std::to_string(work.change_count) +
                     (work.change_count == 1 ? " change (" : " changes (");
  for (size_t i = 0; i < work.changed.size(); ++i) text += (i > 0 ? ", " : "") + work.changed[i];
  if (work.change_count > work.changed.size()) text += ", ...";
  return text + ")";
}

}  // namespace

Watcher::Watcher(supervisor::Supervisor& supervisor, WatchOptions options)
    : supervisor_(supervisor),
      options_(options),
      rules_(supervisor.manifest()),
      manifest_(supervisor.manifest()),
      debouncer_(options.debounce),
      timer_(supervisor.loop()) {
  budget_.max_directories = options_.max_directories;
  budget_.report = [this](const std::string& text) { supervisor_.Announce(text); };
  applied_id_ = supervisor_.AddAppliedCallback([this] { OnApplied(); });
}

Watcher::~Watcher() {
  supervisor_.RemoveAppliedCallback(applied_id_);
  trees_.clear();
}

bool Watcher::Start() {
  started_ = true;
  if (rules_.empty()) return false;
  AddTrees();
  return true;
}

void Watcher::OnApplied() {
  if (!started_) return;
  if (debouncer_.pending()) {
    const Batch dropped = debouncer_.Take();
    supervisor_.Announce("watch: reload: " + std::to_string(dropped.changes) +
                         (dropped.changes == 1 ? " pending change" : " pending changes") +
                         " dropped (the rules are read again)");
  }
  timer_.Stop();
  // Every tree goes, and with it its inotify watches and budget, before the new ones are added:
  // a rule's id is its position in the new manifest, which the callbacks capture.
  trees_.clear();
  rules_ = RuleSet(supervisor_.manifest());
  manifest_ = supervisor_.manifest();
  if (rules_.empty())
    supervisor_.Announce("watch: no service has develop.watch rules after the reload");
  AddTrees();
}

void Watcher::AddTrees() {
  const auto& manifest = manifest_;
  for (size_t id = 0; id < rules_.rules().size(); ++id) {
    const Rule& rule = rules_.rules()[id];
    auto tree = std::make_unique<TreeWatcher>(
        supervisor_.loop(), rule.spec.path,
        [this, id](const std::string& dir) { return rules_.Descend(id, dir); },
        [this, id](const std::string& path) { OnChange(id, path); }, budget_);
    const bool started = tree->Start();
    if (started) {
      std::string text = "watch: " + manifest.services[rule.service].name + ": watching " +
                         Shown(rule.spec.path, manifest.project_directory) + " for " +
                         ActionName(rule.spec.action);
      if (!rule.spec.target.empty())
        text += " to " + Shown(rule.spec.target, manifest.project_directory);
      supervisor_.Announce(text);
    }
    trees_.push_back(std::move(tree));
  }
}

void Watcher::OnChange(size_t rule, const std::string& absolute) {
  auto relative = rules_.Take(rule, absolute);
  if (!relative) return;  // ignored changes do not delay the batch either
  const base::TimePoint now = base::Now();
  debouncer_.Add(rule, *relative, now);
  timer_.Start(std::max(base::Duration(0), base::Since(now, debouncer_.Deadline())),
               [this] { OnTimer(); });
}

void Watcher::OnTimer() {
  const base::TimePoint now = base::Now();
  if (!debouncer_.Due(now)) {
    if (debouncer_.pending())
      timer_.Start(std::max(base::Duration(1), base::Since(now, debouncer_.Deadline())),
                   [this] { OnTimer(); });
    return;
  }
  Apply(debouncer_.Take());
}

void Watcher::Apply(const Batch& batch) {
  if (supervisor_.stopping()) return;
  for (const ServiceWork& work : PlanWork(rules_, batch, manifest_.project_directory)) {
    const std::string& name = manifest_.services[work.service].name;
    Sync(work);
    if (!work.restart) continue;
    const auto id = supervisor_.FindService(name);
    if (!id) {
      supervisor_.Announce("watch: " + name + ": " + Changes(work) +
                           ": not restarted, a reload removed it");
      continue;
    }
    if (supervisor_.Snapshot(*id).status.stopped_by_request) {
      supervisor_.Announce("watch: " + name + ": " + Changes(work) +
                           ": not restarted, it was stopped on request");
      continue;
    }
    supervisor_.Announce("watch: " + name + ": " + Changes(work) + ": restarting");
    supervisor_.RestartService(*id, std::nullopt);
  }
}

void Watcher::Sync(const ServiceWork& work) {
  const auto& manifest = manifest_;
  const std::string& name = manifest.services[work.service].name;
  for (const SyncWork& sync : work.syncs) {
    const config::WatchRule& spec = rules_.rules()[sync.rule].spec;
    const size_t id = sync.rule;
    SyncFilter filter = [this, id, &spec](const std::string& rel, bool is_directory) {
      const std::string absolute = spec.path + "/" + rel;
      return is_directory ? rules_.Descend(id, absolute) : rules_.Take(id, absolute).has_value();
    };
    SyncReport report = sync.everything ? SyncAll(spec.path, spec.target, filter)
                                        : SyncPaths(spec.path, spec.target, sync.paths, filter);
    std::string text = "watch: " + name + ": synced " + std::to_string(report.copied) +
                       (report.copied == 1 ? " file" : " files") + " to " +
                       Shown(spec.target, manifest.project_directory);
    if (report.removed > 0) text += ", removed " + std::to_string(report.removed);
    supervisor_.Announce(text);
    for (const auto& error : report.errors)
      supervisor_.Announce("watch: " + name + ": sync failed: " + error);
  }
}

}  // namespace stackvisor::watch
