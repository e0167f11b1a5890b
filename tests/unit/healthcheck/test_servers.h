#pragma once
// Real servers for the probe tests: a bound-but-not-listening TCP port (connection refused until
// Listen()), and a tiny HTTP server on the test's own loop.
#include <netinet/in.h>
#include <sys/socket.h>
#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "base/uv_handle.h"

namespace stackvisor::healthcheck::testing {

/// TcpPort reserves a free 127.0.0.1 port by binding a socket without listening, so connects are
/// refused (and nobody else takes the port) until Listen(). Close() frees it.
class TcpPort {
 public:
  TcpPort() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    int one = 1;
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    socklen_t len = sizeof(addr);
    ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  uint16_t port() const { return port_; }
  bool Listen() { return ::listen(fd_.get(), 16) == 0; }
  void Close() { fd_.Reset(); }
  /// Binds and listens again on the same port (after Close).
  bool Reopen() {
    fd_.Reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    int one = 1;
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port_);
    return ::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 && Listen();
  }

 private:
  base::UniqueFd fd_;
  uint16_t port_ = 0;
};

/// HttpServer answers every request on 127.0.0.1:port() with `response` and closes, or, with an
/// empty response, reads the request and never answers. Runs on the test's loop.
class HttpServer {
 public:
  HttpServer(uv_loop_t* loop, std::string response) : loop_(loop), response_(std::move(response)) {
    uv_tcp_init(loop, listener_.get());
    listener_.MarkInitialized();
    listener_->data = this;
    sockaddr_in addr{};
    uv_ip4_addr("127.0.0.1", 0, &addr);
    uv_tcp_bind(listener_.get(), reinterpret_cast<sockaddr*>(&addr), 0);
    int len = sizeof(addr);
    uv_tcp_getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    uv_listen(reinterpret_cast<uv_stream_t*>(listener_.get()), 16, &HttpServer::OnConnection);
  }

  uint16_t port() const { return port_; }
  int requests() const { return requests_; }
  const std::string& last_request() const { return last_request_; }
  /// Connections accepted and still open (the client has not closed yet).
  size_t open_connections() const { return connections_.size(); }

 private:
  struct Connection {
    HttpServer* server;
    base::UvHandle<uv_tcp_t> tcp;
    std::string received;
    char buffer[4096];
  };

  static void OnConnection(uv_stream_t* stream, int status) {
    auto* self = static_cast<HttpServer*>(stream->data);
    if (self == nullptr || status != 0) return;
    auto conn = std::make_unique<Connection>();
    conn->server = self;
    uv_tcp_init(self->loop_, conn->tcp.get());
    conn->tcp.MarkInitialized();
    conn->tcp->data = conn.get();
    if (uv_accept(stream, reinterpret_cast<uv_stream_t*>(conn->tcp.get())) != 0) return;
    uv_read_start(
        reinterpret_cast<uv_stream_t*>(conn->tcp.get()),
        [](uv_handle_t* h, size_t, uv_buf_t* buf) {
          auto* c = static_cast<Connection*>(h->data);
          *buf = uv_buf_init(c->buffer, sizeof(c->buffer));
        },
        &HttpServer::OnRead);
    self->connections_.push_back(std::move(conn));
  }

  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
    auto* conn = static_cast<Connection*>(stream->data);
    if (conn == nullptr) return;
    HttpServer* self = conn->server;
    if (nread < 0) return self->Drop(conn);
    conn->received.append(buf->base, static_cast<size_t>(nread));
    if (conn->received.find("\r\n\r\n") == std::string::npos) return;
    ++self->requests_;
    self->last_request_ = conn->received;
    if (self->response_.empty()) return;  // never answers
    uv_buf_t out = uv_buf_init(self->response_.data(), static_cast<unsigned>(self->response_.size()));
    uv_try_write(stream, &out, 1);  // small: fits the socket buffer at once
    self->Drop(conn);
  }

  void Drop(Connection* conn) {
    for (auto it = connections_.begin(); it != connections_.end(); ++it) {
      if (it->get() == conn) {
        connections_.erase(it);
        return;
      }
    }
  }

  uv_loop_t* loop_;
  std::string response_;
  base::UvHandle<uv_tcp_t> listener_;
  uint16_t port_ = 0;
  int requests_ = 0;
  std::string last_request_;
  std::vector<std::unique_ptr<Connection>> connections_;
};

}  // namespace stackvisor::healthcheck::testing
