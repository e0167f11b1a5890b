"""Log throughput under API load: throughput workload a (4 stdio writers, 4 KiB writes that
split lines, stackvisor's stdout a file) with and without, at the same time, --rate (500)
requests/s over the API socket and 4 followers of GET /v1/logs?follow=1.

Each round runs the quiet and the loaded variant once (their order alternates), so the paired
ratio loaded/quiet says what the API costs the log path; target: a drop of at most 10 %. The
load starts before the writers do and lasts the whole run (capped at --load-seconds): at about
1 GB/s 100 MB take 0.1 s, hence 3,000,000 lines per writer (1.2 GB, about 2 s here) by default:
1,000,000 (0.7 s runs) gave a paired 0.84 where these give 0.94, the followers' start and
cut-off and the load's start being a fixed cost per run; --lines sets it.
MB/s is taken to the last byte written (the file's mtime), the exit delay after it
shown apart. Requests rotate over GET /v1/services, /v1/stack and /v1/services/w0, each on a fresh
connection, paced by bench/src/api_load.c (--client c, the default) or by two Python threads
(--client python: about 330 us of client CPU a request, ten times the server's, which the
2-core machine takes from the writers and stackvisor, so that figure is mostly the client's).
Checked on every run: stackvisor's stdout with the
throughput bench's integrity check (lost/torn/misattributed/reordered must be 0), and each
follower received every line of stdout, or was cut off with a note line saying so.
"""
import os
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import api_common as api  # noqa: E402
import benchlib as bl  # noqa: E402
import integrity  # noqa: E402
import throughput as tp  # noqa: E402

PATHS = ("/v1/services", "/v1/stack", "/v1/services/w0")


class Load:
    """Paced requests: `threads` threads, each rate/threads requests/s, until stop()."""

    def __init__(self, sock, rate, seconds, threads=2):
        self.sock, self.rate, self.seconds = sock, rate, seconds
        self.stop_event = threading.Event()
        self.statuses = {}
        self.latencies = []
        self.records = []
        self.lock = threading.Lock()
        self.t0 = time.monotonic()
        self.threads = [threading.Thread(target=self._run, args=(i, threads), daemon=True)
                        for i in range(threads)]
        for t in self.threads:
            t.start()

    def _run(self, index, count):
        period = count / self.rate
        k = 0
        next_at = self.t0 + index * period / count
        while not self.stop_event.is_set() and time.monotonic() - self.t0 < self.seconds:
            now = time.monotonic()
            if next_at > now:
                self.stop_event.wait(next_at - now)
                continue
            path = PATHS[(k * count + index) % len(PATHS)]
            k += 1
            next_at += period
            started = time.monotonic()
            try:
                status, _, dt = api.request(self.sock, "GET", path, timeout=5)
            except OSError as e:
                status, dt = type(e).__name__, None
            with self.lock:
                self.records.append((started, status, dt))

    def stop(self, until):
        """Stops; keeps the requests started before `until` (up's exit: later ones find no
        socket). Returns the seconds the load ran."""
        self.stop_event.set()
        for t in self.threads:
            t.join()
        for started, status, dt in self.records:
            if started >= until:
                continue
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if dt is not None:
                self.latencies.append(dt)
        return min(until, time.monotonic()) - self.t0


