"""Log abuse. One stack: a service writing 200 MB without a newline (arrives cut into bounded
pieces, every byte, stackvisor's peak RSS < 64 MB), one writing binary garbage with NULs, CRs and
invalid UTF-8 (arrives byte for byte), one that closes its stdout and stderr and keeps running,
one that closes stdout only and keeps logging on stderr, beside a well-behaved ticker whose lines
must stay intact. Then stackvisor's own stdout closed (`stackvisor up | head -1`): it stays up,
keeps restarting a crashing service, stays small, and stops cleanly."""
import os
import random
import re
import signal
import subprocess
import time
import unittest

import faultlib as fl
from faultlib import h

FLOOD_BYTES = int(fl.env_number("FAULT_FLOOD_BYTES", 200_000_000, int))
RSS_LIMIT_KB = 64 * 1024
PIECE_LIMIT = 64 * 1024

GARBAGE = ("import random, sys\n"
           "data = random.Random(42).randbytes(1 << 20)\n"
           "sys.stdout.buffer.write(data + b'\\ngarbage-end\\n')\n"
           "sys.stdout.flush()\n"
           "import time\n"
           "while True: time.sleep(3600)\n")


def garbage_expected():
    data = random.Random(42).randbytes(1 << 20) + b"\ngarbage-end\n"
    pieces = data.split(b"\n")[:-1]
    return len(pieces), sum(len(p) for p in pieces)


TICKER = ("import time, sys\n"
          "i = 0\n"
          "while True:\n"
          "    print(f'tick {i}', flush=True); i += 1; time.sleep(0.02)\n")


