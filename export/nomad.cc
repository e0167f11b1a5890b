// Manifest -> one Nomad job. The stack is one group: its native processes reach each other on
// 127.0.0.1 and share host paths, so they must share a host. Each service is a raw_exec task
// running the same command; one-shots are prestart tasks (or poststart when they wait for a
// long-running service), probes become Nomad service checks, secrets come from Nomad variables
// through a template, never from the job file.
#include <cctype>
#include <set>

#include "config/signals.h"
#include "export/common.h"
#include "export/systemd_syntax.h"

namespace stackvisor::exporter {
namespace {

using config::DependCondition;
using config::ProbeKind;
using config::RestartMode;
using config::Service;

// An HCL string: JSON escapes, and the template sequences ${ and %{ doubled.
std::string HclQuote(const std::string& text) {
  std::string out;
  const std::string q = JsonQuote(text);
  for (size_t i = 0; i < q.size(); ++i) {
    if ((q[i] == '$' || q[i] == '%') && i + 1 < q.size() && q[i + 1] == '{') out += q[i];
    out += q[i];
  }
  return out;
}

// An attribute name: bare when it is an HCL identifier, quoted otherwise.
std::string HclKey(const std::string& key) {
  bool plain = !key.empty() && !std::isdigit(static_cast<unsigned char>(key[0]));
  for (unsigned char c : key)
    if (!std::isalnum(c) && c != '_' && c != '-') plain = false;
  return plain ? key : HclQuote(key);
}

std::string HclList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + HclQuote(items[i]);
  return out + "]";
}

std::string Duration(config::Duration d) { return HclQuote(SdSeconds(d)); }

/// Writer keeps the indentation of nested blocks.
class Writer {
 public:
  void Open(const std::string& head) { Line(head + " {"), ++depth_; }
  void Close() { --depth_, Line("}"); }
  void Attr(const std::string& key, const std::string& value) { Line(key + " = " + value); }
  void Line(const std::string& text) {
    out_ += std::string(static_cast<size_t>(depth_) * 2, ' ') + text + "\n";
  }
  void Raw(const std::string& text) { out_ += text; }
  const std::string& str() const { return out_; }

 private:
  std::string out_;
  int depth_ = 0;
};

class JobWriter {
 public:
  explicit JobWriter(const config::Manifest& m) : m_(m) {
    for (const auto& s : m.services)
      for (const auto& d : s.depends_on)
        if (d.condition == DependCondition::kCompletedSuccessfully) oneshots_.insert(d.service);
  }

  Bundle Build() {
    Writer body;
    body.Open("job " + HclQuote(m_.name));
    body.Attr("type", "\"service\"");
    body.Attr("datacenters", "[\"*\"]");
    body.Open("group \"stack\"");
    body.Attr("count", "1");
    Network(body);
    for (const auto& s : m_.services) Task(body, s);
    body.Close();
    body.Close();
    Bundle b;
    b.files.push_back({m_.name + ".nomad.hcl", Header("nomad", m_, unmapped_) + kNotes + body.str(),
                       false});
    for (auto& f : vars_) b.files.push_back(std::move(f));
    b.unmapped = std::move(unmapped_);
    return b;
  }

 private:
  static constexpr const char* kNotes =
      "# Needs the raw_exec driver enabled on the client (plugin \"raw_exec\" { config { enabled =\n"
      "# true } }): the tasks run the manifest's native commands on the host, as stackvisor does.\n"
      "# Put each <job>-<task>.nv.hcl first: `nomad var put @FILE` (the secrets live there).\n";

  std::string VarPath(const Service& s) const {
    return "nomad/jobs/" + m_.name + "/stack/" + s.name;
  }

