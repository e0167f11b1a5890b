#pragma once
// Python package names and versions as pip compares them: PEP 503 name normalisation and
// PEP 440 versions and specifiers (the parts requirements files use). Pure.
#include <optional>
#include <string>
#include <string_view>

namespace stackvisor::config {

/// NormalizeDistName lower-cases and collapses runs of '-', '_' and '.' into '-' (PEP 503):
/// "Django" -> "django", "channels_redis" -> "channels-redis".
std::string NormalizeDistName(std::string_view name);

/// CompareVersions is <0, 0 or >0 as PEP 440 orders a and b (1.0.dev1 < 1.0a1 < 1.0 <
/// 1.0.post1; "1.0" == "1"); nullopt when either is not a PEP 440 version.
std::optional<int> CompareVersions(std::string_view a, std::string_view b);

/// SatisfiesSpecifiers tells whether version meets every clause of specifiers
/// (">=2.1,<3", "==3.0.*", "~=2.2", "!=1.5"); nullopt when something cannot be read.
std::optional<bool> SatisfiesSpecifiers(std::string_view version, std::string_view specifiers);

}  // namespace stackvisor::config
