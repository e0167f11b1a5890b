#!/usr/bin/python3
"""End-to-end test of the Caddy variant of examples/django-channels (issue 14).

    python3 tests/e2e/test_django_caddy.py            # STACKVISOR_BIN defaults to build/app/stackvisor

`up -f compose.yaml -f compose.caddy.yaml` runs the real stack with caddy in nginx's place:
1. "all services ready", caddy started last (after web and channels are healthy), nginx and
   nginx-conf not started at all;
2. through caddy: `/` (Django's page), `/api/counter` incrementing (gunicorn), `/static/...`
   and `/media/...` served by caddy itself from the state directory;
3. a websocket round trip through caddy -> daphne -> Redis (broadcast and `manage.py publish`);
4. caddy stays off the network and out of $HOME: no admin endpoint on :2019, nothing on 443,
   and the HOME it was given is still empty afterwards (its data/config are in the state dir);
5. SIGTERM to stackvisor with a websocket held open through caddy: caddy stops first, by its
   own graceful stop within its grace (no SIGKILL), closing that websocket, then the rest as in the nginx test; nothing left, ports closed, exit 0.
Runs as whoever runs it (the nginx test covers root vs an ordinary user). Shares the nginx
test's Run, checks and ports (E2E_*_PORT), so the two never run at the same time.
"""
import os
import pwd
import re
import signal
import socket
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import test_django_stack as stack  # noqa: E402
from stack_harness import Failure, check, http_get, port_open  # noqa: E402

CADDY = ["compose.yaml", "compose.caddy.yaml"]
CADDY_DEPS = {k: v for k, v in stack.PROD_DEPS.items() if k not in ("nginx", "nginx-conf")}
CADDY_DEPS["caddy"] = [("collectstatic", "completed"), ("web", "healthy"),
                       ("channels", "healthy")]
STOP_GRACE = 10.0  # stop_grace_period of caddy in compose.caddy.yaml


def check_http(run):
    base = run.base
    status, _, body = http_get(base + "/")
    check(status == 200 and "Django + Channels under stackvisor" in body,
          f"GET / through caddy: {status} {body[:200]}")
    a = stack.counter(base + "/api/counter")
    b = stack.counter(base + "/api/counter")
    check(b["count"] == a["count"] + 1, f"counter did not increment: {a} then {b}")
    check(b["server"] == "wsgi", f"/api/counter not served by gunicorn: {b}")
    status, headers, body = http_get(base + "/static/counter/app.css")
    check(status == 200 and "stackvisor-example-static" in body,
          f"static file: {status} {body[:100]}")
    check(headers.get("X-Served-By") == "caddy" and headers.get("Server") == "Caddy",
          f"static file not served by caddy itself: {dict(headers)}")
    media = run.state / "media" / "e2e.txt"
    media.write_text("media-ok\n")
    media.chmod(0o644)
    status, headers, body = http_get(base + "/media/e2e.txt")
    check(status == 200 and body == "media-ok\n" and headers.get("X-Served-By") == "caddy",
          f"media file: {status} {body!r}")
    return b["count"]


