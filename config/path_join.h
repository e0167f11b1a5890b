#pragma once
// The one way config/ joins a directory and a path (build contexts, Dockerfiles, env files,
// volumes, working dirs, includes, sockets): lexically normal, no trailing slash, so no
// message, bind or comparison ever shows "dir//Dockerfile" or "dir/./docker/Dockerfile".
#include <string>

namespace stackvisor::config {

/// JoinPath is `path` against `dir`: `path` itself when absolute, else dir/path; either way in
/// lexically normal form ("a/./b/../c" is "a/c") and without a trailing '/' ("/" stays "/").
/// Pure: no file system access, symlinks are not resolved.
std::string JoinPath(const std::string& dir, const std::string& path);

}  // namespace stackvisor::config
