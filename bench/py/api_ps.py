"""ps round trip: GET /v1/services on a stack of 1,000 `sleep infinity` services, and the
`stackvisor ps --json` CLI process end to end.

Once every service runs (`all services ready` printed) and a settle delay passed, --requests
(200) GET /v1/services go over the AF_UNIX socket, each on a fresh connection (what a CLI does),
interleaved one to one with a baseline GET of an unknown path (a 404: the same connect, parse
and route, no snapshot and no JSON of 1,000 services): figures are medians and p90 in ms, and
the paired ratio to the baseline. Each answer is checked to list every service. Then --cli-runs
(20) `stackvisor ps --json` processes, timed from fork to exit, interleaved with
`stackvisor --version` (the cost of starting the binary at all) as their baseline. A missing
endpoint or verb is reported, not fatal. Targets: < 10 ms (API) and < 20 ms (CLI).
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import api_common as api  # noqa: E402
import benchlib as bl  # noqa: E402
from sleepers import Sleepers  # noqa: E402


def timed_run(argv, cwd, env):
    t0 = time.perf_counter()
    p = subprocess.run(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True)
    return time.perf_counter() - t0, p


def measure(sock, n):
    """n (ps, baseline) pairs; returns (ps seconds, baseline seconds, problems)."""
    ps, base, problems = [], [], []
    for _ in range(n):
        status, body, dt = api.request(sock, "GET", "/v1/services")
        if status != 200:
            problems.append(f"GET /v1/services: HTTP {status}: {body[:200]!r}")
            break
        ps.append(dt)
        _, _, dt = api.request(sock, "GET", "/v1/no-such-endpoint")
        base.append(dt)
    return ps, base, problems


def main():
    p = bl.parser(__doc__.split("\n")[0], runs=3)
    p.add_argument("--services", type=int, default=1000)
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--cli-runs", type=int, default=20)
    p.add_argument("--settle", type=float, default=1.0)
    args = p.parse_args()
    sv = bl.stackvisor_bin(args.bin)
    res = bl.Results("api", args.json)
    bl.log(f"api ps: {args.services} services; {args.requests} requests; {args.runs} runs; {sv}")
    api_ms, api_ratio, cli_ms, cli_ratio, notes = [], [], [], [], []
    with bl.WorkDir("api-ps", args.keep) as wd:
        for run in range(args.runs):
            rt = wd(f"rt{run}")
            os.environ["STACKVISOR_RUNTIME_DIR"] = rt  # inherited by the `up` Sleepers starts
            s = Sleepers("stackvisor", args.services, wd, sv)
            try:
                s.wait_settled(timeout=120)
                sock = api.socket_path(rt)
                api.wait_socket(sock, 10, s.popen)
                time.sleep(args.settle)
                ps, base, problems = measure(sock, args.requests)
                status, doc = api.get_json(sock, "/v1/services")
                listed = len(doc.get("services", [])) if isinstance(doc, dict) else 0
                if listed != args.services:
                    problems.append(f"GET /v1/services listed {listed} of {args.services} "
                                    "services")
                if ps:
                    ratios = [a / b for a, b in zip(ps, base)]
                    api_ms.append(1000 * bl.med(ps))
                    api_ratio.append(bl.med(ratios))
                    bl.log(f"  run {run + 1} GET /v1/services median {1000 * bl.med(ps):.2f} ms "
                           f"p90 {1000 * api.percentile(ps, 90):.2f} ms; 404 baseline "
                           f"{1000 * bl.med(base):.2f} ms; x baseline {bl.med(ratios):.2f}")
                env = dict(os.environ)
                cmd = [sv, "ps", "--json", "-f", wd("sleepers.yaml")]
                dt, probe = timed_run(cmd, wd.path, env)
                if probe.returncode != 0:
                    problems.append(f"`stackvisor ps --json` exited {probe.returncode}: "
                                    f"{probe.stderr.decode(errors='replace').strip()[:200]}")
                else:
                    try:
                        rows = json.loads(probe.stdout)
                        if isinstance(rows, dict):
                            rows = rows.get("services", [])
                        if len(rows) != args.services:
                            problems.append(f"ps --json listed {len(rows)} services")
                    except ValueError:
                        problems.append("ps --json printed no JSON")
                    cli, ver = [], []
                    for _ in range(args.cli_runs):
                        cli.append(timed_run(cmd, wd.path, env)[0])
                        ver.append(timed_run([sv, "--version"], wd.path, env)[0])
                    cli_ms.append(1000 * bl.med(cli))
                    cli_ratio.append(bl.med([a / b for a, b in zip(cli, ver)]))
                    bl.log(f"  run {run + 1} ps --json median {1000 * bl.med(cli):.2f} ms; "
                           f"--version {1000 * bl.med(ver):.2f} ms")
                for pr in problems:
                    bl.log(f"  run {run + 1} NOTE {pr}")
                    if pr not in notes:
                        notes.append(pr)
            finally:
                s.kill()
    res.add("ps1000", "stackvisor", "api_ms", "ms", api_ms)
    res.add("ps1000", "stackvisor", "cli_ms", "ms", cli_ms)
    rows = [["GET /v1/services", len(api_ms), bl.fmt_stat(api_ms, 2), bl.fmt_stat(api_ratio, 2),
             "< 10 ms"],
            ["stackvisor ps --json", len(cli_ms), bl.fmt_stat(cli_ms, 2), bl.fmt_stat(cli_ratio, 2),
             "< 20 ms"]]
    bl.print_table(f"ps round trip, {args.services} services: median of per-run medians [min-max]",
                   ["what", "runs", "ms", "x baseline", "target"], rows)
    for n in notes:
        print(f"  note: {n}")
    res.save({"services": args.services, "requests": args.requests, "runs": args.runs,
              "notes": notes})


if __name__ == "__main__":
    main()
