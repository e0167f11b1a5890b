#pragma once
// Byte sizes as compose writes them ("4m", "512k", "1g", "100", "2MiB") for command-line caps.
#include <cstdint>
#include <optional>
#include <string_view>

namespace stackvisor::config {

/// ParseByteSize reads a whole number with an optional unit: b, k/kb/kib, m/mb/mib, g/gb/gib
/// (any case; binary multiples, as docker reads them). nullopt on anything else, on overflow
/// and on 0.
std::optional<uint64_t> ParseByteSize(std::string_view text);

}  // namespace stackvisor::config
