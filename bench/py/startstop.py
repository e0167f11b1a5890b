"""Start and stop: 50 services starting, 8 services stopping.

start: from launching the tool to the moment all 50 `sleep infinity` processes exist (exec
done: their /proc/PID/comm is "sleep"), polled every 0.5 ms in the tool's children. Same rule for
every tool; the raw baseline is a shell loop of `sleep infinity &`.
stop: 8 sleeping services (sleep exits on SIGTERM); once all run (stackvisor: 'all services
ready' printed) and 0.2 s have passed, SIGTERM goes to the tool and the time until it has exited
(waitpid) is measured. Raw baseline: a shell that traps TERM, kills its 8 sleeps and waits for
them. tini -g forwards the signal to its shell's process group. Every run also checks that no
sleep is left behind.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402
from sleepers import Sleepers  # noqa: E402


def main():
    p = bl.parser(__doc__.split("\n")[0])
    p.add_argument("--start", type=int, default=50, help="services started (default 50)")
    p.add_argument("--stop", type=int, default=8, help="services stopped (default 8)")
    p.add_argument("--start-tools", default="shell,stackvisor,supervisord")
    p.add_argument("--stop-tools", default="shell,stackvisor,supervisord,tini")
    args = p.parse_args()
    sv = bl.stackvisor_bin(args.bin)
    avail = lambda t: t in ("shell", "stackvisor") or bl.require(t)  # noqa: E731
    start_tools = [t for t in args.start_tools.split(",") if avail(t)]
    stop_tools = [t for t in args.stop_tools.split(",") if avail(t)]
    res = bl.Results("startstop", args.json)
    bl.log(f"startstop: start {args.start}, stop {args.stop}; {args.runs} runs; {sv}")
    starts = {t: [] for t in start_tools}
    stops = {t: [] for t in stop_tools}
    left = {t: 0 for t in stop_tools}
    with bl.WorkDir("startstop", args.keep) as wd:
        for run in range(args.runs):
            for t in start_tools:
                s = Sleepers(t, args.start, wd, sv)
                try:
                    starts[t].append(s.wait_running())
                finally:
                    s.kill()
                bl.log(f"  run {run + 1} start {args.start} {t:<11} {starts[t][-1] * 1000:8.1f} ms")
            for t in stop_tools:
                s = Sleepers(t, args.stop, wd, sv)
                try:
                    s.wait_settled()
                    time.sleep(0.2)
                    stops[t].append(s.stop())
                    # The sleeps are reaped by the tool (or re-parented and reaped by init);
                    # give the kernel a moment before calling one a leftover.
                    deadline = time.monotonic() + 2
                    while s.leftovers() and time.monotonic() < deadline:
                        time.sleep(0.01)
                    n_left = len(s.leftovers())
                    left[t] += n_left
                finally:
                    s.kill()
                bl.log(f"  run {run + 1} stop {args.stop}  {t:<11} {stops[t][-1] * 1000:8.1f} ms"
                       f"{f'  LEFT BEHIND {n_left}' if n_left else ''}")
    rows = []
    base = starts.get("shell", [])
    for t in start_tools:
        v = starts[t]
        ratio = [a / b for a, b in zip(v, base)] if base and t != "shell" else []
        res.add(f"start{args.start}", t, "time", "s", v)
        if ratio:
            res.add(f"start{args.start}", t, "ratio_vs_shell", "x", ratio)
        rows.append([t, len(v), bl.fmt_stat(v, 1, 1000), bl.fmt_stat(ratio, 2) if ratio else "-"])
    bl.print_table(f"start {args.start} services until all running: median [min-max]",
                   ["tool", "runs", "ms", "x raw shell"], rows)
    rows = []
    for t in stop_tools:
        v = stops[t]
        res.add(f"stop{args.stop}", t, "time", "s", v, left_behind=left[t])
        rows.append([t, len(v), bl.fmt_stat(v, 1, 1000), left[t]])
    bl.print_table(f"stop {args.stop} services, SIGTERM to exit: median [min-max]",
                   ["tool", "runs", "ms", "sleeps left behind (all runs)"], rows)
    res.save({"start": args.start, "stop": args.stop, "runs": args.runs})


if __name__ == "__main__":
    main()
