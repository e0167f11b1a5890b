#include <regex>

#include "config/service_builder.h"

namespace stackvisor::config {
namespace {

const std::vector<std::string> kHealthKeys = {
    "test", "interval", "timeout", "retries", "start_period", "start_interval", "disable",
    "tcp",  "http",     "log",     "notify",
};
const std::vector<std::string> kDependencyKeys = {"condition", "required", "restart"};
const std::vector<std::string> kBackoffKeys = {"initial", "max", "factor", "reset_after"};

}  // namespace

void ServiceBuilder::Healthcheck(const MapEntry& entry) {
  const Node& node = entry.value;
  const std::string path = Path("healthcheck");
  if (node.IsNull()) return;
  if (!node.IsMap()) return r_.Expected(node, path, "a mapping");
  config::Healthcheck& h = draft_.service.healthcheck;
  bool disabled = false, start_period_set = false;
  std::vector<std::string> kinds;  // readiness kinds given, in file order
  const MapEntry* second_kind = nullptr;
  for (const auto& e : node.entries) {
    const std::string key_path = path + "." + e.key;
    bool kind = false;  // this key declares a readiness kind
    if (e.key == "test") {
      kind = HealthTest(e.value, key_path);
    } else if (e.key == "tcp") {
      kind = HealthTcp(e.value, key_path);
    } else if (e.key == "http") {
      kind = HealthHttp(e.value, key_path);
    } else if (e.key == "log") {
      kind = HealthLog(e.value, key_path);
    } else if (e.key == "notify") {
      kind = ReadBool(e.value, key_path, r_).value_or(false);
      if (kind) h.kind = ProbeKind::kNotify;
    } else if (e.key == "interval") {
      if (auto d = ReadDuration(e.value, key_path, r_, true)) h.interval = *d;
    } else if (e.key == "timeout") {
      if (auto d = ReadDuration(e.value, key_path, r_, true)) h.timeout = *d;
    } else if (e.key == "start_period") {
      if (auto d = ReadDuration(e.value, key_path, r_, false)) h.start_period = *d;
      start_period_set = true;
    } else if (e.key == "start_interval") {
      if (auto d = ReadDuration(e.value, key_path, r_, true)) h.start_interval = *d;
    } else if (e.key == "retries") {
      if (auto n = ReadInt(e.value, key_path, r_, 1, 1000000)) h.retries = static_cast<int>(*n);
    } else if (e.key == "disable") {
      disabled = ReadBool(e.value, key_path, r_).value_or(false);
    } else if (e.key.rfind("x-", 0) != 0) {
      r_.Error(e.key_pos, key_path, "unknown key" + DidYouMean(e.key, kHealthKeys));
    }
    if (kind) {
      kinds.push_back(e.key);
      if (kinds.size() == 2) second_kind = &e;
    }
  }
  if (kinds.size() > 1) {
    std::string got;
    for (size_t i = 0; i < kinds.size(); ++i)
      got += (i == 0 ? "" : i + 1 == kinds.size() ? " and " : ", ") + kinds[i];
    r_.Error(second_kind->key_pos, path,
             "expected exactly one readiness kind (test, tcp, http, log or notify), got " + got);
  }
  if (disabled || h.kind == ProbeKind::kNone) {
    h = config::Healthcheck{};  // no probe: timings are meaningless, keep the defaults
    return;
  }
  if (!start_period_set) h.start_period = h.interval * h.retries;
}

bool ServiceBuilder::HealthTest(const Node& node, const std::string& path) {
  config::Healthcheck& h = draft_.service.healthcheck;
  if (node.IsScalar()) {
    if (node.value.empty()) return Fail(node, path, "a command");
    h.exec_argv = {"/bin/sh", "-c", node.value};  // a string is CMD-SHELL
    h.kind = ProbeKind::kExec;
    return true;
  }
  if (!node.IsSequence()) return Fail(node, path, "a string or [CMD, ...]");
  auto list = ReadStringList(node, path, r_);
  if (!list) return false;
  if (list->empty()) return Fail(node, path, "[CMD, arg...], [CMD-SHELL, command] or [NONE]");
  const std::string& first = list->front();
  if (first == "NONE") return false;
  if (first != "CMD" && first != "CMD-SHELL")
    return Fail(node.items.front(), path + "[0]", "CMD, CMD-SHELL or NONE");
  if (list->size() < 2) return Fail(node, path, "a command after " + first);
  if (first == "CMD") {
    h.exec_argv.assign(list->begin() + 1, list->end());
  } else {
    std::string command;
    for (size_t i = 1; i < list->size(); ++i) command += (i > 1 ? " " : "") + (*list)[i];
    h.exec_argv = {"/bin/sh", "-c", command};
  }
  h.kind = ProbeKind::kExec;
  return true;
}

bool ServiceBuilder::HealthTcp(const Node& node, const std::string& path) {
  auto text = ReadString(node, path, r_);
  if (!text) return false;
  const size_t colon = text->rfind(':');
  if (colon == std::string::npos) return Fail(node, path, "HOST:PORT");
  std::string host = text->substr(0, colon);
  const std::string port = text->substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);  // [::1]:5432
  const bool digits = !port.empty() && port.size() <= 5 &&
                      port.find_first_not_of("0123456789") == std::string::npos;
  const long number = digits ? std::stol(port) : 0;
  if (host.empty() || number < 1 || number > 65535) return Fail(node, path, "HOST:PORT");
  auto& h = draft_.service.healthcheck;
  h.tcp_host = host;
  h.tcp_port = static_cast<uint16_t>(number);
  h.kind = ProbeKind::kTcp;
  return true;
}

