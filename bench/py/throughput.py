"""Log throughput: 4 writers x 250,000 lines of 100 bytes (100 MB) through each tool.

Workloads
  a  stdio-buffered writers (4 KiB write(2)s that split lines), output to a file
  b  one write(2) per line, output to a file
  c  stdio-buffered writers, the tool's stdout a pipe drained by `cat > file` (the container case)
Tools: raw (the writers straight on the file/pipe, no supervisor), stackvisor, supervisord,
foreman (slow: by default one run of workload a only), and three relays (src/relay.c), the
cheapest hops anything between the writers and the output could be: relay-splice (splice(2),
no byte through user space, no line kept whole), relay-copy (read/write, what cat does) and
relay-lines (whole lines with a prefix, one write per read; the least a correct relay does).
They are not supervisors; they bound from below what a hop costs.

Timing: every writer opens a FIFO and blocks until the harness closes its end once all four
are waiting, so the tools' own start-up (supervisord's Python imports, manifest parsing) is not
timed; the clock starts then. It stops when the output is complete: at the exit of stackvisor
(which exits by itself once its one-shot writers are done and flushed) or of the last raw
writer; with a pipe, at cat's exit. supervisord and foreman do not exit by themselves (foreman
even kills everything when one child exits), so their writers close stdout, create a done file
and wait; the clock stops at the last modification of the output (file mtime, ns resolution) or
the last done file, whichever is later; their shutdown is not timed.

Supervisor CPU: utime+stime of the supervisor process alone (all its threads, its children
excluded) from the start signal to the end: /proc/PID/stat read at the start and read again on
the zombie (waitid WNOWAIT: exited, not yet reaped, so the writers' CPU -- which the kernel adds
to cutime/cstime and wait4 would add to its rusage -- is not counted), or before SIGTERM for
supervisord and foreman. Peak RSS: VmHWM of the supervisor process, sampled every 10 ms.
"""
import os
import shlex
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402
import integrity  # noqa: E402

WRITERS = 4
MB = 1e6
WORKLOADS = {
    "a": ("stdio", False, "stdio-buffered writers (4 KiB writes), to a file"),
    "b": ("line", False, "one write() per line, to a file"),
    "c": ("stdio", True, "stdio-buffered writers, stdout a pipe drained by cat"),
}
STYLE = {"raw": "plain", "stackvisor": "prefixed", "supervisord": "plain", "foreman": "foreman",
         "relay-splice": "plain", "relay-copy": "plain", "relay-lines": "prefixed"}
RELAYS = ("relay-splice", "relay-copy", "relay-lines")


def launch(tool, wd, progs, sv, mode, lines, fifo, out_fd, linger):
    """Starts the tool (or the raw writers) with stdout on out_fd. Returns (supervisor Popen or
    None, [writer Popens] for raw)."""
    def argv(i):
        a = [progs["writer"], str(i), str(lines), mode, fifo]
        if linger:
            a.append(wd(f"done.{i}"))
        return a

    err = open(wd(f"{tool}.stderr"), "ab")
    common = dict(stdin=subprocess.DEVNULL, stdout=out_fd, stderr=err, close_fds=True)
    if tool == "raw":
        return None, [subprocess.Popen(argv(i), **common) for i in range(WRITERS)]
    if tool in RELAYS:
        cmd = [progs["relay"], tool.split("-")[1]]
        for i in range(WRITERS):
            cmd += (["--"] if i else []) + argv(i)
        return subprocess.Popen(cmd, **common), []
    if tool == "stackvisor":
        bl.write_manifest(wd("stackvisor.yaml"),
                          {f"w{i}": {"command": argv(i), "restart": "no"} for i in range(WRITERS)})
        cmd = [sv, "up", "-f", wd("stackvisor.yaml"), "--no-color"]
    elif tool == "supervisord":
        bl.write_supervisord_conf(wd("supervisord.conf"), wd.path,
                                  {f"w{i}": {"command": " ".join(argv(i))} for i in range(WRITERS)})
        cmd = ["supervisord", "-c", wd("supervisord.conf")]
    elif tool == "foreman":
        with open(wd("Procfile"), "w") as f:
            for i in range(WRITERS):
                f.write(f"w{i}: {' '.join(argv(i))}\n")
        cmd = ["foreman", "start", "-f", wd("Procfile"), "-d", wd.path]
    else:
        raise ValueError(tool)
    if tool == "stackvisor" and os.environ.get("BENCH_WRAP"):
        # Profiling aid (see README): e.g. BENCH_WRAP="perf record -g -o /tmp/p.data --".
        # The CPU and RSS figures are then the wrapper's, not stackvisor's.
        cmd = shlex.split(os.environ["BENCH_WRAP"]) + cmd
    return subprocess.Popen(cmd, **common), []


