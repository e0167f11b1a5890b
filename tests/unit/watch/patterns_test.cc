// .dockerignore matching for develop.watch's ignore/include, and the files every watch skips.
#include <doctest/doctest.h>

#include "watch/patterns.h"

using stackvisor::watch::AlwaysIgnored;
using stackvisor::watch::GlobMatch;
using stackvisor::watch::PatternList;

TEST_CASE("watch glob: one segment") {
  CHECK(GlobMatch("*.py", "views.py"));
  CHECK_FALSE(GlobMatch("*.py", "views.pyc"));
  CHECK(GlobMatch("v?ews.py", "views.py"));
  CHECK(GlobMatch("[a-c]*", "beta"));
  CHECK_FALSE(GlobMatch("[!a-c]*", "beta"));
  CHECK(GlobMatch("a*b*c", "aXXbYYc"));
  CHECK_FALSE(GlobMatch("a*b*c", "aXXbYY"));
  CHECK(GlobMatch("\\*", "*"));
  CHECK_FALSE(GlobMatch("\\*", "x"));
  CHECK_FALSE(GlobMatch("[abc", "a"));  // malformed class matches nothing
}

TEST_CASE("watch patterns: .dockerignore semantics") {
  PatternList top({"*.log"});
  CHECK(top.Matches("app.log"));
  CHECK_FALSE(top.Matches("sub/app.log"));  // `*` does not cross directories
  PatternList deep({"**/*.log"});
  CHECK(deep.Matches("app.log"));
  CHECK(deep.Matches("a/b/app.log"));
  PatternList dir({"node_modules/"});
  CHECK(dir.Matches("node_modules"));
  CHECK(dir.Matches("node_modules/x/y.js"));  // a matched directory takes what is below it
  CHECK_FALSE(dir.Matches("src/node_modules"));
  PatternList cleaned({"./static/../media"});
  CHECK(cleaned.Matches("media/a.png"));
  PatternList negated({"**/*.md", "!README.md"});
  CHECK(negated.Matches("docs/a.md"));
  CHECK_FALSE(negated.Matches("README.md"));
  PatternList nested({"*/*"});
  CHECK(nested.Matches("a/b"));
  CHECK(nested.Matches("a/b/c"));  // via its parent a/b
  CHECK_FALSE(nested.Matches("a"));
  CHECK(PatternList({"**"}).Matches("anything/at/all"));
  CHECK_FALSE(PatternList(std::vector<std::string>{}).Matches("x"));
  CHECK(PatternList(std::vector<std::string>{}).empty());
}

TEST_CASE("watch patterns: what every watch skips") {
  CHECK(AlwaysIgnored(".git/index"));
  CHECK(AlwaysIgnored("src/.git"));
  CHECK(AlwaysIgnored("mysite/__pycache__/views.cpython-311.pyc"));
  CHECK(AlwaysIgnored("mysite/.views.py.swp"));
  CHECK(AlwaysIgnored("mysite/.views.py.swx"));
  CHECK(AlwaysIgnored("mysite/4913"));
  CHECK(AlwaysIgnored("mysite/views.py~"));
  CHECK(AlwaysIgnored("mysite/#views.py#"));
  CHECK(AlwaysIgnored("mysite/.#views.py"));
  CHECK(AlwaysIgnored("a/views.py___jb_tmp___"));
  CHECK(AlwaysIgnored(".idea/workspace.xml"));
  CHECK(AlwaysIgnored("old.pyc"));
  CHECK_FALSE(AlwaysIgnored("mysite/views.py"));
  CHECK_FALSE(AlwaysIgnored("game.swp"));  // a visible .swp is someone's file, not vim's
  CHECK_FALSE(AlwaysIgnored("gitignore/x"));
  CHECK_FALSE(AlwaysIgnored("mysite/.github/workflow.yml"));
}
