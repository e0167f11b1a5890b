#include "logmux/mux.h"

#include <doctest/doctest.h>
#include <stdio.h>
#include <unistd.h>

#include <regex>
#include <set>
#include <string>

#include "logmux/timestamp.h"
#include "tests/unit/logmux/logmux_test_util.h"

namespace stackvisor::logmux {
namespace {

using testing::FileOutput;
using testing::TestLoop;

}  // namespace

TEST_CASE("Mux pads every name to the longest registered one") {
  TestLoop loop;
  {
    FileOutput file(loop.get());
    Mux mux(file.output(), FormatOptions{});
    const int web = mux.AddSource("web");
    const int db = mux.AddSource("postgres");
    mux.Line(web, "listening on :8000");
    mux.Line(db, "ready");
    mux.Line(web, "");
    CHECK(file.Text() ==
          "web      | listening on :8000\n"
          "postgres | ready\n"
          "web      | \n");
  }
  CHECK(loop.Close());
}

TEST_CASE("Mux recomputes the padding when a longer name is added") {
  TestLoop loop;
  {
    FileOutput file(loop.get());
    Mux mux(file.output(), FormatOptions{});
    const int a = mux.AddSource("a");
    CHECK(mux.prefix(a) == "a | ");
    mux.AddSource("stackvisor");
    CHECK(mux.prefix(a) == "a          | ");
    CHECK(mux.prefix(1) == "stackvisor | ");
  }
  CHECK(loop.Close());
}

TEST_CASE("Mux writes no colour codes unless color is on") {
  TestLoop loop;
  {
    FileOutput file(loop.get());
    Mux mux(file.output(), FormatOptions{.color = false, .timestamps = false});
    for (int i = 0; i < 12; ++i) mux.Line(mux.AddSource("s" + std::to_string(i)), "text");
    CHECK(file.Text().find('\x1b') == std::string::npos);
  }
  CHECK(loop.Close());
}

TEST_CASE("Mux colours each source's prefix, cycling through the palette") {
  TestLoop loop;
  {
    FileOutput file(loop.get());
    Mux mux(file.output(), FormatOptions{.color = true, .timestamps = false});
    const int web = mux.AddSource("web");
    const int db = mux.AddSource("db");
    mux.Line(web, "hello");
    CHECK(file.Text() == "\x1b[36mweb |\x1b[0m hello\n");
    CHECK(mux.prefix(db) == "\x1b[33mdb  |\x1b[0m ");
    std::set<std::string> colours;
    for (int i = 2; i < 10; ++i) mux.AddSource("s" + std::to_string(i));
    for (int i = 0; i < 10; ++i) colours.insert(mux.prefix(i).substr(0, mux.prefix(i).find('m') + 1));
    CHECK(colours.size() == 10);  // ten distinct colours before the palette repeats
    const int eleventh = mux.AddSource("s10");
    CHECK(mux.prefix(eleventh).substr(0, 5) == mux.prefix(web).substr(0, 5));
  }
  CHECK(loop.Close());
}

TEST_CASE("Mux puts an RFC 3339 UTC timestamp with milliseconds first") {
  TestLoop loop;
  {
    FileOutput file(loop.get());
    Mux mux(file.output(), FormatOptions{.color = false, .timestamps = true});
    mux.Line(mux.AddSource("web"), "up");
    const std::regex format(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z web \| up\n)");
    CHECK(std::regex_match(file.Text(), format));
  }
  CHECK(loop.Close());
}

TEST_CASE("Mux::Line turns embedded newlines into separately prefixed lines") {
  TestLoop loop;
  {
    FileOutput file(loop.get());
    Mux mux(file.output(), FormatOptions{});
    const int id = mux.AddSource("sv");
    mux.Line(id, "first\nsecond\n");
    CHECK(file.Text() == "sv | first\nsv | second\n");
  }
  CHECK(loop.Close());
}

TEST_CASE("TimestampFormatter formats fixed instants exactly") {
  using std::chrono::milliseconds;
  using std::chrono::system_clock;
  TimestampFormatter formatter;
  // 2026-11-24T01:23:45Z is 1795483425 seconds after the epoch.
  const system_clock::time_point t(milliseconds(1795483425123LL));
  CHECK(formatter.Format(t) == "2026-11-24T01:23:45.123Z");
  CHECK(formatter.Format(t + milliseconds(876)) == "2026-11-24T01:23:45.999Z");  // cached second
  CHECK(formatter.Format(t + milliseconds(877)) == "2026-11-24T01:23:46.000Z");  // next second
  CHECK(formatter.Format(system_clock::time_point()) == "1970-01-01T00:00:00.000Z");
  CHECK(formatter.Format(system_clock::time_point(milliseconds(-1))) == "1969-12-31T23:59:59.999Z");
  CHECK(formatter.Format(system_clock::time_point(milliseconds(951782400007LL))) ==
        "2000-02-29T00:00:00.007Z");
}

}  // namespace stackvisor::logmux

namespace stackvisor::logmux {

TEST_CASE("Mux re-pads when the widest source retires, and again when it comes back") {
  TestLoop loop;
  {
    FileOutput file(loop.get());
    Mux mux(file.output(), FormatOptions{});
    const int web = mux.AddSource("web");
    const int db = mux.AddSource("postgres");
    mux.Line(web, "one");
    mux.Retire(db);  // a reload removed it: the rest no longer pad to its name
    mux.Line(db, "last words");
    mux.Line(web, "two");
    CHECK(mux.prefix(web) == "web | ");
    mux.Revive(db);
    mux.Line(web, "three");
    CHECK(file.Text() ==
          "web      | one\n"
          "postgres | last words\n"
          "web | two\n"
          "web      | three\n");
    mux.Retire(web);  // not the widest: nothing moves
    CHECK(mux.prefix(db) == "postgres | ");
  }
  CHECK(loop.Close());
}

}  // namespace stackvisor::logmux
