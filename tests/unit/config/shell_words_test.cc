#include <doctest/doctest.h>

#include "config/shell_words.h"

using namespace stackvisor::config;
using Words = std::vector<std::string>;

namespace {
Words Split(const std::string& text) {
  auto r = SplitShellWords(text);
  REQUIRE(r.ok());
  return r.value();
}
}  // namespace

TEST_CASE("SplitShellWords splits on blanks and honours quotes and backslashes") {
  CHECK(Split("gunicorn -b 0.0.0.0:8000 app:wsgi") ==
        Words{"gunicorn", "-b", "0.0.0.0:8000", "app:wsgi"});
  CHECK(Split("  a \t b\n c  ") == Words{"a", "b", "c"});
  CHECK(Split("sh -c 'echo hello; exit 3'") == Words{"sh", "-c", "echo hello; exit 3"});
  CHECK(Split(R"(echo "a \"b\" \$HOME \\ \x")") == Words{"echo", R"(a "b" $HOME \ \x)"});
  CHECK(Split(R"(a\ b c\'d)") == Words{"a b", "c'd"});
  CHECK(Split(R"('' "" x)") == Words{"", "", "x"});
  CHECK(Split(R"(pre'mid'"post")") == Words{"premidpost"});
  CHECK(Split("echo $HOME `x` *") == Words{"echo", "$HOME", "`x`", "*"});  // no expansion
  CHECK(Split("a \\\nb") == Words{"a", "b"});
  CHECK(Split("").empty());
}

TEST_CASE("SplitShellWords reports unterminated quotes and a trailing backslash") {
  CHECK(SplitShellWords("echo 'oops").error().message == "unterminated single quote");
  CHECK(SplitShellWords("echo \"oops").error().message == "unterminated double quote");
  CHECK(SplitShellWords("echo oops\\").error().message == "trailing backslash");
}

TEST_CASE("QuoteShellWord round-trips through SplitShellWords") {
  for (std::string word : {"plain", "", "with space", "it's", "$HOME", "a\"b", "tab\there"}) {
    CAPTURE(word);
    CHECK(Split(QuoteShellWord(word)) == Words{word});
  }
  CHECK(QuoteShellWord("plain") == "plain");
}
