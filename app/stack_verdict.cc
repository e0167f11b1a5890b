#include "app/stack_verdict.h"

#include <algorithm>
#include <deque>

namespace stackvisor::app {
namespace {

// A service with no healthcheck is ready when it runs; one that exits at once (a bad flag, a
// missing file) must still fail `up -d`, so it counts only once it has run this long, as
// supervisord's startsecs. Polls are 100 ms apart: this adds at most one poll to `up -d`.
constexpr double kSettleS = 0.5;

std::string Field(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// "running", "running (healthy)", "completed", "starting (health: starting)".
std::string Describe(const std::string& state, const std::string& health) {
  if (health.empty() || health == "none") return state;
  if (state == "running" && health == "healthy") return "running (healthy)";
  return state + " (health: " + health + ")";
}

}  // namespace

StackVerdict JudgeStack(const nlohmann::json& stack, const std::set<std::string>& one_shots) {
  StackVerdict verdict;
  auto services = stack.find("services");
  if (services == stack.end() || !services->is_array()) {
    verdict.kind = StackVerdict::Kind::kFailed;
    verdict.reason = "the API's answer has no services list";
    return verdict;
  }
  size_t width = 0;
  for (const auto& svc : *services) width = std::max(width, Field(svc, "name").size());
  // Blame a failure over a stop (the stack stopping because of it), and a failed service that
  // ran over one that failed because a dependency did.
  auto blame = [](const nlohmann::json& svc) {
    std::string state = Field(svc, "state");
    int score = state == "failed" ? 2 : state == "stopped" ? 1 : 0;
    return score == 0 ? 0 : 2 * score + (Field(svc, "started_at").empty() ? 0 : 1);
  };
  const nlohmann::json* blamed = nullptr;
  for (const auto& svc : *services) {
    if (blame(svc) > (blamed == nullptr ? 0 : blame(*blamed))) blamed = &svc;
  }
  if (blamed != nullptr) {
    verdict.kind = StackVerdict::Kind::kFailed;
    verdict.service = Field(*blamed, "name");
    std::string failure = Field(*blamed, "failure");
    verdict.reason = !failure.empty() ? failure : Field(*blamed, "state");
    return verdict;
  }
  if (Field(stack, "state") == "stopping") {
    verdict.kind = StackVerdict::Kind::kFailed;
    verdict.reason = "the stack is stopping";
    return verdict;
  }
  std::vector<std::string> ready;
  std::vector<std::string> waiting;
  for (const auto& svc : *services) {
    const std::string name = Field(svc, "name");
    const std::string state = Field(svc, "state");
    const std::string health = Field(svc, "health");
    bool checked = !health.empty() && health != "none";
    bool healthy = !checked || health == "healthy";
    std::string padded = name + std::string(width - name.size(), ' ');
    bool one_shot = one_shots.count(name) > 0;
    auto uptime = svc.find("uptime_s");
    bool settled = checked || uptime == svc.end() ||
                   !uptime->is_number() || uptime->get<double>() >= kSettleS;
    if (state == "completed" || (state == "running" && healthy && settled && !one_shot)) {
      ready.push_back(padded + "  " + Describe(state, health));
    } else {
      std::string why = Describe(state, health);
      if (one_shot && state == "running") why += ", a one-shot not yet completed";
      else if (state == "running" && !settled) why += ", up for less than 0.5s";
      std::string waiting_for = Field(svc, "waiting_for");
      if (!waiting_for.empty()) why += ", waiting for " + waiting_for;
      waiting.push_back(name + " (" + why + ")");
    }
  }
  if (waiting.empty()) {
    verdict.kind = StackVerdict::Kind::kReady;
    verdict.lines = std::move(ready);
  } else {
    verdict.lines = std::move(waiting);
  }
  return verdict;
}

std::vector<std::string> ServiceLines(std::string_view log, std::string_view service,
                                      size_t limit) {
  std::deque<std::string> out;
  while (!log.empty()) {
    size_t end = log.find('\n');
    std::string_view line = log.substr(0, end);
    log.remove_prefix(end == std::string_view::npos ? log.size() : end + 1);
    // The prefix is "[timestamp ]NAME<padding> | ": its last word before " | " is the name.
    size_t bar = line.find(" | ");
    if (bar == std::string_view::npos) continue;
    std::string_view head = line.substr(0, bar);
    while (!head.empty() && head.back() == ' ') head.remove_suffix(1);
    size_t space = head.rfind(' ');
    std::string_view name = space == std::string_view::npos ? head : head.substr(space + 1);
    std::string_view text = line.substr(bar + 3);
    bool own = name == service;
    bool event = name == "stackvisor" && text.size() > service.size() &&
                 text.substr(0, service.size()) == service && text[service.size()] == ':';
    if (!own && !event) continue;
    out.emplace_back(line);
    if (out.size() > limit) out.pop_front();
  }
  return {out.begin(), out.end()};
}

}  // namespace stackvisor::app