bool ServiceBuilder::HealthHttp(const Node& node, const std::string& path) {
  auto url = ReadString(node, path, r_);
  if (!url) return false;
  const std::string scheme = "http://";
  if (url->rfind(scheme, 0) != 0 || url->size() == scheme.size() || (*url)[scheme.size()] == '/')
    return Fail(node, path, "an http:// URL (https is not supported)");
  draft_.service.healthcheck.http_url = *url;
  draft_.service.healthcheck.kind = ProbeKind::kHttp;
  return true;
}

bool ServiceBuilder::HealthLog(const Node& node, const std::string& path) {
  auto pattern = ReadString(node, path, r_);
  if (!pattern) return false;
  try {
    std::regex compiled(*pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    r_.Error(node, path, "invalid regular expression " + Quote(*pattern) + ": " + e.what());
    return false;
  }
  draft_.service.healthcheck.log_regex = *pattern;
  draft_.service.healthcheck.kind = ProbeKind::kLog;
  return true;
}

void ServiceBuilder::DependsOn(const MapEntry& entry) {
  const Node& node = entry.value;
  draft_.depends_on_pos = entry.key_pos;
  if (node.IsNull()) return;
  if (!node.IsMap()) return r_.Expected(node, Path("depends_on"), "a list or a mapping of services");
  for (const auto& dep : node.entries) Dependency(dep, Path("depends_on") + "." + dep.key);
}

void ServiceBuilder::Dependency(const MapEntry& entry, const std::string& path) {
  config::Dependency dep;
  dep.service = entry.key;
  const Node& node = entry.value;
  if (!node.IsNull() && !node.IsMap())
    return r_.Expected(node, path, "a mapping with condition, required, restart");
  for (const auto& e : node.entries) {
    const std::string key_path = path + "." + e.key;
    if (e.key == "condition") {
      const std::string& v = e.value.value;
      if (e.value.IsScalar() && v == "service_started") dep.condition = DependCondition::kStarted;
      else if (e.value.IsScalar() && v == "service_healthy") dep.condition = DependCondition::kHealthy;
      else if (e.value.IsScalar() && v == "service_completed_successfully")
        dep.condition = DependCondition::kCompletedSuccessfully;
      else
        r_.Expected(e.value, key_path,
                    "one of service_started, service_healthy, service_completed_successfully");
    } else if (e.key == "required") {
      dep.required = ReadBool(e.value, key_path, r_).value_or(true);
    } else if (e.key == "restart") {
      dep.restart = ReadBool(e.value, key_path, r_).value_or(false);
    } else {
      r_.Error(e.key_pos, key_path, "unknown key" + DidYouMean(e.key, kDependencyKeys));
    }
  }
  draft_.dependency_pos[dep.service] = entry.key_pos;
  draft_.service.depends_on.push_back(std::move(dep));
}

void ServiceBuilder::RestartBackoff(const Node& node) {
  const std::string path = Path("restart_backoff");
  if (!node.IsMap()) return r_.Expected(node, path, "a mapping with initial, max, factor, reset_after");
  Backoff& b = draft_.service.backoff;
  for (const auto& e : node.entries) {
    const std::string key_path = path + "." + e.key;
    if (e.key == "initial") {
      if (auto d = ReadDuration(e.value, key_path, r_, false)) b.initial = *d;
    } else if (e.key == "max") {
      if (auto d = ReadDuration(e.value, key_path, r_, false)) b.max = *d;
    } else if (e.key == "factor") {
      auto f = ReadNumber(e.value, key_path, r_);
      if (f && (*f < 1.0 || *f > 1000.0)) r_.Expected(e.value, key_path, "a factor from 1 to 1000");
      else if (f) b.factor = *f;
    } else if (e.key == "reset_after") {
      if (auto d = ReadDuration(e.value, key_path, r_, false)) b.reset_after = *d;
    } else {
      r_.Error(e.key_pos, key_path, "unknown key" + DidYouMean(e.key, kBackoffKeys));
    }
  }
  if (b.max < b.initial) r_.Error(node, path, "max (" + std::to_string(b.max.count()) +
                                                  "ms) is shorter than initial");
}

}  // namespace stackvisor::config
