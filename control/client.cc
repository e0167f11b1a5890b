#include "control/client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <cstring>
#include <limits>

#include "control/http_codec.h"

namespace stackvisor::control {
namespace http = boost::beast::http;
using Millis = std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

struct Client::Exchange {
  std::string_view method;
  std::string_view target;
  std::string_view body;
  const std::function<bool(std::string_view)>* on_chunk = nullptr;  // null: a plain call
  Millis timeout;
};

Client::Client(std::filesystem::path socket_path, std::string project)
    : socket_path_(std::move(socket_path)), project_(std::move(project)) {}

std::optional<base::Error> Client::Connect(Millis timeout) {
  const std::string& path = socket_path_.native();
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) {
    return base::Error{"API socket path too long for a Unix socket: " + path};
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  base::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return base::Error{base::ErrnoMessage("API client: socket", errno)};
  // A Unix-socket connect blocks only while the server's backlog is full; SO_SNDTIMEO bounds
  // that wait and every later send.
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    int err = errno;
    if (err == ENOENT) {
      return base::Error{"no stack is running for project " + project_ + " (no socket at " +
                         path + ")"};
    }
    if (err == ECONNREFUSED) {
      return base::Error{"no stack is running for project " + project_ +
                         " (nothing listens on " + path + ")"};
    }
    if (err == EAGAIN) {
      return base::Error{"the stack of project " + project_ + " did not accept a connection on " +
                         path + " within " + std::to_string(timeout.count()) + " ms"};
    }
    return base::Error{base::ErrnoMessage("connect to the stack of project " + project_ + " at " + path, err)};
  }
  // The kernel gives the server's pid as this process sees it: `top` needs it to read /proc
  // when the stack runs in its own PID namespace.
  ucred peer{};
  socklen_t size = sizeof peer;
  if (::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &peer, &size) == 0 && peer.pid > 0)
    server_pid_ = peer.pid;
  fd_ = std::move(fd);
  return std::nullopt;
}

base::Result<ClientResponse> Client::Run(Exchange& exchange) {
  bool retryable = false;
  auto result = RunOnce(exchange, retryable);
  if (!result.ok() && retryable) {
    fd_.Reset();  // the server closed an idle keep-alive connection: one fresh try
    result = RunOnce(exchange, retryable);
  }
  if (!result.ok()) fd_.Reset();
  return result;
}

base::Result<ClientResponse> Client::RunOnce(Exchange& exchange, bool& retryable) {
  retryable = false;
  bool reused = fd_.valid();
  if (!reused) {
    if (auto error = Connect(exchange.timeout)) return *error;
  }
  const std::string what = std::string(exchange.method) + " " + std::string(exchange.target);
  std::string request =
      SerializeRequest(exchange.method, exchange.target, exchange.body, "application/json");
  std::optional<base::Error> send_error;
  for (std::size_t sent = 0; sent < request.size();) {
    ssize_t n = ::send(fd_.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      send_error = base::Error{base::ErrnoMessage("API " + what + ": send", errno)};
      // A server that refuses us (403, 503) answers and closes before reading: read that.
      if (errno == EPIPE || errno == ECONNRESET) break;
      return *send_error;
    }
    sent += static_cast<std::size_t>(n);
  }

  http::response_parser<http::string_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  bool stopped = false;
  std::string error_body;
  // Beast keeps a reference to the callback: it lives as long as the parser.
  auto on_chunk = [&](std::uint64_t, boost::beast::string_view chunk,
                      boost::system::error_code&) -> std::size_t {
    std::string_view data(chunk.data(), chunk.size());
    if (parser.get().result_int() / 100 != 2) {
      error_body.append(data);
    } else if (!stopped && !(*exchange.on_chunk)(data)) {
      stopped = true;
    }
    return chunk.size();
  };
  if (exchange.on_chunk != nullptr) parser.on_chunk_body(on_chunk);

  auto deadline = SteadyClock::now() + exchange.timeout;
  std::string input;
  bool got_bytes = false;
  char buffer[16 * 1024];
  while (!parser.is_done() && !stopped) {
    bool bounded = exchange.on_chunk == nullptr || !parser.is_header_done();
    int wait = -1;
    if (bounded) {
      auto left = std::chrono::duration_cast<Millis>(deadline - SteadyClock::now()).count();
      if (left <= 0) {
        return base::Error{"API " + what + ": no answer within " +
                           std::to_string(exchange.timeout.count()) + " ms"};
      }
      wait = static_cast<int>(left);
    }
    pollfd pfd{fd_.get(), POLLIN, 0};
    int ready = ::poll(&pfd, 1, wait);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) continue;  // the deadline check above reports it
    ssize_t n = ::recv(fd_.get(), buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      retryable = reused && !got_bytes && errno == ECONNRESET;
      if (send_error && !got_bytes) return *send_error;
      return base::Error{base::ErrnoMessage("API " + what + ": recv", errno)};
    }
    if (n == 0) {
      boost::system::error_code ec;
      // Beast asserts on an EOF before any byte of the response (a server that died).
      if (parser.got_some()) parser.put_eof(ec);
      if (parser.got_some() && !ec && parser.is_done()) break;
      retryable = reused && !got_bytes;
      if (send_error && !got_bytes) return *send_error;
      return base::Error{"API " + what + ": the server closed the connection before the " +
                         "response was complete"};
    }
    got_bytes = true;
    input.append(buffer, static_cast<std::size_t>(n));
    std::size_t offset = 0;
    while (offset < input.size() && !parser.is_done() && !stopped) {
      boost::system::error_code ec;
      offset += parser.put(boost::asio::buffer(input.data() + offset, input.size() - offset), ec);
      if (ec == http::error::need_more) break;
      if (ec) return base::Error{"API " + what + ": bad response: " + ec.message()};
    }
    input.erase(0, offset);
  }

  ClientResponse response;
  response.status = static_cast<int>(parser.get().result_int());
  response.content_type = std::string(parser.get()[http::field::content_type]);
  response.body = error_body.empty() ? std::move(parser.get().body()) : std::move(error_body);
  // A stream we stopped early leaves the connection mid-body: it cannot be reused.
  if (stopped || !parser.get().keep_alive() || !input.empty()) fd_.Reset();
  return response;
}

base::Result<ClientResponse> Client::Call(std::string_view method, std::string_view target,
                                          std::string_view body, Millis timeout) {
  Exchange exchange{method, target, body, nullptr, timeout};
  return Run(exchange);
}

base::Result<ClientResponse> Client::Stream(std::string_view method, std::string_view target,
                                            const std::function<bool(std::string_view)>& on_chunk,
                                            Millis head_timeout) {
  Exchange exchange{method, target, {}, &on_chunk, head_timeout};
  return Run(exchange);
}

base::Result<ClientResponse> Client::StreamLines(
    std::string_view method, std::string_view target,
    const std::function<bool(std::string_view)>& on_line, Millis head_timeout) {
  std::string partial;
  bool go_on = true;
  std::function<bool(std::string_view)> on_chunk = [&](std::string_view chunk) {
    partial.append(chunk);
    std::size_t start = 0;
    for (std::size_t nl; go_on && (nl = partial.find('\n', start)) != std::string::npos;
         start = nl + 1) {
      go_on = on_line(std::string_view(partial).substr(start, nl - start));
    }
    partial.erase(0, start);
    return go_on;
  };
  auto result = Stream(method, target, on_chunk, head_timeout);
  if (result.ok() && go_on && !partial.empty()) on_line(partial);
  return result;
}

}  // namespace stackvisor::control
