// Reading the files `extends` and `include` name, and keeping their relative paths right.
#include <filesystem>

#include "config/load_steps.h"
#include "config/read_file.h"

namespace stackvisor::config {
namespace {

void Rebase(Node& node, const std::string& dir) {
  if (!node.IsScalar() || node.value.empty()) return;
  std::filesystem::path p(node.value);
  if (p.is_absolute()) return;
  node.value = (std::filesystem::path(dir) / p).lexically_normal().string();
  if (node.value.size() > 1 && node.value.back() == '/') node.value.pop_back();
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
  if (Node* extends = service.Get("extends"); extends && extends->IsMap())
    if (Node* file = extends->Get("file")) Rebase(*file, dir);
  if (Node* extra = service.Get("x-stackvisor")) RebaseServicePaths(*extra, dir);
}

}  // namespace stackvisor::config
