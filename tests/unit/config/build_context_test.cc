#include <doctest/doctest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/build_context.h"

using namespace stackvisor::config;
namespace fs = std::filesystem;

namespace {

// A build context on disk, removed at the end of the test.
struct Context {
  fs::path root;
  Context() {
    std::string templ = (fs::temp_directory_path() / "stackvisor-build-XXXXXX").string();
    REQUIRE(::mkdtemp(templ.data()) != nullptr);
    root = templ;
  }
  ~Context() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  void Write(const std::string& rel, const std::string& text = "x") const {
    fs::create_directories((root / rel).parent_path());
    std::ofstream(root / rel) << text;
  }
  void Seed(const std::string& rel, const std::string& data_name) const {
    std::ifstream in(std::string(STACKVISOR_TEST_DATA) + "/dockerfiles/" + data_name);
    REQUIRE(in.good());
    std::stringstream s;
    s << in.rdbuf();
    Write(rel, s.str());
  }
  std::string Path(const std::string& rel = "") const {
    return rel.empty() ? root.string() : (root / rel).string();
  }
};

struct Built {
  std::vector<std::pair<std::string, std::string>> binds;  // source, target
  std::string diagnostics;
  bool parsed = false;
};

Built Build(const BuildSpec& spec, const std::vector<std::string>& image_dirs = {}) {
  Built out;
  std::vector<Diagnostic> d;
  auto parsed = ReadBuildDockerfile(spec, d);
  out.parsed = parsed.has_value();
  if (parsed) {
    for (const Mount& m : CopyMounts(spec, *parsed, image_dirs, d)) {
      CHECK(m.kind == Mount::Kind::kBind);
      out.binds.emplace_back(m.source, m.target);
    }
  }
  for (const auto& x : d) out.diagnostics += x.Format() + "\n";
  return out;
}

BuildSpec Spec(const Context& c, const std::string& dockerfile = "Dockerfile") {
  BuildSpec spec;
  spec.context = c.Path();
  spec.dockerfile = dockerfile;
  spec.path = "services.web.build";
  spec.pos = SourcePos{"compose.yaml", 4, 5};
  return spec;
}

using Binds = std::vector<std::pair<std::string, std::string>>;

}  // namespace

TEST_CASE("build: seed 001's web image: COPY . . is the context at the WORKDIR") {
  Context c;
  c.Seed("Dockerfile", "seed001_web.Dockerfile");
  c.Write("manage.py");
  c.Write("backend/wsgi.py");
  Built b = Build(Spec(c));
  CHECK(b.diagnostics.empty());
  CHECK(b.binds == Binds{{c.Path(), "/usr/src/app"}});
}

TEST_CASE("build: a file copied onto a directory the image has goes into it") {
  Context c;
  c.Seed("Dockerfile", "seed001_nginx.Dockerfile");
  c.Write("nginx.conf");
  // The nginx recipe says /etc/nginx/conf.d exists: Docker puts the file inside it.
  CHECK(Build(Spec(c), {"/etc/nginx/conf.d"}).binds ==
        Binds{{c.Path("nginx.conf"), "/etc/nginx/conf.d/nginx.conf"}});
  // Without that knowledge the destination is a new file, as Docker does for a missing path.
  CHECK(Build(Spec(c)).binds == Binds{{c.Path("nginx.conf"), "/etc/nginx/conf.d"}});
}

TEST_CASE("build: seed 000's images, as printed and as fixed") {
  Context c;
  c.Seed("nginx/Dockerfile", "seed000_nginx.Dockerfile");
  c.Write("nginx/nginx.conf");
  c.Seed("postgres/Dockerfile", "seed000_postgres_fixed.Dockerfile");
  c.Seed("postgres/Dockerfile.printed", "seed000_postgres.Dockerfile");
  c.Write("postgres/init_docker_postgres.sh");
  c.Write("src/py/dbexport.pgsql");
  c.Seed("src/Dockerfile", "seed000_src.Dockerfile");
  c.Write("src/requirements.txt");
  c.Write("src/manage.py");

  BuildSpec nginx = Spec(c);
  nginx.context = c.Path("nginx");
  CHECK(Build(nginx).binds == Binds{{c.Path("nginx/nginx.conf"), "/etc/nginx/nginx.conf"}});

  Built pg = Build(Spec(c, "postgres/Dockerfile"));
  CHECK(pg.diagnostics.empty());
  CHECK(pg.binds == Binds{{c.Path("src/py/dbexport.pgsql"), "/tmp/psql_data/dbexport.pgsql"},
                          {c.Path("postgres/init_docker_postgres.sh"),
                           "/docker-entrypoint-initdb.d/init_docker_postgres.sh"}});

  // As printed, with ./postgres as the context: docker build fails too, and so do we.
  BuildSpec printed = Spec(c, "Dockerfile.printed");
  printed.context = c.Path("postgres");
  const std::string file = c.Path("postgres/Dockerfile.printed");
  CHECK(Build(printed).diagnostics ==
        file + ":2:1: error: services.web.build: COPY './src/py/dbexport.pgsql': not found in "
               "the build context " + c.Path("postgres") + "\n" +
        file + ":3:1: error: services.web.build: COPY './postgres/init_docker_postgres.sh': not "
               "found in the build context " + c.Path("postgres") + "\n");

  BuildSpec src = Spec(c);
  src.context = c.Path("src");
  Built web = Build(src);
  CHECK(web.diagnostics.empty());
  CHECK(web.binds == Binds{{c.Path("src/requirements.txt"), "/src/requirements.txt"},
                           {c.Path("src"), "/src"}});
}

