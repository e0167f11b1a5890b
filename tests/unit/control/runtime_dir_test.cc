// The runtime directory: where it is, who may enter it, one stackvisor per project.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "control/client.h"
#include "control/http_server.h"
#include "control/router.h"
#include "control/runtime_dir.h"
#include "tests/unit/control/control_test_util.h"

namespace stackvisor::control {
namespace {

using namespace testing;

mode_t ModeOf(const std::filesystem::path& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

TEST_CASE("control: the runtime dir is the flag, the variable, XDG_RUNTIME_DIR, then the project") {
  RuntimeDirInputs in{"shop", "/home/u/shop", std::nullopt, std::nullopt, std::nullopt};
  CHECK(ChooseRuntimeDir(in) == "/home/u/shop/.stackvisor");
  in.xdg_runtime_dir = "";
  CHECK(ChooseRuntimeDir(in) == "/home/u/shop/.stackvisor");
  in.xdg_runtime_dir = "/run/user/1000";
  CHECK(ChooseRuntimeDir(in) == "/run/user/1000/stackvisor/shop");
  in.env_override = "/tmp/sv";
  CHECK(ChooseRuntimeDir(in) == "/tmp/sv");
  in.explicit_dir = "/srv/sv";
  CHECK(ChooseRuntimeDir(in) == "/srv/sv");
}

TEST_CASE("control: the runtime dir is made 0700, and a shared one is refused") {
  TempDir tmp;
  auto dir = tmp.path() / "run" / "stackvisor" / "shop";
  auto claim = RuntimeDir::Acquire(dir, "shop");
  REQUIRE_MESSAGE(claim.ok(), (claim.ok() ? "" : claim.error().message));
  CHECK(ModeOf(dir) == 0700);
  CHECK(ModeOf(tmp.path() / "run" / "stackvisor") == 0700);
  CHECK(ModeOf(dir / "lock") == 0600);
  CHECK(claim.value()->socket_path() == dir / "api.sock");

  auto shared = tmp.path() / "shared";
  REQUIRE(::mkdir(shared.c_str(), 0755) == 0);
  auto refused = RuntimeDir::Acquire(shared, "shop");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message == "runtime directory " + shared.string() +
                                       " is accessible to others (mode 0755); refusing to serve "
                                       "the API there: chmod 700 " + shared.string());
}

TEST_CASE("control: a second stackvisor of the same project is refused, naming the first") {
  TempDir tmp;
  auto first = RuntimeDir::Acquire(tmp.path() / "rt", "shop");
  REQUIRE(first.ok());
  auto second = RuntimeDir::Acquire(tmp.path() / "rt", "shop");
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().message == "stackvisor is already running project shop (pid " +
                                      std::to_string(::getpid()) + ", socket " +
                                      (tmp.path() / "rt" / "api.sock").string() + ")");
  first.value().reset();  // the first one exits: the lock is free again
  CHECK(RuntimeDir::Acquire(tmp.path() / "rt", "shop").ok());
}

TEST_CASE("control: a stale socket of a killed stackvisor is replaced and served") {
  SigpipeBlocked sigpipe;
  TempDir tmp;
  auto dir = tmp.path() / "rt";
  REQUIRE(::mkdir(dir.c_str(), 0700) == 0);
  {
    // What a SIGKILLed server leaves: a bound socket file nobody listens on.
    base::UniqueFd dead(::socket(AF_UNIX, SOCK_STREAM, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, (dir / "api.sock").c_str(), sizeof address.sun_path - 1);
    REQUIRE(::bind(dead.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  }
  REQUIRE(std::filesystem::exists(dir / "api.sock"));
  auto stale = Client(dir / "api.sock", "shop").Call("GET", "/v1/ping");
  REQUIRE_FALSE(stale.ok());
  CHECK(stale.error().message ==
        "no stack is running for project shop (nothing listens on " + (dir / "api.sock").string() + ")");

  LoopRunner loop;
  {
    auto claim = RuntimeDir::Acquire(dir, "shop");
    REQUIRE(claim.ok());
    Router router;
    router.Add("GET", "/v1/ping", [](const Request&, std::unique_ptr<Reply> reply) {
      reply->Json(200, {{"pong", true}});
    });
    HttpServer server(loop.get(), router);
    auto error = server.Listen(claim.value()->socket_path());
    REQUIRE_MESSAGE(!error, (error ? error->message : ""));
    CHECK(ModeOf(claim.value()->socket_path()) == 0600);
    int status = 0;
    CHECK(loop.Run([&] {
      auto r = Client(claim.value()->socket_path(), "shop").Call("GET", "/v1/ping");
      status = r.ok() ? r.value().status : -1;
    }));
    CHECK(status == 200);
  }
  CHECK(loop.Close() == 0);
}

}  // namespace
}  // namespace stackvisor::control
