#include "logmux/output.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/logmux/logmux_test_util.h"

namespace stackvisor::logmux {
namespace {

using namespace std::chrono_literals;
using testing::PipeDrain;
using testing::TestLoop;

std::string Numbered(int from, int to) {
  std::string text;
  for (int i = from; i < to; ++i) text += "line " + std::to_string(i) + " of the test output\n";
  return text;
}

std::string ReadAll(int fd) {
  std::string text;
  char buffer[65536];
  ::lseek(fd, 0, SEEK_SET);
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) text.append(buffer, static_cast<size_t>(n));
  return text;
}

}  // namespace

TEST_CASE("Output writes everything to a regular file, in order, and Flush waits for it") {
  TestLoop loop;
  FILE* file = tmpfile();
  REQUIRE(file != nullptr);
  std::string expected;
  {
    Output output(loop.get(), fileno(file));
    for (int i = 0; i < 100; ++i) {
      std::string batch = Numbered(i * 100, i * 100 + 100);
      output.Write(batch);
      expected += batch;
    }
    output.Flush();
    CHECK(output.pending() == 0);
    CHECK(ReadAll(fileno(file)) == expected);
    CHECK_FALSE(output.broken());
  }
  fclose(file);
  CHECK(loop.Close());
}

TEST_CASE("Output destructor flushes what was written") {
  TestLoop loop;
  PipeDrain drain;
  const std::string text = Numbered(0, 5000);
  {
    Output output(loop.get(), drain.write_fd());
    output.Write(text);
  }
  drain.CloseWriteEnd();
  CHECK(drain.WaitForEof(10s));
  CHECK(drain.data() == text);
  CHECK(loop.Close());
}

TEST_CASE("Output alone does not keep the loop running while idle") {
  TestLoop loop;
  PipeDrain drain;
  {
    Output output(loop.get(), drain.write_fd());
    output.Write("hello\n");
    output.Flush();
    CHECK(uv_run(loop.get(), UV_RUN_DEFAULT) == 0);  // returns at once: nothing is active
  }
  CHECK(loop.Close());
}

TEST_CASE("Output never blocks the loop and signals backpressure around high and low water") {
  TestLoop loop;
  PipeDrain drain;
  const size_t high_water = 256 * 1024;
  std::vector<bool> signals;
  std::thread::id callback_thread;
  std::string expected;
  {
    Output output(loop.get(), drain.write_fd(), high_water);
    CHECK(output.low_water() == high_water / 2);
    output.SetPressureCallback([&](bool congested) {
      signals.push_back(congested);
      callback_thread = std::this_thread::get_id();
    });
    drain.Pause();
    // The pipe holds 64 KiB; the rest stays queued. Every Write must still return at once.
    int next = 0;
    while (!output.congested()) {
      std::string batch = Numbered(next, next + 100);
      next += 100;
      output.Write(batch);
      expected += batch;
    }
    CHECK(signals == std::vector<bool>{true});
    CHECK(callback_thread == std::this_thread::get_id());
    CHECK(output.pending() > high_water);
    // Writing more while congested is accepted (nothing is dropped) and signals nothing new.
    std::string more = Numbered(next, next + 10);
    output.Write(more);
    expected += more;
    CHECK(signals.size() == 1);

    drain.Resume();
    CHECK(loop.RunUntil([&] { return signals.size() == 2; }, 10s));
    CHECK(signals == std::vector<bool>{true, false});
    CHECK(callback_thread == std::this_thread::get_id());  // delivered on the loop thread
    CHECK_FALSE(output.congested());
    output.Flush();
  }
  drain.CloseWriteEnd();
  CHECK(drain.WaitForEof(10s));
  CHECK(drain.data() == expected);
  CHECK(loop.Close());
}

TEST_CASE("Output survives a closed reader: EPIPE makes it broken, Write keeps returning") {
  // SIGPIPE keeps its default action here: the writer thread must not let it kill the process.
  TestLoop loop;
  PipeDrain drain;
  std::vector<bool> signals;
  {
    Output output(loop.get(), drain.write_fd(), 64 * 1024);
    output.SetPressureCallback([&](bool congested) { signals.push_back(congested); });
    output.Write("before\n");
    output.Flush();
    CHECK(drain.WaitFor([](const std::string& data) { return data == "before\n"; }, 10s));
    drain.CloseReadEnd();
    const std::string batch = Numbered(0, 2000);
    for (int i = 0; i < 100 && !output.broken(); ++i) {
      output.Write(batch);
      output.Flush();  // returns once written or broken
    }
    CHECK(output.broken());
    CHECK(output.error() == EPIPE);
    for (int i = 0; i < 100; ++i) output.Write(batch);  // discarded, never blocks
    output.Flush();
    // If congestion was signalled before the break, it is released: nothing stays paused.
    CHECK(loop.RunUntil([&] { return signals.size() % 2 == 0; }, 10s));
    CHECK_FALSE(output.congested());
  }
  CHECK(loop.Close());
}

