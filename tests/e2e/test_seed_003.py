#!/usr/bin/python3
"""Seed 003 (examples/docker-django: hendrikfrentrup's "Dockerize a Django app elegantly": `db`
on postgres, `web` built from a python Dockerfile under gunicorn, nginx:latest with its
default.conf and the collected static files, pgadmin in the override, a one-off migrate file),
run unmodified in the example's directory (issue 12, Proof):

1. `stackvisor up` as the article runs it (docker-compose.yml + override, no -f): refused before
   anything starts, because pgadmin's image has no recipe, naming the ways out;
2. `stackvisor up --ignore-unavailable` runs db, web and nginx; the ports are reported (nginx
   binds its container port 80: there is no network namespace for 8088:80);
3. `stackvisor run -f docker-compose.migrate.yml --rm migrate` (the article's
   `docker-compose -f docker-compose.migrate.yml run migrate -d --rm`, whose `-d` after the
   service is not compose CLI either): wait-for.sh waits for db:5432, run-migrations.sh collects
   static and migrates; the superuser of myapp's data migration exists in PostgreSQL;
4. through nginx on 80: the admin login as that superuser and an authenticated admin page
   (sessions and users in PostgreSQL), a static file from /static (nginx, not gunicorn);
5. `stackvisor down`: clean PostgreSQL shutdown, nothing left; `up` again: the superuser and
   the session are still there, no recovery, no migrate needed;
6. as root, and as the ordinary user svtest (port 80: refusal first, then the sysctl).

    STACKVISOR_BIN=build/app/stackvisor python3 tests/e2e/test_seed_003.py
"""
import http.cookiejar
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from seed_harness import (ROOT, check, dead_service, log, main, refused_up,  # noqa: E402
                          wait_http, wait_until)
from stack_harness import http_get  # noqa: E402

EXAMPLE = ROOT / "examples" / "docker-django"
PORTS = [80, 5432, 8001]
BASE = "http://127.0.0.1"
UP_ARGS = ["--ignore-unavailable"]


def dotenv():
    pairs = (line.split("=", 1) for line in (EXAMPLE / ".env").read_text().splitlines()
             if "=" in line and not line.startswith("#"))
    return {k: v for k, v in pairs}


ENV = dotenv()


