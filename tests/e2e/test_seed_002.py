#!/usr/bin/python3
"""Seed 002 (examples/dcd-django-project: "Docker Compose Deploy" of a Django project on
postgres:13-alpine, built FROM python:3.9-alpine, deployed behind nginx-unprivileged with
uwsgi), run unmodified by stackvisor in (a copy of) the example's directory (issue 12, Proof):

Development (`stackvisor up`, no -f: docker-compose.yml):
1. runserver on :8000 (the compose command: wait_for_db, migrate, runserver) answers a page
   that writes and reads PostgreSQL;
2. `stackvisor down`: `up` exits 0, PostgreSQL shuts down cleanly, nothing is left;
3. `stackvisor run --rm project sh -c "python manage.py wait_for_db && python manage.py
   createsuperuser --noinput"` (DJANGO_SUPERUSER_* given with -e), as the article runs it
   before `up`;
4. `up` again: the todo and the superuser are there, no recovery; down.
Deployment (`stackvisor up -f docker-compose-deploy.yml`):
5. through the proxy (nginx-unprivileged, its run.sh's envsubst of default.conf.tpl with
   LISTEN_PORT 8080, into the conf.d/default.conf its Dockerfile touched): a page that reads
   PostgreSQL through uwsgi (run.sh: wait_for_db, collectstatic, migrate, uwsgi on :9000), and
   a static file collected into the static-data volume that the proxy mounts read-only; down.
As root and as the ordinary user svtest. No port below 1024 is bound (`80:8080` only
publishes), so the ordinary user needs no sysctl.

    STACKVISOR_BIN=build/app/stackvisor python3 tests/e2e/test_seed_002.py
"""
import json
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import seed_harness as sh  # noqa: E402
from seed_harness import ROOT, Failure, check, log, wait_http  # noqa: E402
from stack_harness import Up, http_get  # noqa: E402

EXAMPLE = ROOT / "examples" / "dcd-django-project"
DEV_PORTS = [8000, 5432]
DEPLOY_PORTS = [8080, 9000, 5432]
DEV = "http://127.0.0.1:8000"
PROXY = "http://127.0.0.1:8080"


def state(status, _headers, body):
    return json.loads(body) if status == 200 else None


def up_deploy(run, name):
    """`stackvisor up -f docker-compose-deploy.yml` (SeedRun.up takes no arguments)."""
    path = run.top.parent / f"{run.top.name}-{name}.log"
    run.logs.append(path)
    u = Up(run.binary, ["-f", "docker-compose-deploy.yml"], run.env, path, user=run.run_as,
           echo=sh.VERBOSE, cwd=run.example)
    run.ups.append(u)
    return u


def dev(run):
    t = time.monotonic()
    todo = f"todo-{run.label}"
    up = run.up("dev1")
    first = wait_http(up, f"{DEV}/api/todos?add={todo}", state, 120)
    check(first["database"] == "devdb" and first["todos"] == [todo], f"first page: {first}")
    status, _, body = http_get(DEV + "/")
    check(status == 200 and f"<li>{todo}</li>" in body, f"GET /: {status} {body[:300]}")
    check(any("Starting development server at http://0.0.0.0:8000/" in line
              for line in up.service_lines("project")), "project is not runserver:\n" + up.tail())
    check(any("apk add" in text and "skipped" in text for _, text in up.snapshot()),
          "no warning that the apk RUN step is skipped:\n" + up.tail())
    log(f"[{run.label}] dev ok in {time.monotonic() - t:.1f} s: runserver page from PostgreSQL")
    run.down(up, f"{run.label} dev first run", DEV_PORTS)

    r = run.cli("run", "--rm", "-e", "DJANGO_SUPERUSER_USERNAME=admin",
                "-e", "DJANGO_SUPERUSER_EMAIL=admin@example.com",
                "-e", "DJANGO_SUPERUSER_PASSWORD=s3cret-pass", "project", "sh", "-c",
                "python manage.py wait_for_db && python manage.py createsuperuser --noinput",
                timeout=120)
    check(r.returncode == 0 and "Superuser created successfully." in r.stdout + r.stderr,
          f"run createsuperuser: exit {r.returncode}\n{r.stdout[-3000:]}{r.stderr[-3000:]}")
    log(f"[{run.label}] dev ok: run --rm project ... createsuperuser")
    # `run` leaves the db it started running, as compose's does; `up` on that running stack
    # keeps db and does not start project ("1 kept, 0 started"): stop it first.
    r = run.cli("down", timeout=90)
    check(r.returncode == 0, f"down after run: exit {r.returncode}\n{r.stdout}{r.stderr}")

    up2 = run.up("dev2")
    again = wait_http(up2, f"{DEV}/api/todos", state, 120)
    check(again["todos"] == [todo], f"todos not kept across down + up: {again}")
    check(again["superusers"] == ["admin"], f"the superuser `run` created: {again}")
    db = up2.service_lines("db")
    check(not any("automatic recovery" in line or "not properly shut down" in line for line in db),
          "PostgreSQL needed recovery:\n" + "\n".join(db))
    run.down(up2, f"{run.label} dev second run", DEV_PORTS)
    log(f"[{run.label}] dev ok: data and superuser kept across down + up, clean stops")


def deploy(run):
    t = time.monotonic()
    up = up_deploy(run, "deploy")
    page = wait_http(up, f"{PROXY}/api/todos?add=deployed", state, 120)
    check(page["database"] == "deploydb" and page["todos"] == ["deployed"], f"page: {page}")
    check(any("uWSGI" in line for line in up.service_lines("app")),
          "app is not uwsgi (run.sh):\n" + up.tail())
    check(any("uwsgi socket 0 bound to TCP address :9000" in line
              for line in up.service_lines("app")), "uwsgi not on :9000:\n" + up.tail())
    status, headers, body = http_get(PROXY + "/static/static/admin/css/base.css")
    check(status == 200 and "body" in body, f"static from the volume: {status} {body[:200]}")
    check(headers.get("Content-Type", "").startswith("text/css"),
          f"static file type: {headers.get('Content-Type')}")
    # nginx's access log line for it (logged after the response: wait for it).
    sh.wait_until("the proxy's access log line of the static file",
                  lambda: any("GET /static/static/admin/css/base.css" in line
                              for line in up.service_lines("proxy")),
                  10, interval=0.1, context=up.tail, gone=lambda: sh.dead_service(up))
    log(f"[{run.label}] deploy ok in {time.monotonic() - t:.1f} s: uwsgi page through the "
        "proxy, static file from the shared volume")
    run.down(up, f"{run.label} deploy", DEPLOY_PORTS)


def main():
    """seed_harness.main's shape without its port-80 step: this stack binds 8080 at most."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    check(sh.BIN.exists(), f"{sh.BIN} not found: build first or set STACKVISOR_BIN")
    start = time.monotonic()
    lock = sh.E2eLock()
    failed = False
    try:
        sh.check_ports_free(sorted(set(DEV_PORTS + DEPLOY_PORTS)))
        for label, user in sh.plan():
            run = sh.SeedRun(EXAMPLE, label, user)
            run_failed = False
            try:
                before = len(sh.soft_failures)
                dev(run)
                deploy(run)
                if len(sh.soft_failures) == before:
                    log(f"[{label}] PASS")
            except Failure as exc:
                failed = run_failed = True
                log(f"FAIL [{label}]: {exc}")
            finally:
                run.cleanup(run_failed)
    finally:
        lock.release()
    log(f"total: {time.monotonic() - start:.1f} s")
    for message in sh.soft_failures:
        log(f"FAIL: {message}")
    if failed or sh.soft_failures:
        return 1
    log("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