TEST_CASE("Output waits for room on an fd someone else made non-blocking, without changing flags") {
  TestLoop loop;
  PipeDrain drain;
  const int flags = ::fcntl(drain.write_fd(), F_GETFL);
  REQUIRE(::fcntl(drain.write_fd(), F_SETFL, flags | O_NONBLOCK) == 0);
  const std::string text = Numbered(0, 40000);  // ~1 MB: far more than the pipe holds
  {
    Output output(loop.get(), drain.write_fd(), 64 << 20);
    drain.Pause();
    output.Write(text);
    CHECK_FALSE(output.FlushFor(50ms));  // the reader is paused: it cannot have drained
    drain.Resume();
    output.Flush();
    CHECK_FALSE(output.broken());
  }
  CHECK(::fcntl(drain.write_fd(), F_GETFL) == (flags | O_NONBLOCK));
  drain.CloseWriteEnd();
  CHECK(drain.WaitForEof(10s));
  CHECK(drain.data() == text);
  CHECK(loop.Close());
}

TEST_CASE("Output::Abandon lets shutdown finish while the reader is stalled for good") {
  TestLoop loop;
  PipeDrain drain;
  // Like stdout, the fd outlives the Output: the detached writer may still be inside write(2)
  // when the test ends, so this descriptor is deliberately never closed.
  const int fd = ::fcntl(drain.write_fd(), F_DUPFD_CLOEXEC, 3);
  REQUIRE(fd >= 0);
  drain.CloseWriteEnd();
  std::vector<bool> signals;
  {
    Output output(loop.get(), fd, 64 * 1024);
    output.SetPressureCallback([&](bool congested) { signals.push_back(congested); });
    drain.Pause();
    output.Write(Numbered(0, 400000));  // more than even a 1 MiB pipe holds: the writer blocks
    CHECK(output.congested());
    CHECK_FALSE(output.FlushFor(20ms));
    output.Abandon();
    CHECK(output.broken());
    CHECK(output.error() == ECANCELED);
    CHECK_FALSE(output.congested());
    CHECK(signals == std::vector<bool>{true, false});
    output.Write("discarded\n");
  }  // returns although the writer thread is still blocked in write(2)
  CHECK(loop.Close());
  drain.CloseReadEnd();  // the detached writer gets EPIPE and exits
}

TEST_CASE("Output leaves a blocking fd blocking") {
  TestLoop loop;
  PipeDrain drain;
  const int flags = ::fcntl(drain.write_fd(), F_GETFL);
  {
    Output output(loop.get(), drain.write_fd());
    output.Write("x\n");
    output.Flush();
  }
  CHECK(::fcntl(drain.write_fd(), F_GETFL) == flags);
  CHECK((flags & O_NONBLOCK) == 0);
  CHECK(loop.Close());
}

TEST_CASE("Output::Lines keeps order with Write, signals pressure, queues nothing once broken") {
  TestLoop loop;
  PipeDrain drain;
  std::vector<bool> signals;
  std::string expected;
  {
    Output output(loop.get(), drain.write_fd(), 64 * 1024);
    output.SetPressureCallback([&](bool congested) { signals.push_back(congested); });
    drain.Pause();
    output.Write("a | first\n");
    {
      Output::Lines lines(output);
      lines.Append("b | ", "second");
      lines.Append("b | ", "third");
      CHECK(lines.size() == 2 * 4 + 6 + 5 + 2);
    }
    output.Write("a | fourth\n");
    expected = "a | first\nb | second\nb | third\na | fourth\n";
    int n = 0;
    while (!output.congested()) {
      Output::Lines lines(output);
      for (int i = 0; i < 100; ++i, ++n) {
        const std::string line = "line " + std::to_string(n);
        lines.Append("c | ", line);
        expected += "c | " + line + "\n";
      }
    }
    CHECK(signals == std::vector<bool>{true});
    drain.Resume();
    CHECK(loop.RunUntil([&] { return signals.size() == 2; }, 10s));
    output.Flush();
    CHECK(drain.WaitFor([&](const std::string& data) { return data == expected; }, 10s));

    drain.CloseReadEnd();
    const std::string batch = Numbered(0, 2000);
    for (int i = 0; i < 100 && !output.broken(); ++i) {
      output.Write(batch);
      output.Flush();
    }
    REQUIRE(output.broken());
    const uint64_t calls = output.write_calls();
    {
      Output::Lines lines(output);
      lines.Append("d | ", "dropped");
      CHECK(lines.size() == 0);
    }
    CHECK(output.pending() == 0);
    CHECK(output.write_calls() == calls);
    CHECK(loop.RunUntil([&] { return signals.size() % 2 == 0; }, 10s));
  }
  CHECK(loop.Close());
}

}  // namespace stackvisor::logmux
