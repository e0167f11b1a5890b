#include "logmux/log_history.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace stackvisor::logmux {
namespace {

using std::chrono::system_clock;
using namespace std::chrono_literals;

const system_clock::time_point kT0 = system_clock::time_point(1'800'000'000s);

/// "source:bytes" of each entry, in order.
std::vector<std::string> Keys(const std::vector<LogEntry>& entries) {
  std::vector<std::string> keys;
  for (const LogEntry& e : entries) keys.push_back(std::to_string(e.source) + ":" + std::string(e.bytes));
  return keys;
}

/// Three sources interleaved, one line a second: a0 b0 c0 a1 b1 c1 ...
void Interleave(LogHistory& history, int rounds) {
  for (int i = 0; i < rounds; ++i) {
    for (int source = 0; source < 3; ++source) {
      history.Append(source, Stream::kStdout, kT0 + std::chrono::seconds(3 * i + source),
                     std::string(1, static_cast<char>('a' + source)) + std::to_string(i));
    }
  }
}

}  // namespace

TEST_CASE("LogHistory numbers lines across sources in the order they were appended") {
  LogHistory history;
  CHECK(history.last_seq() == 0);
  CHECK(history.Append(2, Stream::kStdout, kT0, "x") == 1);
  CHECK(history.Append(0, Stream::kEvent, kT0, "y") == 2);
  CHECK(history.Append(2, Stream::kStderr, kT0, "z") == 3);
  CHECK(history.last_seq() == 3);
  CHECK(history.ring(1) == nullptr);  // no line yet: no ring, no memory
  CHECK(history.ring(2)->size() == 2);
  CHECK(Keys(history.Select({})) == std::vector<std::string>{"2:x", "0:y", "2:z"});
}

TEST_CASE("LogHistory merges several sources by seq") {
  LogHistory history;
  Interleave(history, 3);
  CHECK(Keys(history.Select({.sources = {2, 0}})) ==
        std::vector<std::string>{"0:a0", "2:c0", "0:a1", "2:c1", "0:a2", "2:c2"});
  CHECK(Keys(history.Select({.sources = {1}})) == std::vector<std::string>{"1:b0", "1:b1", "1:b2"});
  CHECK(Keys(history.Select({.sources = {1, 1}})).size() == 3);
  CHECK(history.Select({.sources = {7}}).empty());
}

TEST_CASE("LogHistory tail counts per source, as compose's --tail does") {
  LogHistory history;
  Interleave(history, 4);
  CHECK(Keys(history.Select({.sources = {0, 1}, .tail = 2})) ==
        std::vector<std::string>{"0:a2", "1:b2", "0:a3", "1:b3"});
  CHECK(history.Select({.tail = 0}).empty());
  CHECK(history.Select({.tail = 100}).size() == 12);
}

TEST_CASE("LogHistory since keeps lines at or after the time; after resumes past a seq") {
  LogHistory history;
  Interleave(history, 4);  // line k (seq k+1) at kT0 + k s
  CHECK(Keys(history.Select({.since = kT0 + 9s})) == std::vector<std::string>{"0:a3", "1:b3", "2:c3"});
  CHECK(Keys(history.Select({.sources = {}, .since = kT0 + 8500ms})).size() == 3);
  CHECK(Keys(history.Select({.after = 10})) == std::vector<std::string>{"1:b3", "2:c3"});
  // All bounds apply together.
  CHECK(Keys(history.Select({.sources = {0}, .tail = 3, .since = kT0 + 4s})) ==
        std::vector<std::string>{"0:a2", "0:a3"});
}

TEST_CASE("LogHistory rings all use the configured limits") {
  LogHistory history(RingLimits{.max_lines = 2, .max_bytes = 1 << 20});
  Interleave(history, 10);
  CHECK(Keys(history.Select({})) == std::vector<std::string>{"0:a8", "1:b8", "2:c8", "0:a9", "1:b9", "2:c9"});
  CHECK(history.ring(0)->evicted() == 8);
}

TEST_CASE("LogHistory hands each new line to the followers of its source, in seq order") {
  LogHistory history;
  std::vector<std::string> all;
  std::vector<uint64_t> seqs;
  std::vector<std::string> only_one;
  history.followers().Subscribe({}, [&](const LogEntry& e) {
    all.push_back(std::to_string(e.source) + ":" + std::string(e.bytes));
    seqs.push_back(e.seq);
  });
  history.followers().Subscribe({1}, [&](const LogEntry& e) { only_one.emplace_back(e.bytes); });
  history.Append(0, Stream::kStdout, kT0, "a");
  history.Append(1, Stream::kStderr, kT0, "b");
  history.Append(5, Stream::kEvent, kT0, "c");  // a source that did not exist when they subscribed
  CHECK(all == std::vector<std::string>{"0:a", "1:b", "5:c"});
  CHECK(seqs == std::vector<uint64_t>{1, 2, 3});
  CHECK(only_one == std::vector<std::string>{"b"});
}

TEST_CASE("LogHistory: Select then Subscribe sees every line exactly once") {
  LogHistory history;
  Interleave(history, 2);
  std::vector<uint64_t> seen;
  for (const LogEntry& e : history.Select({})) seen.push_back(e.seq);
  history.followers().Subscribe({}, [&](const LogEntry& e) { seen.push_back(e.seq); });
  history.Append(1, Stream::kStdout, kT0, "later");
  history.Append(0, Stream::kStdout, kT0, "later");
  CHECK(seen == std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7, 8});
}

TEST_CASE("LogHistory followers get a line longer than the ring's cap whole") {
  LogHistory history(RingLimits{.max_lines = 10, .max_bytes = 8});
  std::string got;
  history.followers().Subscribe({}, [&](const LogEntry& e) { got = e.bytes; });
  history.Append(0, Stream::kStdout, kT0, "0123456789abcdef");
  CHECK(got == "0123456789abcdef");
  CHECK(history.ring(0)->entry(0).bytes == "01234567");
}

}  // namespace stackvisor::logmux