class Browser:
    """A cookie-keeping client (Django's csrftoken and sessionid), never through a proxy."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                                  urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, url, data=None):
        try:
            with self.opener.open(url, data=data, timeout=10) as r:
                return r.status, r.geturl(), r.read().decode(errors="replace")
        except urllib.error.HTTPError as e:
            return e.code, e.geturl(), e.read().decode(errors="replace")

    def login(self, username, password):
        status, _, page = self.get(BASE + "/admin/login/?next=/admin/")
        check(status == 200, f"GET /admin/login/: {status} {page[:300]}")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        check(token, "no csrfmiddlewaretoken in the login form:\n" + page[:500])
        form = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), "username": username,
                                       "password": password, "next": "/admin/"}).encode()
        return self.get(BASE + "/admin/login/?next=/admin/", data=form)


def psql(sql):
    """The database as the article's pgadmin would see it: over TCP, with .env's credentials."""
    env = dict(os.environ, PGPASSWORD=ENV["POSTGRES_PASSWORD"])
    r = subprocess.run(["psql", "-X", "-At", "-h", "127.0.0.1", "-p", "5432", "-U",
                        ENV["POSTGRES_USER"], "-d", "postgres", "-c", sql],
                       env=env, capture_output=True, text=True, timeout=30)
    check(r.returncode == 0, f"psql {sql!r}: exit {r.returncode}\n{r.stdout}{r.stderr}")
    return r.stdout.strip()


def login_page(status, _headers, body):
    return status == 200 and "csrfmiddlewaretoken" in body


def users_page(browser):
    status, url, page = browser.get(BASE + "/admin/auth/user/")
    check(status == 200 and url.endswith("/admin/auth/user/"),
          f"GET /admin/auth/user/ (logged in): {status} at {url}\n{page[:300]}")
    check(ENV["DJANGO_SU_NAME"] in page and ENV["DJANGO_SU_EMAIL"] in page,
          "the users page does not list the superuser:\n" + page[:800])
    return page


def check_refusal(run):
    """`up` as the article runs it: pgadmin (dpage/pgadmin4) has no recipe and no command."""
    rc, text, up = refused_up(run, "no-flag", "pgadmin (no recipe)", args=[])
    check(rc == 2, f"`up` (no flag) exited {rc}, not 2 (invalid manifest)\n{up.tail()}")
    for words in ("services.pgadmin.image", "no recipe for image 'dpage/pgadmin4'",
                  "name the services to start", "--ignore-unavailable", "nothing was started"):
        check(words in text, f"the refusal does not say {words!r}:\n{up.tail()}")


def scenario(run):
    t = time.monotonic()
    check_refusal(run)
    log(f"[{run.label}] ok: `up` refused pgadmin (no recipe) before starting anything")

    up = run.up("up1")
    wait_http(up, BASE + "/admin/login/", login_page, 120)
    text = "\n".join(t for _, t in up.snapshot())
    for words in ("services.pgadmin.image: left out (--ignore-unavailable)",
                  "nginx listens on 80; ports: 8088:80 publishes nothing", "web listens on 8001",
                  "db listens on 5432"):
        check(words in text, f"`up` does not say {words!r}:\n{up.tail()}")
    ps = run.cli("ps")
    check(ps.returncode == 0 and "0.0.0.0:8088->80/tcp" in ps.stdout and "pgadmin" not in ps.stdout,
          f"ps: exit {ps.returncode}\n{ps.stdout}{ps.stderr}")
    status, _, _ = http_get(BASE + "/static/admin/css/base.css")
    check(status == 404, f"/static before collectstatic: {status}, expected nginx's 404")

    # The one-off migrate file, as the article runs it (adapted to the CLI's form).
    migrate = run.cli("run", "-f", "docker-compose.migrate.yml", "--rm", "migrate", timeout=150)
    out = migrate.stdout + migrate.stderr
    check(migrate.returncode == 0, f"run migrate: exit {migrate.returncode}\n{out}")
    for words in ("db:5432 is available", "static files copied to '/code/mysite/static'",
                  "Applying myapp.0001_initial... OK"):
        check(words in out, f"run migrate did not print {words!r}:\n{out}")
    row = psql("SELECT username, email, is_superuser FROM auth_user")
    check(row == f"{ENV['DJANGO_SU_NAME']}|{ENV['DJANGO_SU_EMAIL']}|t",
          f"auth_user after the migrate: {row!r}")

    browser = Browser()
    status, url, page = browser.login(ENV["DJANGO_SU_NAME"], ENV["DJANGO_SU_PASSWORD"])
    check(status == 200 and url.endswith("/admin/") and "Site administration" in page,
          f"admin login through nginx: {status} at {url}\n{page[:500]}")
    users_page(browser)
    status, _, css = browser.get(BASE + "/static/admin/css/base.css")
    check(status == 200 and "DJANGO Admin styles" in css, f"static: {status} {css[:200]}")
    # Its access log line comes through its stdout pipe, maybe after our response.
    wait_until("nginx's access log line for the static file",
               lambda: any('"GET /static/admin/css/base.css HTTP/1.1" 200' in line
                           for line in up.service_lines("nginx")),
               10, context=up.tail, gone=lambda: dead_service(up))
    check(any("Starting gunicorn" in line for line in up.service_lines("web")),
          "web is not gunicorn:\n" + up.tail())
    log(f"[{run.label}] ok in {time.monotonic() - t:.1f} s: migrate waited for db and ran, "
        "superuser logged in through nginx, admin pages from PostgreSQL, static from nginx")
    run.down(up, f"{run.label} first run", PORTS)

    up2 = run.up("up2")
    wait_http(up2, BASE + "/admin/login/", login_page, 120)
    users_page(browser)  # the first run's session, kept in PostgreSQL's django_session
    check(psql("SELECT count(*) FROM django_session") == "1", "sessions not kept across down + up")
    db = up2.service_lines("db")
    check(not any("automatic recovery" in line or "not properly shut down" in line for line in db),
          "PostgreSQL needed recovery:\n" + "\n".join(db))
    check(not any("PostgreSQL init process complete" in line for line in db),
          "the database was initialised again:\n" + "\n".join(db))
    run.down(up2, f"{run.label} second run", PORTS)
    log(f"[{run.label}] ok: superuser and session kept across down + up, clean stops")


if __name__ == "__main__":
    sys.exit(main(EXAMPLE, PORTS, scenario, up_args=UP_ARGS))
