#include "procs/listen_env.h"

namespace stackvisor::procs {

std::vector<std::string> WithListenEnv(std::vector<std::string> env, size_t count,
                                       const std::vector<std::string>& names) {
  // Ours replace any the environment carried (stackvisor's own socket activation, say).
  std::erase_if(env, [](const std::string& kv) {
    return kv.rfind("LISTEN_FDS=", 0) == 0 || kv.rfind(kListenPidPrefix, 0) == 0 ||
           kv.rfind("LISTEN_FDNAMES=", 0) == 0;
  });
  env.push_back("LISTEN_FDS=" + std::to_string(count));
  std::string joined;
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) joined += ':';
    joined += i < names.size() ? names[i] : "unknown";
  }
  env.push_back("LISTEN_FDNAMES=" + joined);
  return env;
}

}  // namespace stackvisor::procs
