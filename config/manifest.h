#pragma once
// The validated, immutable model of a stack: plain value types, no YAML, no libuv. Everything
// downstream (supervisor, probes, spawner) reads only these.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace stackvisor::config {

using Duration = std::chrono::milliseconds;
using namespace std::chrono_literals;

/// Where a value came from, for messages that point back at the manifest.
struct SourcePos {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based

  bool operator==(const SourcePos&) const = default;
};

enum class RestartMode { kNo, kAlways, kOnFailure, kUnlessStopped };

struct RestartPolicy {
  RestartMode mode = RestartMode::kNo;
  int max_retries = 0;  // on-failure:N; 0 = unlimited

  bool operator==(const RestartPolicy&) const = default;
};

/// Restart delay: initial, doubled (factor) per consecutive restart up to max; the count
/// resets once the service stayed up reset_after.
struct Backoff {
  Duration initial = 100ms;
  Duration max = 30000ms;
  double factor = 2.0;
  Duration reset_after = 10000ms;

  bool operator==(const Backoff&) const = default;
};

enum class DependCondition { kStarted, kHealthy, kCompletedSuccessfully };

struct Dependency {
  std::string service;
  DependCondition condition = DependCondition::kStarted;
  bool required = true;
  bool restart = false;

  bool operator==(const Dependency&) const = default;
};

enum class ProbeKind { kNone, kExec, kTcp, kHttp, kLog, kNotify };

struct Healthcheck {
  ProbeKind kind = ProbeKind::kNone;
  std::vector<std::string> exec_argv;  // kExec: [CMD, ...] argv, or {"/bin/sh", "-c", cmd}
  std::string tcp_host;                // kTcp
  uint16_t tcp_port = 0;
  std::string http_url;                // kHttp: http://host:port/path
  std::string log_regex;               // kLog: ECMAScript regex, searched in each line
  Duration interval = 30000ms;
  Duration timeout = 30000ms;
  Duration start_period = 90000ms;     // default: interval x retries, as compose would wait
  Duration start_interval = 100ms;
  int retries = 3;

  bool operator==(const Healthcheck&) const = default;
};

/// A resolved `user:`; ids looked up at load time so the child never calls getpwnam.
struct User {
  std::string spec;  // as written: "postgres", "1000", "postgres:postgres"
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary groups (getgrouplist), including gid
  std::string name;           // may be empty for a bare uid without passwd entry
  std::string home;

  bool operator==(const User&) const = default;
};

/// The container-engine keys `up` ignores (with a warning), kept as written so `stackvisor
/// export` can carry them to engines that use them (Kubernetes, Nomad) or say it dropped them.
struct EngineKeys {
  std::string image;                 // `image:`
  std::vector<std::string> ports;    // short syntax "[[IP:]PUBLISHED:]TARGET[/PROTO]"
  std::vector<std::string> volumes;  // short syntax "SOURCE:TARGET[:MODE]" or "TARGET"
  std::vector<std::string> ignored;  // every other docker-only key present, in file order

  bool operator==(const EngineKeys&) const = default;
};

/// One compose lifecycle hook (post_start, pre_stop): a command run as the service's process
/// is (its environment, user and directory) unless the hook says otherwise.
struct Hook {
  std::vector<std::string> command;        // as split; never empty once valid
  std::optional<User> user;                // unset: the service's
  std::optional<std::string> working_dir;  // absolute; unset: the service's
  std::vector<std::string> environment;    // KEY=VALUE over the service's
  bool privileged = false;                 // accepted; a native process has nothing to grant

  bool operator==(const Hook&) const = default;
};

/// A listening socket stackvisor opens for a service before its first start and passes to every
/// process of it with the systemd protocol (`x-stackvisor.sockets`): the i-th socket is fd 3+i,
/// with LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES set. It outlives each process, so a restart
/// leaves connections waiting in the kernel's backlog instead of refused.
struct Socket {
  enum class Kind { kTcp, kUnix };
  /// At most this many per service (procs::kMaxListenFds: the spawner's fd slots).
  static constexpr size_t kMaxPerService = 16;
  /// listen()'s default backlog; the kernel caps it at net.core.somaxconn (4096 on Debian 12).
  static constexpr int kDefaultBacklog = 4096;

  Kind kind = Kind::kTcp;
  std::string address;  // as written ("127.0.0.1:8000", "unix:run/web.sock"), for messages
  std::string host;     // kTcp: an IPv4 or IPv6 address literal
  uint16_t port = 0;    // kTcp
  std::string path;     // kUnix: absolute (relative ones are resolved against the project)
  std::string name;     // its LISTEN_FDNAMES entry; the service's name unless given
  int backlog = kDefaultBacklog;
  mode_t mode = 0600;   // kUnix: the socket file's mode; owned by the service's user
  SourcePos pos;

  bool operator==(const Socket&) const = default;
};

/// What a develop.watch rule does with a change (compose's `action`). There are no images or
/// containers: `rebuild` restarts, and `sync` copies into a host directory.
enum class WatchAction { kSync, kRestart, kSyncRestart, kRebuild, kSyncExec };

/// One develop.watch rule: a change below `path` that passes `include` and `ignore` leads to
/// `action` for the service that declares it (stackvisor watch, up --watch).
struct WatchRule {
  std::string path;     // absolute: a directory (watched recursively) or one file
  WatchAction action = WatchAction::kRestart;
  std::string target;   // absolute, inside the project directory; empty: nothing is synced
  std::vector<std::string> ignore;   // .dockerignore patterns, relative to path
  std::vector<std::string> include;  // the same syntax; empty: everything not ignored