def run_once(tool, workload, wd, progs, sv, lines):
    mode, piped, _ = WORKLOADS[workload]
    linger = tool in ("supervisord", "foreman")
    for name in os.listdir(wd.path):
        if name.startswith(("go", "done.", "out")):
            os.unlink(wd(name))
    fifo = wd("go")
    os.mkfifo(fifo)
    go_fd = os.open(fifo, os.O_RDWR)  # O_RDWR never blocks on a FIFO; the writers' opens won't
    out_path = wd("out.txt")
    out_fd = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    cat = None
    if piped:
        r, w = os.pipe()
        cat = subprocess.Popen(["cat"], stdin=r, stdout=out_fd, close_fds=True)
        os.close(r)
        os.close(out_fd)
        out_fd = w
    sup, raw = launch(tool, wd, progs, sv, mode, lines, fifo, out_fd, linger)
    os.close(out_fd)  # only the tool (and cat) hold the output now
    hwm = bl.HwmSampler(sup.pid) if sup else None
    try:
        for i in range(WRITERS):
            bl.wait_file(f"{fifo}.ready.{i}", 60)
        cpu0 = bl.cpu_ticks(sup.pid) / bl.TICK if sup else 0.0
        t0_real = time.time()
        t0 = time.monotonic()
        os.close(go_fd)
        go_fd = None
        cpu = None
        if tool == "raw":
            for p in raw:
                p.wait()
            t_end = time.monotonic()
        elif tool == "stackvisor" or tool in RELAYS:
            t_end, cpu_total, rc = bl.wait_own_cpu(sup, timeout=600)
            cpu = cpu_total - cpu0
            if rc != 0:
                print(f"    {tool} exited {rc}", file=sys.stderr)
        else:
            for i in range(WRITERS):
                bl.wait_file(wd(f"done.{i}"), 600, poll=0.005)
            watch = out_path
            # The output is complete once it stops growing (the writers are done; the tool may
            # still be copying what is left in its pipes).
            last = -1
            while True:
                size = os.stat(watch).st_size
                if size == last:
                    break
                last = size
                time.sleep(0.3)
            cpu = bl.cpu_ticks(sup.pid) / bl.TICK - cpu0
            mtimes = [os.stat(watch).st_mtime_ns] + [os.stat(wd(f"done.{i}")).st_mtime_ns
                                                      for i in range(WRITERS)]
            t_end = t0 + (max(mtimes) / 1e9 - t0_real)
        peak = hwm.stop() / 1024 if hwm else None
        if sup:
            bl.terminate(sup, timeout=30)
        if cat:
            cat.wait(600)
            if tool in ("raw", "stackvisor") or tool in RELAYS:
                t_end = max(t_end, time.monotonic())
    finally:
        if go_fd is not None:
            os.close(go_fd)
        for p in raw + ([sup] if sup else []) + ([cat] if cat else []):
            if p.poll() is None:
                p.kill()
                p.wait()
    wall = t_end - t0
    counts = integrity.check(out_path, STYLE[tool], WRITERS, lines)
    return {"wall": wall, "mbps": WRITERS * lines * 100 / MB / wall, "cpu": cpu, "rss": peak,
            "counts": counts}


