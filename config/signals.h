#pragma once
// Signal names as compose writes them ("SIGTERM") to numbers and back.
#include <optional>
#include <string>
#include <string_view>

namespace stackvisor::config {

/// ParseSignal accepts "SIGTERM", "TERM" (any case) or a number "15" within 1..64 (real-time
/// signals as "SIGRTMIN+3" too). Returns nullopt for anything else.
std::optional<int> ParseSignal(std::string_view text);

/// SignalName gives the name ParseSignal reads back: "SIGTERM", "SIGRTMIN+3", or the bare
/// number for a signal without a name.
std::string SignalName(int signo);

}  // namespace stackvisor::config
