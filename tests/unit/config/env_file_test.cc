#include <doctest/doctest.h>

#include "config/env_file.h"

using namespace stackvisor::config;

namespace {

struct Parsed {
  std::vector<EnvEntry> entries;
  std::vector<EnvFileIssue> issues;
  std::optional<std::string> Get(const std::string& key) const {
    for (const auto& e : entries)
      if (e.key == key) return e.value;
    FAIL("no key " << key);
    return std::nullopt;
  }
};

Parsed Parse(const std::string& text, const Variables& vars = {{"HOME", "/root"}}) {
  Parsed p;
  p.entries = ParseEnvFile(text, vars, p.issues);
  return p;
}

}  // namespace

TEST_CASE("ParseEnvFile reads compose's env-file syntax") {
  auto p = Parse(
      "# a comment\n"
      "\n"
      "PLAIN=value\n"
      "SPACED =  trimmed value  \n"
      "export EXPORTED=yes\n"
      "SINGLE='literal $HOME \\n # not a comment'\n"
      "DOUBLE=\"line1\\nline2\\t$HOME \\$HOME \\\"q\\\"\"\n"
      "INLINE=value # comment\n"
      "HASH=a#b\n"
      "EMPTY=\n"
      "BARE\n"
      "HOME\n"
      "REF=${HOME}/x\n"
      "EARLIER=${PLAIN}-2\n");
  CHECK(p.issues.empty());
  CHECK(p.Get("PLAIN") == "value");
  CHECK(p.Get("SPACED") == "trimmed value");
  CHECK(p.Get("EXPORTED") == "yes");
  CHECK(p.Get("SINGLE") == "literal $HOME \\n # not a comment");
  CHECK(p.Get("DOUBLE") == "line1\nline2\t/root $HOME \"q\"");
  CHECK(p.Get("INLINE") == "value");
  CHECK(p.Get("HASH") == "a#b");
  CHECK(p.Get("EMPTY") == "");
  CHECK(p.Get("HOME") == "/root");  // a bare KEY passes the variable through; BARE is unset
  for (const auto& e : p.entries) CHECK(e.key != "BARE");
  CHECK(p.Get("REF") == "/root/x");
  CHECK(p.Get("EARLIER") == "value-2");
  CHECK(p.entries.size() == 11);
  CHECK(p.entries[0].line == 3);
}

TEST_CASE("ParseEnvFile: quoted values may span lines and line numbers stay right") {
  auto p = Parse("A=\"one\ntwo\"\nB='x\ny'\nC=3\n");
  CHECK(p.issues.empty());
  CHECK(p.Get("A") == "one\ntwo");
  CHECK(p.Get("B") == "x\ny");
  REQUIRE(p.entries.size() == 3);
  CHECK(p.entries[2].line == 5);
}

TEST_CASE("ParseEnvFile: the environment wins over earlier keys of the file") {
  auto p = Parse("HOME=/elsewhere\nX=$HOME\n");
  CHECK(p.Get("X") == "/root");
}

TEST_CASE("ParseEnvFile reports problems with their line") {
  auto p = Parse("OK=1\nA=\"never closed\nB=2\n");
  REQUIRE(p.issues.size() == 1);
  CHECK(p.issues[0].line == 2);
  CHECK(p.issues[0].message == "unterminated double quote");

  auto q = Parse("=novalue\nGOOD=1\nBAD KEY=2\nX='a' trailing\nY=${UNSET}\n");
  REQUIRE(q.issues.size() == 4);
  CHECK(q.issues[0].line == 1);
  CHECK(q.issues[0].message == "invalid line '': expected KEY=VALUE");
  CHECK(q.issues[1].line == 3);
  CHECK(q.issues[2].message == "unexpected text after the closing quote");
  CHECK(q.issues[3].line == 5);
  CHECK_FALSE(q.issues[3].error);
  CHECK(q.Get("GOOD") == "1");
}

TEST_CASE("ParseEnvFile: a later definition of a key is what later lines see") {
  auto p = Parse("A=first\nA=second\nB=${A}\n");
  CHECK(p.issues.empty());
  REQUIRE(p.entries.size() == 3);
  CHECK(p.entries[2].value == "second");
}

// The scale that used to take minutes (every line copied all earlier ones): the test checks
// the values, the time is measured by bench/py/env_scale.py.
TEST_CASE("ParseEnvFile: 100,000 lines, each referring to the one before") {
  constexpr int kLines = 100000;
  std::string text = "K0=v\n";
  for (int i = 1; i < kLines; ++i)
    text += "K" + std::to_string(i) + "=${K" + std::to_string(i - 1) + "}\n";
  auto p = Parse(text);
  CHECK(p.issues.empty());
  REQUIRE(p.entries.size() == kLines);
  CHECK(p.entries.back().key == "K" + std::to_string(kLines - 1));
  CHECK(p.entries.back().value == "v");
  CHECK(p.entries.back().line == kLines);
}
