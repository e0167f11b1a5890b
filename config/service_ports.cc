// `ports:` and `expose:`: each service's ports merged into Service::ports, then the clashes
// that would make a second process fail to bind once the first had started.
#include <map>

#include "config/port_spec.h"
#include "config/service_builder.h"

namespace stackvisor::config {
namespace {

const std::vector<std::string> kLongPortKeys = {"target", "published", "host_ip", "protocol",
                                                "mode", "app_protocol", "name"};

// Where each port of a service was written, by position, for the clash messages' key paths.
using PortPaths = std::map<std::pair<int, int>, std::string>;

void Add(std::vector<Port>& found, const SourcePos& pos, const std::string& path,
         std::vector<Port>& ports, PortPaths& paths) {
  for (Port& p : found) {
    p.pos = pos;
    MergePort(ports, p);
  }
  paths[{pos.line, pos.column}] = path;
}

// Long syntax {target, published, host_ip, protocol, mode, ...}, read into the short one's form.
std::optional<std::string> LongPortSpec(const Node& item, const std::string& path, Reporter& r) {
  std::string target, published, host_ip, protocol;
  bool ok = true;
  for (const auto& e : item.entries) {
    const std::string key_path = path + "." + e.key;
    if (e.key == "target" || e.key == "published" || e.key == "host_ip" ||
        e.key == "protocol" || e.key == "app_protocol" || e.key == "name") {
      auto text = ReadString(e.value, key_path, r);
      if (!text) ok = false;
      else if (e.key == "target") target = *text;
      else if (e.key == "published") published = *text;
      else if (e.key == "host_ip") host_ip = *text;
      else if (e.key == "protocol") protocol = *text;
    } else if (e.key == "mode") {
      // host or ingress (swarm's routing mesh): either way the process binds the host port.
      if (!e.value.IsScalar() || (e.value.value != "host" && e.value.value != "ingress")) {
        r.Expected(e.value, key_path, "host or ingress");
        ok = false;
      }
    } else if (e.key.rfind("x-", 0) != 0) {
      r.Error(e.key_pos, key_path, "unknown key" + DidYouMean(e.key, kLongPortKeys));
      ok = false;
    }
  }
  if (target.empty()) {
    r.Error(item, path, "missing 'target': the container port");
    return std::nullopt;
  }
  if (!ok) return std::nullopt;
  std::string spec;
  if (!host_ip.empty()) spec += (host_ip.find(':') != std::string::npos ? "[" + host_ip + "]" : host_ip) + ":";
  if (!published.empty() || !host_ip.empty()) spec += published + ":";
  spec += target;
  if (!protocol.empty()) spec += "/" + protocol;
  return spec;
}

void ReadPorts(const Node& node, const std::string& path, bool expose, Service& s,
               PortPaths& paths, Reporter& r) {
  if (node.IsNull()) return;
  if (!node.IsSequence())
    return r.Expected(node, path, expose ? "a list of container ports such as 8000"
                                         : "a list of port mappings such as \"8000:80\"");
  for (size_t i = 0; i < node.items.size(); ++i) {
    const Node& item = node.items[i];
    const std::string item_path = path + "[" + std::to_string(i) + "]";
    std::optional<std::string> spec;
    if (item.IsScalar()) spec = item.value;
    else if (item.IsMap() && !expose) spec = LongPortSpec(item, item_path, r);
    else {
      r.Expected(item, item_path,
                 expose ? "a container port such as 8000"
                        : "a port mapping such as \"8000:80\" or a mapping with 'target'");
      continue;
    }
    if (!spec) continue;
    std::vector<Port> found;
    if (auto why = expose ? ParseExposeSpec(*spec, found) : ParsePortSpec(*spec, found))
      r.Expected(item, item_path, *why);
    else
      Add(found, item.pos, item_path, s.ports, paths);
  }
}

// What one active service binds: its ports, and the TCP ports of the sockets stackvisor
// opens for it (which its processes share).
struct Bind {
  uint16_t port = 0;
  std::string protocol;
  std::string host;  // empty, 0.0.0.0 or :: mean every address
  SourcePos pos;
  std::string path;
  bool socket = false;
  bool exposed_only = false;  // a Dockerfile's EXPOSE only (Port::exposed_only)
};

bool Wildcard(const std::string& host) { return host.empty() || host == "0.0.0.0" || host == "::"; }

bool Overlap(const Bind& a, const Bind& b) {
  return a.port == b.port && a.protocol == b.protocol &&
         (Wildcard(a.host) || Wildcard(b.host) || a.host == b.host);
}

std::string Where(const SourcePos& pos) {
  if (pos.file.empty()) return "";
  return " (" + pos.file + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) + ")";
}

std::vector<Bind> Binds(const Service& s, const PortPaths& paths) {
  std::vector<Bind> out;
  for (const Port& p : s.ports) {
    auto it = paths.find({p.pos.line, p.pos.column});
    // The host IP `ports:` gives is the best guess of where the process binds; none (the
    // usual case) means every address, as a container's server listens on 0.0.0.0.
    Bind b{p.port, p.protocol, p.host_ip, p.pos,
           it != paths.end() ? it->second : "services." + s.name, false, p.exposed_only};
    // 8000:80 and 8001:80 are one bind of 80: one entry.
    bool seen = false;
    for (const Bind& have : out) seen = seen || (have.port == b.port && have.protocol == b.protocol);
    if (!seen) out.push_back(std::move(b));
  }
  for (size_t i = 0; i < s.sockets.size(); ++i) {
    const Socket& k = s.sockets[i];
    if (k.kind != Socket::Kind::kTcp) continue;
    out.push_back({k.port, "tcp", k.host, k.pos,
                   "services." + s.name + ".sockets[" + std::to_string(i) + "]", true, false});
  }
  return out;
}

// A port the service's own socket covers is opened once by stackvisor, for every replica.
bool SharedBySocket(const Bind& port, const std::vector<Bind>& binds) {
  for (const Bind& b : binds)
    if (b.socket && b.port == port.port && b.protocol == port.protocol) return true;
  return false;
}

void CheckReplicated(const Service& s, const std::vector<Bind>& binds, int count, Reporter& r) {
  for (const Bind& b : binds) {
    if (b.socket || b.exposed_only || SharedBySocket(b, binds)) continue;
    const std::string port = std::to_string(b.port) + "/" + b.protocol;
    r.Error(b.pos, b.path,
            std::to_string(count) + " replicas of " + Quote(s.name) + " would each bind " + port +
                " on the host (there is no network namespace): " + s.name + "-2 would fail with "
                "'address already in use' (compose refuses this too: 'port is already "
                "allocated'); open the port once for every replica with x-stackvisor.sockets "
                "[\"0.0.0.0:" + std::to_string(b.port) + "\"], or run one replica");
  }
}

}  // namespace

