#include "logmux/line_splitter.h"

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

namespace stackvisor::logmux {
namespace {

std::vector<std::string> SplitAll(LineSplitter& splitter, const std::vector<std::string_view>& chunks,
                                  bool finish = true) {
  std::vector<std::string> lines;
  auto sink = [&](std::string_view line) { lines.emplace_back(line); };
  for (std::string_view chunk : chunks) splitter.Feed(chunk, sink);
  if (finish) splitter.Finish(sink);
  return lines;
}

// The obvious, slow definition the splitter must agree with.
std::vector<std::string> Reference(std::string_view text, size_t max_line) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    do {
      lines.emplace_back(line.substr(0, max_line));
      line.remove_prefix(std::min(max_line, line.size()));
    } while (!line.empty());
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

}  // namespace

TEST_CASE("LineSplitter emits whole lines without the newline") {
  LineSplitter splitter;
  CHECK(SplitAll(splitter, {"one\ntwo\n\nthree\n"}) == std::vector<std::string>{"one", "two", "", "three"});
  CHECK(splitter.pending() == 0);
}

TEST_CASE("LineSplitter joins a line split across chunks, even byte by byte") {
  const std::string text = "alpha\nbravo charlie\ndelta\n";
  std::vector<std::string_view> bytes;
  for (size_t i = 0; i < text.size(); ++i) bytes.push_back(std::string_view(text).substr(i, 1));
  LineSplitter splitter;
  CHECK(SplitAll(splitter, bytes) == std::vector<std::string>{"alpha", "bravo charlie", "delta"});
}

TEST_CASE("LineSplitter keeps the partial tail until its newline arrives") {
  LineSplitter splitter;
  std::vector<std::string> lines;
  auto sink = [&](std::string_view line) { lines.emplace_back(line); };
  splitter.Feed("first\nsec", sink);
  CHECK(lines == std::vector<std::string>{"first"});
  CHECK(splitter.pending() == 3);
  splitter.Feed("ond", sink);
  CHECK(lines.size() == 1);
  splitter.Feed("\n", sink);
  CHECK(lines == std::vector<std::string>{"first", "second"});
  CHECK(splitter.pending() == 0);
}

TEST_CASE("LineSplitter Finish prints a final line without newline, and only once") {
  LineSplitter splitter;
  CHECK(SplitAll(splitter, {"done\nno newline"}) == std::vector<std::string>{"done", "no newline"});
  std::vector<std::string> again;
  splitter.Finish([&](std::string_view line) { again.emplace_back(line); });
  CHECK(again.empty());
}

TEST_CASE("LineSplitter Finish after a complete line emits nothing more") {
  LineSplitter splitter;
  CHECK(SplitAll(splitter, {"a\n"}) == std::vector<std::string>{"a"});
}

TEST_CASE("LineSplitter passes carriage returns, NUL and invalid UTF-8 through untouched") {
  LineSplitter splitter;
  const std::string binary("a\r\n\0b\xff\xfe\r\n", 9);
  auto lines = SplitAll(splitter, {binary});
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "a\r");
  CHECK(lines[1] == std::string("\0b\xff\xfe\r", 5));
}

TEST_CASE("LineSplitter cuts a long line into max_line pieces") {
  LineSplitter splitter(4);
  CHECK(SplitAll(splitter, {"abcdefghij\nxy\n"}) == std::vector<std::string>{"abcd", "efgh", "ij", "xy"});
}

TEST_CASE("LineSplitter keeps a line of exactly max_line whole, with no empty piece after it") {
  LineSplitter splitter(4);
  CHECK(SplitAll(splitter, {"abcd\nefghijkl\n"}) == std::vector<std::string>{"abcd", "efgh", "ijkl"});
  // The same with the newline arriving in the next chunk.
  LineSplitter split_late(4);
  CHECK(SplitAll(split_late, {"ab", "cd", "\n", "efghijkl", "\n"}) ==
        std::vector<std::string>{"abcd", "efgh", "ijkl"});
}

TEST_CASE("LineSplitter pieces a long line built from many small chunks") {
  LineSplitter splitter(5);
  CHECK(SplitAll(splitter, {"abc", "def", "ghi", "jkl", "\n"}) ==
        std::vector<std::string>{"abcde", "fghij", "kl"});
}

TEST_CASE("LineSplitter agrees with the reference for random text and random chunking") {
  std::mt19937 rng(12345);
  for (size_t max_line : {1u, 3u, 16u, 100u}) {
    std::string text;
    for (int i = 0; i < 20000; ++i) {
      const int r = static_cast<int>(rng() % 100);
      text.push_back(r < 8 ? '\n' : r < 10 ? '\r' : static_cast<char>('a' + r % 26));
    }
    std::vector<std::string_view> chunks;
    for (size_t at = 0; at < text.size();) {
      const size_t n = std::min<size_t>(text.size() - at, 1 + rng() % 300);
      chunks.push_back(std::string_view(text).substr(at, n));
      at += n;
    }
    LineSplitter splitter(max_line);
    CAPTURE(max_line);
    CHECK(SplitAll(splitter, chunks) == Reference(text, max_line));
  }
}

TEST_CASE("LineSplitter holds at most max_line bytes of a 200 MB line without newline") {
  const size_t max_line = kDefaultMaxLine;
  const std::string chunk(256 * 1024, 'x');
  const size_t total = 200u * 1024 * 1024;
  LineSplitter splitter(max_line);
  size_t pieces = 0;
  size_t bytes = 0;
  bool all_full = true;
  size_t most_pending = 0;
  auto sink = [&](std::string_view piece) {
    ++pieces;
    bytes += piece.size();
    all_full = all_full && piece.size() == max_line;
  };
  for (size_t fed = 0; fed < total; fed += chunk.size() - 7) {  // odd size: pieces straddle chunks
    splitter.Feed(std::string_view(chunk).substr(0, std::min(chunk.size() - 7, total - fed)), sink);
    most_pending = std::max(most_pending, splitter.pending());
  }
  splitter.Finish(sink);
  CHECK(most_pending <= max_line);
  CHECK(all_full);  // 200 MiB is a multiple of 16 KiB
  CHECK(bytes == total);
  CHECK(pieces == total / max_line);
}

}  // namespace stackvisor::logmux
