#pragma once
// A canonical fingerprint of one resolved service, for `config --hash` and the reload plan:
// what a user compares to see which services an edit changed.
#include <string>

#include "config/manifest.h"

namespace stackvisor::config {

/// CanonicalText writes every field of the resolved service that the process sees or the
/// supervisor acts on, in a fixed order, one `key=value` per line. The service's position in
/// the file (`pos`) is left out: moving a block or editing a comment changes nothing.
std::string CanonicalText(const Service& service);

/// ServiceHash is the 64-bit FNV-1a of CanonicalText as 16 lowercase hex digits. Stable across
/// runs and machines of the same stackvisor version (not across versions that add fields).
std::string ServiceHash(const Service& service);

/// SameDefinition: the two resolve to the same service, positions aside. Uses operator==, so
/// a field added to Service later is compared even before CanonicalText learns it.
bool SameDefinition(const Service& a, const Service& b);

}  // namespace stackvisor::config
