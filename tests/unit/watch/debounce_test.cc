// The debouncer with a fake clock: a burst is one batch, due after the quiet period but never
// later than max_delay, with a bounded number of paths.
#include <doctest/doctest.h>

#include "watch/debounce.h"

using namespace std::chrono_literals;
using stackvisor::base::TimePoint;
using stackvisor::watch::Debouncer;
using stackvisor::watch::DebounceOptions;

TEST_CASE("debounce: a burst of saves is one batch, due once it is quiet") {
  Debouncer d(DebounceOptions{500ms, 5000ms, 100});
  const TimePoint t0{};
  CHECK_FALSE(d.pending());
  CHECK(d.Deadline() == TimePoint::max());
  for (int i = 0; i < 20; ++i) d.Add(0, "f" + std::to_string(i % 5), t0 + i * 50ms);
  const TimePoint last = t0 + 19 * 50ms;
  CHECK(d.Deadline() == last + 500ms);
  CHECK_FALSE(d.Due(last + 499ms));
  CHECK(d.Due(last + 500ms));
  auto batch = d.Take();
  CHECK(batch.changes == 20);
  CHECK(batch.paths.at(0).size() == 5);  // duplicates collapse
  CHECK(batch.overflowed.empty());
  CHECK_FALSE(d.pending());
}

TEST_CASE("debounce: changes that never pause are still acted on after max_delay") {
  Debouncer d(DebounceOptions{500ms, 2000ms, 100});
  const TimePoint t0{};
  for (int i = 0; i <= 100; ++i) d.Add(1, "log", t0 + i * 100ms);  // every 100 ms for 10 s
  CHECK(d.Deadline() == t0 + 2000ms);
  CHECK(d.Due(t0 + 2000ms));
}

TEST_CASE("debounce: past max_paths a rule's batch is 'everything', in bounded memory") {
  Debouncer d(DebounceOptions{500ms, 5000ms, 3});
  const TimePoint t0{};
  d.Add(0, "a", t0);
  d.Add(1, "x", t0);
  d.Add(0, "b", t0);
  d.Add(0, "c", t0);  // the fourth distinct path: rule 0 overflows, its paths are dropped
  d.Add(0, "d", t0);
  d.Add(1, "x", t0);  // already kept: no overflow for rule 1
  auto batch = d.Take();
  CHECK(batch.overflowed.count(0) == 1);
  CHECK(batch.paths.count(0) == 0);
  CHECK(batch.paths.at(1).size() == 1);
  CHECK(batch.overflowed.count(1) == 0);
  CHECK(batch.changes == 6);
  // A new batch starts with a clean count.
  d.Add(0, "e", t0 + 1s);
  CHECK(d.Take().paths.at(0).size() == 1);
}
