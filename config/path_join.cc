#include "config/path_join.h"

#include <filesystem>

namespace stackvisor::config {

std::string JoinPath(const std::string& dir, const std::string& path) {
  // operator/ keeps an absolute right-hand side; "dir/." normalises to "dir/", hence the trim.
  std::string out = (std::filesystem::path(dir) / path).lexically_normal().string();
  if (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

}  // namespace stackvisor::config
