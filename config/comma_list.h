#pragma once
// "web, db" lists, as COMPOSE_PROFILES and the API's ?services= write them.
#include <string>
#include <vector>

namespace stackvisor::config {

/// The comma-separated items of `text`, each trimmed of blanks; empty items are dropped.
std::vector<std::string> SplitCommaList(const std::string& text);

}  // namespace stackvisor::config
