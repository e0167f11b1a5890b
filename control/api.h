#pragma once
// The API a running stack serves: its runtime directory, socket and endpoints, on the
// supervisor's loop.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "base/result.h"
#include "control/http_server.h"
#include "control/router.h"
#include "control/runtime_dir.h"
#include "supervisor/supervisor.h"

namespace stackvisor::control {

class LogFollows;

/// Api owns a stack's claim on its runtime directory, the HTTP server on its socket and the
/// endpoint table (routes.h). Start() takes the directory (refusing a second stackvisor of the
/// same project) and listens; the server closes when the supervisor finishes (so `down` sees the
/// socket go away only once every service is down) or when the Api is destroyed. The
/// supervisor must outlive it. Loop thread only.
class Api {
 public:
  explicit Api(supervisor::Supervisor& supervisor);
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  /// Acquires `dir` for `project` and serves on its socket. Errors name the step and the path;
  /// `busy` is set when the error is another stackvisor already running the project.
  std::optional<base::Error> Start(const std::filesystem::path& dir, const std::string& project,
                                   bool* busy = nullptr);
  void Close();

  const std::filesystem::path& dir() const;

 private:
  supervisor::Supervisor& supervisor_;
  Router router_;
  std::unique_ptr<RuntimeDir> runtime_;
  std::unique_ptr<HttpServer> server_;
  std::shared_ptr<LogFollows> follows_;
};

}  // namespace stackvisor::control
