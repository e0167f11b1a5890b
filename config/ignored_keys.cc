// One warning per ignored key for the whole project instead of one per key per service.
#include <map>

#include "config/service_builder.h"

namespace stackvisor::config {
namespace {

constexpr size_t kNamesShown = 3;  // enough to find them; the count says how many more

struct Uses {
  SourcePos first;
  std::vector<std::string> services;
};

}  // namespace

void SummariseIgnoredKeys(const std::vector<ServiceDraft>& drafts, Reporter& r) {
  std::vector<std::string> order;  // keys by first use, in file order
  std::map<std::string, Uses> uses;
  for (const auto& draft : drafts) {
    for (const auto& [key, pos] : draft.ignored_keys) {
      auto [it, added] = uses.try_emplace(key, Uses{pos, {}});
      if (added) order.push_back(key);
      it->second.services.push_back(draft.service.name);
    }
  }
  for (const auto& key : order) {
    const Uses& u = uses[key];
    const std::string reason = IgnoredKeyReason(key);
    if (u.services.size() == 1) {
      r.Warning(u.first, "services." + u.services.front() + "." + key, reason);
      continue;
    }
    std::string names;
    for (size_t i = 0; i < u.services.size() && i < kNamesShown; ++i)
      names += (i ? ", " : "") + u.services[i];
    if (u.services.size() > kNamesShown)
      names += " and " + std::to_string(u.services.size() - kNamesShown) + " more";
    // "ignored: why" becomes "ignored in N services (a, b, c): why".
    const std::string why = reason.substr(reason.find(':'));
    r.Warning(u.first, "services.*." + key,
              "ignored in " + std::to_string(u.services.size()) + " services (" + names + ")" +
                  why);
  }
}

}  // namespace stackvisor::config
