#!/usr/bin/python3
"""Seed 001 (examples/gunicorn-nginx: postgres:16, a `build: .` Django app under gunicorn,
`build: ./nginx` with nginx:1.25 and its conf.d/nginx.conf), run unmodified by `stackvisor up`
with no -f in the example's directory (issue 12, Proof):

1. through nginx on port 80 (`upstream django { server web:8000; }`): a page that writes and
   reads PostgreSQL, and a static file (Django's, in DEBUG); the Dockerfile's CMD is what runs;
   postgres:16 runs on the host's PostgreSQL with a warning naming the tag;
2. `stackvisor down`: `up` exits 0, PostgreSQL shuts down cleanly, nothing is left;
3. `up` again: the workouts logged are still there, no recovery;
4. as root, and as the ordinary user svtest (port 80: refusal first, then the sysctl).

    STACKVISOR_BIN=build/app/stackvisor python3 tests/e2e/test_seed_001.py
"""
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from seed_harness import ROOT, check, log, main, wait_http  # noqa: E402
from stack_harness import http_get  # noqa: E402

EXAMPLE = ROOT / "examples" / "gunicorn-nginx"
PORTS = [80, 5432, 8000]
BASE = "http://127.0.0.1"


def workouts(status, _headers, body):
    return json.loads(body) if status == 200 else None


def scenario(run):
    t = time.monotonic()
    up = run.up("up1")
    first = wait_http(up, BASE + "/api/workouts", workouts, 120)
    check(first["database"] == "radix_fitness_postgresql_db", f"database: {first}")
    second = workouts(*http_get(BASE + "/api/workouts"))
    check(second and second["workouts"] == first["workouts"] + 1, f"{first} then {second}")
    status, _, body = http_get(BASE + "/")
    check(status == 200 and "Radix Fitness" in body, f"GET / (Django's page, not nginx's "
          f"default site): {status} {body[:300]}")
    status, _, body = http_get(BASE + "/static/fitness/radix.css")
    check(status == 200 and "radix-fitness-static" in body, f"static: {status} {body[:200]}")
    second = workouts(*http_get(BASE + "/api/workouts"))  # GET / logged one too
    check(second is not None, "/api/workouts failed after the other checks")
    check(any("gunicorn" in line.lower() for line in up.service_lines("web")),
          "web is not gunicorn (the Dockerfile's CMD):\n" + up.tail())
    # The loader's warning (file:line: warning: ...) before anything starts.
    warnings = [text for _, text in up.snapshot() if "warning" in text]
    check(any("postgres:16" in line for line in warnings),
          "no warning that postgres:16 runs on the host's PostgreSQL:\n" + "\n".join(warnings))
    log(f"[{run.label}] ok in {time.monotonic() - t:.1f} s: page from PostgreSQL "
        f"({second['workouts']} workouts), static file, gunicorn behind nginx")
    run.down(up, f"{run.label} first run", PORTS)

    up2 = run.up("up2")
    again = wait_http(up2, BASE + "/api/workouts", workouts, 120)
    check(again["workouts"] == second["workouts"] + 1,
          f"workouts not kept across down + up: {second}, then {again}")
    db = up2.service_lines("db")
    check(not any("automatic recovery" in line or "not properly shut down" in line for line in db),
          "PostgreSQL needed recovery:\n" + "\n".join(db))
    run.down(up2, f"{run.label} second run", PORTS)
    log(f"[{run.label}] ok: data kept across down + up ({again['workouts']}), clean stops")


if __name__ == "__main__":
    sys.exit(main(EXAMPLE, PORTS, scenario))
