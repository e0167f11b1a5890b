// Manifest -> Kubernetes objects. A service becomes a Deployment (one replica); a one-shot
// others wait for (service_completed_successfully) becomes an init container of each pod that
// needs it, the one place Kubernetes orders a start after a completion. Services that publish
// ports get a Service named after them, so compose-style host names keep resolving.
#include <algorithm>
#include <set>

#include "config/loader.h"
#include "export/common.h"
#include "export/kubernetes_pod.h"

namespace stackvisor::exporter {
namespace {

using config::DependCondition;
using config::RestartMode;
using config::Service;
using namespace k8s;

Value Object(const char* api_version, const char* kind, const std::string& name) {
  Value o = Value::Map();
  o.Set("apiVersion", api_version);
  o.Set("kind", kind);
  o.Set("metadata", Value::Map()).Set("name", name);
  return o;
}

std::set<std::string> OneShots(const config::Manifest& m) {
  std::set<std::string> out;
  for (const auto& s : m.services)
    for (const auto& d : s.depends_on)
      if (d.condition == DependCondition::kCompletedSuccessfully) out.insert(d.service);
  return out;
}

class Builder {
 public:
  explicit Builder(const config::Manifest& m) : m_(m), oneshots_(OneShots(m)) {
    order_ = config::StartOrder(m);
  }

  Bundle Build() {
    for (const auto& s : m_.services) {
      NoteEngineKeys(s, true, unmapped_);
      NoteBackoff(s, "Kubernetes' own back-off (10s doubling to 5m) applies", unmapped_);
      NoteSockets(s, "Kubernetes", unmapped_);
      Environment(s);
      if (oneshots_.count(s.name) == 0) Deployment(s);
      Service(s);
    }
    // An init container's notes come once per pod that runs it: keep the first.
    std::vector<Unmapped> unique;
    for (auto& u : unmapped_)
      if (std::find(unique.begin(), unique.end(), u) == unique.end()) unique.push_back(u);
    unmapped_ = std::move(unique);
    Bundle b;
    std::string main = Header("kubernetes", m_, unmapped_) + kNotes;
    for (const auto& doc : docs_) main += "---\n" + doc.Yaml();
    b.files.push_back({m_.name + ".yaml", main, false});
    if (!secrets_.empty()) {
      std::string text = Header("kubernetes", m_, {}) +
                         "# The Secrets (mode 0600): `kubectl apply -f` this file first.\n";
      for (const auto& doc : secrets_) text += "---\n" + doc.Yaml();
      b.files.push_back({m_.name + "-secrets.yaml", text, true});
    }
    b.unmapped = std::move(unmapped_);
    return b;
  }

 private:
  static constexpr const char* kNotes =
      "# The containers run the manifest's native commands inside the named images: the\n"
      "# programs and paths must exist there. Apply the -secrets.yaml file first.\n";

  void Environment(const config::Service& s) {
    if (HasPlainEnv(s)) {
      Value cm = Object("v1", "ConfigMap", ObjectName(m_, s.name) + "-env");
      Value& data = cm.Set("data", Value::Map());
      for (const auto& [k, v] : s.environment)
        if (v && !IsSecretKey(k)) data.Set(k, *v);
      docs_.push_back(std::move(cm));
    }
    if (HasSecretEnv(s)) {
      Value secret = Object("v1", "Secret", ObjectName(m_, s.name) + "-env");
      secret.Set("type", "Opaque");
      Value& data = secret.Set("stringData", Value::Map());
      for (const auto& [k, v] : s.environment)
        if (v && IsSecretKey(k)) data.Set(k, *v);
      secrets_.push_back(std::move(secret));
    }
  }

  // The one-shots a service waits for, directly or through other one-shots, in start order.
  std::vector<const config::Service*> InitServices(const config::Service& s) const {
    std::set<std::string> needed;
    std::vector<const config::Service*> stack = {&s};
    while (!stack.empty()) {
      const config::Service* cur = stack.back();
      stack.pop_back();
      for (const auto& d : cur->depends_on) {
        if (d.condition != DependCondition::kCompletedSuccessfully) continue;
        if (needed.insert(d.service).second) stack.push_back(m_.Find(d.service));
      }
    }
    std::vector<const config::Service*> out;
    for (const auto& name : order_)
      if (needed.count(name) != 0) out.push_back(m_.Find(name));
    return out;
  }

