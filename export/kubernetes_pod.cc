#include "export/kubernetes_pod.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "config/signals.h"
#include "export/common.h"

namespace stackvisor::exporter::k8s {
namespace {

using config::ProbeKind;

}  // namespace

std::optional<Port> ParsePort(const std::string& text) {
  Port p;
  std::string rest = text;
  const size_t slash = rest.find('/');
  if (slash != std::string::npos) {
    std::string proto = rest.substr(slash + 1);
    for (auto& c : proto) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    p.protocol = proto;
    rest = rest.substr(0, slash);
  }
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t colon; (colon = rest.find(':', start)) != std::string::npos; start = colon + 1)
    parts.push_back(rest.substr(start, colon - start));
  parts.push_back(rest.substr(start));
  auto number = [](const std::string& s) {
    if (s.empty() || s.size() > 5 || s.find_first_not_of("0123456789") != std::string::npos)
      return 0;
    const int n = std::stoi(s);
    return n <= 65535 ? n : 0;
  };
  p.target = number(parts.back());
  p.published = parts.size() >= 2 ? number(parts[parts.size() - 2]) : p.target;
  if (p.target == 0 || p.published == 0 || (p.protocol != "TCP" && p.protocol != "UDP"))
    return std::nullopt;
  return p;
}

namespace {

bool Loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// The probe handler for a healthcheck, or an empty map when Kubernetes has none for it.
Value Handler(const config::Manifest& m, const config::Service& s, const std::vector<Port>& ports,
              std::vector<Unmapped>& unmapped) {
  (void)m;
  const config::Healthcheck& h = s.healthcheck;
  Value handler = Value::Map();
  const std::string key = Path(s, "healthcheck");
  switch (h.kind) {
    case ProbeKind::kNone: break;
    case ProbeKind::kExec: {
      Value& cmd = handler.Set("exec", Value::Map()).Set("command", Value::List());
      for (const auto& a : h.exec_argv) cmd.Push(a);
      break;
    }
    case ProbeKind::kTcp:
      handler.Set("tcpSocket", Value::Map()).Set("port", static_cast<int>(h.tcp_port));
      if (Loopback(h.tcp_host))
        unmapped.push_back({key, "probes the pod IP, not " + h.tcp_host +
                                     ": the process must listen on all addresses"});
      break;
    case ProbeKind::kHttp: {
      Url url = ParseUrl(h.http_url);
      Value& get = handler.Set("httpGet", Value::Map());
      get.Set("path", url.path);
      get.Set("port", url.port);
      if (Loopback(url.host))
        unmapped.push_back({key, "probes the pod IP, not " + url.host +
                                     ": the process must listen on all addresses"});
      break;
    }
    case ProbeKind::kNotify:
    case ProbeKind::kLog: {
      const std::string what = h.kind == ProbeKind::kNotify ? "sd_notify" : "log-line";
      if (!ports.empty()) {
        handler.Set("tcpSocket", Value::Map()).Set("port", ports.front().target);
        unmapped.push_back({key, "Kubernetes has no " + what +
                                     " readiness probe: the closest, a TCP probe of its first port, is used"});
      } else {
        unmapped.push_back({key, "Kubernetes has no " + what +
                                     " readiness probe and the service has no port: no probe"});
      }
      break;
    }
  }
  return handler;
}

void Probes(Value& container, const config::Manifest& m, const config::Service& s,
            const std::vector<Port>& ports, std::vector<Unmapped>& unmapped) {
  Value handler = Handler(m, s, ports, unmapped);
  if (handler.empty()) return;
  const config::Healthcheck& h = s.healthcheck;
  auto probe = [&](int64_t initial_delay) {
    Value p = handler;
    if (initial_delay > 0) p.Set("initialDelaySeconds", initial_delay);
    p.Set("periodSeconds", Seconds(h.interval));
    p.Set("timeoutSeconds", Seconds(h.timeout));
    p.Set("failureThreshold", std::max(1, h.retries));
    return p;
  };
  container.Set("readinessProbe", probe(0));
  // Compose never restarts an unhealthy service; a liveness probe would. Kept only where the
  // manifest asks to keep the service running, after its start period.
  if (s.restart.mode == config::RestartMode::kAlways ||
      s.restart.mode == config::RestartMode::kUnlessStopped)
    container.Set("livenessProbe", probe(Seconds(h.start_period, 0)));
}

}  // namespace

