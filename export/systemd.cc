// Manifest -> systemd units. Dependencies become ordering plus requirement, readiness becomes
// the unit's own start-up (Type=notify, Type=oneshot, or an ExecStartPost= wait), so systemd's
// After= gives the same start order stackvisor's Plan does.
#include <cstdio>
#include <map>
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

std::string UnitName(const config::Manifest& m, const std::string& service) {
  return m.name + "-" + service + ".service";
}

// A path as systemd reads it in a unit file: `%` starts a specifier.
std::string Specifiers(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '%' ? std::string("%%") : std::string(1, c);
  return out;
}

// A replica group (web-1..web-N) shares its sockets, as under `up`: one socket unit per group.
std::string SocketUnitName(const config::Manifest& m, const Service& s) {
  return m.name + "-" + (s.replica_of.empty() ? s.name : s.replica_of) + ".socket";
}

// One unit with the ListenStream= lines in fd order: systemd passes a unit's fds in the order
// its Listen*= lines are written, while the order across several units is not specified.
// FileDescriptorName=, Backlog= and SocketMode= are per unit, so differing values are noted.
std::string SocketUnit(const config::Manifest& m, const Service& s,
                       std::vector<Unmapped>& unmapped) {
  const config::Socket& first = s.sockets.front();
  const config::Socket* unix_socket = nullptr;  // the first unix socket gives SocketMode=
  for (const auto& socket : s.sockets)
    if (socket.kind == config::Socket::Kind::kUnix && !unix_socket) unix_socket = &socket;
  char mode[8] = "";
  if (unix_socket)
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(unix_socket->mode));
  const std::string group = s.replica_of.empty() ? s.name : s.replica_of;
  std::string out = "[Unit]\nDescription=" + m.name + ": " + group +
                    "'s sockets (stackvisor export)\nPartOf=" + m.name + ".target\n\n[Socket]\n";
  std::set<std::string> noted;
  auto note = [&](const std::string& key, const std::string& setting, const std::string& used) {
    if (noted.insert(key).second)
      unmapped.push_back({Path(s, "x-stackvisor.sockets." + key),
                          "systemd has one " + setting + " per socket unit (which keeps the fd "
                          "order): " + used + " for all"});
  };
  for (const auto& socket : s.sockets) {
    out += "ListenStream=" + Specifiers(SocketAddress(socket)) + "\n";
    if (socket.name != first.name) note("name", "FileDescriptorName=", first.name);
    if (socket.backlog != first.backlog)
      note("backlog", "Backlog=", std::to_string(first.backlog));
    if (socket.kind == config::Socket::Kind::kUnix && socket.mode != unix_socket->mode)
      note("mode", "SocketMode=", mode);
  }
  out += "FileDescriptorName=" + first.name + "\n";
  out += "Backlog=" + std::to_string(first.backlog) + "\n";
  if (unix_socket) {
    out += std::string("SocketMode=") + mode + "\n";
    // stackvisor gives the file to the service's user, so only it (and the mode) may connect.
    if (s.user) out += "SocketUser=" + (s.user->name.empty() ? std::to_string(s.user->uid)
                                                             : s.user->name) + "\n";
  }
  // Service= names the unit a connection would activate; a group's first replica.
  out += "Service=" + m.name + "-" + s.name + ".service\n";
  return out + "\n[Install]\nWantedBy=" + m.name + ".target\n";
}

// Services some other service waits for to finish: they must be Type=oneshot.
std::set<std::string> CompletionTargets(const config::Manifest& m) {
  std::set<std::string> out;
  for (const auto& s : m.services)
    for (const auto& d : s.depends_on)
      if (d.condition == DependCondition::kCompletedSuccessfully) out.insert(d.service);
  return out;
}

class UnitWriter {
 public:
  UnitWriter(const config::Manifest& m, const Options& o, const Service& s, bool oneshot,
             std::vector<Unmapped>& unmapped)
      : m_(m), o_(o), s_(s), oneshot_(oneshot), unmapped_(unmapped) {}

