#pragma once
// Helpers shared by the Plan tests: building manifests and looking into the actions a Plan
// returned.
#include <chrono>
#include <string>
#include <vector>

#include "supervisor/plan.h"

namespace stackvisor::supervisor::testing {

inline const Action* Find(const std::vector<Action>& actions, Action::Kind kind) {
  for (const auto& a : actions)
    if (a.kind == kind) return &a;
  return nullptr;
}

inline bool Logged(const std::vector<Action>& actions, const std::string& text) {
  for (const auto& a : actions)
    if (a.kind == Action::Kind::kLog && a.text == text) return true;
  return false;
}

/// The services that got an action of `kind`, in order.
inline std::vector<size_t> Services(const std::vector<Action>& actions, Action::Kind kind) {
  std::vector<size_t> out;
  for (const auto& a : actions)
    if (a.kind == kind) out.push_back(a.service);
  return out;
}

inline bool Has(const std::vector<Action>& actions, Action::Kind kind, size_t service) {
  for (const auto& a : actions)
    if (a.kind == kind && a.service == service) return true;
  return false;
}

inline config::Service MakeService(std::string name, std::vector<config::Dependency> deps = {}) {
  config::Service s;
  s.name = std::move(name);
  s.argv = {"true"};
  s.depends_on = std::move(deps);
  return s;
}

inline config::Dependency MakeDep(std::string name,
                                  config::DependCondition c = config::DependCondition::kStarted,
                                  bool required = true, bool restart = false) {
  config::Dependency d;
  d.service = std::move(name);
  d.condition = c;
  d.required = required;
  d.restart = restart;
  return d;
}

struct TestClock {
  base::TimePoint now{};
  base::TimePoint Advance(std::chrono::milliseconds d) { return now += d; }
};

}  // namespace stackvisor::supervisor::testing
