#include "logmux/log_stream.h"

#include <doctest/doctest.h>
#include <stdio.h>
#include <unistd.h>

#include <random>
#include <regex>
#include <string>
#include <vector>

#include "tests/unit/logmux/logmux_test_util.h"

namespace stackvisor::logmux {
namespace {

using namespace std::chrono_literals;
using testing::PipeDrain;
using testing::TestLoop;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t at = 0;
  for (size_t end; (end = text.find('\n', at)) != std::string::npos; at = end + 1) {
    lines.push_back(text.substr(at, end - at));
  }
  if (at < text.size()) lines.push_back(text.substr(at) + "<no newline>");
  return lines;
}

/// A Mux on an Output on a pipe drained by a thread.
struct Rig {
  explicit Rig(uv_loop_t* loop, FormatOptions options = {}, size_t high_water = 1 << 20)
      : output(loop, drain.write_fd(), high_water), mux(output, options) {}
  PipeDrain drain;
  Output output;
  Mux mux;
};

}  // namespace

TEST_CASE("LogStream writes whole prefixed lines however the chunks cut them") {
  TestLoop loop;
  {
    Rig rig(loop.get());
    LogStream stream(rig.mux, rig.mux.AddSource("web"));
    stream.Feed("one\ntw");
    stream.Feed("o\nthr");
    stream.Feed("ee\n");
    rig.output.Flush();
    const std::string expected = "web | one\nweb | two\nweb | three\n";
    CHECK(rig.drain.WaitFor([&](const std::string& d) { return d == expected; }, 10s));
    CHECK(stream.pending() == 0);
  }
  CHECK(loop.Close());
}

TEST_CASE("LogStream makes one Output::Write per chunk, not one per line") {
  TestLoop loop;
  {
    Rig rig(loop.get());
    LogStream stream(rig.mux, rig.mux.AddSource("web"));
    std::string chunk;
    for (int i = 0; i < 1000; ++i) chunk += "line " + std::to_string(i) + "\n";
    const uint64_t before = rig.output.write_calls();
    stream.Feed(chunk);
    CHECK(rig.output.write_calls() == before + 1);
    stream.Feed("partial");  // no complete line: no write at all
    CHECK(rig.output.write_calls() == before + 1);
  }
  CHECK(loop.Close());
}

TEST_CASE("LogStream Finish prints a final line that had no newline") {
  TestLoop loop;
  {
    Rig rig(loop.get());
    LogStream stream(rig.mux, rig.mux.AddSource("job"));
    stream.Feed("done\nbye");
    stream.Finish();
    rig.output.Flush();
    CHECK(rig.drain.WaitFor([](const std::string& d) { return d == "job | done\njob | bye\n"; }, 10s));
  }
  CHECK(loop.Close());
}

TEST_CASE("LogStream never splices a partial line of one source with another source's line") {
  TestLoop loop;
  {
    Rig rig(loop.get());
    LogStream a(rig.mux, rig.mux.AddSource("a"));
    LogStream b(rig.mux, rig.mux.AddSource("b"));
    a.Feed("a1\na2-be");
    b.Feed("b1\nb2-be");
    a.Feed("gun\n");
    b.Feed("gun\n");
    rig.output.Flush();
    const std::string expected = "a | a1\nb | b1\na | a2-begun\nb | b2-begun\n";
    CHECK(rig.drain.WaitFor([&](const std::string& d) { return d == expected; }, 10s));
  }
  CHECK(loop.Close());
}

TEST_CASE("LogStream puts one timestamp on each line") {
  TestLoop loop;
  {
    Rig rig(loop.get(), FormatOptions{.color = false, .timestamps = true});
    LogStream stream(rig.mux, rig.mux.AddSource("web"));
    stream.Feed("x\ny\n");
    rig.output.Flush();
    CHECK(rig.drain.WaitFor([](const std::string& d) { return d.size() == 2 * 33; }, 10s));
    const std::regex line(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z web \| [xy])");
    for (const std::string& text : Lines(rig.drain.data())) CHECK(std::regex_match(text, line));
  }
  CHECK(loop.Close());
}

TEST_CASE("LogStream observer sees each line, events it logs follow the line, and it can stop") {
  TestLoop loop;
  {
    Rig rig(loop.get());
    const int self = rig.mux.AddSource("sv");
    LogStream stream(rig.mux, rig.mux.AddSource("db"));
    std::vector<std::string> seen;
    stream.SetObserver([&](std::string_view line) {
      seen.emplace_back(line);
      if (line == "ready") {
        rig.mux.Line(self, "db healthy");
        stream.SetObserver(nullptr);  // from inside the observer
      }
    });
    stream.Feed("starting\nready\nserving\n");
    stream.Feed("more\n");
    CHECK(seen == std::vector<std::string>{"starting", "ready"});
    rig.output.Flush();
    const std::string expected = "db | starting\ndb | ready\nsv | db healthy\ndb | serving\ndb | more\n";
    CHECK(rig.drain.WaitFor([&](const std::string& d) { return d == expected; }, 10s));
  }
  CHECK(loop.Close());
}

