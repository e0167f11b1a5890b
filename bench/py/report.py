"""Turns the JSON results of a run-all into docs/benchmarks.md: machine, commands, one table per
bench, and the targets of issue 4 with PASS/MISS.

usage: report.py RESULTS.json OUT.md [--commands "..."] [--notes FILE]
"""
import argparse
import datetime
import json
import os
import platform
import subprocess


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def version(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "not installed"


class Db:
    def __init__(self, records):
        self.records = records

    def get(self, bench, workload, tool, metric):
        for r in self.records:
            if (r["bench"], r["workload"], r["tool"], r["metric"]) == (bench, workload, tool, metric):
                return r
        return None

    def med(self, *key):
        r = self.get(*key)
        return r.get("median") if r else None


def stat(r, digits=2, scale=1.0):
    if not r or "median" not in r:
        return "n/a"
    f = f"{{:.{digits}f}}"
    if len(r["values"]) == 1:
        return f.format(r["median"] * scale)
    return (f"{f.format(r['median'] * scale)} [{f.format(r['min'] * scale)}-"
            f"{f.format(r['max'] * scale)}]")


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


WL_TITLE = {
    "a": "a. stdio-buffered writers (4 KiB writes that split lines), output to a file",
    "b": "b. one write() per line, output to a file",
    "c": "c. stdio-buffered writers, the tool's stdout a pipe drained by `cat > file`",
}


def throughput_section(db):
    out = []
    for wl in "abc":
        rows = []
        for tool in ("raw", "stackvisor", "supervisord", "foreman",
                     "relay-splice", "relay-copy", "relay-lines"):
            mb = db.get("throughput", wl, tool, "mbps")
            if not mb:
                continue
            integ = db.get("throughput", wl, tool, "integrity_worst")
            rows.append([tool, len(mb["values"]), stat(mb, 1),
                         stat(db.get("throughput", wl, tool, "ratio_vs_raw")),
                         stat(db.get("throughput", wl, tool, "cpu")),
                         stat(db.get("throughput", wl, tool, "peak_rss"), 1),
                         integ["lost"], integ["torn"], integ["misattributed"], integ["reordered"]])
        if rows:
            out.append(f"**{WL_TITLE[wl]}**\n")
            out.append(table(["tool", "runs", "MB/s", "x raw (paired)", "supervisor CPU s",
                              "peak RSS MB", "lost", "torn", "misattributed", "reordered"], rows))
            out.append("")
    return "\n".join(out)


def targets(db):
    rows = []

    def row(workload, peer, target, measured, ok):
        verdict = "n/a" if ok is None else ("PASS" if ok else "**MISS**")
        rows.append([workload, peer, target, measured, verdict])

    def lossless(wl):
        r = db.get("throughput", wl, "stackvisor", "integrity_worst")
        if not r:
            return None, "n/a"
        bad = r["lost"] + r["torn"] + r["misattributed"] + r["reordered"]
        return bad == 0, ("lossless" if bad == 0 else
                          f"lost {r['lost']} torn {r['torn']} misattr {r['misattributed']} reord {r['reordered']}")

    def peer(wl, tool, metric="mbps", digits=0):
        r = db.get("throughput", wl, tool, metric)
        return f"{tool} {stat(r, digits)}" if r else ""

    for wl, need, label in (("a", 0.9, ">= 0.9x raw, lossless"), ("b", 3.0, ">= 3x raw, lossless"),
                            ("c", 0.9, ">= 0.9x raw, lossless, peak RSS < 16 MB")):
        ratio = db.get("throughput", wl, "stackvisor", "ratio_vs_raw")
        if not ratio:
            continue
        ok_l, txt = lossless(wl)
        ok = ratio["median"] >= need and ok_l
        measured = f"{stat(ratio)}x raw ({stat(db.get('throughput', wl, 'stackvisor', 'mbps'), 0)} MB/s), {txt}"
        if wl == "c":
            rss = db.get("throughput", wl, "stackvisor", "peak_rss")
            measured += f", peak RSS {stat(rss, 1)} MB"
            ok = ok and rss is not None and rss["max"] < 16
        peers = "; ".join(p for p in (peer(wl, "raw"), peer(wl, "supervisord"), peer(wl, "foreman")) if p)
        floor = db.get("throughput", wl, "relay-splice", "ratio_vs_raw")
        if floor and wl == "c":
            # The cheapest hop there is: no byte through user space, no line kept whole.
            measured += f" (a splice(2) relay: {stat(floor)}x raw)"
        row(WL_TITLE[wl].split(". ", 1)[1], peers + " MB/s", label, measured, ok)
    cpus = [(wl, db.get("throughput", wl, "stackvisor", "cpu")) for wl in "abc"]
    cpus = [(wl, r) for wl, r in cpus if r]
    if cpus:
        worst = max(r["median"] for _, r in cpus)
        sup = [f"{wl}: {stat(db.get('throughput', wl, 'supervisord', 'cpu'))}" for wl, _ in cpus
               if db.get("throughput", wl, "supervisord", "cpu")]
        row("supervisor CPU for the 100 MB", "supervisord " + ", ".join(sup) + " s", "<= 0.2 s",
            ", ".join(f"{wl}: {stat(r)}" for wl, r in cpus) + " s", worst <= 0.2)
    rss = db.get("idle", "idle8", "stackvisor", "rss")
    if rss:
        cpu = db.get("idle", "idle8", "stackvisor", "cpu_pct")
        peers = "; ".join(f"{t} {stat(db.get('idle', 'idle8', t, 'rss'), 1)} MB"
                          for t in ("tini", "supervisord") if db.get("idle", "idle8", t, "rss"))
        row("idle, 8 services sleeping", peers, "RSS <= 4 MB, CPU 0.000 % over 10 s",
            f"RSS {stat(rss)} MB (anon {stat(db.get('idle', 'idle8', 'stackvisor', 'rss_anon'))}), "
            f"CPU {stat(cpu, 3)} %, wakeups {stat(db.get('idle', 'idle8', 'stackvisor', 'wakeups'), 0)}",
            rss["median"] <= 4 and cpu["max"] == 0)
    for r in db.records:
        if r["bench"] == "startstop" and r["workload"].startswith("start") and r["tool"] == "stackvisor" \
                and r["metric"] == "ratio_vs_shell":
            wl = r["workload"]
            shell = db.get("startstop", wl, "shell", "time")
            sup = db.get("startstop", wl, "supervisord", "time")
            row(f"start {wl[5:]} services (all running)",
                f"raw shell {stat(shell, 3)} s" + (f"; supervisord {stat(sup, 3)} s" if sup else ""),
                "<= 1.5x raw shell",
                f"{stat(db.get('startstop', wl, 'stackvisor', 'time'), 3)} s = {stat(r)}x raw shell",
                r["median"] <= 1.5)
        if r["bench"] == "startstop" and r["workload"].startswith("stop") and r["tool"] == "stackvisor":
            wl = r["workload"]
            peers = "; ".join(f"{t} {stat(db.get('startstop', wl, t, 'time'), 3)} s"
                              for t in ("shell", "tini", "supervisord") if db.get("startstop", wl, t, "time"))
            left = r.get("left_behind", 0)
            row(f"stop {wl[4:]} services that exit on SIGTERM", peers, "<= 0.05 s",
                f"{stat(r, 3)} s" + (f", {left} left behind" if left else ""),
                r["median"] <= 0.05 and left == 0)
    for kind in ("notify", "log", "tcp", "http"):
        r = db.get("latency", kind, "stackvisor", "readiness_latency")
        if not r:
            continue
        if kind in ("notify", "log"):
            row(f"readiness latency, {kind}", "process-compose probes every 10 s; compose 30 s",
                "<= 5 ms median", f"{stat(r)} ms (p90 {r['p90']:.2f})", r["median"] <= 5)
        else:
            lim = r["start_interval_ms"] + 10
            row(f"readiness latency, {kind}", "compose start_interval 5 s",
                f"<= start_interval + 10 ms = {lim} ms", f"{stat(r)} ms (p90 {r['p90']:.2f})",
                r["median"] <= lim)
    r = db.get("latency", "restart", "stackvisor", "restart_latency")
    if r:
        note = ""
        if r.get("zero_backoff_rejected"):
            note = f"; zero backoff rejected by the loader, measured with {r['backoff_ms']} ms"
        row("restart latency (crash -> new pid), zero backoff", "-", "<= 5 ms median",
            f"{stat(r)} ms (p90 {r['p90']:.2f}){note}",
            r["median"] <= 5 and not r.get("zero_backoff_rejected"))
    for r in db.records:
        if r["bench"] == "scale" and r["tool"] == "stackvisor" and r["metric"] == "start":
            wl = r["workload"]
            rss = db.get("scale", wl, "stackvisor", "rss")
            cpu = db.get("scale", wl, "stackvisor", "cpu_pct")
            shell = db.get("scale", wl, "shell", "start")
            ok = r["median"] < 1 and rss and rss["median"] < 32 and cpu and cpu["max"] == 0
            row(f"{wl[5:]} services", f"raw shell {stat(shell, 2)} s" if shell else "-",
                "all running < 1 s, RSS < 32 MB, idle CPU 0 %",
                f"{stat(r, 2)} s, RSS {stat(rss, 1)} MB, idle CPU {stat(cpu, 3)} %", ok)
    wl = "cold start to first 200 through nginx"
    ratio = db.get("seed_cold_start", wl, "seed / hand-written", "ratio")
    if ratio:
        seed = db.get("seed_cold_start", wl, "seed 000 compose files", "seconds")
        hand = db.get("seed_cold_start", wl, "django-channels manifest", "seconds")
        row("seed 000 from its compose files, cold start", f"hand-written manifest {stat(hand)} s",
            "<= 1.1 x", f"{stat(seed)} s = {ratio['median']:.2f} x", ratio["median"] <= 1.1)
    return table(["workload", "peer / baseline (same run)", "target", "stackvisor", "verdict"], rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("out")
    ap.add_argument("--commands", default="bench/run-all.sh")
    ap.add_argument("--notes", default=None, help="markdown appended at the end (analysis)")
    ap.add_argument("--duration", default=None)
    ap.add_argument("--bin", default=None, help="the stackvisor binary measured")
    args = ap.parse_args()
    with open(args.results) as f:
        data = json.load(f)
    db = Db(data["records"])
    meta = data.get("meta", {})
    sv = args.bin or (meta.get("throughput") or {}).get("bin")
    u = os.uname()
    load = open("/proc/loadavg").read().split()[:3]
    finished = datetime.datetime.fromtimestamp(os.path.getmtime(args.results), datetime.timezone.utc)
    md = [
        "# Benchmarks",
        "",
        "Produced by `bench/run-all.sh` (see `bench/README.md` for what each figure measures and how).",
        "Figures are medians over the runs with [min-max]; every stackvisor figure has its baseline",
        "measured in the same run, interleaved run by run.",
        "",
        "## Machine",
        "",
        # When the last benchmark finished (the results file), not when this report was written.
        f"- date: {finished.strftime('%Y-%m-%d %H:%M UTC')}",
        f"- CPU: {cpu_model()}, nproc {os.cpu_count()}",
        f"- kernel: {u.sysname} {u.release} ({u.machine})",
        f"- load average when the report was written: {' '.join(load)} (a shared machine: other jobs ran"
        " during the benchmarks, which widens the ranges)",
        f"- stackvisor: `{sv}` ({version([sv, '--version']) if sv else '?'})",
        f"- peers: supervisord {version(['supervisord', '--version'])}, {version(['tini', '--version'])},"
        f" foreman {version(['foreman', '--version'])}",
    ]
    if args.duration:
        md.append(f"- run-all duration: {args.duration}")
    md += ["", "## Commands", "", "```", args.commands, "```", "",
           "## Targets (issue 4)", "", targets(db), ""]
    md += ["## Throughput: 4 writers x 250,000 lines of 100 bytes (100 MB)", "",
           "Integrity columns: worst run. `lost` = lines never seen intact; `torn` = output lines that are"
           " fragments or splices; raw and supervisord write the children's bytes unprefixed, so a 4 KiB"
           " write that ends mid-line interleaves with another writer's: that is the point of workload a."
           " The relay-* rows are not supervisors but the cheapest hops anything between the writers and"
           " the output could be (bench/src/relay.c): `relay-splice` moves pipe pages with splice(2)"
           " (no byte through user space, lines not kept whole), `relay-copy` reads and writes like"
           " cat, `relay-lines` writes whole prefixed lines, one write per read.",
           "", throughput_section(db), ""]
    idle = [[t, stat(db.get("idle", "idle8", t, "rss")), stat(db.get("idle", "idle8", t, "rss_anon")),
             stat(db.get("idle", "idle8", t, "cpu_pct"), 3), stat(db.get("idle", "idle8", t, "wakeups"), 0)]
            for t in ("stackvisor", "tini", "supervisord") if db.get("idle", "idle8", t, "rss")]
    if idle:
        md += ["## Idle: 8 services `sleep infinity`, 10 s window", "",
               table(["tool", "VmRSS MB", "RssAnon MB", "CPU %", "wakeups in window"], idle), ""]
    ss = []
    for r in db.records:
        if r["bench"] == "startstop" and r["metric"] == "time":
            ss.append([r["workload"], r["tool"], stat(r, 1, 1000),
                       stat(db.get("startstop", r["workload"], r["tool"], "ratio_vs_shell"))
                       if r["workload"].startswith("start") else "-",
                       r.get("left_behind", "-")])
    if ss:
        md += ["## Start 50 / stop 8", "", table(["what", "tool", "ms", "x raw shell", "left behind"], ss), ""]
    lat = []
    for r in db.records:
        if r["bench"] == "latency":
            lat.append([r["workload"], len(r["values"]), stat(r), f"{r['p90']:.2f}"])
    if lat:
        md += ["## Latency (stackvisor)", "", table(["what", "samples", "ms", "p90 ms"], lat), ""]
    sc = []
    for t in ("shell", "stackvisor", "supervisord"):
        for r in db.records:
            if r["bench"] == "scale" and r["tool"] == t and r["metric"] == "start":
                wl = r["workload"]
                sc.append([wl[5:], t, stat(r, 2), stat(db.get("scale", wl, t, "stop"), 2),
                           stat(db.get("scale", wl, t, "rss"), 1), stat(db.get("scale", wl, t, "hwm"), 1),
                           stat(db.get("scale", wl, t, "cpu_pct"), 3)])
    if sc:
        md += ["## Scale", "", table(["services", "tool", "all running s", "stop s", "VmRSS MB", "VmHWM MB",
                                      "idle CPU %"], sc), ""]
    if args.notes and os.path.exists(args.notes):
        with open(args.notes) as f:
            md += [f.read().rstrip(), ""]
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write("\n".join(md))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
