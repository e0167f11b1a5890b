// The Mux's hook into the history: every line `up` prints is recorded, and formatting the record
// gives back exactly what `up` printed.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "logmux/line_format.h"
#include "logmux/log_history.h"
#include "logmux/log_stream.h"
#include "logmux/mux.h"
#include "tests/unit/logmux/logmux_test_util.h"

namespace stackvisor::logmux {
namespace {

using namespace std::chrono_literals;
using std::chrono::system_clock;
using testing::FileOutput;
using testing::PipeDrain;
using testing::TestLoop;

/// Waits (busy, bounded) for the wall clock to enter a new millisecond, so consecutive chunks
/// get different timestamps and a formatter using the wrong instant would show.
void NextMillisecond() {
  const auto start = std::chrono::floor<std::chrono::milliseconds>(system_clock::now());
  const auto deadline = std::chrono::steady_clock::now() + 1s;
  while (std::chrono::floor<std::chrono::milliseconds>(system_clock::now()) == start) {
    if (std::chrono::steady_clock::now() > deadline) FAIL("the wall clock stands still");
  }
}

std::string Replay(const Mux& mux, const LogHistory& history) {
  LineFormatter formatter(mux.line_format());
  std::string text;
  for (const LogEntry& entry : history.Select({})) formatter.Append(text, mux.name(entry.source), entry);
  return text;
}

}  // namespace

TEST_CASE("A line replayed from the history through FormatLine equals the line `up` wrote") {
  for (const bool color : {false, true}) {
    for (const bool timestamps : {false, true}) {
      CAPTURE(color);
      CAPTURE(timestamps);
      TestLoop loop;
      {
        FileOutput file(loop.get());
        LogHistory history;
        Mux mux(file.output(), FormatOptions{.color = color, .timestamps = timestamps});
        mux.SetHistory(&history);
        const int own = mux.AddSource("stackvisor");
        const int web = mux.AddSource("web");
        const int db = mux.AddSource("postgres-primary");
        LogStream web_out(mux, web, Stream::kStdout);
        LogStream db_err(mux, db, Stream::kStderr);
        mux.Line(own, "starting 2 services\nweb: waiting for postgres-primary");
        NextMillisecond();
        db_err.Feed("LOG:  database system is ready\nLOG:  part");
        NextMillisecond();
        web_out.Feed("GET / 200\n\n\x1b[1mbold\x1b[0m \t tab\r\n");
        NextMillisecond();
        db_err.Feed("ial line\n");
        mux.Line(own, "web: healthy");
        web_out.Feed("no newline at the end");
        web_out.Finish();
        db_err.Finish();

        const std::string printed = file.Text();
        if (!color) CHECK(printed.find("postgres-primary | LOG:  partial line\n") != std::string::npos);
        CHECK(history.last_seq() == 9);
        CHECK(Replay(mux, history) == printed);
        // And one line at a time, with the convenience function.
        const std::vector<LogEntry> entries = history.Select({.sources = {web}, .tail = 1});
        REQUIRE(entries.size() == 1);
        CHECK(printed.ends_with(FormatLine(mux.line_format(), "web", entries[0])));
        CHECK(entries[0].stream == Stream::kStdout);
        CHECK(history.Select({.sources = {db}})[0].stream == Stream::kStderr);
        CHECK(history.Select({.sources = {own}})[0].stream == Stream::kEvent);
      }
      CHECK(loop.Close());
    }
  }
}

TEST_CASE("A follower that logs an event while a chunk is written joins the batch, in order") {
  TestLoop loop;
  {
    FileOutput file(loop.get());
    LogHistory history;
    Mux mux(file.output(), FormatOptions{});
    mux.SetHistory(&history);
    const int own = mux.AddSource("sv");
    const int web = mux.AddSource("web");
    // E.g. a `logs -f` client cut off: the note goes through the Mux while web's chunk holds
    // the Output's queue. A second Output lock would deadlock here.
    history.followers().Subscribe({web}, [&](const LogEntry& e) {
      if (e.bytes == "b") mux.Line(own, "follower cut off after b");
    });
    LogStream stream(mux, web);
    stream.Feed("a\nb\nc\n");
    const std::string expected = "web | a\nweb | b\nsv  | follower cut off after b\nweb | c\n";
    CHECK(file.Text() == expected);
    CHECK(Replay(mux, history) == expected);
    CHECK(file.output().write_calls() == 1);
  }
  CHECK(loop.Close());
}

TEST_CASE("LogStream keeps recording the history after stdout broke") {
  TestLoop loop;
  {
    PipeDrain drain;
    Output output(loop.get(), drain.write_fd());
    LogHistory history;
    Mux mux(output, FormatOptions{});
    mux.SetHistory(&history);
    LogStream stream(mux, mux.AddSource("web"));
    drain.CloseReadEnd();  // `stackvisor up | head` after head exited
    stream.Feed("first\n");
    output.Flush();
    REQUIRE(output.broken());
    stream.Feed("second\nthird\n");
    std::vector<std::string> lines;
    for (const LogEntry& e : history.Select({})) lines.emplace_back(e.bytes);
    CHECK(lines == std::vector<std::string>{"first", "second", "third"});
  }
  CHECK(loop.Close());
}

TEST_CASE("Mux without a history records nothing and prints the same") {
  TestLoop loop;
  {
    FileOutput file(loop.get());
    LogHistory history;
    Mux mux(file.output(), FormatOptions{});
    const int web = mux.AddSource("web");
    LogStream stream(mux, web);
    stream.Feed("one\n");
    mux.SetHistory(&history);
    stream.Feed("two\n");
    mux.SetHistory(nullptr);
    stream.Feed("three\n");
    CHECK(file.Text() == "web | one\nweb | two\nweb | three\n");
    CHECK(history.last_seq() == 1);
  }
  CHECK(loop.Close());
}

}  // namespace stackvisor::logmux
