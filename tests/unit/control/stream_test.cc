// A follower that does not read is cut off with a note; one that reads gets every line.
#include <doctest/doctest.h>

#include <atomic>
#include <nlohmann/json.hpp>

#include "control/client.h"
#include "control/http_codec.h"
#include "control/http_server.h"
#include "control/router.h"
#include "tests/unit/control/control_test_util.h"

namespace stackvisor::control {
namespace {

using namespace testing;

constexpr int kLines = 4096;  // ~4 MiB of 1 KiB lines: far past the cap plus kernel buffers

TEST_CASE("control: a stuck follower is cut off with a note while another gets every line") {
  SigpipeBlocked sigpipe;
  TempDir dir;
  LoopRunner loop;
  {
    Limits limits;
    limits.stream_buffer_bytes = 256 * 1024;
    limits.flush_timeout = std::chrono::milliseconds(30'000);  // B reads only after A is done
    Router router;
    std::vector<std::unique_ptr<ResponseStream>> streams;
    int gone = 0;
    router.Add("GET", "/v1/follow", [&](const Request&, std::unique_ptr<Reply> reply) {
      auto stream = reply->Stream(200, "application/x-ndjson");
      stream->OnClosed([&gone] { ++gone; });
      streams.push_back(std::move(stream));
    });
    HttpServer server(loop.get(), router, limits);
    auto socket = dir.path() / "api.sock";
    REQUIRE_FALSE(server.Listen(socket));

    // The producer: a timer on the same loop, as the log rings will be; it never waits.
    int pushed = 0;
    const std::string pad(1000, 'x');
    base::Timer producer(loop.get());
    // Paced by A (the reader): at most 64 lines (~64 KiB) ahead of what A has read, far below
    // the cap, so a slow, loaded machine cannot get A cut off too; B's backlog still grows to
    // the cap because B reads nothing.
    std::atomic<int> lines{0};
    producer.StartRepeating(std::chrono::milliseconds(1), [&] {
      if (streams.size() < 2 || pushed == kLines || pushed - lines.load() > 64) return;
      for (int i = 0; i < 16 && pushed < kLines; ++i, ++pushed) {
        for (auto& s : streams) s->PushJson({{"n", pushed}, {"pad", pad}});
      }
      if (pushed == kLines) {
        for (auto& s : streams) s->End();
      }
    });

    // B asks to follow, then does not read.
    base::UniqueFd stuck = ConnectRaw(socket);
    REQUIRE(stuck.valid());
    SendAll(stuck.get(), SerializeRequest("GET", "/v1/follow", {}, {}));

    bool in_order = true;
    std::string stuck_bytes;
    base::Result<ClientResponse> result = base::Error{"not run"};
    CHECK(loop.Run([&] {
      Client client(socket, "shop");
      result = client.StreamLines("GET", "/v1/follow", [&](std::string_view line) {
        auto value = nlohmann::json::parse(line);
        if (!value.contains("n") || value["n"] != lines.load()) in_order = false;
        ++lines;
        return true;
      });
      stuck_bytes = ReadToEnd(stuck.get(), std::chrono::milliseconds(20'000));
    }));
    REQUIRE_MESSAGE(result.ok(), (result.ok() ? "" : result.error().message));
    CHECK(result.value().status == 200);
    CHECK(lines.load() == kLines);
    CHECK(in_order);

    CHECK(server.stats().cut_off == 1);
    CHECK(gone == 1);
    CHECK(stuck_bytes.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    std::string ending =
        SerializeChunk("{\"note\":\"cut off: the client did not keep up\"}\n") + SerializeLastChunk();
    REQUIRE(stuck_bytes.size() > ending.size());
    CHECK(stuck_bytes.substr(stuck_bytes.size() - ending.size()) == ending);
    // It got some lines (what the kernel held), far fewer than were produced.
    CHECK(stuck_bytes.size() < static_cast<std::size_t>(kLines) * 1000 / 2);
    server.Close();
  }
  CHECK(loop.Close() == 0);
}

TEST_CASE("control: a follower that leaves is noticed, and the stream reports closed") {
  SigpipeBlocked sigpipe;
  TempDir dir;
  LoopRunner loop;
  {
    Router router;
    std::unique_ptr<ResponseStream> stream;
    bool gone = false;
    router.Add("GET", "/v1/events", [&](const Request&, std::unique_ptr<Reply> reply) {
      stream = reply->Stream(200, "text/plain");
      stream->OnClosed([&] { gone = true; });
      stream->Push("first\n");
    });
    HttpServer server(loop.get(), router);
    auto socket = dir.path() / "api.sock";
    REQUIRE_FALSE(server.Listen(socket));
    std::vector<std::string> seen;
    CHECK(loop.Run([&] {
      auto r = Client(socket, "shop").StreamLines("GET", "/v1/events", [&](std::string_view line) {
        seen.emplace_back(line);
        return false;  // `logs -f` interrupted: the client goes away
      });
    }));
    CHECK(seen == std::vector<std::string>{"first"});
    CHECK(loop.RunUntil([&] { return gone; }, std::chrono::milliseconds(10'000)));
    REQUIRE(stream != nullptr);
    CHECK_FALSE(stream->open());
    CHECK_FALSE(stream->Push("nobody listens\n"));
    stream.reset();
    server.Close();
  }
  CHECK(loop.Close() == 0);
}

}  // namespace
}  // namespace stackvisor::control