  std::string Unit() {
    Line("[Unit]");
    Line("Description=" + m_.name + ": " + s_.name + " (stackvisor export)");
    Line("PartOf=" + m_.name + ".target");
    Dependencies();
    if (!s_.sockets.empty()) {
      Line("Requires=" + SocketUnitName(m_, s_));
      Line("After=" + SocketUnitName(m_, s_));
    }
    Restart();
    Line("");
    Line("[Service]");
    Type();
    // The same fds 3.. in the same order as under `up`, with LISTEN_FDS/LISTEN_FDNAMES.
    if (!s_.sockets.empty()) Line("Sockets=" + SocketUnitName(m_, s_));
    Line("ExecStart=" + SdCommand(s_.argv));
    Readiness();
    Line("WorkingDirectory=" + Specifiers(s_.working_dir));
    User();
    Environment();
    Line(restart_line_);
    if (s_.restart.mode != RestartMode::kNo) Line("RestartSec=" + SdSeconds(s_.backoff.initial));
    Line("KillMode=mixed");
    Line("KillSignal=" + config::SignalName(s_.stop_signal));
    Line("TimeoutStopSec=" + SdSeconds(s_.stop_grace_period));
    Line("");
    Line("[Install]");
    Line("WantedBy=" + m_.name + ".target");
    return out_;
  }

  std::string EnvFile() const {
    std::string out;
    for (const auto& [key, value] : s_.environment)
      if (value) out += EnvFileLine(key, *value);
    return out;
  }

  static std::string EnvFileName(const config::Manifest& m, const Service& s) {
    return m.name + "-" + s.name + ".env";
  }

 private:
  void Line(const std::string& text) { out_ += text + "\n"; }

  void Dependencies() {
    for (const auto& d : s_.depends_on) {
      const std::string unit = UnitName(m_, d.service);
      Line("After=" + unit);
      // Requires= fails this unit when the dependency fails to start, as `required: true`.
      Line((d.required ? "Requires=" : "Wants=") + unit);
      if (d.restart) Line("PartOf=" + unit);
      const Service* dep = m_.Find(d.service);
      if (d.condition == DependCondition::kStarted && dep != nullptr &&
          WaitCommand(*dep).has_value())
        unmapped_.push_back({Path(s_, "depends_on." + d.service),
                             "service_started waits for " + d.service +
                                 "'s healthcheck too: After= orders after its ExecStartPost="});
      if (d.condition == DependCondition::kHealthy && dep != nullptr &&
          dep->healthcheck.kind == ProbeKind::kNone)
        unmapped_.push_back({Path(s_, "depends_on." + d.service),
                             "service_healthy on a service without a healthcheck: started"});
    }
  }

  // [Unit] part of the restart policy (rate limit); the [Service] line is kept for later.
  void Restart() {
    RestartMode mode = s_.restart.mode;
    if (oneshot_ && (mode == RestartMode::kAlways || mode == RestartMode::kUnlessStopped)) {
      unmapped_.push_back({Path(s_, "restart"),
                           "systemd refuses Restart=always for a Type=oneshot unit (others wait "
                           "for it to complete): on-failure instead"});
      mode = RestartMode::kOnFailure;
    }
    switch (mode) {
      case RestartMode::kNo: restart_line_ = "Restart=no"; break;
      case RestartMode::kOnFailure: restart_line_ = "Restart=on-failure"; break;
      case RestartMode::kAlways:
      case RestartMode::kUnlessStopped:
        // unless-stopped: systemd never restarts a unit after `systemctl stop` anyway.
        restart_line_ = "Restart=always";
        break;
    }
    if (mode == RestartMode::kNo) return;
    if (mode == RestartMode::kOnFailure && s_.restart.max_retries > 0) {
      // N restarts after the first start; `systemctl reset-failed` clears the count.
      Line("StartLimitIntervalSec=infinity");
      Line("StartLimitBurst=" + std::to_string(s_.restart.max_retries + 1));
    } else {
      Line("StartLimitIntervalSec=0");  // stackvisor retries forever; systemd stops at 5/10s
    }
    NoteBackoff(s_, "systemd 252 (Debian 12) has no RestartSteps=; fixed RestartSec=",
                unmapped_);
  }

  void Type() {
    const ProbeKind kind = s_.healthcheck.kind;
    if (oneshot_) {
      Line("Type=oneshot");
      Line("RemainAfterExit=yes");
      if (kind != ProbeKind::kNone)
        unmapped_.push_back({Path(s_, "healthcheck"),
                             "a one-shot others wait for is ready when it exits: not probed"});
    } else if (kind == ProbeKind::kNotify) {
      Line("Type=notify");
    } else {
      Line("Type=exec");
    }
  }

