"""Scale: 1,000 services (`sleep infinity`): time until all run, memory, idle CPU.

--shape lattice makes the services a deep dependency lattice (layers of 2, each depending on
both of the layer below); the shell baseline cannot express that, so only stackvisor runs, and
"ready ms" (until 'all services ready') is reported too. --services 9000 needs ~18,000 fds:
stackvisor raises its soft limit to the hard one (ulimit -Hn).

Time: from launch until all 1,000 sleeps exist (exec done), as in startstop.py; the raw shell
loop is the baseline, and c-loop (bench/src/spawn_loop.c: the same posix_spawns from C, one
after another, nothing else) the machine's floor: at 9,000 the sleeps' own exec and start-up
are most of the CPU, and a 2-core machine cannot start them faster than that. Then, once
stackvisor has printed 'all services ready' and a settle delay has passed, a 10 s window: CPU % (utime+stime delta, all threads), wakeups (context switches) and
VmRSS/VmHWM at the end. supervisord can be added with --tools (it needs about a minute to start
1,000 programs, so it is not in the default run).
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402
from sleepers import BASELINES, Sleepers, idle_sample  # noqa: E402


def main():
    p = bl.parser(__doc__.split("\n")[0], runs=3)
    p.add_argument("--services", type=int, default=1000)
    p.add_argument("--window", type=float, default=10.0)
    p.add_argument("--settle", type=float, default=1.0)
    p.add_argument("--tools", default="c-loop,shell,stackvisor")
    p.add_argument("--shape", choices=("independent", "lattice"), default="independent")
    p.add_argument("--stop-timeout", type=float, default=120.0,
                   help="give up on a stop after this long (reported as nan)")
    args = p.parse_args()
    if args.shape == "lattice":
        args.tools = "stackvisor"
    sv = bl.stackvisor_bin(args.bin)
    tools = [t for t in args.tools.split(",") if t in BASELINES + ("stackvisor",) or bl.require(t)]
    res = bl.Results("scale", args.json)
    n = args.services
    bl.log(f"scale: {n} x sleep infinity ({args.shape}); {args.runs} runs; {args.window:g} s idle window; {sv}")
    series = {t: [] for t in tools}
    with bl.WorkDir("scale", args.keep) as wd:
        for run in range(args.runs):
            for t in tools:
                s = Sleepers(t, n, wd, sv, args.shape)
                try:
                    r = {"start_s": s.wait_running(timeout=300)}
                    if t not in BASELINES:
                        r["ready_s"] = s.wait_ready(timeout=300)
                        time.sleep(args.settle)
                        r.update(idle_sample([s.pid], args.window)[s.pid])
                    r["stop_s"] = s.stop(timeout=args.stop_timeout)
                finally:
                    s.kill()
                series[t].append(r)
                extra = ""
                if "rss_kb" in r:
                    extra = (f"  RSS {r['rss_kb'] / 1024:.1f} MB (HWM {r['hwm_kb'] / 1024:.1f}) idle CPU "
                             f"{100 * r['cpu_s'] / args.window:.3f}% wakeups {r['wakeups']}")
                if "ready_s" in r:
                    extra = f"  ready {r['ready_s'] * 1000:.1f} ms" + extra
                bl.log(f"  run {run + 1} {t:<11} all running {r['start_s'] * 1000:8.1f} ms{extra}"
                       f"  stop {r['stop_s'] * 1000:.0f} ms")
    rows = []
    workload = f"scale{n}" + ("" if args.shape == "independent" else f"-{args.shape}")
    for t in tools:
        rs = series[t]
        start = [r["start_s"] for r in rs]
        stop = [r["stop_s"] for r in rs]
        res.add(workload, t, "start", "s", start)
        res.add(workload, t, "stop", "s", stop)
        ready = [r["ready_s"] for r in rs if "ready_s" in r]
        if ready:
            res.add(workload, t, "ready", "s", ready)
        row = [t, len(rs), bl.fmt_stat(start, 1, 1000), bl.fmt_stat(ready, 1, 1000) if ready else "-",
               bl.fmt_stat(stop, 0, 1000)]
        if "rss_kb" in rs[0]:
            rss = [r["rss_kb"] / 1024 for r in rs]
            hwm = [r["hwm_kb"] / 1024 for r in rs]
            cpu = [100 * r["cpu_s"] / args.window for r in rs]
            wake = [r["wakeups"] for r in rs]
            res.add(workload, t, "rss", "MB", rss)
            res.add(workload, t, "hwm", "MB", hwm)
            res.add(workload, t, "cpu_pct", "%", cpu)
            res.add(workload, t, "wakeups", "count", wake)
            row += [bl.fmt_stat(rss, 1), bl.fmt_stat(hwm, 1), bl.fmt_stat(cpu, 3), bl.fmt_stat(wake, 0)]
        else:
            row += ["-"] * 4
        rows.append(row)
    bl.print_table(f"{n} services ({args.shape}): median [min-max]",
                   ["tool", "runs", "all running ms", "ready ms", "stop ms", "VmRSS MB", "VmHWM MB", "idle CPU %",
                    "wakeups"], rows)
    res.save({"services": n, "window": args.window, "runs": args.runs})


if __name__ == "__main__":
    main()
