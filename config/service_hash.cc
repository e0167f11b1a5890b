#include "config/service_hash.h"

#include <cstdint>
#include <cstdio>

namespace stackvisor::config {
namespace {

// Values are length-prefixed so no choice of characters in one field can imitate another.
void Put(std::string& out, const char* key, const std::string& value) {
  out += key;
  out += '=';
  out += std::to_string(value.size());
  out += ':';
  out += value;
  out += '\n';
}

void Put(std::string& out, const char* key, long long value) { Put(out, key, std::to_string(value)); }

void PutList(std::string& out, const char* key, const std::vector<std::string>& values) {
  Put(out, key, static_cast<long long>(values.size()));
  for (const auto& v : values) Put(out, key, v);
}

}  // namespace

std::string CanonicalText(const Service& s) {
  std::string out;
  Put(out, "name", s.name);
  PutList(out, "entrypoint", s.entrypoint);
  PutList(out, "command", s.command);
  PutList(out, "argv", s.argv);
  for (const auto& [key, value] : s.environment) Put(out, value ? "env" : "unset", key + "=" + value.value_or(""));
  Put(out, "working_dir", s.working_dir);
  if (s.user) {
    Put(out, "user", s.user->spec);
    Put(out, "uid", s.user->uid);
    Put(out, "gid", s.user->gid);
    for (gid_t g : s.user->groups) Put(out, "group", g);
    Put(out, "user_name", s.user->name);
    Put(out, "home", s.user->home);
  }
  for (const auto& d : s.depends_on) {
    Put(out, "depends_on", d.service);
    Put(out, "condition", static_cast<long long>(d.condition));
    Put(out, "required", d.required);
    Put(out, "restart", d.restart);
  }
  const Healthcheck& h = s.healthcheck;
  Put(out, "health", static_cast<long long>(h.kind));
  PutList(out, "health_exec", h.exec_argv);
  Put(out, "health_tcp", h.tcp_host + ":" + std::to_string(h.tcp_port));
  Put(out, "health_http", h.http_url);
  Put(out, "health_log", h.log_regex);
  for (auto d : {h.interval, h.timeout, h.start_period, h.start_interval})
    Put(out, "health_time", d.count());
  Put(out, "health_retries", h.retries);
  Put(out, "restart", static_cast<long long>(s.restart.mode));
  Put(out, "max_retries", s.restart.max_retries);
  for (auto d : {s.backoff.initial, s.backoff.max, s.backoff.reset_after})
    Put(out, "backoff", d.count());
  char factor[32];
  std::snprintf(factor, sizeof factor, "%.17g", s.backoff.factor);
  Put(out, "backoff_factor", factor);
  Put(out, "stop_signal", s.stop_signal);
  Put(out, "stop_grace_period", s.stop_grace_period.count());
  PutList(out, "profiles", s.profiles);
  Put(out, "image", s.engine.image);
  PutList(out, "ports", s.engine.ports);
  PutList(out, "volumes", s.engine.volumes);
  PutList(out, "ignored", s.engine.ignored);
  const ContainerView& c = s.container;
  Put(out, "container", c.enabled);
  Put(out, "mounts", static_cast<long long>(c.mounts.size()));
  for (const Mount& m : c.mounts) {
    Put(out, "mount_kind", static_cast<long long>(m.kind));
    Put(out, "mount_source", m.source);
    Put(out, "mount_target", m.target);
    Put(out, "mount_ro", m.read_only);
    Put(out, "mount_volume", m.volume);
    Put(out, "mount_tmpfs", m.tmpfs_options);
    Put(out, "mount_create", m.create_source);
  }
  PutList(out, "hosts", c.hosts);
  Put(out, "hostname", c.hostname);
  PutList(out, "passwd", c.passwd);
  PutList(out, "group", c.group);
  PutList(out, "touched", c.touched);
  Put(out, "container_image", c.image);
  for (const auto* hooks : {&s.post_start, &s.pre_stop}) {
    Put(out, hooks == &s.post_start ? "post_start" : "pre_stop",
        static_cast<long long>(hooks->size()));
    for (const Hook& h : *hooks) {
      PutList(out, "hook_command", h.command);
      Put(out, "hook_user", h.user ? h.user->spec + ":" + std::to_string(h.user->uid) : "");
      Put(out, "hook_working_dir", h.working_dir.value_or(""));
      PutList(out, "hook_env", h.environment);
      Put(out, "hook_privileged", h.privileged);
    }
  }
  Put(out, "sockets", static_cast<long long>(s.sockets.size()));
  for (const Socket& k : s.sockets) {
    Put(out, "socket", k.address);
    Put(out, "socket_name", k.name);
    Put(out, "socket_backlog", k.backlog);
    Put(out, "socket_mode", static_cast<long long>(k.mode));
  }
  Put(out, "watch", static_cast<long long>(s.watch.size()));
  for (const WatchRule& w : s.watch) {
    Put(out, "watch_path", w.path);
    Put(out, "watch_action", static_cast<long long>(w.action));
    Put(out, "watch_target", w.target);
    PutList(out, "watch_ignore", w.ignore);
    PutList(out, "watch_include", w.include);
  }
  Put(out, "ports_bound", static_cast<long long>(s.ports.size()));
  for (const Port& p : s.ports) {
    Put(out, "port", p.port);
    Put(out, "port_protocol", p.protocol);
    Put(out, "port_published", p.published ? static_cast<long long>(*p.published) : -1);
    Put(out, "port_host_ip", p.host_ip);
    if (p.exposed_only) Put(out, "port_exposed_only", 1LL);  // absent: earlier hashes hold
  }
  Put(out, "replica_of", s.replica_of);
  Put(out, "replica", s.replica);
  Put(out, "replicas", s.replicas);
  return out;
}

std::string ServiceHash(const Service& service) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : CanonicalText(service)) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return hex;
}

bool SameDefinition(const Service& a, const Service& b) {
  Service moved = b;
  moved.pos = a.pos;
  // A socket or port remembers where it was written, for messages; that is not part of what it is.
  for (size_t i = 0; i < moved.sockets.size() && i < a.sockets.size(); ++i)
    moved.sockets[i].pos = a.sockets[i].pos;
  for (size_t i = 0; i < moved.ports.size() && i < a.ports.size(); ++i)
    moved.ports[i].pos = a.ports[i].pos;
  for (size_t i = 0; i < moved.container.mounts.size() && i < a.container.mounts.size(); ++i)
    moved.container.mounts[i].pos = a.container.mounts[i].pos;
  // The other services' names in its /etc/hosts are the stack's, not the service's: adding or
  // removing one rewrites the file in place (Supervisor::Commit) instead of restarting it.
  moved.container.hosts = a.container.hosts;
  // Scaling a group keeps the replicas that stay, as compose keeps their containers: the count
  // they were started with (STACKVISOR_REPLICAS) is not a change of them.
  if (!a.replica_of.empty() && a.replica_of == b.replica_of) {
    moved.replicas = a.replicas;
    auto count = a.environment.find("STACKVISOR_REPLICAS");
    if (count != a.environment.end()) moved.environment[count->first] = count->second;
  }
  return a == moved;
}

}  // namespace stackvisor::config