TEST_CASE("LogStream commits a chunk of empty lines in parts of about kMaxBatch, every line whole") {
  TestLoop loop;
  {
    Rig rig(loop.get(), FormatOptions{.color = true, .timestamps = true});
    LogStream stream(rig.mux, rig.mux.AddSource("a-rather-long-service-name"));
    const std::string newlines(256 * 1024, '\n');
    const uint64_t before = rig.output.write_calls();
    stream.Feed(newlines);
    const uint64_t parts = rig.output.write_calls() - before;
    rig.output.Flush();
    // "<24-char timestamp> <colour>NAME |<reset> " and the newline: 64 bytes a line.
    REQUIRE(rig.drain.WaitFor([&](const std::string& d) { return d.size() == newlines.size() * 64; }, 10s));
    const std::string data = rig.drain.data();
    const auto lines = Lines(data);
    REQUIRE(lines.size() == newlines.size());
    const std::regex whole(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \x1b\[36ma-rather-long-service-name \|\x1b\[0m )");
    bool all_whole = true;
    for (const std::string& text : lines) all_whole = all_whole && std::regex_match(text, whole);
    CHECK(all_whole);
    // Each part is the first whole line at or past kMaxBatch.
    const size_t line_size = data.size() / lines.size();
    const size_t per_part = (LogStream::kMaxBatch + line_size - 1) / line_size;
    CHECK(parts == (lines.size() + per_part - 1) / per_part);
  }
  CHECK(loop.Close());
}

TEST_CASE("LogStream cuts a 200 MB line into max_line pieces with bounded memory, honouring backpressure") {
  TestLoop loop;
  {
    const size_t high_water = 1 << 20;
    Rig rig(loop.get(), FormatOptions{}, high_water);
    bool congested = false;
    rig.output.SetPressureCallback([&](bool c) { congested = c; });
    LogStream stream(rig.mux, rig.mux.AddSource("w"));
    const std::string chunk(256 * 1024 + 3, 'z');
    const size_t total = 200u * 1024 * 1024;
    size_t most_pending = 0;
    for (size_t fed = 0; fed < total;) {
      // What the supervisor does: stop reading while the output is congested.
      if (congested) REQUIRE(loop.RunUntil([&] { return !congested; }, 30s));
      const size_t n = std::min(chunk.size(), total - fed);
      stream.Feed(std::string_view(chunk).substr(0, n));
      fed += n;
      most_pending = std::max(most_pending, rig.output.pending());
    }
    stream.Finish();
    rig.output.Flush();
    CHECK(most_pending <= high_water + 2 * chunk.size());
    const std::string piece = "w | " + std::string(kDefaultMaxLine, 'z') + "\n";
    const size_t pieces = total / kDefaultMaxLine;
    CHECK(rig.drain.WaitFor([&](const std::string& d) { return d.size() == pieces * piece.size(); }, 30s));
    const std::string data = rig.drain.data();
    bool all_pieces = true;
    for (size_t at = 0; at < data.size() && all_pieces; at += piece.size()) {
      all_pieces = data.compare(at, piece.size(), piece) == 0;
    }
    CHECK(all_pieces);
  }
  CHECK(loop.Close());
}

TEST_CASE("LogStream loses, duplicates, reorders and splices nothing across two streams") {
  TestLoop loop;
  {
    Rig rig(loop.get(), FormatOptions{}, 256 * 1024);
    bool congested = false;
    rig.output.SetPressureCallback([&](bool c) { congested = c; });
    LogStream out(rig.mux, rig.mux.AddSource("out"));
    LogStream err(rig.mux, rig.mux.AddSource("err"));
    auto make = [](const char* tag) {
      std::string text;
      for (int i = 0; i < 100000; ++i) text += std::string(tag) + " " + std::to_string(i) + " payload\n";
      return text;
    };
    const std::string out_text = make("o");
    const std::string err_text = make("e");
    std::mt19937 rng(7);
    size_t out_at = 0;
    size_t err_at = 0;
    while (out_at < out_text.size() || err_at < err_text.size()) {
      if (congested) REQUIRE(loop.RunUntil([&] { return !congested; }, 30s));
      const bool pick_out = err_at == err_text.size() || (out_at < out_text.size() && rng() % 2 == 0);
      const std::string& text = pick_out ? out_text : err_text;
      size_t& at = pick_out ? out_at : err_at;
      const size_t n = std::min<size_t>(text.size() - at, 1 + rng() % 5000);
      (pick_out ? out : err).Feed(std::string_view(text).substr(at, n));
      at += n;
    }
    out.Finish();
    err.Finish();
    rig.output.Flush();
    const size_t expected_size = out_text.size() + err_text.size() + 200000 * 6;
    REQUIRE(rig.drain.WaitFor([&](const std::string& d) { return d.size() >= expected_size; }, 30s));
    int next_out = 0;
    int next_err = 0;
    bool well_formed = true;
    for (const std::string& line : Lines(rig.drain.data())) {
      int* next = line.rfind("out | o ", 0) == 0 ? &next_out : line.rfind("err | e ", 0) == 0 ? &next_err : nullptr;
      if (next == nullptr || line != line.substr(0, 8) + std::to_string(*next) + " payload") {
        well_formed = false;
        CAPTURE(line);
        break;
      }
      ++*next;
    }
    CHECK(well_formed);
    CHECK(next_out == 100000);
    CHECK(next_err == 100000);
  }
  CHECK(loop.Close());
}

}  // namespace stackvisor::logmux
