"""N `sleep infinity` services under each tool: shared by idle, startstop and scale.

Tools:
  stackvisor   N services in a manifest
  supervisord  N programs
  tini         tini -g -- sh -c '<N x sleep infinity &>; wait'   (tini runs one child)
  shell        sh -c '<N x sleep infinity &>; wait', in its own session; on SIGTERM it kills
               its sleeps and waits for them (the raw baseline: no supervisor at all)
  c-loop       bench/src/spawn_loop.c: N posix_spawns (clone + exec, as stackvisor starts a
               service) one after another, then waits; on SIGTERM kills and reaps them (the
               machine's floor: what the N execs cost with nothing else)
"""
import os
import signal
import subprocess
import time

import benchlib as bl

# The tools with no supervisor in them: no readiness line, no idle figures of their own.
BASELINES = ("c-loop", "shell")

# The raw shell's stop path: what any supervisor has to do at least.
SHELL = ('pids=; trap \'kill $pids; wait; exit 0\' TERM; i=0; '
         'while [ $i -lt {n} ]; do sleep infinity & pids="$pids $!"; i=$((i+1)); done; wait')


def sleeper_services(n, shape):
    """independent: n unrelated sleeps. lattice: layers of 2, each service depending on both
    of the layer below (service_started), so the graph is n/2 deep and every service has
    2 dependencies and 2 dependents: the shape that made stop time exponential (issue 10)."""
    services = {f"s{i}": {"command": ["sleep", "infinity"]} for i in range(n)}
    if shape == "lattice":
        for i in range(2, n):
            below = (i // 2 - 1) * 2
            services[f"s{i}"]["depends_on"] = [f"s{below}", f"s{below + 1}"]
    elif shape != "independent":
        raise ValueError(shape)
    return services


class Sleepers:
    """Starts `tool` with n sleeping services and tells where the sleeps are (depth below pid)."""

    def __init__(self, tool, n, wd, sv, shape="independent"):
        self.tool, self.n = tool, n
        out = open(wd(f"{tool}.out"), "wb")
        self.out_path = wd(f"{tool}.out")
        kw = dict(stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, close_fds=True)
        self.depth = 1
        if tool == "stackvisor":
            bl.write_manifest(wd("sleepers.yaml"), sleeper_services(n, shape))
            cmd = [sv, "up", "-f", wd("sleepers.yaml"), "--no-color"]
        elif tool == "supervisord":
            bl.write_supervisord_conf(wd("sleepers.conf"), wd.path,
                                      {f"s{i}": {"command": "sleep infinity"} for i in range(n)})
            cmd = ["supervisord", "-c", wd("sleepers.conf")]
        elif tool == "tini":
            cmd = ["tini", "-g", "--", "sh", "-c", SHELL.format(n=n)]
            self.depth = 2
        elif tool == "c-loop":
            cmd = [bl.build_helpers()["spawn_loop"], str(n), "sleep", "infinity"]
            kw["start_new_session"] = True
        elif tool == "shell":
            cmd = ["sh", "-c", SHELL.format(n=n)]
            kw["start_new_session"] = True
        else:
            raise ValueError(tool)
        self.t_launch = time.monotonic()
        self.popen = subprocess.Popen(cmd, **kw)
        out.close()
        self.pid = self.popen.pid
        self.counter = bl.ChildCounter(self.pid, "sleep", self.depth)

    def wait_running(self, timeout=120, poll=None):
        """Seconds from launch until all n sleeps exist (exec done). The poll period grows with
        n (0.5 ms for 50, 10 ms for 1,000) so the poller does not eat the core the tool needs."""
        if poll is None:
            poll = max(0.0005, self.n / 100000)
        return self.counter.wait_for(self.n, timeout, poll) - self.t_launch

    def wait_settled(self, timeout=60):
        """stackvisor: until 'all services ready' is printed; others: all running."""
        self.wait_running(timeout, poll=0.01)
        if self.tool == "stackvisor":
            bl.wait_line(self.out_path, "all services ready", timeout, poll=0.01)

    def wait_ready(self, timeout=60):
        """stackvisor: seconds from launch until 'all services ready' is printed."""
        return bl.wait_line(self.out_path, "all services ready", timeout, poll=0.01) - self.t_launch

    def stop(self, timeout=60):
        """SIGTERM to the supervisor; returns seconds until it exited."""
        t0 = time.monotonic()
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return float("nan")
        return time.monotonic() - t0

    def leftovers(self):
        """Sleeps of this run still alive (or zombies) after the stop."""
        left = []
        for p in self.counter.seen:
            try:
                with open(f"/proc/{p}/stat") as f:
                    if f.read().rsplit(")", 1)[0].endswith("(sleep"):
                        left.append(p)
            except FileNotFoundError:
                pass
        return left

    def kill(self):
        """Cleanup whatever happened: the tool, and any sleep it left behind."""
        if self.popen.poll() is None:
            try:
                if self.tool == "shell":
                    os.killpg(self.pid, signal.SIGKILL)
                else:
                    self.popen.send_signal(signal.SIGTERM)
                    self.popen.wait(15)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                pass
            if self.popen.poll() is None:
                self.popen.kill()
            self.popen.wait()
        for p in self.leftovers():
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _switches(pid):
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total


def idle_sample(pids, window):
    """For each pid, over the same `window` seconds: CPU seconds (utime+stime, all threads),
    context switches (every wakeup is one), and VmRSS/RssAnon/RssFile/VmHWM (kB) at the end."""
    start = {p: (bl.cpu_ticks(p), _switches(p)) for p in pids}
    time.sleep(window)
    out = {}
    for p in pids:
        c0, s0 = start[p]
        out[p] = {"cpu_s": (bl.cpu_ticks(p) - c0) / bl.TICK, "wakeups": _switches(p) - s0,
                  "rss_kb": bl.status_kb(p, "VmRSS"), "anon_kb": bl.status_kb(p, "RssAnon"),
                  "file_kb": bl.status_kb(p, "RssFile"), "hwm_kb": bl.status_kb(p, "VmHWM")}
    return out
