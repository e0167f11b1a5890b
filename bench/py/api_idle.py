"""Idle cost of the control plane: 8 `sleep infinity` services, with the API socket only
listening (the baseline) and with clients attached: one idle keep-alive connection and one
GET /v1/events stream held open.

The two stacks run at the same time, as idle.sh runs its tools; once both printed `all services
ready`, the clients connected and a settle delay passed, the same 10 s window is measured for
both as in idle.sh: VmRSS (and RssAnon), CPU % from the utime+stime delta, wakeups (voluntary +
involuntary context switches of all threads). Target: attached clients cost no wakeup and no
tick while nothing changes.
"""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import api_common as api  # noqa: E402
import benchlib as bl  # noqa: E402
from sleepers import Sleepers, idle_sample  # noqa: E402


def attach(sock):
    """An idle connection and an events stream; returns (sockets, what the stream answered)."""
    idle = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    idle.connect(sock)
    events = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    events.connect(sock)
    events.sendall(b"GET /v1/events HTTP/1.1\r\nHost: localhost\r\n\r\n")
    events.settimeout(5)
    try:
        head = events.recv(65536).split(b"\r\n", 1)[0].decode(errors="replace")
    except OSError as e:
        head = type(e).__name__
    return [idle, events], head


def main():
    p = bl.parser(__doc__.split("\n")[0], runs=3)
    p.add_argument("--services", type=int, default=8)
    p.add_argument("--window", type=float, default=10.0)
    p.add_argument("--settle", type=float, default=1.0)
    args = p.parse_args()
    sv = bl.stackvisor_bin(args.bin)
    res = bl.Results("api", args.json)
    bl.log(f"api idle: {args.services} x sleep infinity; {args.window:g} s window; "
           f"{args.runs} runs; {sv}")
    series = {"listening": [], "clients": []}
    notes = set()
    with bl.WorkDir("api-idle", args.keep) as wd:
        for run in range(args.runs):
            stacks, socks, conns = {}, {}, []
            try:
                for mode in series:
                    sub = os.path.join(wd.path, f"{mode}{run}")
                    os.makedirs(sub)
                    os.environ["STACKVISOR_RUNTIME_DIR"] = os.path.join(sub, "rt")
                    socks[mode] = api.socket_path(os.path.join(sub, "rt"))
                    stacks[mode] = Sleepers("stackvisor", args.services, _Sub(sub), sv)
                for mode, s in stacks.items():
                    s.wait_settled()
                    api.wait_socket(socks[mode], 10, s.popen)
                conns, head = attach(socks["clients"])
                notes.add(f"GET /v1/events answered: {head}")
                time.sleep(args.settle)
                sample = idle_sample([s.pid for s in stacks.values()], args.window)
                for mode, s in stacks.items():
                    r = sample[s.pid]
                    series[mode].append(r)
                    bl.log(f"  run {run + 1} {mode:<9} RSS {r['rss_kb'] / 1024:.2f} MB (anon "
                           f"{r['anon_kb'] / 1024:.2f}) CPU {100 * r['cpu_s'] / args.window:.3f}% "
                           f"wakeups {r['wakeups']}")
            finally:
                for c in conns:
                    c.close()
                for s in stacks.values():
                    s.kill()
    rows = []
    for mode, rs in series.items():
        rss = [r["rss_kb"] / 1024 for r in rs]
        anon = [r["anon_kb"] / 1024 for r in rs]
        cpu = [100 * r["cpu_s"] / args.window for r in rs]
        wake = [r["wakeups"] for r in rs]
        res.add("idle8", f"stackvisor-{mode}", "rss", "MB", rss)
        res.add("idle8", f"stackvisor-{mode}", "cpu_pct", "%", cpu)
        res.add("idle8", f"stackvisor-{mode}", "wakeups", "count", wake)
        rows.append([mode, len(rs), bl.fmt_stat(rss, 2), bl.fmt_stat(anon, 2),
                     bl.fmt_stat(cpu, 3), bl.fmt_stat(wake, 0)])
    bl.print_table(f"idle with the API, {args.services} services, {args.window:g} s: "
                   "median [min-max]",
                   ["variant", "runs", "VmRSS MB", "RssAnon MB", "CPU %", "wakeups"], rows)
    for n in sorted(notes):
        print(f"  note: {n}")
    res.save({"services": args.services, "window": args.window, "runs": args.runs})


class _Sub:
    """A WorkDir-like view of one subdirectory (Sleepers only calls it for paths)."""

    def __init__(self, path):
        self.path = path

    def __call__(self, *parts):
        return os.path.join(self.path, *parts)


if __name__ == "__main__":
    main()
