"""Readiness latency (dependency ready -> dependent spawned) and restart latency (crash -> new
process), measured between the services' own clocks.

Readiness, for each kind (notify, log, tcp, http): one stackvisor run holds P pairs dep_i ->
app_i (depends_on condition service_healthy). dep_i (readyprog, C) becomes ready after a
staggered delay and records CLOCK_MONOTONIC at that instant: just before sendto(READY=1), just
before writing its "ready to serve" line, just after listen() for tcp/http. app_i records
CLOCK_MONOTONIC as the first statement of main(), so the figure includes stackvisor noticing,
deciding, fork, exec and the dynamic loader -- everything up to the dependent running.
tcp/http probes run every start_interval (100 ms, the default, stated explicitly), so the
latency there is the phase of the probe timer plus the probe; the target is start_interval+10 ms.

Restart: a service (restart: always, backoff as close to zero as the manifest accepts, factor 1)
records its start time, lives 20 ms, records its exit time and exits 1; the next incarnation
records its start time. Latency = start(k+1) - exit(k).
"""
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402

KINDS = ("notify", "log", "tcp", "http")
START_INTERVAL_MS = 100


def free_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def read_ns(path):
    with open(path) as f:
        return int(f.read().split()[0])


def run_stack(sv, wd, name, services, done, timeout=60):
    """Runs stackvisor on `services` until done() is true, then stops it."""
    bl.write_manifest(wd(f"{name}.yaml"), services)
    with open(wd(f"{name}.out"), "wb") as out:
        p = subprocess.Popen([sv, "up", "-f", wd(f"{name}.yaml"), "--no-color"],
                             stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while not done():
            if p.poll() is not None:
                raise RuntimeError(f"stackvisor exited {p.returncode}; see {wd(name + '.out')}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name}: not done within {timeout}s; see {wd(name + '.out')}")
            time.sleep(0.02)
    finally:
        bl.terminate(p)


def readiness_run(kind, sv, wd, progs, pairs, tag):
    rp = progs["readyprog"]
    ports = free_ports(pairs)
    services = {}
    files = []
    for i in range(pairs):
        ready, spawned = wd(f"{tag}.ready.{i}"), wd(f"{tag}.spawned.{i}")
        for f in (ready, spawned):
            if os.path.exists(f):
                os.unlink(f)
        # Staggered, and not a multiple of the probe interval, so the probe phase varies.
        delay = str(200 + i * 37)
        if kind in ("notify", "log"):
            cmd = [rp, kind, delay, ready]
        else:
            cmd = [rp, kind, delay, ready, str(ports[i])]
        hc = {"notify": {"notify": True}, "log": {"log": "ready to serve"},
              "tcp": {"tcp": f"127.0.0.1:{ports[i]}"},
              "http": {"http": f"http://127.0.0.1:{ports[i]}/"}}[kind]
        hc["start_interval"] = f"{START_INTERVAL_MS}ms"
        services[f"dep{i}"] = {"command": cmd, "healthcheck": hc}
        services[f"app{i}"] = {"command": [rp, "stamp", spawned],
                               "depends_on": {f"dep{i}": {"condition": "service_healthy"}}}
        files.append((ready, spawned))
    run_stack(sv, wd, tag, services, lambda: all(os.path.exists(s) for _, s in files))
    time.sleep(0.01)  # the stamp file exists: its one write may still be in flight
    return [(read_ns(s) - read_ns(r)) / 1e6 for r, s in files]


def backoff_setting(sv, wd):
    """The smallest restart backoff the manifest accepts: 0 ms if it can, else 1 ms."""
    rejected = None
    for ms in (0, 1):
        bl.write_manifest(wd("probe.yaml"), {"c": {
            "command": ["true"], "restart": "always",
            "restart_backoff": {"initial": f"{ms}ms", "max": f"{ms}ms", "factor": 1}}})
        r = subprocess.run([sv, "config", "-q", "-f", wd("probe.yaml")], capture_output=True, text=True)
        if r.returncode == 0:
            return ms, rejected
        rejected = (r.stderr.strip().splitlines() or ["rejected"])[0]
    sys.exit(f"the manifest accepts no restart backoff below 2 ms: {rejected}")


def restart_run(sv, wd, progs, restarts, backoff_ms, tag):
    log = wd(f"{tag}.crash")
    if os.path.exists(log):
        os.unlink(log)
    services = {"crasher": {"command": [progs["readyprog"], "crash", log, "20", str(restarts)],
                            "restart": "always",
                            "restart_backoff": {"initial": f"{backoff_ms}ms", "max": f"{backoff_ms}ms",
                                                "factor": 1}}}

    def starts():
        try:
            with open(log) as f:
                return sum(1 for line in f if line.startswith("S"))
        except FileNotFoundError:
            return 0
    run_stack(sv, wd, tag, services, lambda: starts() > restarts)
    time.sleep(0.01)
    with open(log) as f:
        events = [line.split() for line in f if line.strip()]
    lat = []
    for prev, nxt in zip(events, events[1:]):
        if prev[0] == "E" and nxt[0] == "S":
            lat.append((int(nxt[1]) - int(prev[1])) / 1e6)
    return lat


def main():
    p = bl.parser(__doc__.split("\n")[0])
    p.add_argument("--pairs", type=int, default=10, help="dependency pairs per run and kind (default 10)")
    p.add_argument("--restarts", type=int, default=20, help="restarts per run (default 20)")
    p.add_argument("--kinds", default=",".join(KINDS))
    args = p.parse_args()
    sv = bl.stackvisor_bin(args.bin)
    progs = bl.build_helpers()
    res = bl.Results("latency", args.json)
    bl.log(f"latency: {args.runs} runs x {args.pairs} pairs per readiness kind, "
           f"{args.runs} runs x {args.restarts} restarts; {sv}")
    rows = []
    with bl.WorkDir("latency", args.keep) as wd:
        for kind in args.kinds.split(","):
            samples = []
            for run in range(args.runs):
                lat = readiness_run(kind, sv, wd, progs, args.pairs, f"{kind}{run}")
                samples.extend(lat)
                bl.log(f"  run {run + 1} {kind:<7} median {bl.med(lat):7.2f} ms  "
                       f"min {min(lat):.2f}  max {max(lat):.2f}")
            res.add(kind, "stackvisor", "readiness_latency", "ms", samples,
                    p90=sorted(samples)[int(0.9 * (len(samples) - 1))],
                    start_interval_ms=START_INTERVAL_MS)
            rows.append([f"readiness {kind}", len(samples), bl.fmt_stat(samples, 2),
                         f"{sorted(samples)[int(0.9 * (len(samples) - 1))]:.2f}"])
        backoff_ms, rejected = backoff_setting(sv, wd)
        if rejected:
            bl.log(f"  NOTE: zero restart backoff rejected by the manifest loader: {rejected}")
            bl.log(f"        measuring with restart_backoff {{initial: {backoff_ms}ms, max: "
                   f"{backoff_ms}ms, factor: 1}} instead")
        samples = []
        for run in range(args.runs):
            lat = restart_run(sv, wd, progs, args.restarts, backoff_ms, f"restart{run}")
            samples.extend(lat)
            bl.log(f"  run {run + 1} restart median {bl.med(lat):7.2f} ms  min {min(lat):.2f}  max {max(lat):.2f}")
        res.add("restart", "stackvisor", "restart_latency", "ms", samples,
                p90=sorted(samples)[int(0.9 * (len(samples) - 1))], backoff_ms=backoff_ms,
                zero_backoff_rejected=rejected)
        rows.append([f"restart (backoff {backoff_ms} ms)", len(samples), bl.fmt_stat(samples, 2),
                     f"{sorted(samples)[int(0.9 * (len(samples) - 1))]:.2f}"])
    bl.print_table("latency, stackvisor: median [min-max] over all samples",
                   ["what", "samples", "ms", "p90 ms"], rows)
    res.save({"pairs": args.pairs, "restarts": args.restarts, "runs": args.runs,
              "start_interval_ms": START_INTERVAL_MS})


if __name__ == "__main__":
    main()
