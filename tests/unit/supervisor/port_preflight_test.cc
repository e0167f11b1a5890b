// The port preflight (supervisor/port_preflight.h): /proc/net parsing, the privileged-port
// decision, the refusal texts (golden files in tests/data/config/preflight/), and a real bind
// of a port a test socket holds.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/unique_fd.h"
#include "supervisor/port_preflight.h"

using namespace stackvisor;
using namespace stackvisor::supervisor;

namespace {

config::Service WithPort(const std::string& name, uint16_t port, const std::string& protocol = "tcp") {
  config::Service s;
  s.name = name;
  config::Port p;
  p.port = port;
  p.protocol = protocol;
  s.ports.push_back(p);
  return s;
}

// Compares with tests/data/config/preflight/<name>.expected (STACKVISOR_UPDATE_GOLDEN=1 writes it).
void CheckGolden(const std::string& name, const std::string& actual) {
  const std::filesystem::path path =
      std::string(STACKVISOR_TEST_DATA) + "/config/preflight/" + name + ".expected";
  if (std::getenv("STACKVISOR_UPDATE_GOLDEN") != nullptr) std::ofstream(path) << actual;
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  CAPTURE(name);
  CHECK(actual == text.str());
}

}  // namespace

TEST_CASE("ParseProcNet and HoldingInodes: listening TCP and bound UDP sockets by port") {
  const std::string tcp =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
      "timeout inode\n"
      "   0: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        "
      "0 4242 1 0000000017798d34 100 0 0 10 0\n"
      "   1: 0100007F:1F40 0100007F:864E 06 00000000:00000000 03:00000CDD 00000000     0        "
      "0 0 3 000000007a3d49c3\n"
      "   2: garbage\n";
  const auto sockets = ParseProcNet(tcp);
  REQUIRE(sockets.size() == 2);
  CHECK(sockets[0].port == 8000);
  CHECK(sockets[0].state == 0x0A);
  CHECK(HoldingInodes(sockets, 8000, true) == std::vector<unsigned long>{4242});
  CHECK(HoldingInodes(sockets, 8001, true).empty());
  CHECK(HoldingInodes(sockets, 8000, false).empty());  // a TIME_WAIT is no holder either
}

TEST_CASE("PrivilegedProblems: below the sysctl, as an ordinary user, unless a socket covers it") {
  std::vector<config::Service> services = {WithPort("nginx", 80), WithPort("dns", 53, "udp"),
                                           WithPort("web", 8000), WithPort("proxy", 443)};
  config::Socket socket;
  socket.port = 443;
  services[3].sockets.push_back(socket);  // stackvisor opens it, as whoever it runs as
  auto problems = PrivilegedProblems(services, {1000, 1024});
  REQUIRE(problems.size() == 2);
  CHECK(problems[0].service == "nginx");
  CHECK(problems[0].lowest_needed == 53);
  CHECK(PrivilegedProblems(services, {0, 1024}).empty());  // root
  CHECK(PrivilegedProblems(services, {1000, 0}).empty());  // the sysctl lowered to 0
  CHECK(PrivilegedProblems(services, {1000, 80}).size() == 1);
  // As root, a service that runs as another user binds as that user.
  config::User user;
  user.uid = 33;
  user.name = "www-data";
  services[0].user = user;
  auto as_root = PrivilegedProblems(services, {0, 1024});
  REQUIRE(as_root.size() == 1);
  CHECK(as_root[0].user == "www-data (uid 33)");
}

TEST_CASE("FormatPortProblem: golden refusal texts") {
  PortProblem taken;
  taken.service = "web";
  taken.port.port = 8000;
  taken.holder = {4242, "python3 -m http.server 8000"};
  CheckGolden("taken", FormatPortProblem(taken) + "\n");
  taken.holder = {};
  CheckGolden("taken_unseen", FormatPortProblem(taken) + "\n");
  std::vector<config::Service> services = {WithPort("nginx", 80), WithPort("dns", 53, "udp")};
  std::string text;
  for (const auto& p : PrivilegedProblems(services, {65534, 1024}))
    text += FormatPortProblem(p) + "\n";
  CheckGolden("privileged", text);
}

TEST_CASE("CheckPorts: a port a socket holds is refused, naming this process as its holder") {
  base::UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(fd.valid());
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(listen(fd.get(), 1) == 0);
  socklen_t length = sizeof address;
  REQUIRE(getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) == 0);
  const uint16_t port = ntohs(address.sin_port);
  auto problems = CheckPorts({WithPort("web", port), WithPort("free", port, "udp")}, 0);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].kind == PortProblem::Kind::kTaken);
  CHECK(problems[0].service == "web");
  CHECK(problems[0].holder.pid == getpid());
  // Only a Dockerfile's EXPOSE names it: the command may listen elsewhere, nothing to refuse.
  config::Service exposed = WithPort("api", port);
  exposed.ports[0].exposed_only = true;
  CHECK(CheckPorts({exposed}, 0).empty());
  fd.Reset();
  CHECK(CheckPorts({WithPort("web", port)}, 0).empty());
}