class LogAbuse(unittest.TestCase):

    def test_flood_garbage_closed_stdout(self):
        services = {
            "flood": {"command": ["sh", "-c",
                                  f"head -c {FLOOD_BYTES} /dev/zero | tr '\\0' x; "
                                  "printf '\\nflood-end\\n'; exec sleep 3600"]},
            "garbage": {"command": [h.PY, "-c", GARBAGE]},
            "closer": {"command": ["sh", "-c", "exec 1>&- 2>&-; exec sleep 3600"]},
            "halfcloser": {"command": ["sh", "-c",
                                       "exec 1>&-; while :; do echo alive >&2; sleep 0.1; done"]},
            "ticker": {"command": [h.PY, "-c", TICKER]},
        }
        with fl.CountingStack(services, count_only=("flood", "garbage")) as st:
            sv = st.pid
            t0 = time.monotonic()
            want_flood = FLOOD_BYTES + len("flood-end")
            n_garbage, want_garbage = garbage_expected()
            peak = 0

            def flood_arrived():
                nonlocal peak
                peak = max(peak, fl.peak_rss_kb(sv) or 0)
                return (st.counts["flood"]["bytes"] >= want_flood
                        and st.counts["garbage"]["lines"] >= n_garbage)
            h.wait_until(flood_arrived, 120, "200 MB flood and the garbage to arrive", interval=0.1)
            flood_s = time.monotonic() - t0
            peak = max(peak, fl.peak_rss_kb(sv) or 0)
            fc, gc = st.counts["flood"], st.counts["garbage"]
            fl.figure("log_flood_bytes_sent", want_flood)
            fl.figure("log_flood_bytes_received", fc["bytes"])
            fl.figure("log_flood_pieces", fc["lines"])
            fl.figure("log_flood_longest_piece", fc["longest"])
            fl.figure("log_flood_seconds", flood_s)
            fl.figure("log_flood_stackvisor_peak_rss_kb", peak)
            fl.figure("log_garbage_bytes_sent", want_garbage)
            fl.figure("log_garbage_bytes_received", gc["bytes"])
            fl.figure("log_garbage_lines", gc["lines"])
            self.assertEqual(fc["bytes"], want_flood)
            self.assertLessEqual(fc["longest"], PIECE_LIMIT)
            self.assertGreaterEqual(fc["lines"], FLOOD_BYTES // PIECE_LIMIT)
            fl.assert_memory(self, lambda: self.assertLess(peak, RSS_LIMIT_KB))
            self.assertEqual(gc["lines"], n_garbage)
            self.assertEqual(gc["bytes"], want_garbage)

            # the closers keep running; the half-closer keeps logging on stderr
            n_alive = len(st.service_lines("halfcloser"))
            h.wait_until(lambda: len(st.service_lines("halfcloser")) >= n_alive + 3, 5,
                         "halfcloser to keep logging on stderr")
            for name in ("closer", "halfcloser", "flood", "garbage", "ticker"):
                self.assertFalse(st.has_event(name, r"(exited|killed)"), st.dump())
            ticks = st.service_lines("ticker")
            bad = [t for t in ticks if not re.fullmatch(r"tick \d+", t)]
            seq = [int(t.split()[1]) for t in ticks if not bad]
            self.assertEqual(bad, [])
            self.assertEqual(seq, list(range(len(seq))), "ticker lines lost or reordered")
            fl.figure("log_ticker_lines_intact", len(seq))

            os.kill(sv, signal.SIGTERM)
            self.assertEqual(st.wait_exit(15), 0, st.dump())
            for name in ("closer", "halfcloser"):
                st.event(name, r"stopped", timeout=1)
            st.assert_no_leftovers(timeout=2)

    def test_own_stdout_closed(self):
        starts = "@DIR@/starts"
        services = {
            "chatty": {"command": [h.PY, "-c",
                                   "import time\nwhile True:\n"
                                   "    print('x' * 100, flush=True); time.sleep(0.001)\n"]},
            "crasher": {"command": ["sh", "-c", f"echo $$$$ >> {starts}; sleep 0.3; exit 1"],
                        "restart": "always",
                        "restart_backoff": {"initial": "100ms", "max": "100ms", "factor": 1}},
        }
        st = h.Stack(services)
        head = sv = None
        try:
            head = subprocess.Popen(["head", "-1"], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE)
            sv = subprocess.Popen([h.BIN, "up", "-f", st.manifest], cwd=st.dir, env=st.env,
                                  stdin=subprocess.DEVNULL, stdout=head.stdin,
                                  stderr=subprocess.PIPE, start_new_session=True)
            head.stdin.close()
            first = head.stdout.readline()
            self.assertTrue(first.startswith(b"stackvisor"), first)
            head.wait(10)
            t_closed = time.monotonic()

            def starts_count():
                try:
                    return len(fl.read_file(st.path("starts")).split())
                except FileNotFoundError:
                    return 0
            n0 = starts_count()
            h.wait_until(lambda: starts_count() >= n0 + 3, 10,
                         "3 restarts of the crasher after head exited")
            h.wait_until(lambda: time.monotonic() - t_closed > 3 or sv.poll() is not None, 5,
                         "3 s of supervision with stdout closed", interval=0.1)
            self.assertIsNone(sv.poll(), "stackvisor died with its stdout closed")
            restarts = starts_count() - n0
            peak = fl.peak_rss_kb(sv.pid)
            chatty = fl.live_children(sv.pid, "print")
            fl.figure("stdout_closed_restarts_after_close", restarts)
            fl.figure("stdout_closed_peak_rss_kb", peak)
            fl.assert_memory(self, lambda: self.assertLess(peak, RSS_LIMIT_KB))
            self.assertEqual(len(chatty), 1, "the chatty service must still run (not blocked)")
            t0 = time.monotonic()
            sv.send_signal(signal.SIGTERM)
            rc = sv.wait(10)
            err = sv.stderr.read().decode("utf-8", "replace")
            fl.figure("stdout_closed_exit_code", rc)
            fl.figure("stdout_closed_stop_s", time.monotonic() - t0)
            self.assertEqual(rc, 0, err)
            self.assertNotRegex(err, r"(Sanitizer|runtime error|Aborted|terminate called)")
            st.assert_no_leftovers(timeout=2)
        finally:
            if sv and sv.poll() is None:
                os.killpg(sv.pid, signal.SIGKILL)
                sv.wait()
            if head and head.poll() is None:
                head.kill()
                head.wait()
            if sv and sv.stderr:
                sv.stderr.close()
            if head:
                head.stdout.close()
            st.cleanup()


if __name__ == "__main__":
    fl.main()
