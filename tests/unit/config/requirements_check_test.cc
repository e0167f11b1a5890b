#include <doctest/doctest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "config/build_context.h"
#include "config/pep440.h"
#include "config/requirements_check.h"

using namespace stackvisor::config;
namespace fs = std::filesystem;

namespace {

struct Scratch {
  fs::path root;
  Scratch() {
    std::string templ = (fs::temp_directory_path() / "stackvisor-req-XXXXXX").string();
    REQUIRE(::mkdtemp(templ.data()) != nullptr);
    root = templ;
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  std::string Write(const std::string& rel, const std::string& text) const {
    fs::create_directories((root / rel).parent_path());
    std::ofstream(root / rel) << text;
    return (root / rel).string();
  }
};

const MarkerEnvironment kPy311 = HostMarkers("3.11.2");

std::vector<Requirement> Parse(const std::string& text, std::string* notes = nullptr) {
  std::vector<Diagnostic> d;
  auto parsed = ParseRequirements(text, "requirements.txt", kPy311, d);
  if (notes) {
    for (const auto& x : d) *notes += x.Format() + "\n";
  }
  return parsed.requirements;
}

std::string Texts(const std::vector<Diagnostic>& d) {
  std::string out;
  for (const auto& x : d) out += x.Format() + "\n";
  return out;
}

// The host of these tests: Debian 12's versions of the seed stacks' distributions.
const std::vector<std::string> kListing = {
    "Django-3.2.25.egg-info", "asgiref-3.6.0.egg-info", "channels-4.0.0.egg-info",
    "channels_redis-4.0.0.egg-info", "daphne-4.0.0.egg-info", "gunicorn-20.1.0.egg-info",
    "psycopg2-2.9.5.egg-info", "redis-4.3.4.egg-info", "sqlparse-0.4.2.egg-info",
    "packaging-23.0.dist-info", "cryptography.egg-info", "flatbuffers-2.0.8+dfsg1.2.egg-info",
    "zope.interface-5.5.2.egg-info"};

}  // namespace

TEST_CASE("requirements: PEP 503 names and PEP 440 versions") {
  CHECK(NormalizeDistName("Django") == "django");
  CHECK(NormalizeDistName("channels_redis") == "channels-redis");
  CHECK(NormalizeDistName("zope.interface") == "zope-interface");
  CHECK(NormalizeDistName("Foo.-_Bar") == "foo-bar");
  CHECK(CompareVersions("1.0", "1.0.0") == 0);
  CHECK(CompareVersions("1.0.dev1", "1.0a1") < 0);
  CHECK(CompareVersions("1.0a1", "1.0rc1") < 0);
  CHECK(CompareVersions("1.0rc1", "1.0") < 0);
  CHECK(CompareVersions("1.0", "1.0.post1") < 0);
  CHECK(CompareVersions("2.0.8+dfsg1.2", "2.0.8") == 0);
  CHECK(CompareVersions("1!1.0", "2.0") > 0);
  CHECK(!CompareVersions("not-a-version", "1").has_value());
  CHECK(SatisfiesSpecifiers("3.2.25", ">=2.1") == true);
  CHECK(SatisfiesSpecifiers("3.2.25", ">=2.1,<3") == false);
  CHECK(SatisfiesSpecifiers("3.2.25", "==3.2.*") == true);
  CHECK(SatisfiesSpecifiers("3.2.25", "==3.0.8") == false);
  CHECK(SatisfiesSpecifiers("3.2.25", "~=3.2") == true);
  CHECK(SatisfiesSpecifiers("4.0", "~=3.2") == false);
  CHECK(SatisfiesSpecifiers("2.2.1", "~=2.2.0") == true);
  CHECK(SatisfiesSpecifiers("3.2.25", "!=3.2.25") == false);
  CHECK(SatisfiesSpecifiers("1.0", "===1.0") == true);
  CHECK(!SatisfiesSpecifiers("3.2", "=>3").has_value());
}

TEST_CASE("requirements: the file format pip reads") {
  std::string notes;
  auto reqs = Parse(
      "\xEF\xBB\xBF# a comment\n"
      "Django>=2.1,<4  # trailing comment\n"
      "channels[daphne]==4.0.0\n"
      "psycopg2-binary==2.9.5 \\\n"
      "    --hash=sha256:abc --hash=sha256:def\n"
      "pywin32>=300; sys_platform == \"win32\"\n"
      "backports.zoneinfo; python_version < \"3.9\"\n"
      "tomli ; python_version < '3.11' or extra == 'toml'\n"
      "uvloop; platform_system == 'Linux' and python_version >= '3.8'\n"
      "mylib @ https://example.com/mylib-1.0.tar.gz\n"
      "-e git+https://github.com/a/editable.git#egg=editable_pkg\n"
      "-e .\n"
      "git+https://github.com/a/b.git\n"
      "./local/pkg\n"
      "--index-url https://pypi.example/simple\n"
      "--frobnicate\n"
      "-r base.txt\n"
      "--requirement=dev.txt\n"
      "whitenoise (>=6)\n",
      &notes);
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& r : reqs) got.emplace_back(r.normalized, r.specifier);
  CHECK(got == std::vector<std::pair<std::string, std::string>>{
                   {"django", ">=2.1,<4"}, {"channels", "==4.0.0"}, {"psycopg2-binary", "==2.9.5"},
                   {"uvloop", ""}, {"mylib", ""}, {"editable-pkg", ""}, {"whitenoise", ">=6"}});
  CHECK(reqs[2].line == 4);
  CHECK(reqs[0].text == "Django>=2.1,<4");
  CHECK(notes ==
        "requirements.txt:12:1: warning: '-e .': an editable install of '.' is not checked "
        "(install it on the host yourself)\n"
        "requirements.txt:13:1: warning: 'git+https://github.com/a/b.git': a URL without "
        "#egg=name is not checked\n"
        "requirements.txt:14:1: warning: './local/pkg': a local path is not checked (install it "
        "on the host yourself)\n"
        "requirements.txt:16:1: warning: unknown option '--frobnicate', ignored\n");
  std::vector<Diagnostic> d;
  auto parsed = ParseRequirements("-r base.txt\n--requirement=dev.txt\n-rother.txt\n", "r.txt", kPy311, d);
  CHECK(parsed.includes ==
        std::vector<std::pair<std::string, int>>{{"base.txt", 1}, {"dev.txt", 2}, {"other.txt", 3}});
}