class CLoad:
    """The same paced requests from bench/src/api_load.c, a process of its own: the Python
    client spends about 330 us of CPU a request (ten times the server), which on 2 cores is
    taken from the writers and stackvisor and would be counted as the API's cost."""

    def __init__(self, prog, sock, rate, seconds):
        self.statuses = {}
        self.latencies = []
        self.p = subprocess.Popen([prog, sock, str(rate), str(seconds), *PATHS],
                                  stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        self.t0 = time.monotonic()

    def stop(self, until):
        """As Load.stop: the requests started before `until` count."""
        self.p.terminate()
        out, _ = self.p.communicate(timeout=30)
        for line in out.decode().splitlines():
            started, status, dt = line.split()
            if float(started) >= until:
                continue
            status = int(status) if status.isdigit() else status
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if float(dt) >= 0:
                self.latencies.append(float(dt))
        return min(until, time.monotonic()) - self.t0


class Dechunk:
    """Incremental decoder of HTTP/1.1 chunked transfer coding: feed() returns the payload."""

    def __init__(self):
        self.buf = b""
        self.left = 0  # payload bytes of the current chunk still to come
        self.done = False

    def feed(self, data):
        self.buf += data
        out = []
        while self.buf and not self.done:
            if self.left > 0:
                take = self.buf[:self.left]
                out.append(take)
                self.left -= len(take)
                self.buf = self.buf[len(take):]
                if self.left > 0:
                    break
                self.left = -2  # the CRLF after the chunk's payload
            if self.left < 0:
                if len(self.buf) < 2:
                    break
                self.buf = self.buf[2:]
                self.left = 0
            line, sep, rest = self.buf.partition(b"\r\n")
            if not sep:
                break
            self.buf = rest
            self.left = int(line.split(b";")[0], 16)
            if self.left == 0:
                self.done = True
        return b"".join(out)


class Follower:
    """GET /v1/logs?follow=1 on its own connection, counting the lines until the server closes."""

    def __init__(self, sock):
        self.lines = 0
        self.status = None
        self.notes = []
        self.error = None
        self.tail = b""
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(sock)
        self.s.sendall(b"GET /v1/logs?follow=1&color=0 HTTP/1.1\r\nHost: localhost\r\n\r\n")
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        buf = b""
        try:
            while b"\r\n\r\n" not in buf:
                chunk = self.s.recv(65536)
                if not chunk:
                    break
                buf += chunk
            head, _, rest = buf.partition(b"\r\n\r\n")
            parts = head.split(b" ", 2)
            self.status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            if self.status != 200:
                return
            decode = Dechunk() if b"transfer-encoding: chunked" in head.lower() else None
            tail = b""
            data = rest
            while data:
                text = tail + (decode.feed(data) if decode else data)
                lines = text.split(b"\n")
                tail = lines.pop()
                self.lines += len(lines)
                for line in lines:
                    # Anything but a prefixed log line is the server's own word (a cut-off
                    # note); stackvisor's events are "stackvisor | ...", also prefixed.
                    if b" | " not in line and len(self.notes) < 5:
                        self.notes.append(line[:200].decode(errors="replace"))
                    elif line.startswith(b"stackvisor") and b"dropped" in line:
                        self.notes.append(line[:200].decode(errors="replace"))
                data = self.s.recv(1 << 20)
            self.tail = tail
        except OSError as e:
            self.error = type(e).__name__
        finally:
            self.s.close()

    def join(self, timeout):
        self.t.join(timeout)


class CliFollower:
    """`stackvisor logs -f` as a process of its own (no GIL shared with the load), its stdout
    and stderr to files; the lines are counted once it exited."""

    def __init__(self, sv, manifest, out, err):
        self.out, self.err = out, err
        with open(out, "wb") as o, open(err, "wb") as e:
            self.p = subprocess.Popen([sv, "logs", "-f", "--no-color", "--file", manifest],
                                      stdin=subprocess.DEVNULL, stdout=o, stderr=e)
        self.status, self.lines, self.notes, self.error, self.rc = 200, 0, [], None, None

    def join(self, timeout):
        try:
            self.rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.rc = self.p.wait()
            self.error = "still running"
        with open(self.out, "rb") as f:
            lines = f.read().split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        for line in lines:
            if b" | " not in line:
                self.notes.append(line[:200].decode(errors="replace"))
            else:
                self.lines += 1
        with open(self.err, "rb") as f:
            self.notes += [x.decode(errors="replace")[:200] for x in f.read().splitlines() if x]
        if self.rc not in (0, None) and not self.notes:
            self.error = f"exit {self.rc}"


def has_logs_verb(sv):
    p = subprocess.run([sv, "logs", "--help"], capture_output=True)
    return p.returncode == 0 and b"--follow" in p.stdout


def run_once(loaded, wd, progs, sv, lines, rate, seconds, tag, cli_logs, client="c"):
    for name in os.listdir(wd.path):
        if name.startswith(("go", "out")):
            os.unlink(wd(name))
    fifo = wd("go")
    os.mkfifo(fifo)
    go_fd = os.open(fifo, os.O_RDWR)
    out_path = wd("out.txt")
    out_fd = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    rt = wd(f"rt-{tag}")
    os.environ["STACKVISOR_RUNTIME_DIR"] = rt
    sup, _ = tp.launch("stackvisor", wd, progs, sv, "stdio", lines, fifo, out_fd, False)
    os.close(out_fd)
    load, followers = None, []
    try:
        for i in range(tp.WRITERS):
            bl.wait_file(f"{fifo}.ready.{i}", 60)
        sock = api.socket_path(rt)
        api.wait_socket(sock, 10, sup)
        if loaded:
            if cli_logs:
                followers = [CliFollower(sv, wd("stackvisor.yaml"), wd(f"follow{i}.out"),
                                         wd(f"follow{i}.err")) for i in range(4)]
                api.wait_socket(sock, 1)
                time.sleep(0.2)  # let them connect before the writers start
            else:
                followers = [Follower(sock) for _ in range(4)]
            load = (CLoad(progs["api_load"], sock, rate, seconds) if client == "c"
                    else Load(sock, rate, seconds))
        cpu0 = bl.cpu_ticks(sup.pid) / bl.TICK
        t0_real = time.time()
        t0 = time.monotonic()
        os.close(go_fd)
        go_fd = None
        t_end, cpu_total, rc = bl.wait_own_cpu(sup, timeout=600)
        load_s = load.stop(t_end) if load else 0.0
        for f in followers:
            f.join(30)
    finally:
        if go_fd is not None:
            os.close(go_fd)
        if sup.poll() is None:
            sup.kill()
            sup.wait()
    wall = t_end - t0
    # The last byte's arrival (mtime, ns) as well as the exit: followers being cut off or
    # drained can delay the exit after the output is complete, and that is not log throughput.
    t_out = os.stat(out_path).st_mtime_ns / 1e9 - t0_real
    counts = integrity.check(out_path, "prefixed", tp.WRITERS, lines)
    r = {"wall": wall, "mbps": tp.WRITERS * lines * 100 / tp.MB / t_out, "out_s": t_out,
         "exit_delay": wall - t_out, "cpu": cpu_total - cpu0, "rc": rc, "counts": counts}
    if load:
        done = sum(load.statuses.values())
        r.update(requests=done, req_rate=done / load_s if load_s else 0, statuses=load.statuses,
                 p90_ms=1000 * api.percentile(load.latencies, 90) if load.latencies else None)
        r["followers"] = [{"status": f.status, "lines": f.lines, "notes": f.notes,
                           "complete": f.lines == counts["total"], "error": f.error}
                          for f in followers]
    return r


def describe_followers(fs, total):
    out = []
    for f in fs:
        if f["status"] != 200:
            out.append(f"HTTP {f['status']}")
        elif f["complete"]:
            out.append("complete")
        elif f["notes"]:
            out.append(f"cut off at {f['lines']}/{total}: {f['notes'][0]!r}")
        else:
            out.append(f"INCOMPLETE {f['lines']}/{total} without a note" +
                       (f" ({f['error']})" if f["error"] else ""))
    return "; ".join(out)


def main():
    p = bl.parser(__doc__.split("\n")[0])
    p.add_argument("--lines", type=int, default=3000000, help="lines per writer (default 3000000)")
    p.add_argument("--rate", type=float, default=500.0, help="API requests/s (default 500)")
    p.add_argument("--load-seconds", type=float, default=10.0)
    p.add_argument("--client", choices=("c", "python"), default="c",
                   help="what sends the requests (default c: bench/src/api_load.c)")
    args = p.parse_args()
    sv = bl.stackvisor_bin(args.bin)
    progs = bl.build_helpers()
    res = bl.Results("api", args.json)
    bl.log(f"api load: workload a, {tp.WRITERS} x {args.lines} lines of 100 B; {args.rate:g} req/s "
           f"+ 4 log followers; {args.runs} rounds; {args.client} client; {sv}")
    cli_logs = has_logs_verb(sv)
    bl.log("  followers: " + ("`stackvisor logs -f` processes" if cli_logs else
                              "GET /v1/logs?follow=1 in this process (no `logs` verb)"))
    series = {False: [], True: []}
    with bl.WorkDir("api-load", args.keep) as wd:
        for run in range(args.runs):
            order = (False, True) if run % 2 == 0 else (True, False)
            for loaded in order:
                r = run_once(loaded, wd, progs, sv, args.lines, args.rate, args.load_seconds,
                             f"{run}-{int(loaded)}", cli_logs, args.client)
                series[loaded].append(r)
                c = r["counts"]
                msg = (f"  run {run + 1} {'loaded' if loaded else 'quiet ':<6} output "
                       f"{r['out_s']:.3f}s {r['mbps']:7.1f} MB/s, exit {r['exit_delay']:.3f}s later, cpu {r['cpu']:.2f}s lost {c['lost']} bad {c['bad']}")
                if loaded:
                    msg += (f" requests {r['requests']} ({r['req_rate']:.0f}/s) {r['statuses']} "
                            f"p90 {r['p90_ms'] or float('nan'):.2f} ms; followers: "
                            f"{describe_followers(r['followers'], c['total'])}")
                bl.log(msg)
    quiet, loaded = series[False], series[True]
    ratios = [b["mbps"] / a["mbps"] for a, b in zip(quiet, loaded)]
    rows = []
    for name, rs in (("quiet", quiet), ("API load", loaded)):
        mbps = [r["mbps"] for r in rs]
        res.add("load", "stackvisor", f"mbps_{name}", "MB/s", mbps)
        worst = max(rs, key=lambda r: (r["counts"]["lost"], r["counts"]["bad"]))["counts"]
        res.add("load", "stackvisor", f"exit_delay_{name}", "s", [r["exit_delay"] for r in rs])
        rows.append([name, len(rs), bl.fmt_stat(mbps, 1),
                     bl.fmt_stat([r["exit_delay"] for r in rs], 3),
                     bl.fmt_stat([r["cpu"] for r in rs], 2),
                     worst["lost"], worst["bad"],
                     bl.fmt_stat([r["req_rate"] for r in rs], 0) if name != "quiet" else "-"])
    res.add("load", "stackvisor", "loaded_over_quiet", "ratio", ratios)
    bl.print_table("stdout throughput with and without API load: median [min-max]",
                   ["variant", "runs", "MB/s (to last byte)", "exit after s", "sup CPU s", "lost",
                    "torn+", "req/s"], rows)
    print(f"  loaded / quiet (paired): {bl.fmt_stat(ratios, 2)}  (target >= 0.90)")
    res.save({"lines": args.lines, "rate": args.rate, "runs": args.runs})


if __name__ == "__main__":
    main()