  void Readiness() {
    if (oneshot_) return;
    auto wait = WaitCommand(s_);
    if (!wait) return;
    Line("ExecStartPost=" + *wait);
    Line("TimeoutStartSec=" + SdSeconds(WaitTimeout(s_.healthcheck)));
    unmapped_.push_back({Path(s_, "healthcheck"),
                         "checked until ready only: systemd keeps no health state after that"});
  }

  void User() {
    if (!s_.user) return;
    const config::User& u = *s_.user;
    Line("User=" + (u.name.empty() ? std::to_string(u.uid) : u.name));
    if (u.spec.find(':') != std::string::npos) Line("Group=" + std::to_string(u.gid));
  }

  void Environment() {
    std::string unset;
    bool any = false;
    for (const auto& [key, value] : s_.environment) {
      if (value) any = true;
      else unset += " " + SdWord(key);
    }
    // Values (secrets among them) live in a 0600 file: a unit file is world-readable and
    // `systemctl show` prints Environment= to any user.
    if (any) Line("EnvironmentFile=" + Specifiers(o_.output_dir + "/" + EnvFileName(m_, s_)));
    if (!unset.empty()) Line("UnsetEnvironment=" + unset.substr(1));
  }

  const config::Manifest& m_;
  const Options& o_;
  const Service& s_;
  const bool oneshot_;
  std::vector<Unmapped>& unmapped_;
  std::string restart_line_;
  std::string out_;
};

std::string TargetUnit(const config::Manifest& m) {
  std::string out = "[Unit]\nDescription=stackvisor stack " + m.name + "\n";
  std::set<std::string> sockets;
  for (const auto& s : m.services) {
    out += "Wants=" + UnitName(m, s.name) + "\n";
    if (!s.sockets.empty() && sockets.insert(SocketUnitName(m, s)).second)
      out += "Wants=" + SocketUnitName(m, s) + "\n";
  }
  return out + "\n[Install]\nWantedBy=multi-user.target\n";
}

// How the units differ from `stackvisor up` as a whole, stated once in the target.
const char kSemantics[] =
    "# Differences from `stackvisor up`, by design of systemd:\n"
    "#   - a service gets only its own environment (the env file), not the shell's;\n"
    "#   - Requires= also stops and restarts a unit with its dependency;\n"
    "#   - install: copy the units to /etc/systemd/system, keep the env files where they are\n"
    "#     (EnvironmentFile= names them), `systemctl daemon-reload`, `systemctl start ";

}  // namespace

Bundle ToSystemd(const config::Manifest& m, const Options& o) {
  Bundle b;
  const std::set<std::string> oneshots = CompletionTargets(m);
  std::vector<std::pair<std::string, std::string>> units;  // name, body
  std::map<std::string, std::pair<size_t, std::string>> socket_units;  // name -> service, body
  for (const auto& s : m.services) {
    NoteEngineKeys(s, false, b.unmapped);
    UnitWriter w(m, o, s, oneshots.count(s.name) != 0, b.unmapped);
    units.emplace_back(UnitName(m, s.name), w.Unit());
    if (!s.sockets.empty() && !socket_units.count(SocketUnitName(m, s)))
      socket_units[SocketUnitName(m, s)] = {units.size() - 1, SocketUnit(m, s, b.unmapped)};
    const std::string env = w.EnvFile();
    if (!env.empty()) b.files.push_back({UnitWriter::EnvFileName(m, s), env, true});
  }
  for (size_t i = 0; i < units.size(); ++i) {
    const auto mine = UnmappedFor(b.unmapped, m.services[i].name);
    b.files.push_back({units[i].first, Header("systemd", m, mine) + units[i].second, false});
  }
  for (const auto& [name, unit] : socket_units) {
    const auto mine = UnmappedFor(b.unmapped, m.services[unit.first].name);
    b.files.push_back({name, Header("systemd", m, mine) + unit.second, false});
  }
  b.files.push_back({m.name + ".target", Header("systemd", m, b.unmapped) + kSemantics +
                                             m.name + ".target`.\n" + TargetUnit(m),
                     false});
  return b;
}

}  // namespace stackvisor::exporter
