#pragma once
// Resolving `user:` specs to ids at load time, so the child never looks anything up after fork.
#include <sys/types.h>

#include <optional>
#include <string>

#include "base/result.h"
#include "config/manifest.h"

namespace stackvisor::config {

/// LookupUser resolves "name", "uid", "name:group", "uid:gid" (group by name or id) through
/// the passwd and group databases. A known user gets its passwd gid unless a group is given,
/// and its supplementary groups from getgrouplist (which include the primary gid). A bare uid
/// without a passwd entry runs with gid 0 and no other groups, as docker does. Errors name the
/// unknown user or group.
base::Result<User> LookupUser(const std::string& spec);

/// CheckCanSwitch says why a process running with `euid` cannot become `user`, or nullopt when
/// it can: root can become anyone; anyone else only itself.
std::optional<std::string> CheckCanSwitch(const User& user, uid_t euid);

}  // namespace stackvisor::config
