"""Clock: restart backoffs and stop grace periods run on a monotonic clock. stackvisor runs under
an LD_PRELOAD shim (progs/clock_shim.c, compiled here with cc) that makes its wall clock jump by an
hour every 250 ms, forwards in one run and backwards in another; the backoff (1 s) and the grace
period (2 s), measured from outside with the monotonic clock, must be unchanged. The shim's effect
on stackvisor is proven by its own --timestamps output, which must show the jumps.

The host clock is never touched (no `date -s`); `unshare --time` only offsets the monotonic and
boot clocks, so it cannot test this."""
import datetime
import os
import re
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
import unittest

import faultlib as fl
from faultlib import h

SHIM_SRC = os.path.join(fl.HERE, "progs", "clock_shim.c")
BACKOFF_MS = 1000
GRACE_S = 2.0
RESTARTS = 3
TS_LINE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) (.*)$")


def build_shim(out_dir):
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not cc:
        return None, "no C compiler (cc) found"
    out = os.path.join(out_dir, "clock_shim.so")
    r = subprocess.run([cc, "-shared", "-fPIC", "-O2", "-o", out, SHIM_SRC, "-ldl"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return None, r.stderr
    return out, ""


class TimestampedStack(h.Stack):
    """Lines come with stackvisor's RFC 3339 timestamp first (--timestamps): strip it into
    self.wall so the harness's regexes (anchored on `stackvisor |`) keep working."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.wall = []

    def _line(self, raw, sink):
        text = super()._line(raw, sink)
        if sink is self.lines:
            m = TS_LINE.match(text)
            if m:
                self.wall.append(m.group(1))
                text = m.group(2)
        return text


def parse_wall(ts):
    return datetime.datetime.strptime(ts.rstrip("Z")[:19], "%Y-%m-%dT%H:%M:%S")


class ClockJump(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if fl.SANITIZED:
            # ASan's runtime must be the first library loaded: an LD_PRELOAD shim cannot be.
            msg = "SKIP: the clock shim cannot be preloaded into a sanitized binary"
            print(msg, flush=True)
            raise unittest.SkipTest(msg)
        cls.tmp = tempfile.TemporaryDirectory(prefix="svclock-")
        cls.shim, err = build_shim(cls.tmp.name)
        if not cls.shim:
            msg = f"SKIP: cannot build the clock shim: {err}"
            print(msg, flush=True)
            raise unittest.SkipTest(msg)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def run_direction(self, step, tag):
        services = {
            "crasher": {"command": ["/bin/false"], "restart": "always",
                        "restart_backoff": {"initial": f"{BACKOFF_MS}ms", "max": f"{BACKOFF_MS}ms",
                                            "factor": 1}},
            "noterm": {"command": h.py("ignore_term.py"), "stop_grace_period": f"{int(GRACE_S)}s"},
        }
        env = {"LD_PRELOAD": self.shim, "CLOCK_SHIM_STEP": str(step),
               "CLOCK_SHIM_PERIOD_MS": "250"}
        with TimestampedStack(services, args=["--timestamps", "--no-color"], env=env) as st:
            st.wait_for_line(r"^noterm\s+\| ignoring SIGTERM$", timeout=10)
            # deadline: a wall-clock timer going backwards would never fire
            st.event("crasher", rf"restarting in \d+ ms \(restart {RESTARTS + 1}\)",
                     timeout=RESTARTS * BACKOFF_MS / 1000 + 5)
            with st.cond:
                lines = list(st.lines)
            exits = [t for t, x in lines if re.match(r"^stackvisor\s+\| crasher: exited", x)]
            starts = [t for t, x in lines if re.match(r"^stackvisor\s+\| crasher: started", x)]
            gaps = [(s - e) * 1000 for e, s in zip(exits, starts[1:])][:RESTARTS]
            self.assertEqual(len(gaps), RESTARTS, st.dump())

            t0 = time.monotonic()
            st.signal(signal.SIGTERM)
            _, t_kill, _ = st.event("noterm", r"killed with SIGKILL after stop_grace_period",
                                    timeout=GRACE_S + 5)
            grace = t_kill - t0
            self.assertEqual(st.wait_exit(10), 0, st.dump())
            walls = [parse_wall(w) for w in st.wall]
            wall_span_h = (walls[-1] - walls[0]).total_seconds() / 3600 if walls else 0

            fl.figure(f"clock_{tag}_wall_jump_hours_seen", round(wall_span_h, 1))
            fl.figure(f"clock_{tag}_backoff_ms_announced", BACKOFF_MS)
            fl.figure(f"clock_{tag}_backoff_ms_measured_median", statistics.median(gaps))
            fl.figure(f"clock_{tag}_backoff_ms_measured_min", min(gaps))
            fl.figure(f"clock_{tag}_backoff_ms_measured_max", max(gaps))
            fl.figure(f"clock_{tag}_grace_s_configured", GRACE_S)
            fl.figure(f"clock_{tag}_grace_s_measured", grace)
            # the shim really moved stackvisor's wall clock (by hours, in the chosen direction)
            self.assertGreaterEqual(abs(wall_span_h), 5, f"shim not effective: {st.wall[:3]}...")
            self.assertEqual(wall_span_h > 0, step > 0)
            # The wall clock moves by hours, so a timer on it would be off by hours; the upper
            # bounds leave room for a loaded 2-core machine (scheduling delays of ~100 ms were
            # seen with other fault tests running beside this one) and still catch that.
            for g in gaps:
                self.assertGreaterEqual(g, BACKOFF_MS - 5)
                self.assertLess(g, BACKOFF_MS + 500)
            self.assertGreaterEqual(grace, GRACE_S - 0.01)
            self.assertLess(grace, GRACE_S + 0.5)

    def test_wall_clock_jumps_forward(self):
        self.run_direction(3600, "forward")

    def test_wall_clock_jumps_backward(self):
        self.run_direction(-3600, "backward")


if __name__ == "__main__":
    fl.main()
