// The example stack's develop.watch, loaded from examples/django-channels/compose.yaml: a saved
// .py restarts gunicorn (web) and daphne (channels), never the database or anything else.
#include <doctest/doctest.h>
#include <pwd.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "config/loader.h"
#include "watch/rules.h"

using namespace stackvisor;

namespace {

std::set<std::string> Restarted(const config::Manifest& manifest, const watch::RuleSet& rules,
                                const std::string& relative) {
  watch::Batch batch;
  const std::string path = manifest.project_directory + "/" + relative;
  for (size_t id = 0; id < rules.rules().size(); ++id)
    if (auto rel = rules.Take(id, path)) batch.paths[id].insert(*rel);
  std::set<std::string> names;
  for (const auto& work : watch::PlanWork(rules, batch, manifest.project_directory))
    if (work.restart) names.insert(manifest.services[work.service].name);
  return names;
}

}  // namespace

TEST_CASE("example stack: a .py edit restarts web and channels, not db") {
  const std::string dir = std::filesystem::weakly_canonical(
                              std::string(STACKVISOR_TEST_DATA) + "/../../examples/django-channels")
                              .string();
  config::LoadOptions options;
  options.cwd = dir;
  options.files = {"compose.yaml"};
  const passwd* me = getpwuid(geteuid());
  REQUIRE(me != nullptr);
  options.environment = {{"PATH", "/usr/bin:/bin"},
                         {"DJANGO_SECRET_KEY", "test"},
                         {"POSTGRES_PASSWORD", "test"},
                         {"DB_OS_USER", me->pw_name},
                         {"STATE_DIR", "/tmp/stackvisor-example-rules-test"}};
  auto result = config::Load(options);
  std::string text;
  for (const auto& d : result.diagnostics) text += d.Format() + "\n";
  INFO(text);
  REQUIRE(result.manifest);
  const config::Manifest& m = *result.manifest;
  watch::RuleSet rules(m);
  CHECK_FALSE(rules.empty());
  for (const auto& service : m.services)
    if (service.name != "web" && service.name != "channels") CHECK(service.watch.empty());
  const std::set<std::string> servers = {"channels", "web"};
  CHECK(Restarted(m, rules, "counter/views.py") == servers);
  CHECK(Restarted(m, rules, "counter/management/commands/publish.py") == servers);
  CHECK(Restarted(m, rules, "stackdemo/settings.py") == servers);
  CHECK(Restarted(m, rules, "counter/__pycache__/views.cpython-311.pyc").empty());
  CHECK(Restarted(m, rules, "counter/templates/counter/index.html").empty());
  CHECK(Restarted(m, rules, "compose.yaml").empty());
}