TEST_CASE("requirements: installed distributions from a site directory listing") {
  auto installed = InstalledFromListing(kListing);
  CHECK(installed.at("django") == "3.2.25");
  CHECK(installed.at("channels-redis") == "4.0.0");
  CHECK(installed.at("cryptography").empty());
  CHECK(installed.at("zope-interface") == "5.5.2");
  CHECK(InstalledFromListing({"foo-1.0-py3.11.egg-info", "README.txt"}) ==
        std::map<std::string, std::string>{{"foo", "1.0"}});
}

TEST_CASE("requirements: Debian package names, known and guessed") {
  bool known = false;
  CHECK(DebianPackageFor("django", known) == "python3-django");
  CHECK(known);
  CHECK(DebianPackageFor("channels", known) == "python3-django-channels");
  CHECK(DebianPackageFor("psycopg2-binary", known) == "python3-psycopg2");
  CHECK(DebianPackageFor("pillow", known) == "python3-pil");
  CHECK(DebianPackageFor("python-decouple", known) == "python3-decouple");
  CHECK(DebianPackageFor("python-slugify", known) == "python3-slugify");
  CHECK(!known);
  CHECK(DebianPackageFor("frobnitz", known) == "python3-frobnitz");
  CHECK(!known);
}

TEST_CASE("requirements: seed 000's pins against Debian 12's versions") {
  std::vector<Diagnostic> d;
  auto reqs = ReadRequirements(std::string(STACKVISOR_TEST_DATA) + "/requirements/seed000.txt",
                               kPy311, d);
  CHECK(d.empty());
  REQUIRE(reqs.size() == 8);
  auto report = CheckRequirements(reqs, InstalledFromListing(kListing), "services.web.build");
  const std::string f = std::string(STACKVISOR_TEST_DATA) + "/requirements/seed000.txt";
  // psycopg2-binary is the same module as Debian's psycopg2: present, version checked.
  CHECK(Texts(report.diagnostics) ==
        f + ":1:1: warning: services.web.build: 'asgiref==3.2.10': the host has asgiref 3.6.0 "
            "(python3-asgiref), which is not ==3.2.10; the service runs with 3.6.0\n" +
        f + ":2:1: warning: services.web.build: 'channels==2.4.0': the host has channels 4.0.0 "
            "(python3-django-channels), which is not ==2.4.0; the service runs with 4.0.0\n" +
        f + ":3:1: warning: services.web.build: 'channels-redis==3.0.1': the host has "
            "channels-redis 4.0.0 (python3-channels-redis), which is not ==3.0.1; the service "
            "runs with 4.0.0\n" +
        f + ":4:1: warning: services.web.build: 'daphne==2.5.0': the host has daphne 4.0.0 "
            "(python3-daphne), which is not ==2.5.0; the service runs with 4.0.0\n" +
        f + ":5:1: warning: services.web.build: 'Django==3.0.8': the host has Django 3.2.25 "
            "(python3-django), which is not ==3.0.8; the service runs with 3.2.25\n" +
        f + ":6:1: warning: services.web.build: 'gunicorn==20.0.4': the host has gunicorn "
            "20.1.0 (python3-gunicorn), which is not ==20.0.4; the service runs with 20.1.0\n" +
        f + ":7:1: warning: services.web.build: 'psycopg2-binary==2.8.5': the host has "
            "psycopg2-binary 2.9.5 (python3-psycopg2), which is not ==2.8.5; the service runs "
            "with 2.9.5\n" +
        f + ":8:1: warning: services.web.build: 'redis==3.5.3': the host has redis 4.3.4 "
            "(python3-redis), which is not ==3.5.3; the service runs with 4.3.4\n");
  CHECK(report.missing_packages.empty());
  CHECK(report.apt_line.empty());
}