def main():
    p = bl.parser(__doc__.split("\n")[0])
    p.add_argument("--workloads", default="abc", help="subset of abc (default abc)")
    p.add_argument("--tools", default="raw,stackvisor,supervisord,foreman," + ",".join(RELAYS))
    p.add_argument("--lines", type=int, default=250000, help="lines per writer (default 250000)")
    p.add_argument("--foreman-runs", type=int, default=int(os.environ.get("FOREMAN_RUNS", 1)),
                   help="runs of foreman (default 1: it moves ~8 MB/s, 12 s a run)")
    p.add_argument("--foreman-workloads", default="a", help="workloads foreman runs (default a)")
    args = p.parse_args()
    sv = bl.stackvisor_bin(args.bin)
    progs = bl.build_helpers()
    tools = [t for t in args.tools.split(",")
             if t in ("raw", "stackvisor") or t in RELAYS or bl.require(t)]
    res = bl.Results("throughput", args.json)
    mb = WRITERS * args.lines * 100 / MB
    bl.log(f"throughput: {WRITERS} writers x {args.lines} lines x 100 B = {mb:.0f} MB; "
           f"stackvisor {sv}; {args.runs} runs")
    with bl.WorkDir("throughput", args.keep) as wd:
        for wl in args.workloads:
            bl.log(f"\n[{wl}] {WORKLOADS[wl][2]}")
            series = {t: [] for t in tools}
            for run in range(args.runs):
                # One round runs every tool once, so a burst of load from elsewhere on the
                # machine hits all of them and the paired ratio stays meaningful.
                for tool in tools:
                    if tool == "foreman" and (wl not in args.foreman_workloads or run >= args.foreman_runs):
                        continue
                    r = run_once(tool, wl, wd, progs, sv, args.lines)
                    series[tool].append(r)
                    c = r["counts"]
                    extra = f" cpu {r['cpu']:.2f}s" if r["cpu"] is not None else ""
                    extra += f" rss {r['rss']:.1f}MB" if r["rss"] else ""
                    bl.log(f"  run {run + 1} {tool:<11} {r['wall']:.3f}s {r['mbps']:7.1f} MB/s{extra}"
                           f"  lines {c['total']} intact {c['intact']} lost {c['lost']} torn {c['torn']}"
                           f" misattributed {c['misattributed']} reordered {c['reordered']}")
            rows = []
            raw = series.get("raw", [])
            for tool in tools:
                rs = series[tool]
                if not rs:
                    continue
                mbps = [r["mbps"] for r in rs]
                ratios = ([r["mbps"] / q["mbps"] for r, q in zip(rs, raw)]
                          if raw and tool != "raw" else [])
                cpus = [r["cpu"] for r in rs if r["cpu"] is not None]
                rss = [r["rss"] for r in rs if r["rss"]]
                worst = {k: max(r["counts"][k] for r in rs)
                         for k in ("lost", "torn", "misattributed", "reordered")}
                res.add(wl, tool, "mbps", "MB/s", mbps)
                if ratios:
                    res.add(wl, tool, "ratio_vs_raw", "x", ratios)
                if cpus:
                    res.add(wl, tool, "cpu", "s", cpus)
                if rss:
                    res.add(wl, tool, "peak_rss", "MB", rss)
                res.add(wl, tool, "integrity_worst", "lines", [], **worst,
                        per_run=[r["counts"] for r in rs])
                rows.append([tool, len(rs), bl.fmt_stat(mbps, 1), bl.fmt_stat(ratios, 2) if ratios else "-",
                             bl.fmt_stat(cpus, 2) if cpus else "-", bl.fmt_stat(rss, 1) if rss else "-",
                             worst["lost"], worst["torn"], worst["misattributed"], worst["reordered"]])
            bl.print_table(f"[{wl}] {WORKLOADS[wl][2]}: median [min-max]; integrity = worst run",
                           ["tool", "runs", "MB/s", "x raw", "sup CPU s", "peak RSS MB",
                            "lost", "torn", "misattr", "reordered"], rows)
    res.save({"lines": args.lines, "writers": WRITERS, "runs": args.runs, "bin": sv})


if __name__ == "__main__":
    main()
