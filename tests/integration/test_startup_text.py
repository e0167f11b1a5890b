"""Once the stack runs, `up` keeps none of its start-up code resident (issue 11: idle RSS): the
linker gathers CLI, manifest-loading, yaml-cpp and export code into one range
(cmake/startup_text.ld) that DropStartupText gives back; before that change those pages, and
the 64 KiB fault-around windows around them, stayed resident for the stack's whole life."""
import os
import shutil
import struct
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
from test_control import ControlStack  # noqa: E402


def startup_range(binary):
    """(start, end) link addresses of the start-up text, or None when the binary has none."""
    out = subprocess.run(["nm", binary], capture_output=True, text=True, check=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2].startswith("__stackvisor_startup_text_"):
            syms[parts[2]] = int(parts[0], 16)
    if len(syms) != 2:
        return None
    return syms["__stackvisor_startup_text_start"], syms["__stackvisor_startup_text_end"]


def present_pages(pid, binary, start, end):
    """How many pages of [start, end) (link addresses of a PIE) are mapped in pid, of how many."""
    base = None
    real = os.path.realpath(binary)
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            fields = line.split()
            if len(fields) >= 6 and fields[5] == real and fields[2] == "00000000":
                base = int(fields[0].split("-")[0], 16)
                break
    assert base is not None, f"{real} is not mapped in {pid}"
    present = total = 0
    with open(f"/proc/{pid}/pagemap", "rb") as pagemap:
        for addr in range(base + start, base + end, 4096):
            pagemap.seek(addr // 4096 * 8)
            (entry,) = struct.unpack("Q", pagemap.read(8))
            present += entry >> 63
            total += 1
    return present, total


@unittest.skipIf(os.environ.get("STACKVISOR_SANITIZED"), "the sanitized build is not linked so")
@unittest.skipIf(shutil.which("nm") is None, "needs nm (binutils)")
class StartupText(unittest.TestCase):
    def test_startup_code_is_not_resident_once_the_stack_runs(self):
        span = startup_range(h.BIN)
        self.assertIsNotNone(span, "no __stackvisor_startup_text_* symbols: the binary was not "
                                   "linked with cmake/startup_text.ld")
        start, end = span
        self.assertGreater(end - start, 64 * 4096)
        services = {f"s{i}": {"command": ["sleep", "infinity"]} for i in range(4)}
        with ControlStack(services) as st:
            st.wait_api()
            st.wait_for_line(r"all services ready", timeout=15)
            # A served request runs the loop's code, not the start-up code.
            st.sv("ps", check=0)
            present, total = present_pages(st.pid, h.BIN, start, end)
            # Before: nearly every page (everything start-up ran, plus its neighbours). After:
            # the few that shutdown-side code in app/ and a request faulted back.
            self.assertLess(present, total // 2, f"{present} of {total} start-up pages resident")


if __name__ == "__main__":
    unittest.main()
