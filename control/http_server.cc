#include "control/http_server.h"

#include <sys/stat.h>
#include <sys/un.h>

#include "control/connection.h"

namespace stackvisor::control {

HttpServer::HttpServer(uv_loop_t* loop, Handler& handler, Limits limits)
    : loop_(loop), handler_(handler), limits_(limits) {
  uv_check_init(loop, reaper_.get());
  reaper_.MarkInitialized();
  reaper_->data = this;
}

HttpServer::~HttpServer() {
  Close();
  closed_.clear();
}

std::optional<base::Error> HttpServer::Listen(const std::filesystem::path& socket_path) {
  const std::string& path = socket_path.native();
  if (path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    return base::Error{"API socket path is " + std::to_string(path.size()) +
                       " bytes, longer than a Unix socket allows (" +
                       std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) + "): " + path +
                       "; set STACKVISOR_RUNTIME_DIR to a shorter directory"};
  }
  auto listener = std::make_unique<base::UvHandle<uv_pipe_t>>();
  uv_pipe_init(loop_, listener->get(), 0);
  listener->MarkInitialized();
  (*listener)->data = this;
  auto* stream = reinterpret_cast<uv_stream_t*>(listener->get());
  if (int rc = uv_pipe_bind(listener->get(), path.c_str()); rc != 0) {
    return base::Error{"API socket: bind " + path + ": " + uv_strerror(rc)};
  }
  // The directory is 0700, so the moment between bind and chmod exposes nothing.
  if (::chmod(path.c_str(), 0600) != 0) {
    int err = errno;
    ::unlink(path.c_str());
    return base::Error{base::ErrnoMessage("API socket: chmod 0600 " + path, err)};
  }
  if (int rc = uv_listen(stream, 128, &HttpServer::OnConnection); rc != 0) {
    ::unlink(path.c_str());
    return base::Error{"API socket: listen " + path + ": " + uv_strerror(rc)};
  }
  listener_ = std::move(listener);
  socket_path_ = socket_path;
  return std::nullopt;
}

void HttpServer::Close() {
  if (listener_ != nullptr) {
    listener_.reset();
    ::unlink(socket_path_.c_str());
  }
  while (!live_.empty()) live_.begin()->first->Close();  // each moves itself to closed_
}

void HttpServer::OnConnection(uv_stream_t* listener, int status) noexcept {
  auto* self = static_cast<HttpServer*>(listener->data);
  if (self == nullptr || status < 0) return;
  self->Accept();
}

void HttpServer::Accept() noexcept {
  auto connection = std::make_unique<Connection>(
      loop_, limits_, handler_, stats_, [this](Connection* c) { OnClosed(c); });
  Connection* raw = connection.get();
  if (uv_accept(reinterpret_cast<uv_stream_t*>(listener_->get()), raw->stream()) != 0) {
    Bury(std::move(connection));
    return;
  }
  ++stats_.accepted;
  bool full = live_.size() >= limits_.max_connections;
  live_.emplace(raw, std::move(connection));
  if (full) {
    ++stats_.refused_full;
    raw->Refuse(503, "too many API connections (at most " +
                         std::to_string(limits_.max_connections) + ")");
  } else {
    raw->Start();
  }
}

void HttpServer::OnClosed(Connection* connection) noexcept {
  auto it = live_.find(connection);
  if (it == live_.end()) return;
  auto owned = std::move(it->second);
  live_.erase(it);
  Bury(std::move(owned));
}

void HttpServer::Bury(std::unique_ptr<Connection> connection) {
  closed_.push_back(std::move(connection));
  uv_check_start(reaper_.get(), &HttpServer::OnCheck);
}

void HttpServer::OnCheck(uv_check_t* handle) noexcept {
  auto* self = static_cast<HttpServer*>(handle->data);
  if (self == nullptr) return;
  // The check phase: no callback of any connection is on the stack now.
  self->closed_.clear();
  uv_check_stop(handle);
}

}  // namespace stackvisor::control