TEST_CASE("build: globs, several sources, directories merged into the image's own") {
  Context c;
  c.Write("Dockerfile",
          "FROM python:3.11\nCOPY *.py /app/\nCOPY a.txt b.txt /data\nCOPY conf/ /etc/\n"
          "COPY conf /opt/conf\nCOPY sub/*/x.cfg /cfg/\n");
  c.Write("one.py");
  c.Write("two.py");
  c.Write("a.txt");
  c.Write("b.txt");
  c.Write("conf/app.ini");
  c.Write("conf/extra.ini");
  c.Write("sub/p/x.cfg");
  c.Write("sub/q/x.cfg");
  Built b = Build(Spec(c));
  CHECK(b.diagnostics.empty());
  CHECK(b.binds == Binds{{c.Path("one.py"), "/app/one.py"},
                         {c.Path("two.py"), "/app/two.py"},
                         {c.Path("a.txt"), "/data/a.txt"},
                         {c.Path("b.txt"), "/data/b.txt"},
                         {c.Path("conf/app.ini"), "/etc/app.ini"},  // /etc itself stays
                         {c.Path("conf/extra.ini"), "/etc/extra.ini"},
                         {c.Path("conf"), "/opt/conf"},
                         {c.Path("sub/p/x.cfg"), "/cfg/x.cfg"},
                         {c.Path("sub/q/x.cfg"), "/cfg/x.cfg"}});
}

TEST_CASE("build: .dockerignore is applied where cheap and reported where not") {
  Context c;
  c.Write("Dockerfile", "FROM python:3.11\nWORKDIR /code\nCOPY . .\n");
  c.Write(".dockerignore", "# build junk\n.git\n/*.pyc\n!keep.pyc\n**/__pycache__\n");
  c.Write("app.py");
  c.Write("old.pyc");
  c.Write("keep.pyc");
  c.Write(".git/HEAD");
  c.Write("pkg/mod.py");
  c.Write("pkg/__pycache__/mod.cpython-311.pyc");
  Built b = Build(Spec(c));
  CHECK(b.binds == Binds{{c.Path(".dockerignore"), "/code/.dockerignore"},
                         {c.Path("Dockerfile"), "/code/Dockerfile"},
                         {c.Path("app.py"), "/code/app.py"},
                         {c.Path("keep.pyc"), "/code/keep.pyc"},
                         {c.Path("pkg"), "/code/pkg"}});
  CHECK(b.diagnostics == c.Path("Dockerfile") +
                             ":3:1: warning: services.web.build: .dockerignore excludes 1 "
                             "path(s) under " + c.Path() +
                             " (e.g. 'pkg/__pycache__'), which the service sees at /code "
                             "anyway: a bind mount shows the whole directory\n");
  c.Write("Dockerfile", "FROM python:3.11\nCOPY old.pyc /x\n");
  CHECK(Build(Spec(c)).diagnostics ==
        c.Path("Dockerfile") + ":2:1: error: services.web.build: COPY 'old.pyc': excluded from "
                               "the build context by .dockerignore\n");
}

TEST_CASE("build: golden errors for sources and Dockerfiles that cannot be had") {
  Context c;
  c.Write("Dockerfile", "FROM x\nCOPY ../secret /s\nADD *.none /n/\nCOPY --chown=app:app a /a\n");
  c.Write("a");
  const std::string file = c.Path("Dockerfile");
  Built b = Build(Spec(c));
  CHECK(b.diagnostics ==
        file + ":2:1: error: services.web.build: COPY '../secret': outside the build context " +
            c.Path() + "\n" + file + ":3:1: error: services.web.build: ADD '*.none': no file in " +
            c.Path() + " matches\n" + file +
            ":4:1: warning: services.web.build: COPY --chown is not applied: the files keep "
            "their owner and mode on the host\n");
  CHECK(Build(Spec(c, "Dockerfile.prod")).diagnostics ==
        "compose.yaml:4:5: error: services.web.build.dockerfile: cannot read " +
            c.Path("Dockerfile.prod") + ": not found\n");
  BuildSpec missing = Spec(c);
  missing.context = c.Path("nope");
  CHECK(Build(missing).diagnostics == "compose.yaml:4:5: error: services.web.build.context: " +
                                          c.Path("nope") + " is not a directory (not found)\n");
  BuildSpec remote = Spec(c);
  remote.context = "https://github.com/a/b.git";
  CHECK(Build(remote).diagnostics ==
        "compose.yaml:4:5: error: services.web.build.context: 'https://github.com/a/b.git' is a "
        "remote context: clone it and point build.context at the directory\n");
  c.Write("Dockerfile", "FROM x\nBOGUS\n");
  CHECK(Build(Spec(c)).diagnostics == file + ":2:1: error: unknown instruction 'BOGUS'\n");
}

TEST_CASE("build: dockerfile_inline, args and target reach the parser") {
  Context c;
  c.Write("app.py");
  BuildSpec spec = Spec(c);
  spec.dockerfile_inline =
      "ARG BASE=python:3.9\nFROM ${BASE} AS run\nCOPY app.py /srv/\nFROM run AS other\n";
  spec.args = {{"BASE", "python:3.11"}};
  spec.target = "run";
  std::vector<Diagnostic> d;
  auto parsed = ReadBuildDockerfile(spec, d);
  REQUIRE(parsed.has_value());
  CHECK(d.empty());
  CHECK(parsed->dockerfile.from == "python:3.11");
  CHECK(parsed->dockerfile.stage == "run");
  CHECK(parsed->file == "compose.yaml:services.web.build.dockerfile_inline");
  auto mounts = CopyMounts(spec, *parsed, {}, d);
  REQUIRE(mounts.size() == 1);
  CHECK(mounts[0].target == "/srv/app.py");
  CHECK(mounts[0].pos == SourcePos{parsed->file, 3, 1});
}
