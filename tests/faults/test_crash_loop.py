"""Crash loop: services that exit at once under restart: always, for FAULT_CRASH_SECONDS (default
20). Restarts are bounded by the backoff: the announced delays follow the schedule exactly
(initial x factor^n, capped), the restart count is what the schedule allows in the window, the
measured gap between an exit and the next start matches the announced delay, and stackvisor's CPU
(utime+stime from /proc/PID/stat) stays below 5 % of the window."""
import os
import re
import signal
import statistics
import time
import unittest

import faultlib as fl
from faultlib import h

WINDOW_S = fl.env_number("FAULT_CRASH_SECONDS", 20.0)
CPU_LIMIT = 0.05


def schedule(initial_ms, max_ms, factor, n):
    out, d = [], float(initial_ms)
    for _ in range(n):
        out.append(int(min(d, max_ms)))
        d *= factor
    return out


def expected_restarts(delays_ms, window_s, run_cost_s=0.003):
    t, n = 0.0, 0
    for d in delays_ms:
        t += d / 1000 + run_cost_s
        if t > window_s:
            break
        n += 1
    return n


class CrashLoop(unittest.TestCase):

    def test_crash_loop_is_bounded(self):
        services = {
            "fast": {"command": ["/bin/false"], "restart": "always",
                     "restart_backoff": {"initial": "100ms", "max": "2s", "factor": 2}},
            "default": {"command": ["/bin/false"], "restart": "always"},  # 100 ms .. 30 s
        }
        with h.Stack(services) as st:
            sv = st.pid
            st.started_pid("fast")
            t0 = time.monotonic()
            cpu0 = fl.cpu_seconds(sv)
            h.wait_until(lambda: time.monotonic() - t0 >= WINDOW_S or st.proc.poll() is not None,
                         WINDOW_S + 2, "the crash-loop window", interval=0.2)
            cpu = fl.cpu_seconds(sv) - cpu0
            elapsed = time.monotonic() - t0
            self.assertIsNone(st.proc.poll(), st.dump())
            with st.cond:
                lines = [(t, x) for t, x in st.lines if t - t0 <= elapsed]

            for name, sched in (("fast", schedule(100, 2000, 2, 100)),
                                ("default", schedule(100, 30000, 2, 100))):
                rx = re.compile(rf"^stackvisor\s+\| {name}: restarting in (\d+) ms \(restart (\d+)\)$")
                announced = [(t, int(m.group(1)), int(m.group(2)))
                             for t, x in lines for m in [rx.match(x)] if m]
                delays = [d for _, d, _ in announced]
                counts = [c for _, _, c in announced]
                want = expected_restarts(sched, WINDOW_S)
                fl.figure(f"crash_loop_{name}_restarts_in_{int(WINDOW_S)}s", len(announced))
                fl.figure(f"crash_loop_{name}_restarts_per_s", len(announced) / elapsed)
                self.assertEqual(delays, sched[:len(delays)], f"{name}: backoff schedule")
                self.assertEqual(counts, list(range(1, len(counts) + 1)))
                self.assertLessEqual(abs(len(announced) - want), 1,
                                     f"{name}: {len(announced)} restarts, schedule allows {want}")
                # measured gap exit -> next start versus the announced delay
                exits = [t for t, x in lines if re.match(rf"^stackvisor\s+\| {name}: exited", x)]
                starts = [t for t, x in lines
                          if re.match(rf"^stackvisor\s+\| {name}: started \(pid", x)]
                errors = []
                for (t_exit, d, _), t_start in zip(announced, starts[1:]):
                    errors.append((t_start - t_exit) * 1000 - d)
                self.assertGreaterEqual(len(exits), len(announced))
                if errors:
                    fl.figure(f"crash_loop_{name}_delay_error_ms_median", statistics.median(errors))
                    fl.figure(f"crash_loop_{name}_delay_error_ms_max", max(errors))
                    self.assertGreater(min(errors), -5, f"{name}: restarted before its delay")
                    self.assertLess(statistics.median(errors), 50)
            fl.figure("crash_loop_cpu_seconds", cpu)
            fl.figure("crash_loop_cpu_percent", 100 * cpu / elapsed)
            self.assertLess(cpu / elapsed, CPU_LIMIT)

            os.kill(sv, signal.SIGTERM)
            self.assertEqual(st.wait_exit(10), 0, st.dump())
            st.assert_no_leftovers(timeout=2)


if __name__ == "__main__":
    fl.main()
