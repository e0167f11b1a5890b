// PipeReader on a real pipe: coalescing rests never reorder or lose data, never override a
// pause, and enlarge only a pipe that filled while the reader rested.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "base/pipe_reader.h"
#include "tests/unit/healthcheck/test_loop.h"

using namespace stackvisor;
using namespace std::chrono_literals;
using healthcheck::testing::TestLoop;

namespace {

struct Pipe {
  Pipe() {
    int fds[2];
    REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
    read_end = base::UniqueFd(fds[0]);
    write_end = base::UniqueFd(fds[1]);
  }
  void Write(const std::string& data) const {
    const ssize_t n = ::write(write_end.get(), data.data(), data.size());
    REQUIRE(n == static_cast<ssize_t>(data.size()));
  }
  int Capacity() const { return fcntl(write_end.get(), F_GETPIPE_SZ); }
  base::UniqueFd read_end;
  base::UniqueFd write_end;
};

std::string Lines(size_t count, size_t width) {
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    std::string line = std::to_string(i);
    line.resize(width - 1, '.');
    out += line + '\n';
  }
  return out;
}

}  // namespace

TEST_CASE("a pause taken while the reader rests holds after the rest; Resume delivers in order") {
  TestLoop loop;
  {
    Pipe pipe;
    std::string out;
    int chunks = 0;
    base::PipeReader reader(loop.get(), std::move(pipe.read_end), [&](std::string_view chunk) {
      out.append(chunk);
      ++chunks;
    }, [](int) {});
    reader.Coalesce(true);
    pipe.Write("one\n");
    REQUIRE(loop.RunUntil([&] { return chunks == 1; }));
    // A small read: the reader now rests. Pausing must outlast the rest.
    reader.Pause();
    pipe.Write("two\n");
    loop.RunFor(50ms);
    CHECK(out == "one\n");
    reader.Resume();
    REQUIRE(loop.RunUntil([&] { return out == "one\ntwo\n"; }));
  }
  CHECK(loop.Close() == 0);
}

TEST_CASE("every byte arrives in order while a coalescing reader rests between small reads") {
  TestLoop loop;
  {
    Pipe pipe;
    const std::string expected = Lines(3000, 100);
    std::string out;
    bool eof = false;
    size_t written = 0;
    auto on_data = [&](std::string_view chunk) {
      out.append(chunk);
      // Feed the next lines one write each, while the reader rests.
      for (int i = 0; i < 7 && written < expected.size(); ++i, written += 100)
        pipe.Write(expected.substr(written, 100));
      if (written == expected.size() && pipe.write_end.valid()) pipe.write_end.Reset();
    };
    auto on_end = [&](int) { eof = true; };
    base::PipeReader reader(loop.get(), std::move(pipe.read_end), on_data, on_end);
    reader.Coalesce(true);
    pipe.Write(expected.substr(0, 100));
    written = 100;
    REQUIRE(loop.RunUntil([&] { return eof; }, 20s));
    CHECK(out == expected);
  }
  CHECK(loop.Close() == 0);
}

TEST_CASE("a pipe that filled while the reader rested is enlarged; one read at full speed is not") {
  TestLoop loop;
  {
    Pipe rested;
    const int initial = rested.Capacity();
    REQUIRE(initial == 64 * 1024);
    size_t got = 0;
    base::PipeReader reader(loop.get(), std::move(rested.read_end), [&](std::string_view chunk) {
      // The first, small chunk starts a rest; the child meanwhile fills most of its pipe.
      if (got == 0) rested.Write(Lines(600, 100));
      got += chunk.size();
    }, [](int) {});
    reader.Coalesce(true);
    rested.Write("first\n");
    REQUIRE(loop.RunUntil([&] { return got == 6 + 600 * 100; }));
    CHECK(rested.Capacity() == static_cast<int>(base::PipeReader::kMaxPipe));
    CHECK(reader.pipe_capacity() == base::PipeReader::kMaxPipe);

    Pipe busy;
    size_t busy_got = 0;
    busy.Write(std::string(static_cast<size_t>(initial), 'x'));  // full before the first read
    auto count = [&](std::string_view chunk) { busy_got += chunk.size(); };
    base::PipeReader busy_reader(loop.get(), std::move(busy.read_end), count, [](int) {});
    busy_reader.Coalesce(true);
    REQUIRE(loop.RunUntil([&] { return busy_got == static_cast<size_t>(initial); }));
    CHECK(busy.Capacity() == initial);
  }
  CHECK(loop.Close() == 0);
}
