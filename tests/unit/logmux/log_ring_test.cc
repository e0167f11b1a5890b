#include "logmux/log_ring.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <deque>
#include <random>
#include <string>
#include <vector>

namespace stackvisor::logmux {
namespace {

using std::chrono::system_clock;
using namespace std::chrono_literals;

const system_clock::time_point kT0 = system_clock::time_point(1'800'000'000s);

std::vector<std::string> Texts(const LogRing& ring) {
  std::vector<std::string> texts;
  for (size_t i = 0; i < ring.size(); ++i) texts.emplace_back(ring.entry(i).bytes);
  return texts;
}

}  // namespace

TEST_CASE("LogRing keeps lines with their stream, time and seq, oldest first") {
  LogRing ring(3, RingLimits{});
  ring.Append(Stream::kStdout, kT0, 1, "one");
  ring.Append(Stream::kStderr, kT0 + 1ms, 5, "");
  ring.Append(Stream::kEvent, kT0 + 2ms, 9, "three");
  REQUIRE(ring.size() == 3);
  CHECK(Texts(ring) == std::vector<std::string>{"one", "", "three"});
  const LogEntry second = ring.entry(1);
  CHECK(second.source == 3);
  CHECK(second.stream == Stream::kStderr);
  CHECK(second.time == kT0 + 1ms);
  CHECK(second.seq == 5);
  CHECK(ring.entry(2).stream == Stream::kEvent);
  CHECK(ring.bytes() == 8);
}

TEST_CASE("LogRing evicts the oldest lines once the line count is reached") {
  LogRing ring(0, RingLimits{.max_lines = 3, .max_bytes = 1 << 20});
  for (uint64_t i = 1; i <= 5; ++i) ring.Append(Stream::kStdout, kT0, i, "line " + std::to_string(i));
  CHECK(Texts(ring) == std::vector<std::string>{"line 3", "line 4", "line 5"});
  CHECK(ring.evicted() == 2);
  CHECK(ring.entry(0).seq == 3);
}

TEST_CASE("LogRing evicts the oldest lines once the byte cap is reached, before the line count") {
  LogRing ring(0, RingLimits{.max_lines = 1000, .max_bytes = 100});
  const std::string ten(10, 'x');
  for (uint64_t i = 1; i <= 10; ++i) ring.Append(Stream::kStdout, kT0, i, ten);
  CHECK(ring.size() == 10);
  CHECK(ring.bytes() == 100);
  ring.Append(Stream::kStdout, kT0, 11, ten);
  CHECK(ring.size() == 10);
  CHECK(ring.entry(0).seq == 2);
  // A line that does not fit before the end goes whole to the start: the skipped tail costs.
  ring.Append(Stream::kStdout, kT0, 12, std::string(15, 'y'));
  CHECK(ring.bytes() <= 100);
  CHECK(ring.entry(ring.size() - 1).bytes == std::string(15, 'y'));
  for (size_t i = 0; i + 1 < ring.size(); ++i) CHECK(ring.entry(i).bytes == ten);
  CHECK(ring.memory() <= 100 + 1000 * 24);
}

TEST_CASE("LogRing stores a line longer than the byte cap cut to the cap, alone") {
  LogRing ring(0, RingLimits{.max_lines = 10, .max_bytes = 64});
  ring.Append(Stream::kStdout, kT0, 1, "short");
  ring.Append(Stream::kStdout, kT0, 2, std::string(100, 'L'));
  REQUIRE(ring.size() == 1);
  CHECK(ring.entry(0).bytes == std::string(64, 'L'));
  CHECK(ring.entry(0).seq == 2);
  CHECK(ring.truncated() == 1);
  ring.Append(Stream::kStdout, kT0, 3, "after");
  CHECK(Texts(ring).back() == "after");
}

TEST_CASE("LogRing with a zero limit keeps nothing") {
  LogRing ring(0, RingLimits{.max_lines = 0, .max_bytes = 64});
  ring.Append(Stream::kStdout, kT0, 1, "x");
  CHECK(ring.empty());
  CHECK(ring.memory() == 0);
}

TEST_CASE("LogRing grows on demand: a quiet source costs almost nothing") {
  LogRing ring(0, RingLimits{});
  CHECK(ring.memory() == 0);
  ring.Append(Stream::kStdout, kT0, 1, "hello");
  CHECK(ring.memory() <= 4096 + 64 * 24);
}

TEST_CASE("LogRing finds the first line after a seq and since a time") {
  LogRing ring(0, RingLimits{});
  for (uint64_t i = 0; i < 100; ++i) {
    ring.Append(Stream::kStdout, kT0 + std::chrono::seconds(i), 10 + 2 * i, std::to_string(i));
  }
  CHECK(ring.FirstAfter(0) == 0);
  CHECK(ring.FirstAfter(10) == 1);
  CHECK(ring.FirstAfter(11) == 1);
  CHECK(ring.FirstAfter(208) == 100);
  CHECK(ring.FirstSince(kT0) == 0);
  CHECK(ring.FirstSince(kT0 + 41s) == 41);
  CHECK(ring.FirstSince(kT0 + 40500ms) == 41);
  CHECK(ring.FirstSince(kT0 + 1000s) == 100);
}

// The ring against the obvious model (a deque evicting by count and by bytes, with the wrap's
// skipped tail bounded by one line), over random lengths including empty and over-cap lines.
TEST_CASE("LogRing matches a simple model over many random appends") {
  for (const size_t max_bytes : {size_t{1}, size_t{37}, size_t{1000}, size_t{70000}}) {
    CAPTURE(max_bytes);
    const RingLimits limits{.max_lines = 50, .max_bytes = max_bytes};
    LogRing ring(0, limits);
    std::deque<std::pair<uint64_t, std::string>> model;
    size_t model_bytes = 0;
    std::mt19937 random(static_cast<unsigned>(max_bytes));
    for (uint64_t seq = 1; seq <= 5000; ++seq) {
      const size_t length = random() % 8 == 0 ? 0 : random() % (max_bytes / 3 + 2);
      std::string line(length, static_cast<char>('a' + seq % 26));
      if (line.size() > max_bytes) line.resize(max_bytes);
      ring.Append(Stream::kStdout, kT0, seq, line);
      model.emplace_back(seq, line);
      model_bytes += line.size();
      while (model.size() > limits.max_lines || model_bytes > max_bytes) {
        model_bytes -= model.front().second.size();
        model.pop_front();
      }
      // The ring may have evicted more (the skipped tail), never more than one line's worth.
      REQUIRE(ring.size() <= model.size());
      REQUIRE(ring.size() >= 1);
      const size_t dropped = model.size() - ring.size();
      size_t dropped_bytes = 0;
      for (size_t i = 0; i < dropped; ++i) dropped_bytes += model[i].second.size();
      // At most one wrap point is inside the held span: its skipped tail is shorter than the
      // line that wrapped, and eviction goes by whole lines.
      const size_t longest = std::min(max_bytes, max_bytes / 3 + 1);
      REQUIRE(dropped_bytes < 2 * longest + 1);
      for (size_t i = 0; i < ring.size(); ++i) {
        const LogEntry entry = ring.entry(i);
        REQUIRE(entry.seq == model[dropped + i].first);
        REQUIRE(entry.bytes == model[dropped + i].second);
      }
      REQUIRE(ring.bytes() <= max_bytes);
      REQUIRE(ring.memory() <= max_bytes + limits.max_lines * 24);
    }
  }
}

}  // namespace stackvisor::logmux
