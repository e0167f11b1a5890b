#pragma once
// The one way config/ reads a file: manifests (-f, discovery), --env-file, the project's .env
// and every service's env_file all go through ReadInputFile.
#include <cstddef>
#include <string>

namespace stackvisor::config {

/// Manifests and env files larger than this are refused: a real one is a few MB at most, and
/// the cap bounds the memory and time a file (or /dev/zero behind a path) can make Load spend.
inline constexpr size_t kMaxInputBytes = 64 * 1024 * 1024;

/// The outcome of ReadInputFile: the whole text, or why it could not be had.
struct FileText {
  bool ok = false;
  bool missing = false;  // !ok because nothing exists at the path (optional files are skipped)
  std::string text;   // ok: the file's bytes
  std::string error;  // !ok: "not found", "not a regular file (a FIFO)", "larger than the
                      // 64 MiB limit", or strerror of the failed call
};

/// ReadInputFile reads a whole regular file of at most max_bytes. Anything else is refused
/// without blocking or reading: the open is non-blocking (a FIFO with no writer would block
/// it forever), then fstat must show a regular file (directories, FIFOs, devices such as
/// /dev/zero are named in the error). The size is checked before reading and again while
/// reading, since a file may grow in between.
FileText ReadInputFile(const std::string& path, size_t max_bytes = kMaxInputBytes);

}  // namespace stackvisor::config
