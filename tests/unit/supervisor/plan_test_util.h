#pragma once
// Helpers shared by the Plan tests: looking into the actions a Plan returned.
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

}  // namespace stackvisor::supervisor::testing
