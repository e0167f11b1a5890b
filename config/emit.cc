// EmitYaml: the resolved manifest in compose shape. Written by hand rather than with yaml-cpp's
// emitter so yaml-cpp stays in one file; every string is double-quoted, so no value can be
// misread (no, on, 1.0, ~), and '$' is doubled since reading the output interpolates again.
#include <cctype>
#include <cstdio>
#include <map>
#include <sstream>

#include "config/duration.h"
#include "config/loader.h"
#include "config/port_spec.h"
#include "config/signals.h"

namespace stackvisor::config {
namespace {

std::string Quote(const std::string& text, bool escape_dollar = true) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '$': out += escape_dollar ? "$$" : "$"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          static const char kHex[] = "0123456789abcdef";
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

// Keys are never interpolated, so '$' stays; plain when YAML cannot misread them.
std::string Key(const std::string& key) {
  static const char* const kSpecial[] = {"y", "n", "yes", "no", "on", "off", "true", "false",
                                         "null", "~"};
  bool plain = !key.empty() && (std::isalpha(static_cast<unsigned char>(key[0])) || key[0] == '_');
  for (unsigned char c : key)
    if (!std::isalnum(c) && c != '_' && c != '-' && c != '.') plain = false;
  std::string lower;
  for (unsigned char c : key) lower += static_cast<char>(std::tolower(c));
  for (const char* s : kSpecial)
    if (lower == s) plain = false;
  return plain ? key : Quote(key, false);
}

/// Writer keeps the indentation; one line per call.
class Writer {
 public:
  void Line(int depth, const std::string& text) {
    out_ << std::string(static_cast<size_t>(depth) * 2, ' ') << text << '\n';
  }
  void List(int depth, const std::string& key, const std::vector<std::string>& items) {
    Line(depth, Key(key) + ":");
    for (const auto& item : items) Line(depth + 1, "- " + Quote(item));
  }
  std::string str() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

const char* ConditionName(DependCondition c) {
  switch (c) {
    case DependCondition::kStarted: return "service_started";
    case DependCondition::kHealthy: return "service_healthy";
    case DependCondition::kCompletedSuccessfully: return "service_completed_successfully";
  }
  return "service_started";
}

std::string RestartText(const RestartPolicy& p) {
  switch (p.mode) {
    case RestartMode::kNo: return "no";
    case RestartMode::kAlways: return "always";
    case RestartMode::kUnlessStopped: return "unless-stopped";
    case RestartMode::kOnFailure:
      return p.max_retries > 0 ? "on-failure:" + std::to_string(p.max_retries) : "on-failure";
  }
  return "no";
}

void EmitHealthcheck(Writer& w, const Healthcheck& h) {
  if (h.kind == ProbeKind::kNone) return;
  w.Line(2, "healthcheck:");
  if (h.kind == ProbeKind::kExec) {
    std::vector<std::string> test = {"CMD"};
    test.insert(test.end(), h.exec_argv.begin(), h.exec_argv.end());
    w.List(3, "test", test);
  }
  w.Line(3, "interval: " + Quote(FormatDuration(h.interval)));
  w.Line(3, "timeout: " + Quote(FormatDuration(h.timeout)));
  w.Line(3, "retries: " + std::to_string(h.retries));
  w.Line(3, "start_period: " + Quote(FormatDuration(h.start_period)));
  w.Line(3, "start_interval: " + Quote(FormatDuration(h.start_interval)));
}

// stackvisor's own keys, under x-stackvisor so docker compose still accepts the output.
void EmitExtras(Writer& w, const Service& s) {
  const Healthcheck& h = s.healthcheck;
  const bool probe = h.kind == ProbeKind::kTcp || h.kind == ProbeKind::kHttp ||
                     h.kind == ProbeKind::kLog || h.kind == ProbeKind::kNotify;
  const Backoff defaults;
  const bool backoff = s.backoff.initial != defaults.initial || s.backoff.max != defaults.max ||
                       s.backoff.factor != defaults.factor ||
                       s.backoff.reset_after != defaults.reset_after;
  if (!probe && !backoff && s.sockets.empty()) return;
  w.Line(2, "x-stackvisor:");
  if (probe) {
    w.Line(3, "healthcheck:");
    if (h.kind == ProbeKind::kTcp) {
      const bool v6 = h.tcp_host.find(':') != std::string::npos;
      w.Line(4, "tcp: " + Quote((v6 ? "[" + h.tcp_host + "]" : h.tcp_host) + ":" +
                                std::to_string(h.tcp_port)));
    } else if (h.kind == ProbeKind::kHttp) {
      w.Line(4, "http: " + Quote(h.http_url));
    } else if (h.kind == ProbeKind::kLog) {
      w.Line(4, "log: " + Quote(h.log_regex));
    } else {
      w.Line(4, "notify: true");
    }
  }
  if (backoff) {
    std::ostringstream factor;
    factor.precision(17);
    factor << s.backoff.factor;
    w.Line(3, "restart_backoff:");
    w.Line(4, "initial: " + Quote(FormatDuration(s.backoff.initial)));
    w.Line(4, "max: " + Quote(FormatDuration(s.backoff.max)));
    w.Line(4, "factor: " + factor.str());
    w.Line(4, "reset_after: " + Quote(FormatDuration(s.backoff.reset_after)));
  }
  if (!s.sockets.empty()) w.Line(3, "sockets:");
  for (const auto& socket : s.sockets) {
    // Resolved: a unix path is absolute, so the output means the same from anywhere.
    const std::string listen =
        socket.kind == Socket::Kind::kUnix
            ? "unix:" + socket.path
            : (socket.host.find(':') != std::string::npos ? "[" + socket.host + "]"
                                                          : socket.host) +
                  ":" + std::to_string(socket.port);
    w.Line(4, "- listen: " + Quote(listen));
    w.Line(5, "name: " + Quote(socket.name));
    w.Line(5, "backlog: " + std::to_string(socket.backlog));
    if (socket.kind == Socket::Kind::kUnix) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(socket.mode));
      w.Line(5, "mode: " + Quote(mode));
    }
  }
}

void EmitHooks(Writer& w, const std::string& key, const std::vector<Hook>& hooks) {
  if (hooks.empty()) return;
  w.Line(2, key + ":");
  for (const auto& h : hooks) {
    w.Line(3, "- command:");
    for (const auto& word : h.command) w.Line(5, "- " + Quote(word));
    if (h.user) w.Line(4, "user: " + Quote(h.user->spec));
    if (h.working_dir) w.Line(4, "working_dir: " + Quote(*h.working_dir));
    if (!h.environment.empty()) w.List(4, "environment", h.environment);
    if (h.privileged) w.Line(4, "privileged: true");
  }
}

const char* WatchActionName(WatchAction a) {
  switch (a) {
    case WatchAction::kSync: return "sync";
    case WatchAction::kRestart: return "restart";
    case WatchAction::kSyncRestart: return "sync+restart";
    case WatchAction::kRebuild: return "rebuild";
    case WatchAction::kSyncExec: return "sync+exec";
  }
  return "restart";
}

// develop.watch with its paths resolved (absolute), as `watch` follows it.
void EmitDevelop(Writer& w, const Service& s) {
  if (s.watch.empty()) return;
  w.Line(2, "develop:");
  w.Line(3, "watch:");
  for (const auto& rule : s.watch) {
    w.Line(4, "- path: " + Quote(rule.path));
    w.Line(5, std::string("action: ") + Quote(WatchActionName(rule.action)));
    if (!rule.target.empty()) w.Line(5, "target: " + Quote(rule.target));
    if (!rule.ignore.empty()) w.List(5, "ignore", rule.ignore);
    if (!rule.include.empty()) w.List(5, "include", rule.include);
  }
}

std::string MountText(const Mount& m) {
  switch (m.kind) {
    case Mount::Kind::kBind: return "bind " + m.source + " -> " + m.target + (m.read_only ? " (ro)" : "");
    case Mount::Kind::kVolume:
      return "volume " + (m.volume.empty() ? std::string("(anonymous)") : m.volume) +
             (m.source.empty() ? "" : " " + m.source) + " -> " + m.target;
    case Mount::Kind::kTmpfs: return "tmpfs " + m.target + (m.tmpfs_options.empty() ? "" : " " + m.tmpfs_options);
    case Mount::Kind::kSymlink: return "symlink " + m.target + " -> " + m.source;
  }
  return "";
}

// What an image expanded to (issue 12), for reading: an x- key, so compose ignores it.
void EmitContainer(Writer& w, const Service& s) {
  const ContainerView& v = s.container;
  if (!v.enabled && s.ports.empty()) return;
  w.Line(2, "x-stackvisor-container:");
  if (!v.image.empty()) w.Line(3, "image: " + Quote(v.image));
  if (v.enabled && !v.hostname.empty()) w.Line(3, "hostname: " + Quote(v.hostname));
  if (!v.hosts.empty()) w.List(3, "hosts", v.hosts);
  std::vector<std::string> mounts;
  for (const auto& m : v.mounts) mounts.push_back(MountText(m));
  if (!mounts.empty()) w.List(3, "mounts", mounts);
  if (!v.passwd.empty()) w.List(3, "passwd", v.passwd);
  if (!v.group.empty()) w.List(3, "group", v.group);
  if (!v.touched.empty()) w.List(3, "touched", v.touched);
  std::vector<std::string> ports;
  for (const auto& p : s.ports)
    ports.push_back(std::to_string(p.port) + "/" + p.protocol +
                    (p.published ? " published " + std::to_string(*p.published) : ""));
  if (!ports.empty()) w.List(3, "ports", ports);
}

void EmitService(Writer& w, const Service& s) {
  w.Line(1, Key(s.name) + ":");
  if (!s.entrypoint.empty()) w.List(2, "entrypoint", s.entrypoint);
  if (!s.command.empty()) w.List(2, "command", s.command);
  if (!s.environment.empty()) {
    w.Line(2, "environment:");
    for (const auto& [key, value] : s.environment)
      w.Line(3, Key(key) + ": " + (value ? Quote(*value) : "null"));
  }
  w.Line(2, "working_dir: " + Quote(s.working_dir));
  if (s.user) w.Line(2, "user: " + Quote(s.user->spec));
  if (!s.depends_on.empty()) {
    w.Line(2, "depends_on:");
    for (const auto& d : s.depends_on) {
      w.Line(3, Key(d.service) + ":");
      w.Line(4, std::string("condition: ") + ConditionName(d.condition));
      w.Line(4, std::string("required: ") + (d.required ? "true" : "false"));
      w.Line(4, std::string("restart: ") + (d.restart ? "true" : "false"));
    }
  }
  EmitHealthcheck(w, s.healthcheck);
  w.Line(2, "restart: " + Quote(RestartText(s.restart)));
  w.Line(2, "stop_signal: " + Quote(SignalName(s.stop_signal)));
  w.Line(2, "stop_grace_period: " + Quote(FormatDuration(s.stop_grace_period)));
  if (!s.profiles.empty()) w.List(2, "profiles", s.profiles);
  EmitHooks(w, "post_start", s.post_start);
  EmitHooks(w, "pre_stop", s.pre_stop);
  // Kept for `stackvisor export`; other container keys are only named in s.engine.ignored.
  if (!s.engine.image.empty()) w.Line(2, "image: " + Quote(s.engine.image));
  // Every port the service binds (the image's, `ports:`, `expose:`), in the short syntax; a
  // Dockerfile's EXPOSE alone (Port::exposed_only) is only declared, as compose's `expose:`.
  std::vector<std::string> ports, exposed;
  for (const Port& p : s.ports) (p.exposed_only ? exposed : ports).push_back(FormatPort(p));
  if (!ports.empty()) w.List(2, "ports", ports);
  if (!exposed.empty()) w.List(2, "expose", exposed);
  if (!s.engine.volumes.empty()) w.List(2, "volumes", s.engine.volumes);
  EmitDevelop(w, s);
  EmitExtras(w, s);
  EmitContainer(w, s);
}

}  // namespace

std::string EmitYaml(const Manifest& manifest) {
  Writer w;
  w.Line(0, "name: " + Quote(manifest.name));
  w.Line(0, "services:");
  for (const auto& s : manifest.services) EmitService(w, s);
  // The named volumes the services' `volumes` name, so the output loads again; an external
  // one is the directory outside the project's own (config/container_view.cc).
  std::map<std::string, bool> named;
  for (const auto& s : manifest.services)
    for (const auto& m : s.container.mounts)
      if (!m.volume.empty())
        named[m.volume] = m.source.find("/" + manifest.name + "/volumes/") == std::string::npos;
  if (!named.empty()) w.Line(0, "volumes:");
  for (const auto& [name, external] : named)
    w.Line(1, Key(name) + (external ? ": {external: true}" : ": {}"));
  return w.str();
}

}  // namespace stackvisor::config
