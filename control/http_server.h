#pragma once
// The API server: HTTP/1.1 on a Unix socket, on the supervisor's own loop.
#include <uv.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "base/result.h"
#include "base/uv_handle.h"
#include "control/limits.h"
#include "control/reply.h"

namespace stackvisor::control {

class Connection;

/// HttpServer listens on one Unix socket (made 0600) on the caller's loop, single-threaded, and
/// hands every request from a peer of our uid or root to the Handler. It owns its connections;
/// each is bounded by Limits (request size and fields, a request deadline, max connections,
/// a stream buffer cap), so no client can block the loop or grow memory without bound. The
/// process must ignore SIGPIPE (app's PrepareProcess does): a peer that vanished is seen as a
/// write error, not a signal. Close() (or the destructor) stops listening, removes the socket,
/// and closes every connection, detaching their replies and streams; the handles are freed
/// once the loop runs again. The Handler must outlive the server. Loop thread only.
class HttpServer {
 public:
  HttpServer(uv_loop_t* loop, Handler& handler, Limits limits = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds and listens. The caller (RuntimeDir) has removed any stale socket and holds the lock
  /// that makes this safe. Errors name the step and the path.
  std::optional<base::Error> Listen(const std::filesystem::path& socket_path);
  void Close();

  const ServerStats& stats() const { return stats_; }
  std::size_t connections() const { return live_.size(); }

 private:
  static void OnConnection(uv_stream_t* listener, int status) noexcept;
  static void OnCheck(uv_check_t* handle) noexcept;
  void OnClosed(Connection* connection) noexcept;
  void Accept() noexcept;
  void Bury(std::unique_ptr<Connection> connection);

  uv_loop_t* loop_;
  Handler& handler_;
  Limits limits_;
  ServerStats stats_;
  std::filesystem::path socket_path_;
  std::unique_ptr<base::UvHandle<uv_pipe_t>> listener_;
  std::map<Connection*, std::unique_ptr<Connection>> live_;
  // Closed connections wait here until the check phase, so none is destroyed inside its own
  // callback.
  std::vector<std::unique_ptr<Connection>> closed_;
  base::UvHandle<uv_check_t> reaper_;
};

}  // namespace stackvisor::control
