#!/usr/bin/python3
"""Seed 000 (examples/channels-postgis-nginx: django + channels + daphne + gunicorn + redis +
postgis + nginx), its docker-compose.yml and docker-compose.override.yml run unmodified by
`stackvisor up` with no -f in the example's directory (issue 12, Proof):

1. through nginx on port 80: a page that reads PostgreSQL (the tips the init script loaded
   from dbexport.pgsql, a visit count, PostGIS's version), served by daphne as the override
   says; a static file nginx serves from ./src/static mounted at /var/www/static; a websocket
   round trip through daphne (channels) and the Redis channel layer;
2. `stackvisor down`: `up` exits 0, PostgreSQL shuts down cleanly, nothing is left;
3. `up` again: the visits are still there, no recovery, the init script did not run again;
4. as root, and as the ordinary user svtest: first the refusal of port 80 with the sysctl at
   its default, then with net.ipv4.ip_unprivileged_port_start=80 for the run (restored).

    STACKVISOR_BIN=build/app/stackvisor python3 tests/e2e/test_seed_000.py
"""
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from seed_harness import ROOT, check, expect, log, main, wait_http  # noqa: E402
from stack_harness import http_get, ws_broadcast  # noqa: E402

EXAMPLE = ROOT / "examples" / "channels-postgis-nginx"
PORTS = [80, 5432, 6379, 8000, 8001]
BASE = "http://127.0.0.1"
SHOPS = ["Corner Bakery", "Green Grocer", "Book Nook"]


def advice(status, _headers, body):
    return json.loads(body) if status == 200 else None


def check_stack(run, up):
    # Short-form depends_on waits for nothing: the page answers once web has migrated.
    first = wait_http(up, BASE + "/api/advice", advice, 150)
    check([t["shop"] for t in first["tips"]] == SHOPS, f"tips from the dump: {first}")
    check(first["served_by"] == "asgi",
          f"web is not daphne (docker-compose.override.yml not applied?): {first}")
    second = advice(*http_get(BASE + "/api/advice"))
    check(second and second["visits"] == first["visits"] + 1, f"visits: {first} then {second}")
    status, _, body = http_get(BASE + "/")
    check(status == 200 and "Corner Bakery" in body and "visits:" in body,
          f"GET /: {status} {body[:300]}")
    status, headers, body = http_get(BASE + "/static/css/advisor.css")
    check(status == 200 and "shopping-advisor-static" in body, f"static: {status} {body[:200]}")
    check(headers.get("Content-Type", "").startswith("text/css"),
          f"static file type: {headers.get('Content-Type')}")
    n = ws_broadcast("ws://127.0.0.1/ws/advice/", "http://127.0.0.1", f"seed000-{run.label}")
    check(n == 2, f"websocket: {n} messages")
    # Last, so the rest is known to work if only this fails: the postgis image's own init
    # script runs after init_docker_postgres.sh (postgis.sh sorts after it), so the database
    # that script recreates gets the extensions.
    expect((second.get("postgis") or "").startswith("3."), f"PostGIS in advisor: {second}")
    last = advice(*http_get(BASE + "/api/advice"))  # GET / counted one visit too
    check(last is not None, "/api/advice failed after the other checks")
    return last["visits"]


def scenario(run):
    t = time.monotonic()
    up = run.up("up1")
    visits = check_stack(run, up)
    log(f"[{run.label}] ok in {time.monotonic() - t:.1f} s: page from PostgreSQL "
        f"(visits={visits}), static file, websocket through Redis")
    # Whichever service the postgres recipe runs the initdb.d scripts in, their output is there.
    check(any("*** DATABASE CREATED! ***" in text for _, text in up.snapshot()),
          "the init script did not run at the first start:\n" + up.tail())
    run.down(up, f"{run.label} first run", PORTS)

    up2 = run.up("up2")
    again = wait_http(up2, BASE + "/api/advice", advice, 150)
    check(again["visits"] == visits + 1, f"visits not kept across down + up: {visits}, then {again}")
    db = up2.service_lines("db")
    check(not any("automatic recovery" in line or "not properly shut down" in line for line in db),
          "PostgreSQL needed recovery:\n" + "\n".join(db))
    check(not any("CREATING DATABASE" in text for _, text in up2.snapshot()),
          "the init script ran again")
    run.down(up2, f"{run.label} second run", PORTS)
    log(f"[{run.label}] ok: data kept across down + up ({again['visits']}), clean stops")


if __name__ == "__main__":
    sys.exit(main(EXAMPLE, PORTS, scenario))
