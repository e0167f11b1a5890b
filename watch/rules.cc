#include "watch/rules.h"

#include <map>
#include <set>

namespace stackvisor::watch {
namespace {

bool Restarts(config::WatchAction a) {
  return a == config::WatchAction::kRestart || a == config::WatchAction::kSyncRestart ||
         a == config::WatchAction::kRebuild;
}

bool Syncs(config::WatchAction a) {
  return a == config::WatchAction::kSync || a == config::WatchAction::kSyncRestart ||
         a == config::WatchAction::kSyncExec;
}

// `path` below `base` as a relative path ("" for base itself), or nullopt when it is not.
std::optional<std::string> Below(const std::string& path, const std::string& base) {
  if (path == base) return std::string();
  const bool root = base == "/";
  if (path.size() <= base.size() || path.compare(0, base.size(), base) != 0) return std::nullopt;
  if (!root && path[base.size()] != '/') return std::nullopt;
  return path.substr(root ? 1 : base.size() + 1);
}

// Whether a parent directory of `rel` is in the batch too: syncing it copies `rel` already.
bool ParentInBatch(const std::string& rel, const std::set<std::string>& batch) {
  for (size_t slash = rel.find('/'); slash != std::string::npos; slash = rel.find('/', slash + 1))
    if (batch.count(rel.substr(0, slash)) != 0) return true;
  return false;
}

std::string Shown(const std::string& absolute, const std::string& project_directory) {
  auto rel = Below(absolute, project_directory);
  if (!rel) return absolute;
  return rel->empty() ? "." : *rel;
}

}  // namespace

RuleSet::RuleSet(const config::Manifest& manifest) {
  for (size_t s = 0; s < manifest.services.size(); ++s)
    for (const auto& spec : manifest.services[s].watch)
      rules_.push_back(Rule{s, spec, PatternList(spec.ignore), PatternList(spec.include)});
}

std::optional<std::string> RuleSet::Relative(size_t id, const std::string& absolute) const {
  return Below(absolute, rules_[id].spec.path);
}

std::optional<std::string> RuleSet::Take(size_t id, const std::string& absolute) const {
  auto rel = Relative(id, absolute);
  if (!rel) return std::nullopt;
  const Rule& rule = rules_[id];
  if (rel->empty()) return rel;  // the rule's own file (or its directory itself)
  if (AlwaysIgnored(*rel) || rule.ignore.Matches(*rel)) return std::nullopt;
  if (!rule.include.empty() && !rule.include.Matches(*rel)) return std::nullopt;
  return rel;
}

bool RuleSet::Descend(size_t id, const std::string& absolute_dir) const {
  auto rel = Relative(id, absolute_dir);
  if (!rel) return false;
  if (rel->empty()) return true;
  return !AlwaysIgnored(*rel) && !rules_[id].ignore.Matches(*rel);
}

std::vector<ServiceWork> PlanWork(const RuleSet& rules, const Batch& batch,
                                  const std::string& project_directory) {
  std::map<size_t, ServiceWork> by_service;
  std::map<size_t, std::set<std::string>> shown;
  for (size_t id = 0; id < rules.rules().size(); ++id) {
    const Rule& rule = rules.rules()[id];
    auto paths = batch.paths.find(id);
    const bool everything = batch.overflowed.count(id) != 0;
    if (!everything && (paths == batch.paths.end() || paths->second.empty())) continue;
    ServiceWork& work = by_service[rule.service];
    work.service = rule.service;
    if (Restarts(rule.spec.action)) work.restart = true;
    SyncWork sync{id, {}, everything};
    auto& names = shown[rule.service];
    if (everything) {
      names.insert(Shown(rule.spec.path, project_directory) + "/ (too many changes to list)");
    } else {
      for (const auto& rel : paths->second) {
        if (!ParentInBatch(rel, paths->second)) sync.paths.push_back(rel);
        names.insert(Shown(rel.empty() ? rule.spec.path : rule.spec.path + "/" + rel,
                           project_directory));
      }
    }
    if (Syncs(rule.spec.action) && !rule.spec.target.empty()) work.syncs.push_back(std::move(sync));
  }
  std::vector<ServiceWork> out;
  for (auto& [service, work] : by_service) {
    const auto& names = shown[service];
    work.change_count = names.size();
    for (const auto& name : names) {
      if (work.changed.size() == kShownPaths) break;
      work.changed.push_back(name);
    }
    out.push_back(std::move(work));
  }
  return out;
}

}  // namespace stackvisor::watch
