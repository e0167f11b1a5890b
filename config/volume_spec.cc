#include "config/volume_spec.h"

#include <vector>

namespace stackvisor::config {
namespace {

std::vector<std::string> Split(const std::string& text, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t end = text.find(sep, start);
    out.push_back(text.substr(start, end - start));
    if (end == std::string::npos) return out;
    start = end + 1;
  }
}

bool IsHostPath(const std::string& source) {
  return !source.empty() && (source[0] == '/' || source[0] == '.' || source[0] == '~');
}

std::string Field(const Node& map, std::string_view key) {
  const Node* n = map.Get(key);
  return n != nullptr && n->IsScalar() ? n->value : std::string();
}

base::Result<std::string> Target(const std::string& raw) {
  std::string target = NormaliseContainerPath(raw);
  if (target.empty())
    return base::Error{"container path '" + raw + "' must be absolute, without '..'"};
  if (target == "/") return base::Error{"a volume cannot be mounted at '/'"};
  return target;
}

// Docker's tmpfs.size is bytes (or a size with a unit); mode is octal.
std::string TmpfsOptions(const Node& item) {
  const Node* tmpfs = item.Get("tmpfs");
  if (tmpfs == nullptr || !tmpfs->IsMap()) return "";
  std::string out;
  if (!Field(*tmpfs, "size").empty()) out = "size=" + Field(*tmpfs, "size");
  if (!Field(*tmpfs, "mode").empty()) out += (out.empty() ? "" : ",") + ("mode=" + Field(*tmpfs, "mode"));
  return out;
}

}  // namespace

std::string NormaliseContainerPath(const std::string& path) {
  if (path.empty() || path[0] != '/') return "";
  std::string out;
  for (const auto& part : Split(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") return "";
    out += "/" + part;
  }
  return out.empty() ? "/" : out;
}

base::Result<VolumeSpec> ParseVolumeShort(const std::string& text) {
  VolumeSpec spec;
  std::vector<std::string> parts = Split(text, ':');
  if (parts.size() > 3 || parts[0].empty())
    return base::Error{"expected SOURCE:TARGET[:MODE] or TARGET, got '" + text + "'"};
  std::string target_text = parts.size() == 1 ? parts[0] : parts[1];
  auto target = Target(target_text);
  if (!target.ok()) return target.error();
  spec.target = target.value();
  if (parts.size() >= 2) {
    spec.source = parts[0];
    spec.type = IsHostPath(spec.source) ? VolumeSpec::Type::kBind : VolumeSpec::Type::kVolume;
  }
  if (parts.size() == 3) {
    for (const auto& mode : Split(parts[2], ',')) {
      if (mode == "ro") spec.read_only = true;
      else if (mode == "rw") spec.read_only = false;
      else if (mode == "z" || mode == "Z" || mode == "nocopy" || mode == "cached" ||
               mode == "delegated" || mode == "consistent" || mode == "private" ||
               mode == "rprivate" || mode == "shared" || mode == "rshared" ||
               mode == "slave" || mode == "rslave") {
        // SELinux labels, docker-desktop caching hints and propagation: nothing to do natively
      } else {
        return base::Error{"unknown volume mode '" + mode + "' in '" + text +
                           "': expected ro or rw (z, Z, nocopy are accepted and ignored)"};
      }
    }
  }
  return spec;
}

base::Result<VolumeSpec> ParseVolumeLong(const Node& item) {
  if (!item.IsMap()) return base::Error{"expected a string or a mapping with type and target"};
  VolumeSpec spec;
  const std::string type = Field(item, "type").empty() ? "volume" : Field(item, "type");
  if (type == "bind") spec.type = VolumeSpec::Type::kBind;
  else if (type == "volume") spec.type = VolumeSpec::Type::kVolume;
  else if (type == "tmpfs") spec.type = VolumeSpec::Type::kTmpfs;
  else
    return base::Error{"type: '" + type + "' is not supported here: expected bind, volume or tmpfs"};
  auto target = Target(Field(item, "target"));
  if (Field(item, "target").empty()) return base::Error{"target: missing"};
  if (!target.ok()) return base::Error{"target: " + target.error().message};
  spec.target = target.value();
  spec.source = Field(item, "source");
  if (spec.type == VolumeSpec::Type::kBind && spec.source.empty())
    return base::Error{"source: a bind needs a host path"};
  if (spec.type == VolumeSpec::Type::kTmpfs) {
    spec.source.clear();
    spec.tmpfs_options = TmpfsOptions(item);
  }
  const std::string ro = Field(item, "read_only");
  if (ro == "true" || ro == "yes" || ro == "1") spec.read_only = true;
  // compose-go's default is true for the long syntax too; only an explicit false opts out.
  if (const Node* bind = item.Get("bind"); bind != nullptr && bind->IsMap()) {
    const std::string create = Field(*bind, "create_host_path");
    if (create == "false" || create == "no" || create == "0") spec.create_host_path = false;
  }
  return spec;
}

void HideImageContent(std::vector<Mount>& mounts, size_t image_mounts) {
  auto under = [](const std::string& path, const std::string& dir) {
    return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
           path[dir.size()] == '/';
  };
  auto hidden = [&](const Mount& image) {
    for (size_t j = image_mounts; j < mounts.size(); ++j) {
      const Mount& own = mounts[j];
      if (own.target == image.target) return true;
      const bool content = image.kind == Mount::Kind::kBind || image.kind == Mount::Kind::kSymlink;
      const bool covers = own.kind == Mount::Kind::kBind || own.kind == Mount::Kind::kTmpfs;
      if (content && covers && under(image.target, own.target)) return true;
    }
    return false;
  };
  std::vector<Mount> kept;
  kept.reserve(mounts.size());
  for (size_t i = 0; i < mounts.size(); ++i)
    if (i >= image_mounts || !hidden(mounts[i])) kept.push_back(std::move(mounts[i]));
  mounts = std::move(kept);
}

base::Result<VolumeSpec> ParseTmpfsItem(const std::string& text) {
  VolumeSpec spec;
  spec.type = VolumeSpec::Type::kTmpfs;
  const size_t colon = text.find(':');
  auto target = Target(text.substr(0, colon));
  if (!target.ok()) return target.error();
  spec.target = target.value();
  if (colon != std::string::npos) spec.tmpfs_options = text.substr(colon + 1);
  return spec;
}

}  // namespace stackvisor::config
