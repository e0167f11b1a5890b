#include "logmux/followers.h"

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

namespace stackvisor::logmux {
namespace {

LogEntry Line(int source, uint64_t seq, std::string_view bytes) {
  return LogEntry{source, Stream::kStdout, {}, seq, bytes};
}

}  // namespace

TEST_CASE("LogFollowers: a follower that unsubscribes itself inside its callback is not called again") {
  LogFollowers followers;
  int calls = 0;
  // The callback owns state that must stay alive while it runs, though it removes itself.
  auto state = std::make_shared<std::string>("alive");
  LogFollowers::Id self = 0;
  self = followers.Subscribe({}, [&, state](const LogEntry&) {
    ++calls;
    followers.Unsubscribe(self);
    CHECK(*state == "alive");
  });
  std::vector<uint64_t> other;
  followers.Subscribe({}, [&](const LogEntry& e) { other.push_back(e.seq); });
  followers.Deliver(Line(0, 1, "x"));
  followers.Deliver(Line(0, 2, "y"));
  CHECK(calls == 1);
  CHECK(other == std::vector<uint64_t>{1, 2});
  CHECK(followers.size() == 1);
  CHECK(state.use_count() == 1);  // the removed callback was destroyed after the delivery
}

TEST_CASE("LogFollowers: a callback may remove another follower, which then misses the line") {
  LogFollowers followers;
  std::vector<std::string> log;
  LogFollowers::Id second = 0;
  followers.Subscribe({}, [&](const LogEntry&) {
    log.push_back("first");
    followers.Unsubscribe(second);
  });
  second = followers.Subscribe({}, [&](const LogEntry&) { log.push_back("second"); });
  followers.Deliver(Line(0, 1, "x"));
  CHECK(log == std::vector<std::string>{"first"});
  CHECK(followers.size() == 1);
}

TEST_CASE("LogFollowers: a follower subscribed from a callback starts with the next line") {
  LogFollowers followers;
  std::vector<uint64_t> late;
  bool subscribed = false;
  followers.Subscribe({}, [&](const LogEntry&) {
    if (subscribed) return;
    subscribed = true;
    // Enough subscriptions to reallocate the registry while this callback runs.
    for (int i = 0; i < 64; ++i) followers.Subscribe({}, [](const LogEntry&) {});
    followers.Subscribe({}, [&](const LogEntry& e) { late.push_back(e.seq); });
  });
  followers.Deliver(Line(0, 1, "x"));
  followers.Deliver(Line(0, 2, "y"));
  CHECK(late == std::vector<uint64_t>{2});
}

TEST_CASE("LogFollowers: a line delivered from inside a callback comes after the current one, to everyone") {
  LogFollowers followers;
  std::vector<std::string> first;
  std::vector<std::string> second;
  followers.Subscribe({}, [&](const LogEntry& e) {
    first.emplace_back(e.bytes);
    if (e.seq == 1) {
      std::string note = "note about " + std::string(e.bytes);  // dies before delivery
      followers.Deliver(Line(0, 2, note));
    }
  });
  followers.Subscribe({}, [&](const LogEntry& e) { second.emplace_back(e.bytes); });
  followers.Deliver(Line(0, 1, "x"));
  CHECK(first == std::vector<std::string>{"x", "note about x"});
  CHECK(second == std::vector<std::string>{"x", "note about x"});
}

TEST_CASE("LogFollowers: only the sources asked for; unknown ids are ignored") {
  LogFollowers followers;
  std::vector<int> got;
  const LogFollowers::Id id = followers.Subscribe({2, 4}, [&](const LogEntry& e) { got.push_back(e.source); });
  for (int source = 0; source < 6; ++source) followers.Deliver(Line(source, 1, "x"));
  CHECK(got == std::vector<int>{2, 4});
  followers.Unsubscribe(id + 100);
  CHECK(followers.size() == 1);
  followers.Unsubscribe(id);
  followers.Unsubscribe(id);
  CHECK(followers.empty());
}

}  // namespace stackvisor::logmux
