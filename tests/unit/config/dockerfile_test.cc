#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "config/dockerfile.h"

using namespace stackvisor::config;
using Args = std::map<std::string, std::string>;
using Argv = std::vector<std::string>;
using Env = std::vector<std::pair<std::string, std::string>>;

namespace {

Dockerfile Parse(const std::string& text, const Args& args = {}, const std::string& target = "") {
  std::vector<Diagnostic> d;
  auto df = ParseDockerfile(text, "Dockerfile", args, target, d);
  for (const auto& x : d) INFO(x.Format());
  REQUIRE(df.has_value());
  return *df;
}

std::string Errors(const std::string& text, const Args& args = {}, const std::string& target = "") {
  std::vector<Diagnostic> d;
  auto df = ParseDockerfile(text, "Dockerfile", args, target, d);
  CHECK(!df.has_value());
  std::string out;
  for (const auto& x : d) out += x.Format() + "\n";
  return out;
}

std::string ReadData(const std::string& name) {
  std::ifstream in(std::string(STACKVISOR_TEST_DATA) + "/dockerfiles/" + name);
  REQUIRE(in.good());
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("Dockerfile: continuations, comments and case-insensitive keywords") {
  auto df = Parse(
      "# a comment\n"
      "from python:3.11\n"
      "ENV A=1 \\\n"
      "    # a comment inside the instruction is dropped\n"
      "\n"
      "    B=2\n"
      "   cmd python \\\n"
      "  -m http.server\r\n");
  CHECK(df.from == "python:3.11");
  CHECK(df.env == Env{{"A", "1"}, {"B", "2"}});
  CHECK(df.cmd == Argv{"/bin/sh", "-c", "python   -m http.server"});
}

TEST_CASE("Dockerfile: the escape directive changes the continuation character") {
  auto df = Parse("# escape=`\nFROM x\nENV P=C:\\dir `\n  Q=2\n");
  CHECK(df.env == Env{{"P", "C:\\dir"}, {"Q", "2"}});
  // A directive after an instruction or comment is only a comment.
  auto later = Parse("FROM x\n# escape=`\nENV A=1 \\\n B=2\n");
  CHECK(later.env == Env{{"A", "1"}, {"B", "2"}});
  CHECK(Errors("# escape=x\nFROM a\n") ==
        "Dockerfile:1:1: error: invalid escape directive 'x': must be ` or \\\n");
}

TEST_CASE("Dockerfile: exec form, shell form, SHELL, and exec form that is not JSON") {
  auto df = Parse("FROM x\nSHELL [\"/bin/bash\", \"-lc\"]\nENTRYPOINT echo hi\nCMD [\"a\", \"b c\"]\n");
  CHECK(df.entrypoint == Argv{"/bin/bash", "-lc", "echo hi"});
  CHECK(df.cmd == Argv{"a", "b c"});
  // Not valid JSON: Docker runs it in shell form.
  CHECK(Parse("FROM x\nCMD [ \"a\", b ]\n").cmd == Argv{"/bin/sh", "-c", "[ \"a\", b ]"});
  CHECK(Parse("FROM x\nCMD [\"\\u00e9\\n\"]\n").cmd == Argv{"\xC3\xA9\n"});
  CHECK(Errors("FROM x\nSHELL /bin/bash -c\n") ==
        "Dockerfile:2:1: error: SHELL: must be in exec form, e.g. SHELL [\"/bin/bash\", \"-c\"]\n");
}

TEST_CASE("Dockerfile: ARG before and after FROM; build.args beat defaults") {
  const std::string text =
      "ARG PY=3.9\nARG TAG\nFROM python:${PY}${TAG:+-$TAG}\n"
      "ARG PY\nARG MODE=dev\nENV MODE=$MODE PYV=$PY GLOBAL_ONLY=${TAG:-none}\n";
  auto df = Parse(text);
  CHECK(df.from == "python:3.9");
  CHECK(df.env == Env{{"MODE", "dev"}, {"PYV", "3.9"}, {"GLOBAL_ONLY", "none"}});
  auto built = Parse(text, {{"PY", "3.11"}, {"TAG", "slim"}, {"MODE", "prod"}});
  CHECK(built.from == "python:3.11-slim");
  // TAG is declared only before FROM: a stage does not see it without its own ARG.
  CHECK(built.env == Env{{"MODE", "prod"}, {"PYV", "3.11"}, {"GLOBAL_ONLY", "none"}});
  std::vector<Diagnostic> d;
  ParseDockerfile("FROM x\n", "Dockerfile", {{"UNUSED", "1"}}, "", d);
  REQUIRE(d.size() == 1);
  CHECK(d[0].Format() ==
        "Dockerfile: warning: build.args: 'UNUSED' is not declared by an ARG (Docker ignores it too)");
}

TEST_CASE("Dockerfile: substitution as Docker does it") {
  auto df = Parse(
      "FROM x\nENV A=a E=\nENV B=${A}b C=${NOPE:-dflt} D=${A:+set} F=${E:-empty} G=${E-unset}\n"
      "ENV H='$A' I=\"$A \\$A\" J=\\$A K=$A$ L=${A}${NOPE}x\n");
  CHECK(df.env == Env{{"A", "a"}, {"E", ""}, {"B", "ab"}, {"C", "dflt"}, {"D", "set"},
                      {"F", "empty"}, {"G", ""}, {"H", "$A"}, {"I", "a $A"}, {"J", "$A"},
                      {"K", "a$"}, {"L", "ax"}});
  CHECK(Errors("FROM x\nWORKDIR ${HOME:?HOME must be set}\n") ==
        "Dockerfile:2:1: error: WORKDIR: HOME: HOME must be set\n");
  CHECK(Errors("FROM x\nENV A=${B\n") ==
        "Dockerfile:2:1: error: ENV: bad substitution in 'A=${B'\n");
  CHECK(Errors("FROM x\nENV A=\"x\n") ==
        "Dockerfile:2:1: error: ENV: unexpected end of statement while looking for matching double-quote\n");
}

TEST_CASE("Dockerfile: ENV both forms, replacing in place, each pair seeing the values before") {
  auto df = Parse("FROM x\nENV PATH /app/bin:$PATH\nENV K=V K2=\"v 2\" K3=v\\ 3\n"
                  "ENV legacy some spaced \"value\"\nENV K=new OLD=$K\n",
                  {}, "");
  CHECK(df.env == Env{{"PATH", "/app/bin:"}, {"K", "new"}, {"K2", "v 2"}, {"K3", "v 3"},
                      {"legacy", "some spaced value"}, {"OLD", "V"}});
  CHECK(Errors("FROM x\nENV K=1 bare\n") == "Dockerfile:2:1: error: ENV: expected KEY=value, got 'bare'\n");
  CHECK(Errors("FROM x\nENV K\n") ==
        "Dockerfile:2:1: error: ENV: expected 'ENV KEY value' or 'ENV KEY=value ...', got 'K'\n");
}

TEST_CASE("Dockerfile: multi-stage, build.target, and what FROM <stage> inherits") {
  const std::string text =
      "FROM python:3.11 AS base\nENV A=1\nWORKDIR /app\nUSER app\nCMD [\"base\"]\n"
      "COPY req.txt .\n"
      "FROM base AS dev\nENTRYPOINT [\"tini\"]\n"
      "FROM node:20 AS assets\nWORKDIR /build\n"
      "FROM Base\nCOPY --from=assets /build/dist ./static\nCMD [\"final\"]\nENTRYPOINT [\"e\"]\n";
  auto last = Parse(text);
  CHECK(last.from == "python:3.11");
  CHECK(last.workdir == "/app");
  CHECK(last.user == "app");
  CHECK(last.env == Env{{"A", "1"}});
  CHECK(last.cmd == Argv{"final"});  // a CMD in this stage survives ENTRYPOINT
  CHECK(last.copies.size() == 1);
  CHECK(last.copies[0].destination == "/app");
  REQUIRE(last.skipped.size() == 1);
  CHECK(last.skipped[0] ==
        std::pair<int, std::string>{12, "COPY --from=assets /build/dist ./static (copies from stage or image assets)"});
  auto dev = Parse(text, {}, "DEV");
  CHECK(dev.stage == "dev");
  CHECK(dev.entrypoint == Argv{"tini"});
  CHECK(dev.cmd == Argv{});  // the inherited CMD is reset, as Docker does
  CHECK(Parse(text, {}, "assets").workdir == "/build");
  CHECK(Parse(text, {}, "assets").env.empty());
  CHECK(Errors(text, {}, "prod") ==
        "Dockerfile: error: build.target: no stage named 'prod' (stages: base, dev, assets)\n");
}

TEST_CASE("Dockerfile: WORKDIR is relative to the previous one") {
  auto df = Parse("FROM x\nWORKDIR app\nWORKDIR ./src/../lib//\nENV D=/data\nWORKDIR $D/x\n");
  CHECK(df.workdir == "/data/x");
  CHECK(df.created_dirs == Argv{"/app", "/app/lib", "/data/x"});
}

TEST_CASE("Dockerfile: COPY and ADD destinations and flags") {
  auto df = Parse(
      "FROM x\nWORKDIR /srv\nARG OWNER=app\n"
      "COPY --chown=${OWNER}:app --chmod=0644 --link a.txt b/\n"
      "COPY . .\nCOPY one two /opt/\nADD [\"with space.conf\", \"/etc/x.conf\"]\nCOPY *.py lib\n");
  REQUIRE(df.copies.size() == 5);
  CHECK(df.copies[0].sources == Argv{"a.txt"});
  CHECK(df.copies[0].destination == "/srv/b");
  CHECK(df.copies[0].destination_is_dir);
  CHECK(df.copies[0].chown == "app:app");
  CHECK(df.copies[0].chmod == "0644");
  CHECK(df.copies[1].destination == "/srv");
  CHECK(df.copies[1].destination_is_dir);
  CHECK(df.copies[2].destination_is_dir);  // several sources
  CHECK(df.copies[3].sources == Argv{"with space.conf"});
  CHECK(df.copies[3].destination == "/etc/x.conf");
  CHECK(!df.copies[3].destination_is_dir);
  CHECK(df.copies[3].is_add);
  CHECK(df.copies[4].sources == Argv{"*.py"});
  CHECK(df.copies[4].line == 8);
  CHECK(Errors("FROM x\nCOPY --own=me a b\n") == "Dockerfile:2:1: error: COPY: unknown flag '--own'\n");
  CHECK(Errors("FROM x\nCOPY --exclude=*.md . /app\n") ==
        "Dockerfile:2:1: error: COPY: --exclude is not supported: copy the wanted paths one by one\n");
  CHECK(Errors("FROM x\n  COPY onlyone\n") ==
        "Dockerfile:2:3: error: COPY: requires at least two arguments (sources and a destination), got 1\n");
}

TEST_CASE("Dockerfile: ADD of URLs, git and archives, heredocs and RUN are skipped") {
  auto df = Parse(
      "FROM x\nADD https://example.com/a.tgz /opt/\nADD git@github.com:a/b.git /src\n"
      "ADD vendor.tar.gz /vendor\nRUN <<EOF\nset -e\nFROM not-an-instruction\nEOF\n"
      "COPY <<-CONF /etc/app.conf\n\tkey=1\n\tCONF\nRUN apt-get update && \\\n  apt-get install -y x\n"
      "CMD [\"run\"]\n");
  CHECK(df.copies.empty());
  CHECK(df.cmd == Argv{"run"});
  REQUIRE(df.skipped.size() == 6);
  CHECK(df.skipped[0].second == "ADD https://example.com/a.tgz /opt/ (Docker would download it)");
  CHECK(df.skipped[1].second == "ADD git@github.com:a/b.git /src (Docker would download it)");
  CHECK(df.skipped[2].second ==
        "ADD vendor.tar.gz /vendor (Docker would extract the archive; unpack it yourself)");
  CHECK(df.skipped[3] == std::pair<int, std::string>{5, "RUN <<EOF"});
  CHECK(df.skipped[4].second == "COPY <<-CONF /etc/app.conf (a file written inline)");
  CHECK(df.skipped[5] == std::pair<int, std::string>{12, "RUN apt-get update &&   apt-get install -y x"});
  CHECK(Errors("FROM x\nRUN <<EOF\necho\n") ==
        "Dockerfile:2:1: error: RUN: heredoc <<EOF is never closed (no line 'EOF')\n");
}

TEST_CASE("Dockerfile: EXPOSE, VOLUME, STOPSIGNAL, USER") {
  auto df = Parse("FROM x\nARG P=8001\nEXPOSE 8000/tcp $P 53/udp 9000-9002 8000\n"
                  "VOLUME /data\nVOLUME [\"/a\", \"/b\"]\nSTOPSIGNAL SIGQUIT\nUSER 1000:1000\n");
  CHECK(df.expose == std::vector<uint16_t>{8000, 8001, 53, 9000, 9001, 9002});
  CHECK(df.volumes == Argv{"/data", "/a", "/b"});
  CHECK(df.stop_signal == "SIGQUIT");
  CHECK(df.user == "1000:1000");
  CHECK(Errors("FROM x\nEXPOSE 80/tpc 70000\n") ==
        "Dockerfile:2:1: error: EXPOSE: invalid port '80/tpc' (expected PORT[-PORT][/tcp|udp|sctp])\n"
        "Dockerfile:2:1: error: EXPOSE: invalid port '70000' (expected PORT[-PORT][/tcp|udp|sctp])\n");
}

TEST_CASE("Dockerfile: golden errors carry file:line:column, all of them") {
  CHECK(Errors("FROM x\n\n   FOO bar\nRUNN x\n") ==
        "Dockerfile:3:4: error: unknown instruction 'FOO'\n"
        "Dockerfile:4:1: error: unknown instruction 'RUNN'\n");
  CHECK(Errors("ENV A=1\nFROM x\n") ==
        "Dockerfile:1:1: error: ENV: comes before the first FROM (only ARG may)\n");
  CHECK(Errors("# only a comment\n") == "Dockerfile: error: no FROM instruction\n");
  CHECK(Errors("FROM a b\n") ==
        "Dockerfile:1:1: error: FROM: expected 'FROM image [AS name]', got 'a b'\n");
  CHECK(Errors("FROM a\nARG 1X=2\n") == "Dockerfile:2:1: error: ARG: invalid name '1X'\n");
}

TEST_CASE("Dockerfile: the seed stacks' real Dockerfiles") {
  auto nginx = Parse(ReadData("seed000_nginx.Dockerfile"));
  CHECK(nginx.from == "nginx:latest");
  REQUIRE(nginx.copies.size() == 1);
  CHECK(nginx.copies[0].is_add);
  CHECK(nginx.copies[0].sources == Argv{"nginx.conf"});
  CHECK(nginx.copies[0].destination == "/etc/nginx/nginx.conf");
  CHECK(!nginx.copies[0].destination_is_dir);
  CHECK(nginx.workdir == "/var/www/static");
  // The mkdirs are honoured (the directories exist in the image); the chowns are skipped.
  CHECK(nginx.created_dirs == Argv{"/var/www/static", "/var/www/media", "/var/www/media",
                                   "/var/www/static"});
  REQUIRE(nginx.skipped.size() == 2);
  CHECK(nginx.skipped[0] == std::pair<int, std::string>{9, "RUN chown -R nginx:nginx /var/www/media"});
  CHECK(!nginx.cmd.has_value());

  auto pg = Parse(ReadData("seed000_postgres.Dockerfile"));
  CHECK(pg.from == "mdillon/postgis:9.6");
  REQUIRE(pg.copies.size() == 2);
  CHECK(pg.copies[0].destination == "/tmp/psql_data");
  CHECK(pg.copies[1].destination == "/docker-entrypoint-initdb.d");
  CHECK(pg.copies[1].destination_is_dir);

  auto web = Parse(ReadData("seed001_web.Dockerfile"));
  CHECK(web.from == "python:3.9");
  CHECK(web.env == Env{{"PYTHONDONTWRITEBYTECODE", "1"}, {"PYTHONUNBUFFERED", "1"}});
  CHECK(web.workdir == "/usr/src/app");
  REQUIRE(web.copies.size() == 1);
  CHECK(web.copies[0].sources == Argv{"."});
  CHECK(web.copies[0].destination == "/usr/src/app");
  CHECK(web.expose == std::vector<uint16_t>{8000});
  CHECK(web.cmd == Argv{"gunicorn", "backend.wsgi:application", "--bind", "0.0.0.0:8000"});
  CHECK(web.skipped.size() == 2);
  CHECK(web.skipped[0] == std::pair<int, std::string>{16, "RUN pip install -r requirements.txt"});

  auto nginx2 = Parse(ReadData("seed001_nginx.Dockerfile"));
  CHECK(nginx2.from == "nginx:1.25");
  REQUIRE(nginx2.copies.size() == 1);
  CHECK(nginx2.copies[0].destination == "/etc/nginx/conf.d");
  CHECK(!nginx2.copies[0].destination_is_dir);  // build_context knows conf.d is a directory
  CHECK(nginx2.removed_paths == Argv{"/etc/nginx/conf.d/default.conf"});
  CHECK(nginx2.skipped.empty());
}

TEST_CASE("Dockerfile: the FROM image's own environment is seen by substitution, not returned") {
  BaseImageEnv python = [](const std::string& image) {
    std::vector<std::pair<std::string, std::string>> env;
    if (image.rfind("python:", 0) == 0) env = {{"PATH", "/usr/local/bin:/usr/bin"}, {"LANG", "C.UTF-8"}};
    return env;
  };
  std::vector<Diagnostic> d;
  auto df = ParseDockerfile(
      "ARG LANG=ignored\nFROM python:3.9 AS base\nARG LANG=arg\nENV PATH=/app/bin:$PATH L=$LANG\n"
      "FROM base\nENV P2=$PATH\n",
      "Dockerfile", {}, "", python, d);
  REQUIRE(df.has_value());
  // The image's ENV beats an ARG of the same name, and FROM <stage> keeps it.
  CHECK(df->env == Env{{"PATH", "/app/bin:/usr/local/bin:/usr/bin"}, {"L", "C.UTF-8"},
                       {"P2", "/app/bin:/usr/local/bin:/usr/bin"}});
}

TEST_CASE("Dockerfile: plain mkdir and rm in RUN are recorded; anything else is skipped") {
  auto df = Parse("FROM x\nWORKDIR /app\nRUN mkdir -p static media && rm -f /etc/a.conf\n"
                  "RUN [\"rm\", \"-rf\", \"/var/cache/x\"]\n"
                  "RUN mkdir -p /data && chown app /data\nRUN rm -rf /tmp/*\n");
  CHECK(df.created_dirs == Argv{"/app", "/app/static", "/app/media", "/data"});
  CHECK(df.removed_paths == Argv{"/etc/a.conf", "/var/cache/x"});
  REQUIRE(df.skipped.size() == 2);
  CHECK(df.skipped[0].first == 5);  // partly understood: still listed as skipped
  CHECK(df.skipped[1] == std::pair<int, std::string>{6, "RUN rm -rf /tmp/*"});
}

TEST_CASE("Dockerfile: a plain touch in RUN records an empty image file") {
  // Seed 002's proxy: the touch is recorded, the chmod/chown keep the RUN listed as skipped.
  auto df = Parse("FROM x\nWORKDIR /etc/nginx\nRUN mkdir -p /vol/static && "
                  "touch conf.d/default.conf && chown nginx:nginx conf.d/default.conf\n");
  CHECK(df.touched_files == Argv{"/etc/nginx/conf.d/default.conf"});
  CHECK(df.created_dirs == Argv{"/etc/nginx", "/vol/static"});
  CHECK(df.skipped.size() == 1);
  CHECK(Parse("FROM x\nRUN touch /a /b\n").skipped.empty());
  CHECK(Parse("FROM x\nRUN touch /tmp/*.x\n").touched_files.empty());
}

TEST_CASE("Dockerfile: bounded work on hostile input") {
  // 1 MiB (the read limit) of distinct ENV names: one lookup each, not a rebuild each.
  std::string text = "FROM x\nENV K0=v\n";
  int n = 1;
  while (text.size() < 1024 * 1024) text += "ENV K" + std::to_string(n++) + "=$K0\n";
  auto df = Parse(text);
  CHECK(df.env.size() == static_cast<size_t>(n));
  CHECK(df.env.back().second == "v");
  // Nested substitutions cannot exhaust the stack.
  std::string nested = "FROM x\nENV A=";
  for (int i = 0; i < 100000; ++i) nested += "${X:-";
  CHECK(Errors(nested + "\n") == "Dockerfile:2:1: error: ENV: substitutions nested more than 32 deep\n");
  // Every port, twice: de-duplication stays linear.
  auto ports = Parse("FROM x\nEXPOSE 1-65535 1-65535/udp\n");
  CHECK(ports.expose.size() == 65535);
  std::string markers = "FROM x\nRUN cat";
  for (int i = 0; i < 10000; ++i) markers += " <<E" + std::to_string(i);
  CHECK(Errors(markers + "\n") == "Dockerfile:2:1: error: RUN: heredoc <<E0 is never closed (no line 'E0')\n");
  // A dangling continuation at the end of the file.
  CHECK(Parse("FROM x\nENV A=1 \\").env == Env{{"A", "1"}});
}
