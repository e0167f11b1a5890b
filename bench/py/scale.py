"""Scale: 1,000 services (`sleep infinity`): time until all run, memory, idle CPU.

Time: from launch until all 1,000 sleeps exist (exec done), as in startstop.py; the raw shell
loop is the baseline. Then, once stackvisor has printed 'all services ready' and a settle delay
has passed, a 10 s window: CPU % (utime+stime delta, all threads), wakeups (context switches) and
VmRSS/VmHWM at the end. supervisord can be added with --tools (it needs about a minute to start
1,000 programs, so it is not in the default run).
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402
from sleepers import Sleepers, idle_sample  # noqa: E402


def main():
    p = bl.parser(__doc__.split("\n")[0], runs=3)
    p.add_argument("--services", type=int, default=1000)
    p.add_argument("--window", type=float, default=10.0)
    p.add_argument("--settle", type=float, default=1.0)
    p.add_argument("--tools", default="shell,stackvisor")
    args = p.parse_args()
    sv = bl.stackvisor_bin(args.bin)
    tools = [t for t in args.tools.split(",") if t in ("shell", "stackvisor") or bl.require(t)]
    res = bl.Results("scale", args.json)
    n = args.services
    bl.log(f"scale: {n} x sleep infinity; {args.runs} runs; {args.window:g} s idle window; {sv}")
    series = {t: [] for t in tools}
    with bl.WorkDir("scale", args.keep) as wd:
        for run in range(args.runs):
            for t in tools:
                s = Sleepers(t, n, wd, sv)
                try:
                    r = {"start_s": s.wait_running(timeout=300)}
                    if t != "shell":
                        s.wait_settled(timeout=300)
                        time.sleep(args.settle)
                        r.update(idle_sample([s.pid], args.window)[s.pid])
                    r["stop_s"] = s.stop(timeout=120)
                finally:
                    s.kill()
                series[t].append(r)
                extra = ""
                if "rss_kb" in r:
                    extra = (f"  RSS {r['rss_kb'] / 1024:.1f} MB (HWM {r['hwm_kb'] / 1024:.1f}) idle CPU "
                             f"{100 * r['cpu_s'] / args.window:.3f}% wakeups {r['wakeups']}")
                bl.log(f"  run {run + 1} {t:<11} all running {r['start_s'] * 1000:8.1f} ms{extra}"
                       f"  stop {r['stop_s'] * 1000:.0f} ms")
    rows = []
    for t in tools:
        rs = series[t]
        start = [r["start_s"] for r in rs]
        stop = [r["stop_s"] for r in rs]
        res.add(f"scale{n}", t, "start", "s", start)
        res.add(f"scale{n}", t, "stop", "s", stop)
        row = [t, len(rs), bl.fmt_stat(start, 1, 1000), bl.fmt_stat(stop, 0, 1000)]
        if "rss_kb" in rs[0]:
            rss = [r["rss_kb"] / 1024 for r in rs]
            hwm = [r["hwm_kb"] / 1024 for r in rs]
            cpu = [100 * r["cpu_s"] / args.window for r in rs]
            wake = [r["wakeups"] for r in rs]
            res.add(f"scale{n}", t, "rss", "MB", rss)
            res.add(f"scale{n}", t, "hwm", "MB", hwm)
            res.add(f"scale{n}", t, "cpu_pct", "%", cpu)
            res.add(f"scale{n}", t, "wakeups", "count", wake)
            row += [bl.fmt_stat(rss, 1), bl.fmt_stat(hwm, 1), bl.fmt_stat(cpu, 3), bl.fmt_stat(wake, 0)]
        else:
            row += ["-"] * 4
        rows.append(row)
    bl.print_table(f"{n} services: median [min-max]",
                   ["tool", "runs", "all running ms", "stop ms", "VmRSS MB", "VmHWM MB", "idle CPU %",
                    "wakeups"], rows)
    res.save({"services": n, "window": args.window, "runs": args.runs})


if __name__ == "__main__":
    main()
