// `extends`: a service built on another one, from the same model or from another file, with
// compose's rules (the extending service merged over its base, as a later -f file would be).
#include <filesystem>
#include <map>
#include <set>

#include "config/path_join.h"
#include "config/load_steps.h"

namespace stackvisor::config {
namespace {

namespace fs = std::filesystem;

/// A service to resolve: `file` empty means the model being loaded.
struct Ref {
  std::string file;  // absolute
  std::string name;
  bool operator==(const Ref&) const = default;
};

/// Extender resolves the services of one model for one ApplyExtends call. Other files are
/// read once each and kept (their services rebased to their own directory); each chain of
/// `extends` is followed with the refs on the way, so a cycle is reported where it closes.
class Extender {
 public:
  Extender(Node& model, const std::string& dir, const std::string& cwd, const Variables& vars,
           Reporter& r)
      : model_(model), dir_(dir), cwd_(cwd), vars_(vars), r_(r) {}

  void Run() {
    Node* services = model_.Get("services");
    if (!services || !services->IsMap()) return;
    for (auto& e : services->entries) {
      if (!e.value.IsMap() || !e.value.Get("extends")) continue;
      std::optional<Node> resolved;
      if (!in_cycle_.count(e.key)) {  // a cycle is reported once, from where it was entered
        std::vector<Ref> chain;
        resolved = Resolve({"", e.key}, e.value, chain);
      }
      if (resolved) {
        e.value = std::move(*resolved);
      } else {
        // Reported. The rest of the service is still checked, but what it would have
        // inherited (its command, most often) is not reported missing.
        Node failed;
        failed.tag = kFailedExtends;
        e.value.Set("extends", {}, std::move(failed));
      }
    }
  }

 private:
  std::string In(const std::string& file) const {
    return file.empty() ? "" : " in " + Quote(DisplayPath(file, cwd_));
  }

  std::string DirOf(const std::string& file) const {
    return file.empty() ? dir_ : fs::path(file).parent_path().string();
  }

  // The service with its extends applied, or nullopt when that failed (and was reported).
  std::optional<Node> Resolve(const Ref& ref, const Node& service, std::vector<Ref>& chain) {
    const Node* extends = service.IsMap() ? service.Get("extends") : nullptr;
    if (!extends) return service;
    const std::string path = "services." + ref.name + ".extends";
    for (size_t i = 0; i < chain.size(); ++i) {
      if (!(chain[i] == ref)) continue;
      std::string text;
      for (size_t j = i; j < chain.size(); ++j) {
        text += chain[j].name + " -> ";
        if (chain[j].file.empty()) in_cycle_.insert(chain[j].name);
      }
      r_.Error(*extends, path, "extends cycle: " + text + ref.name);
      return std::nullopt;
    }
    std::optional<Ref> target = Target(ref, *extends, path);
    if (!target) return std::nullopt;
    const Node* base = Find(*target, *extends, path);
    if (!base) return std::nullopt;
    chain.push_back(ref);
    std::optional<Node> resolved = Resolve(*target, *base, chain);
    chain.pop_back();
    if (!resolved) return std::nullopt;
    Node own = service;
    own.Erase("extends");
    MergeTree(*resolved, own);
    resolved->pos = service.pos;
    return resolved;
  }

  // Which service `extends` names: a name (same file), or {service, file}.
  std::optional<Ref> Target(const Ref& ref, const Node& extends, const std::string& path) {
    if (extends.IsScalar() && !extends.value.empty()) return Ref{ref.file, extends.value};
    if (!extends.IsMap()) {
      r_.Expected(extends, path, "a service name or {service, file}");
      return std::nullopt;
    }
    std::optional<std::string> name, file;
    bool ok = true;
    for (const auto& e : extends.entries) {
      if (e.key == "service") name = ReadString(e.value, path + ".service", r_);
      else if (e.key == "file") file = ReadString(e.value, path + ".file", r_);
      else {
        r_.Error(e.key_pos, path + "." + e.key,
                 "unknown key" + DidYouMean(e.key, {"service", "file"}));
        ok = false;
      }
    }
    if (!extends.Get("service")) {
      r_.Error(extends, path, "missing 'service': the name of the service to extend");
      return std::nullopt;
    }
    if (!ok || !name || (extends.Get("file") && !file)) return std::nullopt;
    if (!file) return Ref{ref.file, *name};
    return Ref{JoinPath(DirOf(ref.file), *file), *name};
  }

  const Node* Find(const Ref& target, const Node& extends, const std::string& path) {
    const Node* services = nullptr;
    if (target.file.empty()) {
      services = model_.Get("services");
    } else {
      const Node* file = extends.IsMap() ? extends.Get("file") : nullptr;
      const Node& tree = File(target.file, file ? *file : extends, path + ".file");
      if (tree.IsNull()) return nullptr;  // reported
      services = tree.Get("services");
    }
    const Node* service = services && services->IsMap() ? services->Get(target.name) : nullptr;
    if (service) return service;
    std::vector<std::string> names;
    if (services && services->IsMap())
      for (const auto& e : services->entries) names.push_back(e.key);
    const Node* at = extends.IsMap() ? extends.Get("service") : &extends;
    r_.Error(*at, extends.IsMap() ? path + ".service" : path,
             "no service " + Quote(target.name) + " to extend" + In(target.file) +
                 DidYouMean(target.name, names));
    return nullptr;
  }

  const Node& File(const std::string& absolute, const Node& at, const std::string& path) {
    auto it = files_.find(absolute);
    if (it != files_.end()) return it->second;
    Node tree = ReadTree(absolute, DisplayPath(absolute, cwd_), vars_, at.pos, path,
                         "extended file", r_);
    if (Node* services = tree.Get("services"); services && services->IsMap())
      for (auto& e : services->entries) RebaseServicePaths(e.value, DirOf(absolute));
    return files_.emplace(absolute, std::move(tree)).first->second;
  }

  Node& model_;
  const std::string& dir_;
  const std::string& cwd_;
  const Variables& vars_;
  Reporter& r_;
  std::map<std::string, Node> files_;  // extended files by absolute path
  std::set<std::string> in_cycle_;      // services of the model on a reported cycle
};

}  // namespace

void ApplyExtends(Node& model, const std::string& dir, const std::string& cwd,
                  const Variables& vars, Reporter& r) {
  Extender(model, dir, cwd, vars, r).Run();
}

}  // namespace stackvisor::config
