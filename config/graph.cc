// Dependency checks at load time, and the start order everything downstream uses.
#include <algorithm>
#include <map>
#include <set>

#include "config/load_steps.h"

namespace stackvisor::config {
namespace {

std::string ProfileList(const std::vector<std::string>& profiles) {
  std::string out;
  for (const auto& p : profiles) out += (out.empty() ? "" : ", ") + Quote(p);
  return out;
}

/// CycleFinder runs a depth-first search in file order and reports one cycle per back edge,
/// naming it from the service where the search entered it: "a -> b -> c -> a".
class CycleFinder {
 public:
  CycleFinder(const std::vector<ServiceDraft>& drafts, Reporter& r) : drafts_(drafts), r_(r) {
    for (size_t i = 0; i < drafts.size(); ++i) index_[drafts[i].service.name] = i;
  }

  void Run() {
    state_.assign(drafts_.size(), State::kNew);
    for (size_t i = 0; i < drafts_.size(); ++i)
      if (drafts_[i].active && state_[i] == State::kNew) Visit(i);
  }

 private:
  enum class State { kNew, kOnStack, kDone };

  void Visit(size_t i) {
    state_[i] = State::kOnStack;
    stack_.push_back(i);
    for (const auto& dep : drafts_[i].service.depends_on) {
      auto it = index_.find(dep.service);
      if (it == index_.end() || !drafts_[it->second].active) continue;
      const size_t j = it->second;
      if (state_[j] == State::kOnStack) Report(j);
      else if (state_[j] == State::kNew) Visit(j);
    }
    stack_.pop_back();
    state_[i] = State::kDone;
  }

  void Report(size_t start) {
    auto first = std::find(stack_.begin(), stack_.end(), start);
    std::string text;
    for (auto it = first; it != stack_.end(); ++it) text += drafts_[*it].service.name + " -> ";
    text += drafts_[start].service.name;
    const ServiceDraft& from = drafts_[start];
    r_.Error(from.depends_on_pos, "services." + from.service.name + ".depends_on",
             "dependency cycle: " + text);
  }

  const std::vector<ServiceDraft>& drafts_;
  Reporter& r_;
  std::map<std::string, size_t> index_;
  std::vector<State> state_;
  std::vector<size_t> stack_;
};

}  // namespace

void CheckDependencies(std::vector<ServiceDraft>& drafts, Reporter& r) {
  std::map<std::string, const ServiceDraft*> by_name;
  std::vector<std::string> names;
  for (const auto& d : drafts) {
    by_name[d.service.name] = &d;
    names.push_back(d.service.name);
  }
  for (auto& draft : drafts) {
    if (!draft.active) continue;
    auto& deps = draft.service.depends_on;
    for (auto it = deps.begin(); it != deps.end();) {
      const std::string path = "services." + draft.service.name + ".depends_on." + it->service;
      const SourcePos pos = draft.dependency_pos[it->service];
      auto target = by_name.find(it->service);
      if (target == by_name.end()) {
        r.Error(pos, path,
                "unknown service " + Quote(it->service) + DidYouMean(it->service, names));
      } else if (!target->second->active && it->required &&
                 target->second->service.profiles.empty()) {
        // Left out by the image step (its image or build cannot run here: reported there, or
        // dropped by --ignore-unavailable), not by a profile.
        r.Error(pos, path,
                "service " + Quote(it->service) +
                    " cannot run here (see its image or build): leave " +
                    Quote(draft.service.name) + " out too, or set required: false");
      } else if (!target->second->active && it->required) {
        const auto& profiles = target->second->service.profiles;
        r.Error(pos, path,
                "service " + Quote(it->service) + " is not active: enable its profile " +
                    ProfileList(profiles) + " (--profile " + profiles.front() +
                    ") or set required: false");
      } else if (!target->second->active) {
        it = deps.erase(it);  // optional and not running: as if never declared
        continue;
      }
      ++it;
    }
  }
  CycleFinder(drafts, r).Run();
}

std::vector<std::string> StartOrder(const Manifest& manifest) {
  const auto& services = manifest.services;
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < services.size(); ++i) index[services[i].name] = i;
  // Kahn's algorithm, always taking the ready service that comes first in the file.
  std::vector<size_t> pending(services.size(), 0);
  std::vector<std::vector<size_t>> dependents(services.size());
  for (size_t i = 0; i < services.size(); ++i) {
    for (const auto& dep : services[i].depends_on) {
      auto it = index.find(dep.service);
      if (it == index.end()) continue;
      ++pending[i];
      dependents[it->second].push_back(i);
    }
  }
  std::set<size_t> ready;
  for (size_t i = 0; i < services.size(); ++i)
    if (pending[i] == 0) ready.insert(i);
  std::vector<std::string> order;
  std::vector<bool> placed(services.size(), false);
  while (!ready.empty()) {
    const size_t i = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(services[i].name);
    placed[i] = true;
    for (size_t d : dependents[i])
      if (--pending[d] == 0) ready.insert(d);
  }
  // Only reachable with a cycle, which Load rejects: keep every service listed anyway.
  for (size_t i = 0; i < services.size(); ++i)
    if (!placed[i]) order.push_back(services[i].name);
  return order;
}

std::vector<std::string> WithDependencies(const Manifest& manifest,
                                          const std::vector<std::string>& names) {
  std::set<std::string> wanted;
  std::vector<std::string> todo(names.begin(), names.end());
  while (!todo.empty()) {
    const std::string name = todo.back();
    todo.pop_back();
    const Service* s = manifest.Find(name);
    if (!s || !wanted.insert(name).second) continue;
    for (const auto& dep : s->depends_on) todo.push_back(dep.service);
  }
  std::vector<std::string> out;
  for (const auto& name : StartOrder(manifest))
    if (wanted.count(name)) out.push_back(name);
  return out;
}

}  // namespace stackvisor::config