  // The ports the probes use: the processes bind them on the host directly.
  void Network(Writer& w) {
    std::vector<int> ports;
    for (const auto& s : m_.services) {
      const int p = ProbePort(s);
      if (p != 0) ports.push_back(p);
    }
    if (ports.empty()) return;
    w.Open("network");
    for (int p : ports) {
      w.Open("port " + HclQuote("p" + std::to_string(p)));
      w.Attr("static", std::to_string(p));
      w.Close();
    }
    w.Close();
  }

  static int ProbePort(const Service& s) {
    if (s.healthcheck.kind == ProbeKind::kTcp) return s.healthcheck.tcp_port;
    if (s.healthcheck.kind == ProbeKind::kHttp) return ParseUrl(s.healthcheck.http_url).port;
    return 0;
  }

  void Lifecycle(Writer& w, const Service& s) {
    if (oneshots_.count(s.name) == 0) {
      for (const auto& d : s.depends_on)
        if (!Prestart(d.service))
          unmapped_.push_back({Path(s, "depends_on." + d.service),
                               "Nomad starts a group's main tasks together: " + s.name +
                                   " must retry until " + d.service + " is ready"});
      return;
    }
    const bool waits_for_server = !Prestart(s.name);
    w.Open("lifecycle");
    // prestart tasks all run before the main tasks; one waiting for a server must come after.
    w.Attr("hook", waits_for_server ? "\"poststart\"" : "\"prestart\"");
    w.Attr("sidecar", "false");
    w.Close();
    for (const auto& d : s.depends_on)
      if (oneshots_.count(d.service) != 0)
        unmapped_.push_back({Path(s, "depends_on." + d.service),
                             "Nomad runs prestart tasks together: " + s.name +
                                 " must retry until " + d.service + " completed"});
    if (waits_for_server)
      unmapped_.push_back({Path(s, "depends_on"),
                           "poststart: runs once the main tasks started, not once they are "
                           "healthy, and the tasks waiting for it are not held back"});
  }

  // A one-shot that waits only for other one-shots runs before every main task.
  bool Prestart(const std::string& name) const {
    if (oneshots_.count(name) == 0) return false;
    const Service* s = m_.Find(name);
    for (const auto& d : s->depends_on)
      if (oneshots_.count(d.service) == 0) return false;
    return true;
  }

  void Restart(Writer& w, const Service& s) {
    w.Open("restart");
    const RestartMode mode = s.restart.mode;
    if (oneshots_.count(s.name) != 0 && mode != RestartMode::kNo) {
      w.Attr("attempts", std::to_string(s.restart.max_retries > 0 ? s.restart.max_retries : 3));
      w.Attr("mode", "\"fail\"");
    } else if (mode == RestartMode::kNo) {
      w.Attr("attempts", "0");
      w.Attr("mode", "\"fail\"");
    } else if (mode == RestartMode::kOnFailure && s.restart.max_retries > 0) {
      w.Attr("attempts", std::to_string(s.restart.max_retries));
      w.Attr("interval", "\"87600h\"");  // the count never resets, as on-failure:N
      w.Attr("mode", "\"fail\"");
    } else {
      // "delay": after `attempts` in `interval`, wait for the next interval and go on forever.
      w.Attr("attempts", "10");
      w.Attr("interval", "\"5m\"");
      w.Attr("mode", "\"delay\"");
    }
    w.Attr("delay", Duration(s.backoff.initial));
    w.Close();
    if (mode == RestartMode::kOnFailure)
      unmapped_.push_back({Path(s, "restart"),
                           "on-failure: Nomad restarts a service job's task on any exit"});
    NoteBackoff(s, "Nomad waits a fixed delay (plus jitter)", unmapped_);
  }

