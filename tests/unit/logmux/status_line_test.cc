#include "logmux/status_line.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <uv.h>

#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "logmux/output.h"
#include "tests/unit/logmux/logmux_test_util.h"

namespace stackvisor::logmux {
namespace {

using testing::TestLoop;

std::string ReadAll(FILE* file) {
  std::string text;
  char buffer[4096];
  ::lseek(fileno(file), 0, SEEK_SET);
  for (ssize_t n; (n = ::read(fileno(file), buffer, sizeof buffer)) > 0;)
    text.append(buffer, static_cast<size_t>(n));
  return text;
}

const std::vector<StatusEntry> kTwo = {{"db", "starting (health check)"},
                                       {"web", "waiting for db (healthy)"}};

}  // namespace

TEST_CASE("RenderStatus: one summary line, nothing when no service waits") {
  CHECK(RenderStatus({}, 100, 1).empty());
  CHECK(RenderStatus(kTwo, 0, 1).empty());
  CHECK(RenderStatus(kTwo, 100, 0).empty());
  CHECK(RenderStatus(kTwo, 100, 1) ==
        std::vector<std::string>{
            "waiting (2): db: starting (health check); web: waiting for db (healthy)"});
}

TEST_CASE("RenderStatus truncates to the width minus one column, with ...") {
  auto lines = RenderStatus(kTwo, 40, 1);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] == "waiting (2): db: starting (health ch...");
  CHECK(lines[0].size() == 39);
  // A single entry wider than the terminal is cut too.
  lines = RenderStatus({{"a-very-long-service-name", "waiting for everything else"}}, 20, 1);
  CHECK(lines == std::vector<std::string>{"waiting (1): a-v..."});
}

TEST_CASE("RenderStatus wraps at entries into at most max_lines lines") {
  std::vector<StatusEntry> many;
  for (int i = 0; i < 10; ++i) many.push_back({"s" + std::to_string(i), "waiting"});
  auto lines = RenderStatus(many, 40, 3);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "waiting (10): s0: waiting; s1: waiting;");
  CHECK(lines[1] == "s2: waiting; s3: waiting; s4: waiting;");
  CHECK(lines[2] == "s5: waiting; s6: waiting; s7: waitin...");
  for (const auto& line : lines) CHECK(line.size() <= 39);
  CHECK(RenderStatus(many, 400, 3).size() == 1);
}

