#include <doctest/doctest.h>

#include "config/interpolate.h"

using namespace stackvisor::config;

namespace {

const Variables kVars = {{"SET", "value"}, {"EMPTY", ""}, {"B", "bee"}};

struct Outcome {
  std::string text;
  std::vector<InterpolationIssue> issues;
};

Outcome Run(const std::string& text, const Variables& vars = kVars) {
  Outcome out;
  out.text = Interpolate(text, vars, out.issues);
  return out;
}

}  // namespace

TEST_CASE("Interpolate substitutes plain and braced references") {
  CHECK(Run("$SET").text == "value");
  CHECK(Run("${SET}").text == "value");
  CHECK(Run("a${SET}b $SET-x").text == "avalueb value-x");
  CHECK(Run("no references").text == "no references");
  CHECK(Run("$SET_X").issues.size() == 1);  // the name is SET_X, not SET
  CHECK(Run("$$SET").text == "$SET");
  CHECK(Run("$${SET}").text == "${SET}");
  CHECK(Run("cost: $$5").text == "cost: $5");
  CHECK(Run("$SET").issues.empty());
}

TEST_CASE("Interpolate: an unset variable becomes empty with a warning") {
  auto out = Run("x${NOPE}y");
  CHECK(out.text == "xy");
  REQUIRE(out.issues.size() == 1);
  CHECK_FALSE(out.issues[0].error);
  CHECK(out.issues[0].message == "variable 'NOPE' is not set, using an empty string");
  CHECK(Run("$EMPTY").issues.empty());  // set but empty is not a problem
}

TEST_CASE("Interpolate: default operators") {
  CHECK(Run("${NOPE:-d}").text == "d");
  CHECK(Run("${EMPTY:-d}").text == "d");
  CHECK(Run("${SET:-d}").text == "value");
  CHECK(Run("${NOPE-d}").text == "d");
  CHECK(Run("${EMPTY-d}").text == "");
  CHECK(Run("${SET-d}").text == "value");
  CHECK(Run("${NOPE:-}").text == "");
  CHECK(Run("${NOPE:-a b:c}").text == "a b:c");
  CHECK(Run("${NOPE:-d}").issues.empty());
}

TEST_CASE("Interpolate: alternative operators") {
  CHECK(Run("${SET:+alt}").text == "alt");
  CHECK(Run("${EMPTY:+alt}").text == "");
  CHECK(Run("${NOPE:+alt}").text == "");
  CHECK(Run("${SET+alt}").text == "alt");
  CHECK(Run("${EMPTY+alt}").text == "alt");
  CHECK(Run("${NOPE+alt}").text == "");
  CHECK(Run("${NOPE+alt}").issues.empty());
}

TEST_CASE("Interpolate: required operators report their message") {
  auto unset = Run("${NOPE:?set NOPE to the database URL}");
  REQUIRE(unset.issues.size() == 1);
  CHECK(unset.issues[0].error);
  CHECK(unset.issues[0].message ==
        "required variable 'NOPE' is missing a value: set NOPE to the database URL");
  auto empty = Run("${EMPTY:?}");
  REQUIRE(empty.issues.size() == 1);
  CHECK(empty.issues[0].message == "required variable 'EMPTY' is missing a value");
  CHECK(Run("${EMPTY?must be set}").issues.empty());  // set (even empty) is enough without ':'
  CHECK(Run("${NOPE?must be set}").issues.size() == 1);
  CHECK(Run("${SET:?x}").text == "value");
}

TEST_CASE("Interpolate: nesting, evaluated only when used") {
  CHECK(Run("${NOPE:-${B:-x}}").text == "bee");
  CHECK(Run("${NOPE:-${ALSO_NOPE:-x}}").text == "x");
  CHECK(Run("${NOPE:-pre-${B}-post}").text == "pre-bee-post");
  CHECK(Run("${SET:+[${B}]}").text == "[bee]");
  auto unused = Run("${SET:-${NOPE:?never reported}}");
  CHECK(unused.text == "value");
  CHECK(unused.issues.empty());
  auto used = Run("${NOPE:-${ALSO:?needed}}");
  REQUIRE(used.issues.size() == 1);
  CHECK(used.issues[0].message == "required variable 'ALSO' is missing a value: needed");
  CHECK(Run("${NOPE:-$$}").text == "$");
}

TEST_CASE("Interpolate reports malformed references as errors") {
  for (const char* bad : {"${", "${SET", "${}", "${1X}", "${SET:x}", "${SET:-unterminated",
                          "${NOPE:-${X}", "${A B}"}) {
    CAPTURE(bad);
    auto out = Run(bad);
    REQUIRE(out.issues.size() >= 1);
    CHECK(out.issues.back().error);
    CHECK(out.issues.back().message.rfind("invalid interpolation format in '", 0) == 0);
  }
  CHECK(Run("${}").issues[0].message == "invalid interpolation format in '${}'");
  CHECK(Run("${SET:x}").issues.size() == 1);  // one message per value, not a cascade
}

TEST_CASE("Interpolate keeps a '$' that starts no reference, as compose does") {
  for (const char* text : {"$1", "a $ b", "end$", "^ready( at \\d+)?$", "$-x"}) {
    CAPTURE(text);
    auto out = Run(text);
    CHECK(out.text == text);
    CHECK(out.issues.empty());
  }
}

TEST_CASE("Interpolate survives pathological nesting") {
  std::string deep;
  for (int i = 0; i < 10000; ++i) deep += "${A:-";
  auto out = Run(deep);
  CHECK_FALSE(out.issues.empty());
}
