"""Idle cost: 8 services `sleep infinity` under stackvisor, tini and supervisord.

The three run at the same time (idle processes do not disturb each other, and it keeps the
default run short). Once every tool has its 8 sleeps running (stackvisor: 'all services ready'
printed) and a settle delay has passed, the same window (10 s) is measured for each: CPU % from
the utime+stime delta of /proc/PID/stat (all threads; 1 tick = 10 ms, so over 10 s the
resolution is 0.1 %: 0.000 % means not one tick), context switches over the window (a truly idle
process has 0 wakeups), and VmRSS at the end (RssAnon/RssFile shown for the breakdown). tini runs
one child, so it runs a shell that starts the 8 sleeps; only tini itself is measured.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402
from sleepers import Sleepers, idle_sample  # noqa: E402


def main():
    p = bl.parser(__doc__.split("\n")[0])
    p.add_argument("--services", type=int, default=8)
    p.add_argument("--window", type=float, default=10.0, help="measured seconds (default 10)")
    p.add_argument("--settle", type=float, default=1.0, help="seconds after start before measuring")
    p.add_argument("--tools", default="stackvisor,tini,supervisord")
    args = p.parse_args()
    sv = bl.stackvisor_bin(args.bin)
    tools = [t for t in args.tools.split(",") if t == "stackvisor" or bl.require(t)]
    res = bl.Results("idle", args.json)
    bl.log(f"idle: {args.services} x sleep infinity; {args.window:g} s window; {args.runs} runs; {sv}")
    series = {t: [] for t in tools}
    with bl.WorkDir("idle", args.keep) as wd:
        for run in range(args.runs):
            procs = []
            try:
                for t in tools:
                    procs.append(Sleepers(t, args.services, wd, sv))
                for s in procs:
                    s.wait_settled()
                time.sleep(args.settle)
                sample = idle_sample([s.pid for s in procs], args.window)
                for s in procs:
                    r = sample[s.pid]
                    series[s.tool].append(r)
                    bl.log(f"  run {run + 1} {s.tool:<11} RSS {r['rss_kb'] / 1024:.2f} MB (anon "
                           f"{r['anon_kb'] / 1024:.2f}, file {r['file_kb'] / 1024:.2f}) CPU "
                           f"{100 * r['cpu_s'] / args.window:.3f}% wakeups {r['wakeups']}")
            finally:
                for s in procs:
                    s.kill()
    rows = []
    for t in tools:
        rs = series[t]
        rss = [r["rss_kb"] / 1024 for r in rs]
        anon = [r["anon_kb"] / 1024 for r in rs]
        cpu = [100 * r["cpu_s"] / args.window for r in rs]
        wake = [r["wakeups"] for r in rs]
        res.add("idle8", t, "rss", "MB", rss)
        res.add("idle8", t, "rss_anon", "MB", anon)
        res.add("idle8", t, "cpu_pct", "%", cpu)
        res.add("idle8", t, "wakeups", "count", wake)
        rows.append([t, len(rs), bl.fmt_stat(rss, 2), bl.fmt_stat(anon, 2), bl.fmt_stat(cpu, 3),
                     bl.fmt_stat(wake, 0)])
    bl.print_table(f"idle, {args.services} services, {args.window:g} s: median [min-max]",
                   ["tool", "runs", "VmRSS MB", "RssAnon MB", "CPU %", "wakeups"], rows)
    res.save({"services": args.services, "window": args.window, "runs": args.runs})


if __name__ == "__main__":
    main()