  void Environment(Writer& w, const Service& s) {
    std::vector<std::pair<std::string, std::string>> plain, secret;
    for (const auto& [k, v] : s.environment) {
      if (!v) {
        unmapped_.push_back({Path(s, "environment." + k),
                             "unset: a raw_exec task gets the client's environment"});
        continue;
      }
      (IsSecretKey(k) ? secret : plain).emplace_back(k, *v);
    }
    if (!plain.empty()) {
      w.Open("env");
      for (const auto& [k, v] : plain) w.Attr(HclKey(k), HclQuote(v));
      w.Close();
    }
    if (secret.empty()) return;
    w.Open("template");
    w.Attr("destination", "\"secrets/env\"");
    w.Attr("env", "true");
    w.Attr("data", HclQuote("{{ with nomadVar \"" + VarPath(s) +
                            "\" }}{{ range .Tuples }}{{ .K }}={{ .V | toJSON }}\n"
                            "{{ end }}{{ end }}"));
    w.Close();
    Writer vars;
    vars.Attr("path", HclQuote(VarPath(s)));
    vars.Open("items");
    for (const auto& [k, v] : secret) vars.Attr(HclKey(k), HclQuote(v));
    vars.Close();
    vars_.push_back({m_.name + "-" + s.name + ".nv.hcl",
                     Header("nomad", m_, {}) + "# nomad var put @" + m_.name + "-" + s.name +
                         ".nv.hcl\n" + vars.str(),
                     true});
  }

  void Check(Writer& w, const Service& s) {
    const config::Healthcheck& h = s.healthcheck;
    if (h.kind == ProbeKind::kNone) return;
    if (h.kind != ProbeKind::kTcp && h.kind != ProbeKind::kHttp) {
      const char* why = h.kind == ProbeKind::kExec
                            ? "a script check needs the Consul service provider: not checked"
                            : h.kind == ProbeKind::kNotify ? "Nomad has no sd_notify readiness: not checked"
                                                           : "Nomad has no log-line check: not checked";
      unmapped_.push_back({Path(s, "healthcheck"), why});
      return;
    }
    w.Open("service");
    w.Attr("name", HclQuote(DnsService(s)));
    w.Attr("provider", "\"nomad\"");
    w.Attr("port", HclQuote("p" + std::to_string(ProbePort(s))));
    w.Open("check");
    if (h.kind == ProbeKind::kHttp) {
      w.Attr("type", "\"http\"");
      w.Attr("path", HclQuote(ParseUrl(h.http_url).path));
    } else {
      w.Attr("type", "\"tcp\"");
    }
    w.Attr("interval", Duration(h.interval));
    w.Attr("timeout", Duration(h.timeout));
    w.Close();
    w.Close();
  }

  static std::string DnsService(const Service& s) {
    std::string out;
    for (char c : s.name) out += (c == '_' || c == '.') ? '-' : c;
    return out;
  }

  void Task(Writer& w, const Service& s) {
    NoteEngineKeys(s, false, unmapped_);
    NoteSockets(s, "Nomad", unmapped_);
    w.Open("task " + HclQuote(s.name));
    w.Attr("driver", "\"raw_exec\"");
    Lifecycle(w, s);
    w.Open("config");
    w.Attr("command", HclQuote(s.argv.front()));
    if (s.argv.size() > 1) w.Attr("args", HclList({s.argv.begin() + 1, s.argv.end()}));
    w.Attr("work_dir", HclQuote(s.working_dir));
    w.Close();
    if (s.user) w.Attr("user", HclQuote(s.user->name.empty() ? std::to_string(s.user->uid)
                                                               : s.user->name));
    Environment(w, s);
    w.Attr("kill_signal", HclQuote(config::SignalName(s.stop_signal)));
    w.Attr("kill_timeout", Duration(s.stop_grace_period));
    Restart(w, s);
    Check(w, s);
    w.Close();
  }

  const config::Manifest& m_;
  std::set<std::string> oneshots_;
  std::vector<Unmapped> unmapped_;
  std::vector<File> vars_;
};

}  // namespace

Bundle ToNomad(const config::Manifest& manifest, const Options&) {
  return JobWriter(manifest).Build();
}

}  // namespace stackvisor::exporter
