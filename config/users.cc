#include "config/users.h"

#include <grp.h>
#include <pwd.h>

#include <cerrno>
#include <cstdlib>

#include "config/diagnostic.h"

namespace stackvisor::config {
namespace {

std::optional<unsigned long> ParseId(const std::string& text) {
  if (text.empty() || text.size() > 10) return std::nullopt;
  for (char c : text)
    if (c < '0' || c > '9') return std::nullopt;
  const unsigned long id = std::strtoul(text.c_str(), nullptr, 10);
  if (id >= 0xffffffffUL) return std::nullopt;  // (uid_t)-1 means "no change" to setuid
  return id;
}

std::vector<gid_t> GroupList(const std::string& name, gid_t gid) {
  int count = 32;
  std::vector<gid_t> groups(static_cast<size_t>(count));
  // getgrouplist reports the size it needs when the buffer is too small.
  while (getgrouplist(name.c_str(), gid, groups.data(), &count) < 0) {
    groups.resize(static_cast<size_t>(count) + 1);
    count = static_cast<int>(groups.size());
  }
  groups.resize(static_cast<size_t>(count));
  return groups;
}

}  // namespace

base::Result<User> LookupUser(const std::string& spec) {
  User user;
  user.spec = spec;
  const size_t colon = spec.find(':');
  const std::string user_part = spec.substr(0, colon);
  const std::string group_part = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (user_part.empty() || (colon != std::string::npos && group_part.empty()))
    return base::Error{"expected name, uid, name:group or uid:gid, got " + Quote(spec)};

  const passwd* pw = nullptr;
  if (auto uid = ParseId(user_part)) {
    user.uid = static_cast<uid_t>(*uid);
    pw = getpwuid(user.uid);
  } else {
    pw = getpwnam(user_part.c_str());
    if (!pw) return base::Error{"unknown user " + Quote(user_part)};
  }
  if (pw) {
    user.uid = pw->pw_uid;
    user.gid = pw->pw_gid;
    user.name = pw->pw_name;
    user.home = pw->pw_dir;
  }

  if (!group_part.empty()) {
    if (auto gid = ParseId(group_part)) {
      user.gid = static_cast<gid_t>(*gid);
    } else {
      const group* gr = getgrnam(group_part.c_str());
      if (!gr) return base::Error{"unknown group " + Quote(group_part)};
      user.gid = gr->gr_gid;
    }
  }
  user.groups = user.name.empty() ? std::vector<gid_t>{user.gid} : GroupList(user.name, user.gid);
  return user;
}

std::optional<std::string> CheckCanSwitch(const User& user, uid_t euid) {
  if (euid == 0 || user.uid == euid) return std::nullopt;
  return "cannot run as user " + Quote(user.spec) + " (uid " + std::to_string(user.uid) +
         "): stackvisor is not running as root (euid " + std::to_string(euid) + ")";
}

}  // namespace stackvisor::config