void ApplyPorts(const Node& services, std::vector<ServiceDraft>& drafts,
                const std::map<std::string, ReplicaCount>& counts, Reporter& r) {
  std::vector<PortPaths> paths(drafts.size());
  for (size_t i = 0; i < drafts.size(); ++i) {
    Service& s = drafts[i].service;
    const Node* tree = DraftTree(services, drafts, i);
    if (tree == nullptr || !tree->IsMap()) continue;
    const std::string path = "services." + s.name;
    if (const Node* ports = tree->Get("ports")) ReadPorts(*ports, path + ".ports", false, s, paths[i], r);
    if (const Node* expose = tree->Get("expose")) ReadPorts(*expose, path + ".expose", true, s, paths[i], r);
  }
  // One port, one process: the second bind would fail at its start, after the first began.
  // By port and protocol, the only binds that can overlap; each list in the services' order.
  std::map<std::pair<uint16_t, std::string>, std::vector<std::pair<const Service*, Bind>>> taken;
  for (size_t i = 0; i < drafts.size(); ++i) {
    if (!drafts[i].active) continue;
    const Service& s = drafts[i].service;
    auto count = counts.find(s.name);
    const int replicas = count == counts.end() ? 1 : count->second.count;
    if (replicas == 0) continue;  // scaled to 0: nothing binds
    const std::vector<Bind> binds = Binds(s, paths[i]);
    if (replicas > 1) CheckReplicated(s, binds, replicas, r);
    for (const Bind& b : binds) {
      auto& same_port = taken[{b.port, b.protocol}];
      for (const auto& [other, have] : same_port) {
        if (other == &s || !Overlap(b, have) || (b.socket && have.socket)) continue;
        const std::string port = std::to_string(b.port) + "/" + b.protocol;
        if (b.exposed_only || have.exposed_only) {
          // EXPOSE publishes nothing and the command may well listen elsewhere: only say it.
          const std::string& exposer = b.exposed_only ? s.name : other->name;
          r.Warning(b.pos, b.path,
                    port + " is also a port of service " + other->name + Where(have.pos) +
                        "; " + exposer + "'s Dockerfile only EXPOSEs it, which binds nothing: if both listen on " +
                        port + ", the second fails to bind (there is no network namespace)");
          break;
        }
        r.Error(b.pos, b.path,
                port + " is also a port of service " + other->name + Where(have.pos) + ": " +
                    other->name + " and " + s.name + " would both bind " + port +
                    " on the host (there is no network namespace to keep them apart); give "
                    "one of them another port");
        break;
      }
      same_port.emplace_back(&s, b);
    }
  }
}

}  // namespace stackvisor::config