TEST_CASE("requirements: missing ones name their packages and one apt-get line") {
  auto reqs = Parse("Django>=3\ngunicorn\nPillow\npython-decouple\nchannels\nfrobnitz==1\nPillow>=9\n");
  auto report = CheckRequirements(reqs, InstalledFromListing({"Django-3.2.25.egg-info"}), "");
  CHECK(Texts(report.diagnostics) ==
        "requirements.txt:2:1: warning: 'gunicorn' is not installed on the host: apt-get "
        "install python3-gunicorn\n"
        "requirements.txt:3:1: warning: 'Pillow' is not installed on the host: apt-get install "
        "python3-pil\n"
        "requirements.txt:4:1: warning: 'python-decouple' is not installed on the host: apt-get "
        "install python3-decouple\n"
        "requirements.txt:5:1: warning: 'channels' is not installed on the host: apt-get install "
        "python3-django-channels\n"
        "requirements.txt:6:1: warning: 'frobnitz==1' is not installed on the host: "
        "python3-frobnitz if Debian packages it (apt-cache policy python3-frobnitz)\n");
  CHECK(report.apt_line ==
        "apt-get install python3-gunicorn python3-pil python3-decouple python3-django-channels "
        "python3-frobnitz");
}

TEST_CASE("requirements: uwsgi is Debian's binary and python3 plugin, not a site entry") {
  bool known = false;
  CHECK(DebianPackageFor("uwsgi", known) == "uwsgi-plugin-python3");
  CHECK(known);
  auto reqs = Parse("uwsgi>=2.0.19,<2.1\n");
  std::map<std::string, std::string> installed;
  AddProgramDistributions(installed, [](const std::string&) { return false; });
  auto missing = CheckRequirements(reqs, installed, "");
  CHECK(missing.apt_line == "apt-get install uwsgi-plugin-python3");
  std::vector<std::string> asked;
  AddProgramDistributions(installed, [&](const std::string& path) {
    asked.push_back(path);
    return true;
  });
  CHECK(asked == std::vector<std::string>{"/usr/lib/uwsgi/plugins/python3_plugin.so",
                                          "/usr/bin/uwsgi"});
  auto present = CheckRequirements(reqs, installed, "");
  CHECK(present.diagnostics.empty());  // no version claimed, so none compared
  CHECK(present.apt_line.empty());
}

