#pragma once
#include <memory>

#include <spdlog/sinks/sink.h>

#include "logmux/mux.h"

namespace stackvisor::logmux {

/// Returns an spdlog sink that writes each message through `mux` under `source`, so stackvisor's
/// own messages share the line format and the single writer, and never splice with child lines.
/// The sink's default pattern is "%v" (the mux adds name and timestamp); set_pattern works as on
/// any sink. A message with embedded newlines becomes several prefixed lines. flush() does not
/// block (it would block the loop on a stalled stdout): call Output::Flush at shutdown instead.
/// Single-threaded (null_mutex): only the loop thread may log through it. The mux must outlive
/// every logger holding the sink.
std::shared_ptr<spdlog::sinks::sink> MakeMuxSink(Mux& mux, int source);

}  // namespace stackvisor::logmux
