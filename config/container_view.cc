// The container view of a service (Service::container): compose's volumes, tmpfs and
// top-level volumes become mounts at container paths, and the stack's service names (with
// hostname, container_name, links, extra_hosts and network aliases) lines of its /etc/hosts.
// Runs after the image step, so its mounts come after the image's content.
#include <algorithm>
#include <filesystem>
#include <set>

#include "config/path_join.h"
#include "config/load_steps.h"
#include "config/state_home.h"
#include "config/volume_spec.h"

namespace stackvisor::config {
namespace {

namespace fs = std::filesystem;

// Keys that give a service a private view; without any, it sees the host exactly as before.
constexpr const char* kViewKeys[] = {"volumes", "tmpfs", "hostname", "container_name",
                                     "links", "extra_hosts", "networks"};

std::string Field(const Node& map, std::string_view key) {
  const Node* n = map.Get(key);
  return n != nullptr && n->IsScalar() ? n->value : std::string();
}

struct TopVolume {
  std::string directory;  // absolute
  bool external = false;
  std::string bind_device;  // driver_opts {type: none, o: bind, device}: a host directory
};

/// The top-level `volumes:` as directories: each name under <state home>/<project>/volumes,
/// kept across runs; an external one under <state home>/volumes, never created by us.
class Volumes {
 public:
  Volumes(const Node* top, const std::string& project, const BuildContext& context, Reporter& r)
      : context_(context) {
    auto home = context.variables.find(kStateHomeVariable);
    state_home_ = home != context.variables.end() ? home->second : context.project_directory;
    root_ = (fs::path(state_home_) / project / "volumes").string();
    if (top == nullptr || top->IsNull()) return;
    if (!top->IsMap()) {
      r.Expected(*top, "volumes", "a mapping of volume names");
      return;
    }
    std::vector<std::string> ignored;
    for (const auto& e : top->entries) {
      TopVolume v;
      std::string name = e.key;
      if (e.value.IsMap()) {
        if (!Field(e.value, "name").empty()) name = Field(e.value, "name");
        const std::string ext = Field(e.value, "external");
        v.external = ext == "true" || ext == "yes";
        if (const Node* opts = e.value.Get("driver_opts"); opts && opts->IsMap() &&
            Field(*opts, "o").find("bind") != std::string::npos && !Field(*opts, "device").empty())
          v.bind_device = HostPath(Field(*opts, "device"));
        for (const char* key : {"driver", "driver_opts", "labels"})
          if (e.value.Get(key) && !(std::string(key) == "driver_opts" && !v.bind_device.empty()))
            ignored.push_back("volumes." + e.key + "." + key);
      } else if (!e.value.IsNull()) {
        r.Expected(e.value, "volumes." + e.key, "a mapping (or nothing)");
        continue;
      }
      v.directory = v.external ? (fs::path(state_home_) / "volumes" / name).string()
                               : (fs::path(root_) / name).string();
      declared_[e.key] = v;
      pos_[e.key] = e.key_pos;
    }
    if (!ignored.empty())
      r.Warning(top->pos, "volumes",
                "ignored: " + ignored.front() +
                    (ignored.size() > 1 ? " and " + std::to_string(ignored.size() - 1) + " more"
                                        : "") +
                    " (a volume here is a directory; drivers are docker's)");
  }

  const TopVolume* Find(const std::string& name) const {
    auto it = declared_.find(name);
    return it == declared_.end() ? nullptr : &it->second;
  }
  // Reported once, when a service uses it: an unused external volume may be absent.
  bool CheckExternal(const std::string& name, const SourcePos& at, const std::string& path,
                     Reporter& r) {
    const TopVolume* v = Find(name);
    if (!v || !v->external || checked_.count(name)) return true;
    checked_.insert(name);
    std::error_code ec;
    if (fs::is_directory(v->directory, ec)) return true;
    r.Error(at, path,
            "volume '" + name + "' is external: it is the directory " + v->directory +
                ", which does not exist (stackvisor never creates an external volume; "
                "create it, or drop 'external: true')");
    return false;
  }

  std::string HostPath(const std::string& raw) const {
    std::string path = raw;
    if (path == "~" || path.rfind("~/", 0) == 0) {
      auto home = context_.variables.find("HOME");
      path = (home != context_.variables.end() ? home->second : "") + path.substr(1);
    }
    return JoinPath(context_.project_directory, path);
  }
  const std::string& root() const { return root_; }