std::string DnsName(const std::string& name) {
  std::string out;
  for (unsigned char c : name) {
    if (std::isalnum(c)) out += static_cast<char>(std::tolower(c));
    else out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "x" : out;
}

std::string ObjectName(const config::Manifest& m, const std::string& service) {
  return DnsName(m.name + "-" + service);
}

bool HasPlainEnv(const config::Service& s) {
  for (const auto& [k, v] : s.environment)
    if (v && !IsSecretKey(k)) return true;
  return false;
}

bool HasSecretEnv(const config::Service& s) {
  for (const auto& [k, v] : s.environment)
    if (v && IsSecretKey(k)) return true;
  return false;
}

Value Labels(const config::Manifest& m, const config::Service& s) {
  Value labels = Value::Map();
  labels.Set("app.kubernetes.io/name", DnsName(s.name));
  labels.Set("app.kubernetes.io/part-of", DnsName(m.name));
  return labels;
}

std::vector<std::string> NamedVolumes(const config::Service& s) {
  std::vector<std::string> out;
  for (const auto& v : s.engine.volumes) {
    const size_t colon = v.find(':');
    if (colon == std::string::npos || colon == 0) continue;
    const std::string source = v.substr(0, colon);
    if (source[0] != '/' && source[0] != '.' && source[0] != '~') out.push_back(source);
  }
  return out;
}

int64_t Seconds(config::Duration d, int64_t min) {
  const int64_t s = (d.count() + 999) / 1000;
  return s < min ? min : s;
}

Value Container(const config::Manifest& m, const config::Service& s, bool probes,
                std::vector<Unmapped>& unmapped) {
  Value c = Value::Map();
  c.Set("name", DnsName(s.name));
  if (s.engine.image.empty()) {
    c.Set("image", "SET-AN-IMAGE-FOR-" + DnsName(s.name));
    unmapped.push_back({Path(s, "image"),
                        "missing: Kubernetes runs images; name one with `image:` (the "
                        "placeholder will not pull)"});
  } else {
    c.Set("image", s.engine.image);
  }
  Value& command = c.Set("command", Value::List());
  for (const auto& a : s.argv) command.Push(a);
  if (s.working_dir != m.project_directory) c.Set("workingDir", s.working_dir);

  if (HasPlainEnv(s) || HasSecretEnv(s)) {
    Value& from = c.Set("envFrom", Value::List());
    if (HasPlainEnv(s))
      from.Push(Value::Map()).Set("configMapRef", Value::Map()).Set("name", ObjectName(m, s.name) + "-env");
    if (HasSecretEnv(s))
      from.Push(Value::Map()).Set("secretRef", Value::Map()).Set("name", ObjectName(m, s.name) + "-env");
  }
  for (const auto& [k, v] : s.environment)
    if (!v) unmapped.push_back({Path(s, "environment." + k),
                                "unset: Kubernetes cannot remove a variable the image sets"});

  if (s.user) {
    Value& sc = c.Set("securityContext", Value::Map());
    sc.Set("runAsUser", static_cast<int64_t>(s.user->uid));
    sc.Set("runAsGroup", static_cast<int64_t>(s.user->gid));
  }

  std::vector<Port> ports;
  for (const auto& text : s.engine.ports) {
    if (auto p = ParsePort(text)) ports.push_back(*p);
    else unmapped.push_back({Path(s, "ports"), "'" + text + "': not a single port mapping"});
  }
  if (!ports.empty()) {
    Value& list = c.Set("ports", Value::List());
    for (const auto& p : ports) {
      Value& port = list.Push(Value::Map());
      port.Set("containerPort", p.target);
      port.Set("protocol", p.protocol);
    }
  }
  if (probes) Probes(c, m, s, ports, unmapped);

  if (!s.engine.volumes.empty()) {
    Value& mounts = c.Set("volumeMounts", Value::List());
    for (const auto& v : s.engine.volumes) {
      const size_t colon = v.find(':');
      const std::string source = colon == std::string::npos ? "" : v.substr(0, colon);
      const auto named = NamedVolumes(s);
      if (source.empty() || std::find(named.begin(), named.end(), source) == named.end()) {
        unmapped.push_back({Path(s, "volumes"), "'" + v +
                                                    "': only named volumes map (to a "
                                                    "PersistentVolumeClaim)"});
        continue;
      }
      std::string rest = v.substr(colon + 1);
      const size_t mode = rest.find(':');
      Value& mount = mounts.Push(Value::Map());
      mount.Set("name", DnsName(source));
      mount.Set("mountPath", rest.substr(0, mode));
      if (mode != std::string::npos && rest.substr(mode + 1) == "ro")
        mount.Set("readOnly", Value::Bool(true));
    }
    if (mounts.empty()) c.Erase("volumeMounts");
  }
  if (s.stop_signal != 15)
    unmapped.push_back({Path(s, "stop_signal"), config::SignalName(s.stop_signal) +
                                                    ": Kubernetes sends SIGTERM (the image's "
                                                    "STOPSIGNAL decides)"});
  return c;
}

}  // namespace stackvisor::exporter::k8s
