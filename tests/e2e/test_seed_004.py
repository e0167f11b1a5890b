#!/usr/bin/python3
"""Seed 004 (examples/django-caddy-template: wemake-django-template's "Going to production"
layout: postgres:15, a `build:` Django app running docker/django/gunicorn.sh, caddy:2.6 from
docker/docker-compose.prod.yml), run unmodified by the page's own command form
`stackvisor -f docker-compose.yml -f docker/docker-compose.prod.yml up` (issue 12, Proof):

1. through Caddy over HTTPS (DOMAIN_NAME=localhost: its local CA, whose root the test trusts
   from the caddy-data volume in the state directory): a page that writes and reads
   PostgreSQL, Django seeing the request as secure (X-Forwarded-Proto), the static file that
   gunicorn.sh collected, served by Caddy's file_server from the django-static volume mounted
   read-only, a media file from django-media; http:// and www. redirect; gunicorn.sh ran
   `check --deploy` (DJANGO_ENV=production); caddy's failed trust-store install is only logged
   and the host's trust store is untouched;
2. the page's Caddyfile validation, `run --rm caddy caddy validate --config ...` (caddy 2's
   spelling of the page's `-validate`), against the running stack;
3. `stackvisor -f ... down`: `up` exits 0, PostgreSQL shuts down cleanly, nothing is left;
4. `up` again: the visits are still there, no recovery, the same CA root still verifies;
5. as root, and as the ordinary user svtest (ports 80 and 443: refusal first, then the sysctl).

    STACKVISOR_BIN=build/app/stackvisor python3 tests/e2e/test_seed_004.py
"""
import http.client
import json
import os
import socket
import ssl
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from seed_harness import ROOT, check, expect, log, main, wait_until, dead_service  # noqa: E402

EXAMPLE = ROOT / "examples" / "django-caddy-template"
FILES = ["-f", "docker-compose.yml", "-f", "docker/docker-compose.prod.yml"]
PORTS = [80, 443, 2019, 5432, 8000]
TRUST_DIRS = [Path("/usr/local/share/ca-certificates"), Path("/etc/ssl/certs")]


def volume(run, name):
    return run.state_home / EXAMPLE.name / "volumes" / name


def ca_root(run):
    return volume(run, "caddy-data") / "caddy" / "pki" / "authorities" / "local" / "root.crt"


def request(run, name, path, tls=True):
    """(status, headers with lowercase names, body) from 127.0.0.1 for host `name`, over TLS
    verified against Caddy's local CA root (SNI and Host are `name`), or plain HTTP."""
    sock = socket.create_connection(("127.0.0.1", 443 if tls else 80), timeout=10)
    if tls:
        ctx = ssl.create_default_context(cafile=str(ca_root(run)))
        sock = ctx.wrap_socket(sock, server_hostname=name)
    conn = http.client.HTTPConnection(name, timeout=10)
    conn.sock = sock
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode(errors="replace")
    finally:
        conn.close()


def visits(run, up, timeout=None):
    def attempt():
        status, _, body = request(run, "localhost", "/api/visits")
        return json.loads(body) if status == 200 else None
    if timeout is None:
        return attempt()
    return wait_until("https://localhost/api/visits through caddy", attempt, timeout,
                      interval=0.25, context=up.tail, gone=lambda: dead_service(up))


def trust_store():
    return {str(p) for d in TRUST_DIRS if d.is_dir() for p in d.iterdir() if "Caddy" in p.name}


def read_only_mounts(pid):
    """Mount points of /proc/PID/mountinfo whose per-mount options say ro."""
    out = set()
    for line in Path(f"/proc/{pid}/mountinfo").read_text().splitlines():
        fields = line.split()
        if "ro" in fields[5].split(","):
            out.add(fields[4])
    return out


