"""The live status line of a foreground `up` on a terminal (issue 11).

`up` runs on a pty (python pty.fork) with a service (db) that logs every 20 ms and becomes
healthy only once the test opens a gate, and a dependent (web) that waits for it. Asserted: while
db is not healthy a status block naming the waiting web is drawn; every batch of log lines is
written between an erase and a redraw of the block, so once the block's sequences are removed
the bytes are exactly the log lines, none broken (db's numbered lines are all there, whole and in
order); the block is erased once every service is ready. With stdout a pipe the same stack writes
no ESC byte at all.
"""
import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

GATE = "@DIR@/gate"
DB_LINE = "db line %d with some padding to make the batches longer"
SERVICES = {
    "db": {"command": ["sh", "-c", "i=0; while :; do i=$$((i+1)); "
                       f"echo \"{DB_LINE.replace('%d', '$$i')}\"; sleep 0.02; done"],
           "healthcheck": {"test": ["CMD", "test", "-e", GATE]}},
    "web": {"command": ["sh", "-c", "echo web-up; exec sleep 1000"],
            "depends_on": {"db": {"condition": "service_healthy"}}},
}
# What erases a block (status_line.h StatusErase): CR, cursor up N-1 rows, clear to the end.
ERASE_RE = re.compile(rb"\r(?:\x1b\[\d+A)?\x1b\[J")
LOG_RE = re.compile(r"^(db|web|stackvisor)\s+\| ")


def split_output(raw):
    """(log text, [status block texts in order], last chunk's status) from pty bytes."""
    data = raw.replace(b"\r\n", b"\n")  # the pty's ONLCR
    chunks = ERASE_RE.split(data)
    logs, statuses = [], []
    for chunk in chunks:
        cut = chunk.rfind(b"\n") + 1
        logs.append(chunk[:cut])
        if chunk[cut:]:
            statuses.append(chunk[cut:].decode("utf-8", "replace"))
    last = chunks[-1][chunks[-1].rfind(b"\n") + 1:]
    return b"".join(logs).decode("utf-8", "replace"), statuses, last


class PtyUp:
    """`stackvisor up` with stdout, stderr and stdin on a pty of 100 columns; reads everything."""

    def __init__(self, stack):
        self.stack = stack
        self.raw = b""
        self.pid = None
        self.fd = None
        self.status = None

    def start(self):
        argv = [h.BIN, "up", "-f", self.stack.manifest]
        env = dict(self.stack.env, NO_COLOR="1", TERM="xterm")
        pid, fd = pty.fork()
        if pid == 0:
            try:
                fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
                os.chdir(self.stack.dir)
                os.execve(h.BIN, argv, env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd

    def pump(self, timeout):
        """Reads what is there (waiting up to timeout); False at EOF."""
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the slave side is closed everywhere
            return False
        self.raw += data
        return bool(data)

    def wait_for(self, pred, timeout, what):
        deadline = time.monotonic() + timeout
        while not pred():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; output:\n{self.raw[-3000:]!r}")
            if not self.pump(0.05):
                raise AssertionError(f"up ended while waiting for {what}:\n{self.raw[-3000:]!r}")

    def finish(self, timeout=15):
        deadline = time.monotonic() + timeout
        while self.pump(0.1):
            if time.monotonic() > deadline:
                raise AssertionError("no EOF from up after the stop")
        while True:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self.status = status
                break
            if time.monotonic() > deadline:
                raise AssertionError("up did not exit")
            time.sleep(0.02)
        os.close(self.fd)
        self.fd = None
        return os.waitstatus_to_exitcode(self.status)

    def kill(self):
        if self.status is None and self.pid:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        if self.fd is not None:
            os.close(self.fd)


class StatusLine(unittest.TestCase):

    def test_status_block_on_a_terminal(self):
        stack = h.Stack(SERVICES)  # only its manifest, temp dir, tag and cleanup are used
        up = PtyUp(stack)
        try:
            up.start()
            up.wait_for(lambda: any("web: waiting" in s for s in split_output(up.raw)[1]),
                        10, "a status block naming the waiting web")
            up.wait_for(lambda: split_output(up.raw)[0].count("db line") >= 30, 10,
                        "30 db lines logged below the status block")
            stack.touch("gate")
            up.wait_for(lambda: "web-up" in split_output(up.raw)[0], 10, "web started")
            # Ready: the block is erased and not drawn again.
            up.wait_for(lambda: split_output(up.raw)[2] == b"", 5, "the block erased")
            os.kill(up.pid, signal.SIGTERM)
            self.assertEqual(up.finish(), 0, up.raw[-2000:])
            logs, statuses, last = split_output(up.raw)
            self.assertEqual(last, b"", "a status block is left on the terminal")
            self.assertNotIn("\x1b", logs, "escape bytes left inside the log lines")
            lines = logs.split("\n")
            self.assertEqual(lines[-1], "")
            for line in lines[:-1]:
                self.assertRegex(line, LOG_RE, "a broken or foreign line")
            db = [line.split("| ", 1)[1] for line in lines if line.startswith("db ")]
            numbered = [x for x in db if x.startswith("db line ")]
            self.assertGreaterEqual(len(numbered), 30)
            self.assertEqual(numbered, [DB_LINE % (i + 1) for i in range(len(numbered))],
                             "db's lines are not all there, whole and in order")
            for s in statuses:
                self.assertTrue(s.startswith("waiting ("), s)
                self.assertLessEqual(len(s), 99, "the block is wider than the terminal")
            self.assertTrue(any("db: starting" in s for s in statuses), statuses[:5])
        finally:
            up.kill()
            stack.cleanup()

    def test_no_escape_bytes_on_a_pipe(self):
        with h.Stack(SERVICES) as st:
            st.wait_for_line(r"^db\s+\| db line 10 ", timeout=10)
            st.touch("gate")
            st.wait_for_line(r"^web\s+\| web-up$", timeout=10)
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(15), 0, st.dump())
            text = "\n".join(st.texts())
            self.assertNotIn("\x1b", text)
            self.assertNotIn("waiting (", text)
            st.assert_no_leftovers()


if __name__ == "__main__":
    unittest.main()
