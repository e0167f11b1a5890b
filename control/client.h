#pragma once
// The CLI verbs' side of the API: blocking, no loop, one process per command.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/unique_fd.h"

namespace stackvisor::control {

inline constexpr std::chrono::milliseconds kClientTimeout{10'000};

/// ClientResponse is one whole response: for a streamed call, the status and type, and the
/// body only when it was not streamed to the callback (an error answer).
struct ClientResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};

/// Client talks HTTP/1.1 to one stackvisor's API socket with blocking calls: it connects on
/// the first call and keeps the connection for the next (keep-alive), reconnecting once when
/// the server had closed it. Requests are written and responses read with Boost.Beast over the
/// plain fd. Call() bounds connect, write and read by its timeout; Stream() bounds only the
/// connect and the head, then calls back per body chunk until the server ends the stream or
/// the callback returns false. Errors name the project and the socket. Not thread-safe.
class Client {
 public:
  Client(std::filesystem::path socket_path, std::string project);
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  base::Result<ClientResponse> Call(std::string_view method, std::string_view target,
                                    std::string_view body = {},
                                    std::chrono::milliseconds timeout = kClientTimeout);

  /// For 2xx answers each chunk of the body goes to on_chunk (and not into the body).
  base::Result<ClientResponse> Stream(std::string_view method, std::string_view target,
                                      const std::function<bool(std::string_view)>& on_chunk,
                                      std::chrono::milliseconds head_timeout = kClientTimeout);

  /// Stream() cut into lines, each without its '\n'; a last unterminated line is delivered too.
  base::Result<ClientResponse> StreamLines(std::string_view method, std::string_view target,
                                           const std::function<bool(std::string_view)>& on_line,
                                           std::chrono::milliseconds head_timeout = kClientTimeout);

  /// The pid of the server of the last connection, in this process's PID namespace (the
  /// socket's peer credentials); 0 before the first connection or if the kernel gave none.
  pid_t server_pid() const { return server_pid_; }

 private:
  struct Exchange;
  std::optional<base::Error> Connect(std::chrono::milliseconds timeout);
  base::Result<ClientResponse> Run(Exchange& exchange);
  base::Result<ClientResponse> RunOnce(Exchange& exchange, bool& retryable);

  std::filesystem::path socket_path_;
  std::string project_;
  base::UniqueFd fd_;
  pid_t server_pid_ = 0;
};

}  // namespace stackvisor::control