  bool operator==(const WatchRule&) const = default;
};

/// One path a service sees at a container path: a compose volume or tmpfs, a file a Dockerfile
/// COPY/ADD puts in its image, a file a recipe supplies (the nginx image's own nginx.conf).
struct Mount {
  enum class Kind { kBind, kVolume, kTmpfs, kSymlink };
  Kind kind = Kind::kBind;
  // kBind: an absolute host path, a file or a directory; kVolume: the named (or anonymous)
  // volume's absolute directory in the project's state directory; kSymlink: the link's text;
  // kTmpfs: empty.
  std::string source;
  std::string target;         // an absolute container path
  bool read_only = false;
  std::string volume;         // kVolume: the volume's name; empty for an anonymous one
  std::string tmpfs_options;  // kTmpfs: mount data such as "size=64m,mode=1777"; may be empty
  bool create_source = true;  // kBind: a missing source is created, as Docker does (unless
                              // bind.create_host_path: false, when it is an error before start)
  SourcePos pos;              // where it was written (a volumes item, a COPY line, a recipe)

  bool operator==(const Mount&) const = default;
};

/// What a container would have shown the service, reproduced for a native process: its image's
/// files and volumes at their container paths and the stack's service names in /etc/hosts, in
/// a private mount namespace (procs/). Not enabled: the service sees the host as it is.
struct ContainerView {
  bool enabled = false;
  std::vector<Mount> mounts;        // applied in order: image content first, then volumes
  std::vector<std::string> hosts;   // lines added to /etc/hosts ("127.0.0.1 db web ...")
  std::string hostname;             // its own host name (hostname:, else the service name)
  // The other names the stack's views resolve it by: hostname:, container_name, network
  // aliases (set for every service, view or not). The API shows them, so that `run` of a
  // service the stack does not have resolves them as `up`'s views do.
  std::vector<std::string> aliases;
  std::vector<std::string> passwd;  // lines added to /etc/passwd: image users mapped to host ids
  std::vector<std::string> group;   // lines added to /etc/group
  // Empty files a Dockerfile's `RUN touch` made (container paths): each one the service's own,
  // emptied at every start and bound read-write, since the RUN's `chown` to the image user is
  // not replayed and the service writes them (an nginx-unprivileged run.sh's envsubst).
  std::vector<std::string> touched;
  std::string image;                // the image it reproduces, for messages only; may be empty

  bool operator==(const ContainerView&) const = default;
};

/// A port a service listens on. There is no network namespace: the process binds its container
/// port on the host, and a published port of `ports:` is only reported.
struct Port {
  uint16_t port = 0;                  // the container port: what the process binds
  std::string protocol = "tcp";
  std::optional<uint16_t> published;  // the host side of `ports:`, when given
  std::string host_ip;                // `ports:`' host IP, when given
  // Only a Dockerfile's EXPOSE names it: that publishes nothing and the command may listen
  // elsewhere, so it is shown but neither a clash nor checked before start (docs/ports.md).
  bool exposed_only = false;
  SourcePos pos;

  bool operator==(const Port&) const = default;
};

struct Service {
  std::string name;
  std::vector<std::string> entrypoint;  // as split; may be empty
  std::vector<std::string> command;     // as split; may be empty
  std::vector<std::string> argv;        // entrypoint + command; never empty once valid
  // What the service adds to stackvisor's own environment: env_files in order, then
  // `environment`. A key mapped to std::nullopt is removed (a bare unresolved `KEY`).
  std::map<std::string, std::optional<std::string>> environment;
  std::string working_dir;  // absolute; the project directory when not set
  std::optional<User> user;
  std::vector<Dependency> depends_on;
  Healthcheck healthcheck;
  RestartPolicy restart;
  Backoff backoff;
  int stop_signal = 15;  // SIGTERM
  Duration stop_grace_period = 10000ms;
  std::vector<std::string> profiles;
  std::vector<Hook> post_start;  // run after the process started, in order
  std::vector<Hook> pre_stop;    // run before the stop signal, within the grace period
  EngineKeys engine;
  std::vector<Socket> sockets;  // x-stackvisor.sockets, in fd order (fd 3 first)
  std::vector<WatchRule> watch;  // develop.watch, in file order
  ContainerView container;       // image:/build:, volumes, service names (issue 12)
  std::vector<Port> ports;       // ports:, expose: and the image's default ports
  SourcePos pos;  // the service's key
  // Replicas (config/replicas.h): `web` scaled to 3 is the services web-1..web-3, each with
  // replica_of "web", its replica index 1..3 and replicas 3. A service whose count was never
  // given has replica_of empty and 0, 0; one given a count of 1 keeps its name and has 1, 1.
  std::string replica_of;
  int replica = 0;
  int replicas = 0;

  bool operator==(const Service&) const = default;
};

struct Manifest {
  std::string name;               // project name
  std::string project_directory;  // absolute
  std::vector<std::string> files;  // in merge order, absolute
  std::vector<Service> services;   // active services only (profiles applied), in file order

  const Service* Find(const std::string& name) const {
    for (const auto& s : services)
      if (s.name == name) return &s;
    return nullptr;
  }

  bool operator==(const Manifest&) const = default;
};

}  // namespace stackvisor::config
