"""Log multiplexing: 4 services x 100,000 lines with nothing lost, duplicated, reordered or
spliced; exact `NAME<pad> | line` form; final line without newline; a 1 MB line without newline
cut into bounded pieces with every byte delivered; stderr prefixed; --timestamps; no colour on a
pipe; backpressure when stackvisor's stdout is not read."""
import os
import re
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

EVENT_LINE = re.compile(r"^stackvisor +\| [\w.-]+: .+$|^stackvisor +\| [a-z].*$")


def payload(name, i):
    return (name * 40)[: 1 + (i * 7919) % 97]  # same as progs/line_writer.py


class Logs(unittest.TestCase):

    def check_writers(self, st, names, count, width):
        """Every line is a writer's exact expected line or a stackvisor event; per service the
        sequence numbers are exactly 0..count-1 in order."""
        next_seq = {n: 0 for n in names}
        line_re = re.compile(r"^(\S+?) *\| (\S+) (\d+) (.*)$")
        bad = []
        for t in st.texts():
            if re.match(r"stackvisor +\| ", t):
                if not EVENT_LINE.match(t):
                    bad.append(t)
                continue
            m = line_re.match(t)
            if not m or m.group(1) != m.group(2) or m.group(1) not in next_seq:
                bad.append(t)
                continue
            name, i = m.group(1), int(m.group(3))
            expected = f"{name:<{width}} | {name} {i} {payload(name, i)}"
            if t != expected or i != next_seq[name]:
                bad.append(t)
                continue
            next_seq[name] = i + 1
            if len(bad) > 5:
                break
        self.assertEqual(bad[:5], [], "malformed, spliced or out-of-order lines")
        self.assertEqual(next_seq, {n: count for n in names})

    def test_four_writers_100k_lines(self):
        names = ["w1", "w2", "w3", "w4"]
        services = {n: {"command": h.py("line_writer.py", n, 100000)} for n in names}
        with h.Stack(services) as st:
            self.assertEqual(st.wait_exit(50), 0, st.dump())
            self.check_writers(st, names, 100000, 10)

    def test_padding_to_longest_name(self):
        names = ["a-very-long-service-name", "s"]
        services = {n: {"command": h.py("line_writer.py", n, 3)} for n in names}
        with h.Stack(services) as st:
            self.assertEqual(st.wait_exit(15), 0, st.dump())
            self.check_writers(st, names, 3, len(names[0]))
            self.assertTrue(any(t.startswith("stackvisor" + " " * 14 + " | ") for t in st.texts()),
                            st.dump())

    def test_backpressure_loses_nothing(self):
        # stackvisor's stdout is not read for a while: children must block, not lose lines
        names = ["p1", "p2"]
        services = {n: {"command": h.py("line_writer.py", n, 50000)} for n in names}
        st = h.Stack(services)
        st.read_gate.clear()
        with st:
            time.sleep(2.0)  # deliberately a slow reader: nothing to wait for here
            st.read_gate.set()
            self.assertEqual(st.wait_exit(50), 0, st.dump())
            self.check_writers(st, names, 50000, 10)

    def test_final_line_without_newline(self):
        with h.Stack({"tail": {"command": ["sh", "-c", "printf 'first\\nlast-no-newline'"]}}) as st:
            self.assertEqual(st.wait_exit(15), 0, st.dump())
            self.assertEqual(st.service_lines("tail"), ["first", "last-no-newline"])
            self.assertIn("tail       | last-no-newline", st.texts())

    def test_one_megabyte_line_cut_into_pieces(self):
        size = 1 << 20
        with h.Stack({"big": {"command": h.py("big_line.py", size)}}) as st:
            self.assertEqual(st.wait_exit(20), 0, st.dump())
            pieces = st.service_lines("big")
            pattern = "0123456789abcdefghijklmnopqrstuvwxyz"
            data = (pattern * (size // len(pattern) + 1))[:size]
            self.assertGreater(len(pieces), 1, "a 1 MB line must be cut into bounded pieces")
            self.assertLess(max(len(p) for p in pieces), size)
            self.assertEqual(len("".join(pieces)), size)
            self.assertTrue("".join(pieces) == data, "bytes of the long line lost or altered")

    def test_stderr_is_prefixed_and_ordered(self):
        cmd = "for i in 1 2 3; do echo out$$i; echo err$$i >&2; done"  # $$: compose escape
        with h.Stack({"mixed": {"command": ["sh", "-c", cmd]}}) as st:
            self.assertEqual(st.wait_exit(15), 0, st.dump())
            lines = st.service_lines("mixed")
            self.assertEqual([x for x in lines if x.startswith("out")], ["out1", "out2", "out3"])
            self.assertEqual([x for x in lines if x.startswith("err")], ["err1", "err2", "err3"])
            self.assertIn("mixed      | err2", st.texts())

    def test_timestamps(self):
        with h.Stack({"ts": {"command": ["sh", "-c", "echo hello"]}}, args=["--timestamps"]) as st:
            self.assertEqual(st.wait_exit(15), 0, st.dump())
            ts = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z "
            texts = st.texts()
            self.assertTrue(any(re.match(ts + r"ts {9}\| hello$", t) for t in texts), st.dump())
            self.assertTrue(any(re.match(ts + r"stackvisor \| ts: started", t) for t in texts))
            for t in texts:
                self.assertRegex(t, "^" + ts)

    def test_no_colour_on_a_pipe(self):
        with h.Stack({"plain": {"command": ["sh", "-c", "echo hello"]}}) as st:
            self.assertEqual(st.wait_exit(15), 0, st.dump())
            self.assertNotIn("\x1b", "\n".join(st.texts()))


    FLOOD = {"y1": {"command": ["yes", "spam-one-0123456789"]},
             "y2": {"command": ["yes", "spam-two-abcdefghijklmnopqrstuvwxyz"]}}
    FLOOD_LINES = {"y1": "spam-one-0123456789", "y2": "spam-two-abcdefghijklmnopqrstuvwxyz"}

    def test_flood_then_stop(self):
        # two services writing as fast as they can; stop mid-flood: prompt exit 0, no torn or
        # spliced line (only each service's very last line may be a prefix: `yes` was killed
        # in the middle of a write, and a final line without newline is still printed)
        with h.Stack(self.FLOOD) as st:
            h.wait_until(lambda: len(st.lines) > 20000, 20, "20,000 flood lines")
            t0 = time.monotonic()
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(20), 0, st.dump(5))
            self.assertLess(time.monotonic() - t0, 10.0)
            last = {}
            bad = []
            for i, t in enumerate(st.texts()):
                if EVENT_LINE.match(t):
                    continue
                m = re.match(r"^(y1|y2) {9}\| (.*)$", t)
                if not m:
                    bad.append(t)
                    continue
                if m.group(2) != self.FLOOD_LINES[m.group(1)]:
                    bad.append((i, t))
                last[m.group(1)] = i
            # a torn line is acceptable only as the service's last line, and only as a prefix
            bad = [b for b in bad if not (isinstance(b, tuple) and last.get(b[1][:2]) == b[0]
                                          and self.FLOOD_LINES[b[1][:2]].startswith(b[1][13:]))]
            self.assertEqual(bad[:5], [], "torn or spliced lines during a flood")
            self.assertRegex(st.texts()[-1], r"^stackvisor +\| stopped$")

    def test_flood_fairness(self):
        # when stdout is the bottleneck, one chatty service must not starve another one's logs
        # (a starved service blocks in write() for as long as the other keeps writing)
        with h.Stack(self.FLOOD) as st:
            h.wait_until(lambda: len(st.lines) > 50000, 20, "50,000 flood lines")
            texts = st.texts()
            n1 = sum(1 for t in texts if t.startswith("y1 "))
            n2 = sum(1 for t in texts if t.startswith("y2 "))
            st.signal(signal.SIGTERM)
            st.wait_exit(20)
            self.assertGreater(min(n1, n2), (n1 + n2) // 10,
                               f"unfair multiplexing: y1 {n1} lines, y2 {n2} lines")

    def run_on_pty(self, extra_args=(), env=None):
        """Run a tiny stack with stdout on a pseudo-terminal; return everything it printed."""
        import pty
        st = h.Stack({"tty": {"command": ["sh", "-c", "echo on-a-tty"]}})
        argv = [h.BIN, "up", "-f", st.manifest] + list(extra_args)
        e = dict(st.env)
        e.update(env or {})
        master, slave = pty.openpty()
        import subprocess
        try:
            p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave,
                                 env=e, cwd=st.dir, start_new_session=True)
            os.close(slave)
            data = b""
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO once the last writer closed the pty
                    break
                if not chunk:
                    break
                data += chunk
            self.assertEqual(p.wait(timeout=15), 0, data)
        finally:
            os.close(master)
            st.cleanup()
        self.assertIn(b"on-a-tty", data)
        return data

    def test_colour_only_on_a_terminal(self):
        self.assertIn(b"\x1b[", self.run_on_pty(), "a terminal should get colours")
        self.assertNotIn(b"\x1b[", self.run_on_pty(["--no-color"]), "--no-color ignored")
        self.assertNotIn(b"\x1b[", self.run_on_pty(env={"NO_COLOR": "1"}), "NO_COLOR ignored")

if __name__ == "__main__":
    h.main()
