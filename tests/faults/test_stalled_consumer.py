"""A stalled consumer: stackvisor's stdout is a pipe nobody reads for FAULT_STALL_SECONDS (default
10). The writing services block (their progress counters stop advancing), stackvisor stays small,
restarts keep happening, and once the reader resumes nothing is lost: every sequence number of the
writer, every line of every run of a restarting service, every event. A stop requested while
stalled still stops every service at once; what they wrote before dying still arrives."""
import os
import re
import signal
import time
import unittest

import faultlib as fl
from faultlib import h

STALL_S = fl.env_number("FAULT_STALL_SECONDS", 10.0)
# how long the stall lasts after the stop was requested (longer than stackvisor's drain grace)
AFTER_STOP_S = fl.env_number("FAULT_STALL_AFTER_STOP_SECONDS", 3.0)
TOTAL = 100_000
RSS_LIMIT_KB = 64 * 1024
WRITER = os.path.join(fl.HERE, "progs", "seq_writer.py")


def progress(st):
    try:
        return int(fl.read_file(st.path("progress")) or -1)
    except (FileNotFoundError, ValueError):
        return -1


def wait_blocked(st, timeout):
    """Wait until the writer's progress stays put for 1 s; returns the value."""
    last, since = progress(st), time.monotonic()

    def stable():
        nonlocal last, since
        now = progress(st)
        if now != last:
            last, since = now, time.monotonic()
            return None
        return time.monotonic() - since >= 1.0 and now >= 0
    h.wait_until(stable, timeout, "the writer to block on the stalled output", interval=0.05)
    return last


def counter_seqs(st):
    out = []
    for t in st.service_lines("counter"):
        m = re.fullmatch(r"counter (\d+) p{60}", t)
        if m:
            out.append(int(m.group(1)))
        elif t != "counter done":
            raise AssertionError(f"mangled counter line {t!r}")
    return out


