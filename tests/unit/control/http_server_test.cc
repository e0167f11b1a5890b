// The server on a real loop and socket, driven by the real Client from another thread.
#include <doctest/doctest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "control/client.h"
#include "control/http_server.h"
#include "control/router.h"
#include "tests/unit/control/control_test_util.h"

namespace stackvisor::control {
namespace {

using namespace testing;

/// A server with a few routes on a socket in a temp dir, and the loop that runs it.
struct Fixture {
  explicit Fixture(LoopRunner& runner) : loop(runner), server(loop.get(), router, limits) {
    router.Add("GET", "/v1/ping", [](const Request& r, std::unique_ptr<Reply> reply) {
      reply->Json(200, {{"pong", true}, {"tail", r.query.count("tail") ? r.query.at("tail") : ""}});
    });
    router.Add("POST", "/v1/services/{name}/echo", [](const Request& r, std::unique_ptr<Reply> reply) {
      reply->Json(200, {{"name", r.params.at("name")}, {"body", r.body}});
    });
    router.Add("POST", "/v1/later", [this](const Request&, std::unique_ptr<Reply> reply) {
      held = std::move(reply);  // answered from a timer, as a restart that waits would be
      later.Start(std::chrono::milliseconds(20), [this] { held->Json(202, {{"done", true}}); held.reset(); });
    });
    router.Add("GET", "/v1/throw", [](const Request& r, std::unique_ptr<Reply>) {
      (void)nlohmann::json::parse(r.body).at("missing");  // a handler bug: it throws
    });
    socket = dir.path() / "api.sock";
  }
  ~Fixture() {
    server.Close();
    later.Stop();
    held.reset();
  }
  void Listen() {
    auto error = server.Listen(socket);
    REQUIRE_MESSAGE(!error, (error ? error->message : ""));
  }

  SigpipeBlocked sigpipe;
  TempDir dir;
  LoopRunner& loop;
  Router router;
  Limits limits;
  HttpServer server;
  base::Timer later{loop.get()};
  std::unique_ptr<Reply> held;
  std::filesystem::path socket;
};

TEST_CASE("control: a Client round trip, keep-alive, 404 and 405, a later answer, a throwing handler") {
  LoopRunner loop;
  {
    Fixture f(loop);
    f.Listen();
    struct stat st {};
    REQUIRE(::stat(f.socket.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);

    std::vector<base::Result<ClientResponse>> results;
    CHECK(f.loop.Run([&] {
      Client client(f.socket, "shop");
      results.push_back(client.Call("GET", "/v1/ping?tail=5"));
      results.push_back(client.Call("POST", "/v1/services/web/echo", R"({"x":1})"));
      results.push_back(client.Call("GET", "/v1/nope"));
      results.push_back(client.Call("DELETE", "/v1/ping"));
      results.push_back(client.Call("POST", "/v1/later"));
      results.push_back(client.Call("GET", "/v1/throw"));
      results.push_back(client.Call("GET", "/v1/ping"));
    }));
    REQUIRE(results.size() == 7);
    for (auto& r : results) REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    CHECK(results[0].value().status == 200);
    CHECK(results[0].value().content_type == "application/json");
    CHECK(nlohmann::json::parse(results[0].value().body) == nlohmann::json{{"pong", true}, {"tail", "5"}});
    CHECK(nlohmann::json::parse(results[1].value().body) ==
          nlohmann::json{{"name", "web"}, {"body", R"({"x":1})"}});
    CHECK(results[2].value().status == 404);
    CHECK(nlohmann::json::parse(results[2].value().body) ==
          nlohmann::json{{"error", "no such endpoint: /v1/nope"}});
    CHECK(results[3].value().status == 405);
    CHECK(nlohmann::json::parse(results[3].value().body).at("error") ==
          "DELETE is not allowed on /v1/ping (allowed: GET)");
    CHECK(results[4].value().status == 202);
    // A handler that throws costs its request a 500, never the loop or the connection.
    CHECK(results[5].value().status == 500);
    CHECK(nlohmann::json::parse(results[5].value().body) ==
          nlohmann::json{{"error", "the request was not answered"}});
    CHECK(results[6].value().status == 200);
    // Keep-alive: five requests, one connection.
    CHECK(f.server.stats().accepted == 1);
    f.server.Close();
    CHECK_FALSE(std::filesystem::exists(f.socket));  // removed on close
  }
  CHECK(loop.Close() == 0);
}

TEST_CASE("control: a client without a server says no stack is running") {
  TempDir dir;
  Client client(dir.path() / "api.sock", "shop");
  auto result = client.Call("GET", "/v1/ping");
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().message ==
        "no stack is running for project shop (no socket at " + (dir.path() / "api.sock").string() + ")");
}

TEST_CASE("control: a peer of another uid is refused with 403, root and our uid are served") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: needs root to connect as another uid");
    return;
  }
  passwd* nobody = ::getpwnam("nobody");
  REQUIRE(nobody != nullptr);
  LoopRunner loop;
  {
    Fixture f(loop);
    f.Listen();
    // Let `nobody` reach the socket at all, so the credential check is what refuses it.
    ::chmod(f.dir.path().c_str(), 0755);
    ::chmod(f.socket.c_str(), 0666);
    int exit_code = -1;
    CHECK(f.loop.Run([&] {
      pid_t child = ::fork();
      if (child == 0) {
        if (::setgid(nobody->pw_gid) != 0 || ::setuid(nobody->pw_uid) != 0) ::_exit(90);
        Client client(f.socket, "shop");
        auto result = client.Call("GET", "/v1/ping", {}, std::chrono::milliseconds(5000));
        if (!result.ok()) ::_exit(91);
        if (result.value().status != 403) ::_exit(92);
        ::_exit(nlohmann::json::parse(result.value().body).at("error").get<std::string>().find(
                    "may not use this socket") != std::string::npos ? 0 : 93);
      }
      int status = 0;
      ::waitpid(child, &status, 0);
      exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }));
    CHECK(exit_code == 0);
    CHECK(f.server.stats().refused_peer == 1);
    f.server.Close();
  }
  CHECK(loop.Close() == 0);
}

}  // namespace
}  // namespace stackvisor::control