 private:
  const BuildContext& context_;
  std::string state_home_, root_;
  std::map<std::string, TopVolume> declared_;
  std::map<std::string, SourcePos> pos_;
  std::set<std::string> checked_;
};

void ReadMounts(const Node& list, const std::string& path, bool tmpfs_key, Volumes& volumes,
                ContainerView& view, Reporter& r) {
  std::vector<const Node*> items;
  if (list.IsSequence())
    for (const auto& item : list.items) items.push_back(&item);
  else if (tmpfs_key && list.IsScalar())
    items.push_back(&list);
  else if (!list.IsNull())
    r.Expected(list, path, tmpfs_key ? "a path or a list of paths" : "a list of volumes");
  for (const Node* item : items) {
    base::Result<VolumeSpec> spec =
        tmpfs_key ? (item->IsScalar() ? ParseTmpfsItem(item->value)
                                      : base::Result<VolumeSpec>(base::Error{"expected a path"}))
                  : (item->IsScalar() ? ParseVolumeShort(item->value) : ParseVolumeLong(*item));
    if (!spec.ok()) {
      r.Error(*item, path, spec.error().message);
      continue;
    }
    const VolumeSpec& v = spec.value();
    Mount m;
    m.target = v.target;
    m.read_only = v.read_only;
    m.pos = item->pos;
    if (v.type == VolumeSpec::Type::kTmpfs) {
      m.kind = Mount::Kind::kTmpfs;
      m.tmpfs_options = v.tmpfs_options;
    } else if (v.type == VolumeSpec::Type::kBind) {
      m.kind = Mount::Kind::kBind;
      m.source = volumes.HostPath(v.source);
      m.create_source = v.create_host_path;
    } else if (v.source.empty()) {
      m.kind = Mount::Kind::kVolume;  // anonymous: its directory is named once replicas are
    } else {
      const TopVolume* top = volumes.Find(v.source);
      if (top == nullptr) {
        r.Error(*item, path,
                "volume '" + v.source + "' is not declared in the top-level 'volumes' (a "
                "host path starts with '/', './' or '~')");
        continue;
      }
      if (!volumes.CheckExternal(v.source, item->pos, path, r)) continue;
      m.kind = top->bind_device.empty() ? Mount::Kind::kVolume : Mount::Kind::kBind;
      m.source = top->bind_device.empty() ? top->directory : top->bind_device;
      m.volume = v.source;
    }
    view.mounts.push_back(std::move(m));
  }
}

std::vector<std::string> Scalars(const Node* list) {
  std::vector<std::string> out;
  if (list && list->IsSequence())
    for (const auto& i : list->items)
      if (i.IsScalar()) out.push_back(i.value);
  return out;
}

}  // namespace

ContainerNames ApplyContainerViews(const Node& services, const Node* top_volumes,
                                   const std::string& project, std::vector<ServiceDraft>& drafts,
                                   const BuildContext& context, Reporter& r) {
  Volumes volumes(top_volumes, project, context, r);
  ContainerNames names;
  names.volumes_root = volumes.root();
  for (size_t i = 0; i < drafts.size(); ++i) {
    ServiceDraft& d = drafts[i];
    if (!d.active) continue;
    Service& s = d.service;
    const Node* tree = DraftTree(services, drafts, i);
    if (tree == nullptr || !tree->IsMap()) continue;
    const std::string path = "services." + s.name;
    ContainerView& view = s.container;
    for (const char* key : kViewKeys)
      if (tree->Get(key)) view.enabled = true;
    const size_t image_mounts = view.mounts.size();  // the image step ran first
    if (const Node* v = tree->Get("volumes")) ReadMounts(*v, path + ".volumes", false, volumes, view, r);
    if (const Node* t = tree->Get("tmpfs")) ReadMounts(*t, path + ".tmpfs", true, volumes, view, r);
    HideImageContent(view.mounts, image_mounts);
    std::vector<std::string> own;
    if (!Field(*tree, "hostname").empty()) {
      view.hostname = Field(*tree, "hostname");
      own.push_back(view.hostname);
    }
    if (!Field(*tree, "container_name").empty()) own.push_back(Field(*tree, "container_name"));
    if (const Node* nets = tree->Get("networks"); nets && nets->IsMap())
      for (const auto& n : nets->entries)
        if (n.value.IsMap())
          for (const auto& alias : Scalars(n.value.Get("aliases"))) own.push_back(alias);
    std::vector<std::string> extra;
    for (const auto& link : Scalars(tree->Get("links"))) {
      const size_t colon = link.find(':');
      extra.push_back("127.0.0.1\t" + (colon == std::string::npos ? link : link.substr(colon + 1)));
      // A link is also a dependency (compose starts the linked service first and stops it
      // after): seed 000's channels links redis and must not outlive it at a stop.
      const std::string target = link.substr(0, colon);
      const bool declared = std::any_of(s.depends_on.begin(), s.depends_on.end(),
                                        [&](const Dependency& dep) { return dep.service == target; });
      if (!declared && target != s.name && services.Get(target) != nullptr) {
        s.depends_on.push_back(Dependency{target, DependCondition::kStarted, true, false});
        d.dependency_pos[target] = tree->Get("links")->pos;
      }
    }
    if (const Node* hosts = tree->Get("extra_hosts")) {
      std::vector<std::pair<std::string, std::string>> pairs;
      if (hosts->IsMap()) {
        for (const auto& e : hosts->entries) pairs.emplace_back(e.key, e.value.value);
      } else {
        for (const auto& item : Scalars(hosts)) {
          size_t sep = item.find('=');
          if (sep == std::string::npos) sep = item.find(':');
          if (sep == std::string::npos || sep == 0 || sep + 1 == item.size()) {
            r.Error(*hosts, path + ".extra_hosts", "expected NAME:IP or NAME=IP, got '" + item + "'");
            continue;
          }
          pairs.emplace_back(item.substr(0, sep), item.substr(sep + 1));
        }
      }
      for (auto& [name, ip] : pairs) {
        if (ip.size() > 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
        // docker's special name: the host itself, which a native process already is
        if (ip == "host-gateway") ip = "127.0.0.1";
        extra.push_back(ip + "\t" + name);
      }
    }
    if (!own.empty()) names.aliases[s.name] = std::move(own);
    if (!extra.empty()) names.extra[s.name] = std::move(extra);
  }
  return names;
}

void FinishContainerViews(std::vector<Service>& services, const ContainerNames& names) {
  for (auto& s : services)
    if (auto it = names.aliases.find(s.replica_of.empty() ? s.name : s.replica_of);
        it != names.aliases.end())
      s.container.aliases = it->second;
  if (std::none_of(services.begin(), services.end(),
                   [](const Service& s) { return s.container.enabled; }))
    return;  // the common case: no view, nothing to list
  std::vector<std::string> stack;  // every active service's names, replicas and aliases
  std::set<std::string> seen;
  auto add = [&](const std::string& name) {
    if (seen.insert(name).second) stack.push_back(name);
  };
  for (const auto& s : services) {
    add(s.name);
    if (!s.replica_of.empty()) add(s.replica_of);
    const std::string& key = s.replica_of.empty() ? s.name : s.replica_of;
    if (auto it = names.aliases.find(key); it != names.aliases.end())
      for (const auto& alias : it->second) add(alias);
  }
  for (auto& s : services) {
    ContainerView& view = s.container;
    if (!view.enabled) continue;
    const std::string& key = s.replica_of.empty() ? s.name : s.replica_of;
    if (view.hostname.empty()) view.hostname = s.name;
    for (auto& m : view.mounts) {
      if (m.kind != Mount::Kind::kVolume || !m.source.empty()) continue;
      // An anonymous volume: one per service (each replica its own, as each container's).
      std::string leaf = m.target.substr(1);
      std::replace(leaf.begin(), leaf.end(), '/', '_');
      m.source = (fs::path(names.volumes_root) / "_anonymous" / s.name / leaf).string();
    }
    std::vector<std::string> lines;
    for (const auto& name : stack) lines.push_back("127.0.0.1\t" + name);
    if (!seen.count(view.hostname)) lines.push_back("127.0.0.1\t" + view.hostname);
    if (auto it = names.extra.find(key); it != names.extra.end())
      lines.insert(lines.end(), it->second.begin(), it->second.end());
    view.hosts.insert(view.hosts.end(), lines.begin(), lines.end());
  }
}

}  // namespace stackvisor::config