TEST_CASE("RenderStatus counts columns in code points and blanks control bytes") {
  auto lines = RenderStatus({{"caf\xc3\xa9", "waiting"}}, 100, 1);
  CHECK(lines == std::vector<std::string>{"waiting (1): caf\xc3\xa9: waiting"});
  CHECK(TruncateToWidth("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 4) == "\xc3\xa9...");
  CHECK(TruncateToWidth("abc", 3) == "abc");
  CHECK(TruncateToWidth("abcd", 2) == "ab");
  lines = RenderStatus({{"web", "waiting for \x1b[2Jdb\n"}}, 100, 1);
  CHECK(lines == std::vector<std::string>{"waiting (1): web: waiting for  [2Jdb "});
}

TEST_CASE("StatusErase and StatusDraw: cursor up, clear to the end, no trailing newline") {
  CHECK(StatusErase(0).empty());
  CHECK(StatusErase(1) == "\r\x1b[J");
  CHECK(StatusErase(3) == "\r\x1b[2A\x1b[J");
  CHECK(StatusDraw({}).empty());
  CHECK(StatusDraw({"one"}) == "one");
  CHECK(StatusDraw({"one", "two"}) == "one\ntwo");
}

TEST_CASE("Output with a status block: each batch is erase + lines + redraw; cleared on exit") {
  TestLoop loop;
  FILE* file = tmpfile();
  REQUIRE(file != nullptr);
  {
    Output output(loop.get(), fileno(file));
    output.Write("before\n");
    output.Flush();
    CHECK(ReadAll(file) == "before\n");  // no block yet: the lines alone
    output.SetStatus({"waiting (1): web: waiting"});
    output.Flush();
    CHECK(ReadAll(file) == "before\nwaiting (1): web: waiting");
    output.Write("a | one\nb | two\n");
    output.Flush();
    CHECK(ReadAll(file) ==
          "before\nwaiting (1): web: waiting\r\x1b[Ja | one\nb | two\nwaiting (1): web: waiting");
    output.SetStatus({"l1", "l2"});
    output.SetStatus({"l1", "l2"});  // unchanged: nothing to write
    output.Flush();
    std::string expected = "before\nwaiting (1): web: waiting\r\x1b[Ja | one\nb | two\n"
                           "waiting (1): web: waiting\r\x1b[Jl1\nl2";
    CHECK(ReadAll(file) == expected);
    output.Write("c | three\n");
    output.Flush();
    expected += "\r\x1b[1A\x1b[Jc | three\nl1\nl2";
    CHECK(ReadAll(file) == expected);
    CHECK(output.pending() == 0);
  }
  CHECK(ReadAll(file).ends_with("l1\nl2\r\x1b[1A\x1b[J"));  // the destructor erased the block
  fclose(file);
  CHECK(loop.Close());
}

TEST_CASE("StatusLine draws what its source says, then erases the block and stays off") {
  TestLoop loop;
  FILE* file = tmpfile();
  REQUIRE(file != nullptr);
  {
    Output output(loop.get(), fileno(file));
    std::vector<StatusEntry> entries = {{"web", "waiting"}};
    int calls = 0;
    StatusLine status(loop.get(), output, fileno(file), [&] {
      ++calls;
      return entries;
    });
    status.Poke();
    status.Poke();  // coalesced into one refresh
    uv_run(loop.get(), UV_RUN_DEFAULT);
    output.Flush();
    CHECK(calls == 1);
    CHECK(ReadAll(file) == "waiting (1): web: waiting");  // not a terminal: 80 columns
    entries.clear();
    status.Poke();
    uv_run(loop.get(), UV_RUN_DEFAULT);  // the next refresh waits for kInterval
    output.Flush();
    CHECK(calls == 2);
    CHECK_FALSE(status.active());
    CHECK(ReadAll(file) == "waiting (1): web: waiting\r\x1b[J");
    entries = {{"web", "restarting (backoff)"}};
    status.Poke();
    uv_run(loop.get(), UV_RUN_DEFAULT);
    CHECK(calls == 2);
  }
  fclose(file);
  CHECK(loop.Close());
}

TEST_CASE("StatusLineWanted: a terminal unless TERM=dumb; TerminalWidth from TIOCGWINSZ") {
  base::UniqueFd master(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  REQUIRE(master.valid());
  REQUIRE(::grantpt(master.get()) == 0);
  REQUIRE(::unlockpt(master.get()) == 0);
  base::UniqueFd slave(::open(::ptsname(master.get()), O_RDWR | O_NOCTTY | O_CLOEXEC));
  REQUIRE(slave.valid());
  winsize size{};
  size.ws_row = 24;
  size.ws_col = 132;
  REQUIRE(::ioctl(slave.get(), TIOCSWINSZ, &size) == 0);
  CHECK(TerminalWidth(slave.get()) == 132);

  const char* term = std::getenv("TERM");
  std::string saved = term != nullptr ? term : "";
  ::setenv("TERM", "xterm", 1);
  CHECK(StatusLineWanted(slave.get()));
  ::setenv("TERM", "dumb", 1);
  CHECK_FALSE(StatusLineWanted(slave.get()));
  if (term != nullptr) ::setenv("TERM", saved.c_str(), 1);
  else ::unsetenv("TERM");

  int fds[2];
  REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
  base::UniqueFd read_end(fds[0]), write_end(fds[1]);
  CHECK_FALSE(StatusLineWanted(write_end.get()));
  CHECK(TerminalWidth(write_end.get()) == 80);
}

}  // namespace stackvisor::logmux