TEST_CASE("requirements: -r includes are read relative to their file, a cycle once") {
  Scratch s;
  const std::string top = s.Write("req/main.txt", "-r common/base.txt\nDjango\n");
  s.Write("req/common/base.txt", "redis\n-r ../main.txt\n-r missing.txt\n");
  std::vector<Diagnostic> d;
  auto reqs = ReadRequirements(top, kPy311, d);
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[0].normalized == "django");
  CHECK(reqs[1].normalized == "redis");
  CHECK(reqs[1].file == (s.root / "req/common/base.txt").string());
  CHECK(Texts(d) == (s.root / "req/common/missing.txt").string() +
                        ": warning: cannot read requirements file: not found; its requirements "
                        "are not checked\n");
}

TEST_CASE("requirements: a build's pip install steps are found and checked") {
  Scratch s;
  s.Write("ctx/requirements/prod.txt", "Django==5.0.3\ngunicorn\n");
  s.Write("site/Django-3.2.25.egg-info/PKG-INFO", "");
  BuildSpec spec;
  spec.context = (s.root / "ctx").string();
  spec.path = "services.web.build";
  spec.dockerfile_inline =
      "FROM python:3.11\nWORKDIR /app\nCOPY requirements/ ./requirements/\n"
      "RUN pip install --no-cache-dir -r requirements/prod.txt && pip install celery \"whitenoise>=6\"\n"
      "RUN python -m pip install -r /nowhere.txt\n";
  std::vector<Diagnostic> d;
  auto parsed = ReadBuildDockerfile(spec, d);
  REQUIRE(parsed.has_value());
  CHECK(parsed->dockerfile.pip_requirement_files ==
        std::vector<std::string>{"/app/requirements/prod.txt", "/nowhere.txt"});
  CHECK(parsed->dockerfile.pip_packages == std::vector<std::string>{"celery", "whitenoise>=6"});
  auto mounts = CopyMounts(spec, *parsed, {}, d);
  CHECK(d.empty());
  auto report = CheckBuildRequirements(spec, *parsed, mounts, {(s.root / "site").string()});
  const std::string prod = (s.root / "ctx/requirements/prod.txt").string();
  CHECK(Texts(report.diagnostics) ==
        parsed->file + ": warning: services.web.build: pip install -r /nowhere.txt: no COPY "
                       "brings that file in, so it is not checked\n" +
        prod + ":1:1: warning: services.web.build: 'Django==5.0.3': the host has Django 3.2.25 "
               "(python3-django), which is not ==5.0.3; the service runs with 3.2.25\n" +
        prod + ":2:1: warning: services.web.build: 'gunicorn' is not installed on the host: "
               "apt-get install python3-gunicorn\n" +
        parsed->file + ": warning: services.web.build: 'celery' is not installed on the host: "
                       "apt-get install python3-celery\n" +
        parsed->file + ": warning: services.web.build: 'whitenoise>=6' is not installed on the "
                       "host: apt-get install python3-whitenoise\n" +
        parsed->file + ": warning: services.web.build: 3 Python distribution(s) the image would "
                       "install are missing on the host; install them with: apt-get install "
                       "python3-gunicorn python3-celery python3-whitenoise\n");
}
