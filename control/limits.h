#pragma once
// Every bound the API server keeps, so a slow, stuck or hostile client costs a fixed amount of
// memory and never the loop's time. docs/api.md lists the same numbers.
#include <chrono>
#include <cstddef>

namespace stackvisor::control {

inline constexpr std::size_t kHeaderLimitBytes = 8 * 1024;   // request line + headers: else 431
inline constexpr std::size_t kMaxHeaderFields = 64;          // header count: else 431
inline constexpr std::size_t kBodyLimitBytes = 64 * 1024;    // request body: else 413
inline constexpr std::size_t kMaxConnections = 64;           // beyond: accepted, 503, closed
inline constexpr std::chrono::milliseconds kRequestTimeout{10'000};   // a whole request: else 408
inline constexpr std::size_t kStreamBufferBytes = 1024 * 1024;  // unsent bytes per follower
inline constexpr std::chrono::milliseconds kFlushTimeout{5'000};  // last words to a closing peer

/// Limits bundles the bounds above for one HttpServer; tests shrink them to run quickly.
struct Limits {
  std::size_t header_limit_bytes = kHeaderLimitBytes;
  std::size_t max_header_fields = kMaxHeaderFields;
  std::size_t body_limit_bytes = kBodyLimitBytes;
  std::size_t max_connections = kMaxConnections;
  std::chrono::milliseconds request_timeout = kRequestTimeout;
  std::size_t stream_buffer_bytes = kStreamBufferBytes;
  std::chrono::milliseconds flush_timeout = kFlushTimeout;
};

/// ServerStats counts what an HttpServer turned away, for tests and a later /v1/debug.
struct ServerStats {
  std::size_t accepted = 0;       // connections taken off the listen queue
  std::size_t refused_peer = 0;   // another uid: 403
  std::size_t refused_full = 0;   // over max_connections: 503
  std::size_t bad_requests = 0;   // 400, 413, 431
  std::size_t timed_out = 0;      // a request not complete in time: 408
  std::size_t idle_closed = 0;    // keep-alive connections idle past the timeout
  std::size_t cut_off = 0;        // streams dropped for not keeping up
};

}  // namespace stackvisor::control