def check_caddy(run, up):
    status, headers, body = request(run, "localhost", "/")
    check(status == 200 and "Caddy shop" in body, f"GET https://localhost/: {status} {body[:300]}")
    status, headers, body = request(run, "localhost", "/static/main/css/site.css")
    check(status == 200 and "caddy-template-static" in body, f"static: {status} {body[:200]}")
    # Only the Caddyfile's file handler sets this: the file came from Caddy, not gunicorn.
    check(headers.get("cache-control") == "public, max-age=3600",
          f"static file not served by caddy's file_server: {headers}")
    collected = volume(run, "django-static") / "main" / "css" / "site.css"
    check(collected.is_file(), f"collectstatic did not fill the django-static volume: {collected}")
    media = volume(run, "django-media") / "e2e.txt"
    media.write_text("media-ok\n")
    media.chmod(0o644)
    status, headers, body = request(run, "localhost", "/media/e2e.txt")
    check(status == 200 and body == "media-ok\n", f"media: {status} {body!r}")
    status, headers, _ = request(run, "localhost", "/api/visits", tls=False)
    check(status in (301, 308) and headers.get("location", "").startswith("https://"),
          f"http:// is not redirected to https:// by caddy: {status} {headers}")
    status, headers, _ = request(run, "www.localhost", "/x?y=1")
    check(status == 301 and headers.get("location") == "https://localhost/x?y=1",
          f"www.localhost does not redirect to the bare domain: {status} {headers}")
    pids = up.pids().get("caddy", [])
    check(pids, "no caddy pid reported:\n" + up.tail())
    ro = read_only_mounts(pids[-1])
    for target in ("/var/www/django/static", "/var/www/django/media"):
        check(target in ro, f"caddy's {target} is not a read-only mount: {sorted(ro)}")


def check_validate(run):
    """The page's `run --rm caddy -validate`, as caddy 2 spells it: the image has no
    entrypoint, so the command names the program (`run --rm caddy validate` is exit 127 under
    docker compose too)."""
    r = run.cli(*FILES, "run", "--rm", "caddy", "caddy", "validate", "--config",
                "/etc/caddy/Caddyfile", timeout=90)
    text = r.stdout + r.stderr
    check(r.returncode == 0 and "Valid configuration" in text,
          f"caddy validate: exit {r.returncode}\n{text[-2000:]}")


def scenario(run):
    t = time.monotonic()
    trusted_before = trust_store()
    up = run.up("up1")
    first = visits(run, up, 150)
    check(first["database"] == "caddyshop", f"database: {first}")
    check(first["secure"] is True, f"Django did not see the request as HTTPS: {first}")
    second = visits(run, up)
    check(second and second["visits"] == first["visits"] + 1, f"{first} then {second}")
    check_caddy(run, up)
    web = up.service_lines("web")
    check(any("System check identified no issues" in line for line in web),
          "gunicorn.sh's `check --deploy` did not run or did not pass:\n" + "\n".join(web[-40:]))
    check(any("gunicorn" in line.lower() for line in web), "web is not gunicorn:\n" + up.tail())
    caddy = up.service_lines("caddy")
    # Read-only for root (the recipe), out of reach for an ordinary user: logged, not fatal.
    expect(any("failed to install root certificate" in line for line in caddy),
           "caddy did not log its refused trust-store install:\n" + "\n".join(caddy[:30]))
    check(not any("certificate installed properly" in line for line in caddy),
          "caddy installed its root into a trust store:\n" + "\n".join(caddy))
    check(trust_store() == trusted_before,
          f"the host's trust store changed: {trust_store() - trusted_before}")
    log(f"[{run.label}] ok in {time.monotonic() - t:.1f} s: https page from PostgreSQL "
        f"({second['visits']} visits), static and media from caddy's ro volumes, redirects")
    check_validate(run)
    log(f"[{run.label}] ok: run --rm caddy caddy validate --config /etc/caddy/Caddyfile")
    after = visits(run, up)
    check(after is not None, "/api/visits failed after the other checks")
    run.down(up, f"{run.label} first run", PORTS)

    root = ca_root(run).read_bytes()
    up2 = run.up("up2")
    again = visits(run, up2, 120)
    check(again["visits"] == after["visits"] + 1,
          f"visits not kept across down + up: {after}, then {again}")
    check(ca_root(run).read_bytes() == root, "caddy made a new CA root: its data volume was lost")
    db = up2.service_lines("db")
    check(not any("automatic recovery" in line or "not properly shut down" in line for line in db),
          "PostgreSQL needed recovery:\n" + "\n".join(db))
    run.down(up2, f"{run.label} second run", PORTS)
    log(f"[{run.label}] ok: data and CA kept across down + up ({again['visits']}), clean stops")


if __name__ == "__main__":
    os.environ.pop("SSL_CERT_FILE", None)
    sys.exit(main(EXAMPLE, PORTS, scenario, global_args=FILES, refusal=("caddy", (443,))))
