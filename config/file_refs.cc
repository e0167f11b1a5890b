// Reading the files `extends` and `include` name, and keeping their relative paths right.
#include <filesystem>

#include "config/path_join.h"
#include "config/load_steps.h"
#include "config/read_file.h"

namespace stackvisor::config {
namespace {

void Rebase(Node& node, const std::string& dir) {
  if (!node.IsScalar() || node.value.empty()) return;
  std::filesystem::path p(node.value);
  if (p.is_absolute()) return;
  node.value = JoinPath(dir, node.value);
}

// A volume's source is a host path only when it starts with '.', '/' or '~' ("name:/path" is a
// named volume); of those only a '.' one is relative to the file's directory.
bool RelativeSource(const std::string& source) {
  return !source.empty() && source.front() == '.';
}

void RebaseVolume(Node& item, const std::string& dir) {
  if (item.IsScalar()) {
    const size_t colon = item.value.find(':');
    if (colon == std::string::npos || !RelativeSource(item.value.substr(0, colon))) return;
    Node source = Scalar(item.value.substr(0, colon), item.pos);
    Rebase(source, dir);
    item.value = source.value + item.value.substr(colon);
  } else if (Node* source = item.IsMap() ? item.Get("source") : nullptr) {
    if (source->IsScalar() && RelativeSource(source->value)) Rebase(*source, dir);
  }
}

}  // namespace

Node ReadTree(const std::string& absolute, const std::string& shown, const Variables& vars,
              const SourcePos& at, const std::string& path, const std::string& what,
              Reporter& r) {
  FileText read = ReadInputFile(absolute);
  if (!read.ok) {
    r.Error(at, path, "cannot read " + what + " " + Quote(shown) + ": " + read.error);
    return Node{};
  }
  Node tree = ReadYaml(read.text, shown, r.diagnostics());
  if (!tree.IsMap()) return Node{};
  InterpolateTree(tree, vars, r);
  NormaliseTree(tree, r);
  return tree;
}

void RebaseServicePaths(Node& service, const std::string& dir) {
  if (!service.IsMap()) return;
  if (Node* env_file = service.Get("env_file")) {
    if (env_file->IsScalar()) Rebase(*env_file, dir);
    for (Node& item : env_file->items) {
      if (item.IsScalar()) Rebase(item, dir);
      else if (Node* p = item.IsMap() ? item.Get("path") : nullptr) Rebase(*p, dir);
    }
  }
  if (Node* wd = service.Get("working_dir")) Rebase(*wd, dir);
  if (Node* volumes = service.Get("volumes"))
    for (Node& item : volumes->items) RebaseVolume(item, dir);
  if (Node* extends = service.Get("extends"); extends && extends->IsMap())
    if (Node* file = extends->Get("file")) Rebase(*file, dir);
  if (Node* extra = service.Get("x-stackvisor")) RebaseServicePaths(*extra, dir);
}

}  // namespace stackvisor::config
