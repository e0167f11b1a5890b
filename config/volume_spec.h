#pragma once
// The pure parsing of compose's `volumes:` and `tmpfs:` items, before any path is resolved.
#include <string>
#include <vector>

#include "base/result.h"
#include "config/manifest.h"
#include "config/tree.h"

namespace stackvisor::config {

/// VolumeSpec is one `volumes:` item as written: a bind of a host path, a named or anonymous
/// volume, or a tmpfs, at a container path. Nothing is resolved yet (relative sources stay).
struct VolumeSpec {
  enum class Type { kBind, kVolume, kTmpfs };
  Type type = Type::kVolume;
  std::string source;  // kBind: the host path as written; kVolume: the name, empty if anonymous
  std::string target;  // an absolute container path, normalised
  bool read_only = false;
  std::string tmpfs_options;  // kTmpfs: "size=...,mode=..." as mount data; may be empty
  bool create_host_path = true;  // kBind: a missing source is made (false: an error)

  bool operator==(const VolumeSpec&) const = default;
};

/// ParseVolumeShort reads "SRC:DST[:MODE]" or "DST" (an anonymous volume). A source starting
/// with '/', '.' or '~' is a host path, anything else a volume name, as compose decides. MODE
/// is a comma list of ro, rw, z, Z, nocopy, cached, delegated, consistent and the propagation
/// words, of which only ro means something here.
base::Result<VolumeSpec> ParseVolumeShort(const std::string& text);

/// ParseVolumeLong reads the long syntax {type: bind|volume|tmpfs, source, target, read_only,
/// bind.create_host_path, volume.nocopy, tmpfs.size, tmpfs.mode}; the error names the field.
base::Result<VolumeSpec> ParseVolumeLong(const Node& item);

/// ParseTmpfsItem reads one `tmpfs:` entry, "/run" or "/run:size=64m,mode=1777".
base::Result<VolumeSpec> ParseTmpfsItem(const std::string& text);

/// NormaliseContainerPath makes "/a//b/./c/" "/a/b/c"; empty when the path is not absolute or
/// climbs with "..", which a container path may not.
std::string NormaliseContainerPath(const std::string& path);

/// HideImageContent drops what a service's own mounts hide of its image, as a container's
/// volumes hide the image's files: mounts[0, image_mounts) are the image's content (recipe files
/// and links, COPY'd files, VOLUMEs, tmpfs), the rest the service's `volumes:` and `tmpfs:`.
/// An image mount at the same path as a service mount goes (the service's replaces it); image
/// files and links under a service's bind or tmpfs go too (a bind of ./conf.d over
/// /etc/nginx/conf.d shows the user's directory only, and nothing is made inside it). Under a
/// named or anonymous volume they stay on top, the nearest to Docker's copy of the image's
/// content into a fresh volume. Order is kept.
void HideImageContent(std::vector<Mount>& mounts, size_t image_mounts);

}  // namespace stackvisor::config
