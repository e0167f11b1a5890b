#include "control/api.h"

#include "control/log_follow.h"
#include "control/routes.h"

namespace stackvisor::control {

Api::Api(supervisor::Supervisor& supervisor) : supervisor_(supervisor) {
  AddServiceRoutes(router_, supervisor_);
  AddStackRoutes(router_, supervisor_);
  follows_ = AddLogRoutes(router_, supervisor_);
  AddExecRoutes(router_, supervisor_);
}

Api::~Api() { Close(); }

std::optional<base::Error> Api::Start(const std::filesystem::path& dir,
                                      const std::string& project, bool* busy) {
  auto runtime = RuntimeDir::Acquire(dir, project, busy);
  if (!runtime.ok()) return runtime.error();
  runtime_ = std::move(runtime.value());
  server_ = std::make_unique<HttpServer>(supervisor_.loop(), router_);
  if (auto error = server_->Listen(runtime_->socket_path())) {
    server_.reset();
    runtime_.reset();
    return error;
  }
  supervisor_.SetFinishCallback([this] { Close(); });
  return std::nullopt;
}

void Api::Close() {
  // Lines of this turn still wait for the next one: send them before the connections close.
  if (follows_ && server_) follows_->Flush();
  if (server_) server_->Close();
}

const std::filesystem::path& Api::dir() const {
  static const std::filesystem::path none;
  return runtime_ ? runtime_->dir() : none;
}

}  // namespace stackvisor::control
