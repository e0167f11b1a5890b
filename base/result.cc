#include "base/result.h"

#include <cstring>

namespace stackvisor::base {

std::string ErrnoMessage(const std::string& what, int err) {
  return what + ": " + std::strerror(err);
}

}  // namespace stackvisor::base