def open_websocket(port):
    """A raw websocket through caddy, upgraded (101) and left open: the stop must not wait
    for its client to go away."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall((f"GET /ws/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                  f"Origin: http://127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                  "Connection: Upgrade\r\nSec-WebSocket-Key: c3RhY2t2aXNvci1jYWRkeQ==\r\n"
                  "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        check(chunk, f"websocket upgrade through caddy: connection closed after {head!r}")
        head += chunk
    check(head.startswith(b"HTTP/1.1 101"), f"websocket upgrade through caddy: {head[:200]!r}")
    return sock


def closed_by_peer(sock):
    """True once the peer closed sock (EOF or reset); it only reads, never blocks long."""
    sock.settimeout(5)
    try:
        while sock.recv(4096):
            pass
        return True
    except ConnectionResetError:
        return True
    except OSError:
        return False


def check_caddy_stop(up, mark):
    """caddy stopped before web and channels began stopping, by its own graceful stop."""
    index, times = {}, {}
    for i, t, svc, msg in up.events():
        if i > mark and msg.startswith(("stopping", "stopped")):
            kind = msg.split()[0]
            index.setdefault((svc, kind), (i, msg))
            times.setdefault((svc, kind), t)
    check(("caddy", "stopped") in index, "no 'caddy: stopped' line")
    for dependency in ("web", "channels"):
        begin = index.get((dependency, "stopping"), index.get((dependency, "stopped")))
        check(begin and index[("caddy", "stopped")][0] < begin[0],
              f"{dependency} began stopping before caddy was stopped")
    seconds = times[("caddy", "stopped")] - times.get(("caddy", "stopping"),
                                                      times[("caddy", "stopped")])
    stopped_msg = index[("caddy", "stopped")][1]
    check(seconds < STOP_GRACE and not re.search(r"KILL|signal 9", stopped_msg),
          f"caddy not stopped gracefully within {STOP_GRACE} s: {seconds:.2f} s, {stopped_msg}")
    check(any("shutdown complete" in line for line in up.service_lines("caddy")),
          "caddy did not log its graceful 'shutdown complete'")
    stack.record("caddy: SIGTERM -> stopped (caddy's graceful stop)", seconds)


def scenario(run, home):
    admin_before, tls_before = port_open(2019), port_open(443)
    up = run.up(CADDY, "caddy")
    _, t_ready = up.wait_ready(180)
    stack.record(f"{run.label}: caddy up -> all services ready", t_ready - up.started_at)
    stack.check_start_order(up, CADDY_DEPS, set(CADDY_DEPS) | {"state"})
    first = {}
    for i, _, svc, msg in up.events():
        if msg.startswith("started"):
            first.setdefault(svc, i)
    check(max(first, key=first.get) == "caddy", f"caddy is not the last service started: {first}")
    stack.log("step 1 ok: ready, caddy last, nginx not started")

    count = check_http(run)
    stack.log(f"step 2 ok: /, counter={count}, static and media from caddy")
    n = stack.check_ws(run, stack.PORTS["HTTP_PORT"], "hello-caddy")
    stack.log(f"step 3 ok: websocket broadcast through caddy ({n} messages)")

    check(admin_before or not port_open(2019), "caddy's admin endpoint listens on :2019")
    check(tls_before or not port_open(443), "something (caddy's HTTPS?) listens on 443")
    # The config caddy autosaves at every load lands in XDG_CONFIG_HOME, in the state dir.
    autosave = run.state / "caddy" / "config" / "caddy" / "autosave.json"
    check(autosave.is_file(), f"no {autosave}: caddy's config dir is not in the state dir")

    mark = len(up.snapshot()) - 1
    held = open_websocket(stack.PORTS["HTTP_PORT"])
    try:
        stack.stop_and_check(run, up, f"{run.label} caddy")
        check_caddy_stop(up, mark)
        check(closed_by_peer(held), "the websocket held open was not closed by the stop")
    finally:
        held.close()
    written = sorted(str(p) for p in home.rglob("*"))
    check(not written, f"caddy wrote into $HOME: {written}")
    stack.log("step 4-5 ok: no admin/TLS port, $HOME untouched, ordered graceful stop")


def main():
    # A SIGTERM (ctest, CI cancel) must still run the `finally` clean-ups.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    check(stack.BIN.exists(), f"{stack.BIN} not found: build first or set STACKVISOR_BIN")
    check(shutil.which("caddy") == "/usr/bin/caddy", "no /usr/bin/caddy: apt-get install caddy")
    busy = [f"{name}={port}" for name, port in stack.PORTS.items() if port_open(port)]
    check(not busy, f"ports already in use: {busy} (set E2E_*_PORT)")
    start = time.monotonic()
    run = stack.Run("caddy", pwd.getpwuid(os.getuid()).pw_name)
    # An empty HOME of its own: whatever caddy would write there is seen.
    home = Path(tempfile.mkdtemp(prefix="sv-e2e-caddy-home-"))
    run.env["HOME"] = str(home)
    failed = False
    try:
        scenario(run, home)
    except Failure as exc:
        failed = True
        stack.log(f"FAIL {exc}")
    finally:
        left = run.cleanup()
        shutil.rmtree(home, ignore_errors=True)
        if left:
            stack.log(f"  cleanup killed leftover processes: {left}")
        if failed or stack.soft_failures:
            stack.log("  stackvisor output kept in: " + " ".join(map(str, run.logs())))
        else:
            for path in run.logs():
                path.unlink()
    stack.log("timings:")
    for label, seconds in stack.timings:
        stack.log(f"  {seconds:7.2f} s  {label}")
    stack.log(f"total: {time.monotonic() - start:.1f} s")
    for message in stack.soft_failures:
        stack.log(f"FAIL: {message}")
    if failed or stack.soft_failures:
        return 1
    stack.log("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