class StalledConsumer(unittest.TestCase):

    def services(self, total):
        return {
            "counter": {"command": [h.PY, WRITER, "counter", "@DIR@/progress", total],
                        "stop_grace_period": "2s"},
            "crasher": {"command": ["sh", "-c", "echo $$$$ >> @DIR@/starts; sleep 0.3; exit 1"],
                        "restart": "always",
                        "restart_backoff": {"initial": "100ms", "max": "100ms", "factor": 1}},
            "talker": {"command": ["sh", "-c",
                                   "for i in 0 1 2 3 4 5 6 7 8 9; do echo \"talker $$$$ $$i\"; "
                                   "done; sleep 0.2; exit 1"],
                       "restart": "always",
                       "restart_backoff": {"initial": "200ms", "max": "200ms", "factor": 1}},
        }

    def starts(self, st):
        try:
            return len(fl.read_file(st.path("starts")).split())
        except FileNotFoundError:
            return 0

    def test_stall_then_resume(self):
        with h.Stack(self.services(TOTAL)) as st:
            sv = st.pid
            st.wait_for_line(r"^counter\s+\| counter 0 ", timeout=10)
            st.read_gate.clear()
            t_stall = time.monotonic()
            blocked_at = wait_blocked(st, STALL_S)
            starts_at_block = self.starts(st)
            h.wait_until(lambda: time.monotonic() - t_stall >= STALL_S, STALL_S + 1,
                         "the end of the stall window", interval=0.1)
            still = progress(st)
            restarts_in_stall = self.starts(st) - starts_at_block
            peak = fl.peak_rss_kb(sv)
            fl.figure("stall_seconds", time.monotonic() - t_stall)
            fl.figure("stall_writer_progress_when_blocked", blocked_at)
            fl.figure("stall_writer_progress_at_end", still)
            fl.figure("stall_restarts_while_stalled", restarts_in_stall)
            fl.figure("stall_stackvisor_peak_rss_kb", peak)
            self.assertEqual(still, blocked_at, "the writer advanced while stdout was stalled")
            self.assertLess(blocked_at, TOTAL - 1, "the writer never blocked")
            self.assertGreaterEqual(restarts_in_stall, 3, "restarts must go on while stalled")
            fl.assert_memory(self, lambda: self.assertLess(peak, RSS_LIMIT_KB))

            st.read_gate.set()
            t_resume = time.monotonic()
            st.wait_for_line(r"^counter\s+\| counter done$", timeout=60)
            fl.figure("stall_drain_seconds", time.monotonic() - t_resume)
            seqs = counter_seqs(st)
            fl.figure("stall_counter_lines", len(seqs))
            self.assertEqual(seqs, list(range(TOTAL)), "counter lines lost or reordered")

            os.kill(sv, signal.SIGTERM)
            self.assertEqual(st.wait_exit(15), 0, st.dump())
            self.check_restarting_services(st, "stall")

    def check_restarting_services(self, st, tag):
        texts = st.texts()
        crasher_started = sum(1 for t in texts
                              if re.match(r"^stackvisor\s+\| crasher: started \(pid", t))
        fl.figure(f"{tag}_crasher_runs", self.starts(st))
        fl.figure(f"{tag}_crasher_started_events", crasher_started)
        self.assertEqual(crasher_started, self.starts(st), "events lost")
        runs = {}
        for t in st.service_lines("talker"):
            m = re.fullmatch(r"talker (\d+) (\d)", t)
            self.assertIsNotNone(m, f"mangled talker line {t!r}")
            runs.setdefault(m.group(1), []).append(int(m.group(2)))
        talker_started = [int(m.group(1)) for m in (re.match(
            r"^stackvisor\s+\| talker: started \(pid (\d+)\)", t) for t in texts) if m]
        complete = sum(1 for v in runs.values() if v == list(range(10)))
        fl.figure(f"{tag}_talker_runs", len(talker_started))
        fl.figure(f"{tag}_talker_complete_runs", complete)
        self.assertEqual(sorted(int(p) for p in runs), sorted(talker_started))
        self.assertEqual(complete, len(talker_started), "a run's lines were lost")

    def test_stop_while_stalled(self):
        stall = fl.env_number("FAULT_STALL_STOP_SECONDS", max(4.0, STALL_S / 2))
        with h.Stack(self.services(10_000_000)) as st:
            sv = st.pid
            st.wait_for_line(r"^counter\s+\| counter 0 ", timeout=10)
            st.read_gate.clear()
            t_stall = time.monotonic()
            blocked_at = wait_blocked(st, max(stall, 4.0))
            os.kill(sv, signal.SIGTERM)
            t_stop = time.monotonic()
            h.wait_until(lambda: not st.leftovers(), 3, "every service stopped while stalled")
            stop_s = time.monotonic() - t_stop
            fl.figure("stall_stop_services_gone_s", stop_s)
            # stay stalled well past stackvisor's own drain grace after the stop
            h.wait_until(lambda: time.monotonic() - t_stall >= stall
                         and time.monotonic() - t_stop >= AFTER_STOP_S, stall + AFTER_STOP_S + 2,
                         "the stall window",
                         interval=0.1)
            self.assertIsNone(st.proc.poll(), "stackvisor exited before its output was read")
            final = progress(st)
            st.read_gate.set()
            self.assertEqual(st.wait_exit(30), 0, st.dump())
            st.wait_for_line(r"^stackvisor\s+\| stopped$", timeout=1)
            seqs = counter_seqs(st)
            fl.figure("stall_stop_writer_progress", final)
            fl.figure("stall_stop_counter_lines", len(seqs))
            self.assertGreaterEqual(final, blocked_at)
            self.assertEqual(seqs[:final + 1], list(range(final + 1)),
                             "lines written before the stop were lost")
            self.check_restarting_services(st, "stall_stop")


if __name__ == "__main__":
    fl.main()