  void Deployment(const config::Service& s) {
    Value d = Object("apps/v1", "Deployment", ObjectName(m_, s.name));
    d.Find("metadata")->Set("labels", Labels(m_, s));
    Value& spec = d.Set("spec", Value::Map());
    spec.Set("replicas", 1);
    spec.Set("selector", Value::Map()).Set("matchLabels", Labels(m_, s));
    Value& tmpl = spec.Set("template", Value::Map());
    tmpl.Set("metadata", Value::Map()).Set("labels", Labels(m_, s));
    Value& pod = tmpl.Set("spec", Value::Map());
    std::vector<std::string> volumes = NamedVolumes(s);
    const auto inits = InitServices(s);
    if (!inits.empty()) {
      Value& list = pod.Set("initContainers", Value::List());
      for (const auto* init : inits) {
        list.Push(Container(m_, *init, false, unmapped_));
        for (const auto& v : NamedVolumes(*init)) volumes.push_back(v);
      }
    }
    pod.Set("containers", Value::List()).Push(Container(m_, s, true, unmapped_));
    pod.Set("terminationGracePeriodSeconds", Seconds(s.stop_grace_period, 0));
    if (!volumes.empty()) {
      // A ReadWriteOnce claim cannot follow a rolling update onto a second pod.
      spec.Set("strategy", Value::Map()).Set("type", "Recreate");
      Value& list = pod.Set("volumes", Value::List());
      std::set<std::string> seen;
      for (const auto& v : volumes) {
        if (!seen.insert(v).second) continue;
        Value& vol = list.Push(Value::Map());
        vol.Set("name", DnsName(v));
        vol.Set("persistentVolumeClaim", Value::Map()).Set("claimName", ObjectName(m_, v));
        Claim(v);
      }
    }
    if (s.restart.mode == RestartMode::kNo || s.restart.mode == RestartMode::kOnFailure)
      unmapped_.push_back({Path(s, "restart"),
                           "a Deployment always restarts its containers (restartPolicy Always)"});
    for (const auto& dep : s.depends_on)
      if (dep.condition != DependCondition::kCompletedSuccessfully)
        unmapped_.push_back({Path(s, "depends_on." + dep.service),
                             "Kubernetes starts pods in no order: " + s.name +
                                 " must retry until " + dep.service + " is reachable"});
    docs_.push_back(std::move(d));
  }

  void Claim(const std::string& volume) {
    if (!claims_.insert(volume).second) return;
    Value pvc = Object("v1", "PersistentVolumeClaim", ObjectName(m_, volume));
    Value& spec = pvc.Set("spec", Value::Map());
    spec.Set("accessModes", Value::List()).Push("ReadWriteOnce");
    spec.Set("resources", Value::Map()).Set("requests", Value::Map()).Set("storage", "1Gi");
    docs_.push_back(std::move(pvc));
    unmapped_.push_back({"volumes." + volume,
                         "compose gives no size: the claim asks for 1Gi of the default class"});
  }

  void Service(const config::Service& s) {
    std::vector<Port> ports;
    for (const auto& text : s.engine.ports)
      if (auto p = ParsePort(text)) ports.push_back(*p);
    if (ports.empty()) return;
    if (oneshots_.count(s.name) != 0) {
      unmapped_.push_back({Path(s, "ports"), "a one-shot init container gets no Service"});
      return;
    }
    Value svc = Object("v1", "Service", DnsName(s.name));
    Value& spec = svc.Set("spec", Value::Map());
    spec.Set("selector", Labels(m_, s));
    Value& list = spec.Set("ports", Value::List());
    for (const auto& p : ports) {
      Value& port = list.Push(Value::Map());
      port.Set("name", DnsName(p.protocol) + "-" + std::to_string(p.published));
      port.Set("port", p.published);
      port.Set("targetPort", p.target);
      port.Set("protocol", p.protocol);
    }
    docs_.push_back(std::move(svc));
  }

  const config::Manifest& m_;
  const std::set<std::string> oneshots_;
  std::vector<std::string> order_;
  std::set<std::string> claims_;
  std::vector<Value> docs_;
  std::vector<Value> secrets_;
  std::vector<Unmapped> unmapped_;
};

}  // namespace

Bundle ToKubernetes(const config::Manifest& manifest, const Options&) {
  return Builder(manifest).Build();
}

}  // namespace stackvisor::exporter
