"""Reload (issue 13): an edited manifest with 1 changed service of N (default 1,000) applied
through POST /v1/stack/apply, timed from the request to its answer (the files loaded, the diff
made, the changed service's stop signalled and the plan returned) and to the changed service
running again with a new pid; then every other pid is checked unchanged.

Each service is `sleep`; the stack runs with `up` in the foreground, output to /dev/null.
Target: < 100 ms to the answer with N-1 pids unchanged. Also reported: the supervisor loop
thread's CPU time for the apply (/proc/PID/schedstat), which a loaded machine does not inflate.
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import api_common as api  # noqa: E402
import benchlib as bl  # noqa: E402


def manifest(path, n, changed_arg):
    with open(path, "w") as f:
        f.write("services:\n")
        for i in range(n):
            arg = changed_arg if i == n // 2 else "100000"
            f.write(f"  s{i}:\n    command: [\"sleep\", \"{arg}\"]\n    stop_grace_period: 1s\n")


def cpu_ns(pid):
    # The loop thread's time on a CPU (schedstat: ns). On a loaded machine the wall time of a
    # request mostly measures waiting for a CPU; this is what the apply itself cost.
    with open(f"/proc/{pid}/schedstat") as f:
        return int(f.read().split()[0])


def pids(sock):
    status, doc = api.get_json(sock, "/v1/services", timeout=30)
    assert status == 200, status
    return {s["name"]: s["pid"] for s in doc["services"]}


def main():
    p = bl.parser(__doc__.split("\n")[0], runs=5)
    p.add_argument("--services", type=int, default=1000)
    args = p.parse_args()
    sv = bl.stackvisor_bin(args.bin)
    n = args.services
    target = f"s{n // 2}"
    with bl.WorkDir("reload", args.keep) as wd:
        path = wd("compose.yaml")
        manifest(path, n, "100000")
        run = wd("run")
        env = api.runtime_env(run)
        env["STACKVISOR_CONTAINMENT"] = os.environ.get("STACKVISOR_CONTAINMENT", "")
        if not env["STACKVISOR_CONTAINMENT"]:
            env.pop("STACKVISOR_CONTAINMENT")
        up = subprocess.Popen([sv, "up", "-f", path], cwd=wd(""), env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            sock = api.socket_path(run)
            api.wait_socket(sock, 60, up)
            deadline = time.monotonic() + 120
            while True:
                before = pids(sock)
                if len(before) == n and all(before.values()):
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError("the stack did not start")
                time.sleep(0.2)
            answers, running, cpu = [], [], []
            for k in range(args.runs):
                manifest(path, n, str(200000 + k))  # only s{n/2} changes
                old = before[target]
                c0 = cpu_ns(up.pid)
                status, body, seconds = api.request(sock, "POST", "/v1/stack/apply", timeout=30)
                cpu.append((cpu_ns(up.pid) - c0) / 1e9)
                assert status == 200, (status, body)
                plan = json.loads(body)
                assert plan["summary"] == f"{n - 1} kept, 1 restarted, 0 started, 0 stopped", plan
                t0 = time.perf_counter() - seconds
                while True:
                    status, doc = api.get_json(sock, f"/v1/services/{target}", timeout=10)
                    if doc and doc.get("state") == "running" and doc.get("pid") not in (None, old):
                        break
                    if time.perf_counter() - t0 > 30:
                        raise TimeoutError(f"{target} did not run again")
                    time.sleep(0.002)
                running.append(time.perf_counter() - t0)
                answers.append(seconds)
                after = pids(sock)
                unchanged = sum(1 for name, pid in after.items()
                                if name != target and pid == before[name])
                assert unchanged == n - 1, f"only {unchanged} of {n - 1} pids unchanged"
                before = after
                bl.log(f"run {k + 1}: answer {seconds * 1000:.1f} ms (loop CPU {cpu[-1] * 1000:.1f} ms), "
                       f"{target} running again "
                       f"{running[-1] * 1000:.1f} ms, {unchanged} pids unchanged")
            bl.print_table(f"reload: 1 changed service of {n}", ["what", "median", "max"], [
                ["request -> answer (ms)", f"{bl.med(answers) * 1000:.1f}", f"{max(answers) * 1000:.1f}"],
                ["loop CPU time of the apply (ms)", f"{bl.med(cpu) * 1000:.1f}",
                 f"{max(cpu) * 1000:.1f}"],
                ["request -> running again (ms)", f"{bl.med(running) * 1000:.1f}",
                 f"{max(running) * 1000:.1f}"],
                ["pids unchanged", f"{n - 1}", f"{n - 1}"],
            ])
        finally:
            bl.terminate(up)


if __name__ == "__main__":
    main()
