"""Restart through the API: POST /v1/services/web/restart, timed until web runs again with a
new pid and its health check says healthy (GET /v1/services/web polled every 2 ms).

Default stack (no fixed ports): db (`sleep infinity`) and web (`python3 -m http.server` on a free
port, an http health check, depends_on db). `--manifest FILE --service NAME` times any stack
instead (the example stack: examples/django-channels, with its own ports and prerequisites).
Each of --runs restarts is reported with, as its baseline from the same restart, the part
that is web's own start: ready_at - started_at of the new process from the API. The rest
(stop, signal, reap, respawn, the probe's first period) is stackvisor's. A missing endpoint
(anything but 202) is reported, not fatal.
"""
import datetime
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import api_common as api  # noqa: E402
import benchlib as bl  # noqa: E402


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def rfc3339(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def service(sock, name):
    status, doc = api.get_json(sock, f"/v1/services/{name}", timeout=5)
    return doc if status == 200 and isinstance(doc, dict) else None


def ready(doc, old_pid, has_health):
    if not doc or doc.get("pid") in (None, old_pid) or doc.get("state") != "running":
        return False
    return doc.get("health") == "healthy" if has_health else True


def main():
    p = bl.parser(__doc__.split("\n")[0], runs=10)
    p.add_argument("--manifest", default=None, help="a stack of your own (default: db + web)")
    p.add_argument("--service", default="web")
    p.add_argument("--timeout", type=float, default=60.0, help="per restart")
    args = p.parse_args()
    sv = bl.stackvisor_bin(args.bin)
    res = bl.Results("api", args.json)
    totals, own, notes = [], [], []
    with bl.WorkDir("api-restart", args.keep) as wd:
        manifest = args.manifest
        if manifest is None:
            manifest = wd("stack.yaml")
            port = free_port()
            bl.write_manifest(manifest, {
                "db": {"command": ["sleep", "infinity"]},
                "web": {"command": ["/usr/bin/python3", "-m", "http.server", "--bind", "127.0.0.1",
                                    str(port)],
                        "working_dir": wd.path,
                        "healthcheck": {"http": f"http://127.0.0.1:{port}/"},
                        "depends_on": ["db"]}})
        rt = wd("rt")
        out = open(wd("up.out"), "wb")
        up = subprocess.Popen([sv, "up", "-f", manifest, "--no-color"], stdin=subprocess.DEVNULL,
                              stdout=out, stderr=subprocess.STDOUT, env=api.runtime_env(rt))
        out.close()
        sock = api.socket_path(rt)
        try:
            api.wait_socket(sock, 30, up)
            bl.wait_line(wd("up.out"), "all services ready", 120, poll=0.01)
            first = service(sock, args.service)
            if first is None or "pid" not in first:
                notes.append(f"GET /v1/services/{args.service} gives no Service object: {first!r}")
            has_health = bool(first) and first.get("health") not in (None, "none")
            bl.log(f"api restart: {args.service} of {manifest}; {args.runs} restarts; {sv}")
            for run in range(args.runs if not notes else 0):
                old = service(sock, args.service) or {}
                t0 = time.perf_counter()
                status, body, _ = api.request(sock, "POST", f"/v1/services/{args.service}/restart")
                if status != 202:
                    notes.append(f"POST /v1/services/{args.service}/restart: HTTP {status} "
                                 f"{body[:200]!r}")
                    break
                deadline = time.monotonic() + args.timeout
                doc = None
                while time.monotonic() < deadline:
                    doc = service(sock, args.service)
                    if ready(doc, old.get("pid"), has_health):
                        break
                    time.sleep(0.002)
                else:
                    notes.append(f"restart {run + 1}: not healthy again within "
                                 f"{args.timeout}s: {doc!r}")
                    break
                total = time.perf_counter() - t0
                totals.append(1000 * total)
                if doc.get("started_at") and doc.get("ready_at"):
                    own.append(1000 * (rfc3339(doc["ready_at"]) - rfc3339(doc["started_at"])))
                mine = own[-1] if own else float("nan")
                bl.log(f"  restart {run + 1}: {1000 * total:.1f} ms (pid {old.get('pid')} -> "
                       f"{doc.get('pid')}); its own start {mine:.1f} ms")
        finally:
            bl.terminate(up)
    res.add("restart", "stackvisor", "restart_ms", "ms", totals)
    res.add("restart", "stackvisor", "own_start_ms", "ms", own)
    bl.print_table(f"restart {args.service} until healthy again: median [min-max]",
                   ["what", "runs", "ms"],
                   [["request -> healthy again", len(totals), bl.fmt_stat(totals, 1)],
                    ["of which the service's own start", len(own), bl.fmt_stat(own, 1)]])
    for n in notes:
        print(f"  note: {n}")
    res.save({"runs": args.runs, "manifest": args.manifest or "built-in db + web", "notes": notes})


if __name__ == "__main__":
    main()
