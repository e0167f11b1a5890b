"""What a service's process gets: stdin /dev/null, no fds beyond 0-2, real pipes for stdout and
stderr, empty signal mask and no ignored signals, its own session, NOTIFY_SOCKET only for notify
readiness; environment precedence (stackvisor's env < env_files in order < environment);
working_dir relative to the project directory; user: drops privileges (as root). Also
stackvisor's own sd_notify (READY=1 / STOPPING=1) when started with NOTIFY_SOCKET."""
import os
import signal
import socket
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def kv(lines):
    out = {}
    for line in lines:
        if "=" in line:
            k, v = line.split("=", 1)
            out[k] = v
    return out


class ChildEnv(unittest.TestCase):

    def test_hygiene_and_environment(self):
        files = {"envs/one.env": "SV_A=from-file\nSV_B=from-file\nSV_C=from-one\n",
                 "envs/two.env": "SV_C=from-two\n",
                 "sub/.keep": ""}
        proc_env = {"SV_A": "from-process", "SV_B": "from-process", "SV_D": "from-process",
                    "SV_PROC_ONLY": "yes"}
        with h.Stack({
            "hyg": {"command": h.py("hygiene.py"), "working_dir": "sub",
                    "env_file": ["envs/one.env", "envs/two.env"],
                    "environment": {"SV_B": "from-environment"}},
            "sigs": {"command": ["cat", "/proc/self/status"]},
            "stat": {"command": ["cat", "/proc/self/stat"]},
            "noti": {"command": h.py("notify_sender.py"), "healthcheck": {"notify": True}},
        }, env=proc_env, files=files) as st:
            st.event("noti", r"healthy", timeout=10)
            for n in ("hyg", "sigs", "stat"):
                st.event(n, r"(completed successfully|exited with code 0)", timeout=10)
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(15), 0, st.dump())

            hyg = kv(st.service_lines("hyg"))
            self.assertEqual(hyg.get("EXTRA_FDS"), "none", "fds leaked into the child")
            self.assertEqual(hyg.get("FD0"), "/dev/null")
            self.assertTrue(hyg.get("FD1", "").startswith("pipe:"), f"stdout is {hyg.get('FD1')}")
            self.assertTrue(hyg.get("FD2", "").startswith("pipe:"), f"stderr is {hyg.get('FD2')}")
            self.assertEqual(hyg.get("DEV_STDOUT"), "ok", "open(/dev/stdout) must work in a child")
            self.assertEqual(hyg.get("SID"), hyg.get("PID"), "service must lead its own session")
            self.assertEqual(hyg.get("PGRP"), hyg.get("PID"))
            self.assertEqual(hyg.get("ENV_NOTIFY_SOCKET"), "<unset>")
            self.assertEqual(hyg.get("ENV_SV_A"), "from-file")
            self.assertEqual(hyg.get("ENV_SV_B"), "from-environment")
            self.assertEqual(hyg.get("ENV_SV_C"), "from-two")
            self.assertEqual(hyg.get("ENV_SV_D"), "from-process")
            self.assertEqual(hyg.get("ENV_SV_PROC_ONLY"), "yes")
            self.assertEqual(os.path.realpath(hyg.get("CWD", "")),
                             os.path.realpath(st.path("sub")))

            status = {}
            for line in st.service_lines("sigs"):
                if ":" in line:
                    k, v = line.split(":", 1)
                    status[k] = v.strip()
            for key in ("SigBlk", "SigIgn"):
                self.assertEqual(int(status.get(key, "x"), 16), 0, f"{key}={status.get(key)}")

            stat = st.service_lines("stat")[0]
            fields = stat[stat.rfind(")") + 2:].split()
            pid = int(stat.split()[0])
            self.assertEqual(int(fields[3]), pid, "session id of the service != its pid")
            self.assertEqual(int(fields[2]), pid, "process group of the service != its pid")

            noti = kv(st.service_lines("noti"))
            self.assertTrue(noti.get("NOTIFY_SOCKET", "").startswith("@"), noti)

    def test_notify_socket_of_stackvisor_removed_from_children(self):
        # stackvisor's own NOTIFY_SOCKET (from systemd) must not leak into services
        with h.Stack({"hyg": {"command": h.py("hygiene.py")},
                      "keep": {"command": ["sleep", "1000"]}},
                     env={"NOTIFY_SOCKET": "/nonexistent/notify.sock"}) as st:
            st.event("hyg", r"(completed successfully|exited with code 0)", timeout=10)
            self.assertEqual(kv(st.service_lines("hyg")).get("ENV_NOTIFY_SOCKET"), "<unset>")
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(15), 0, st.dump())

    def test_stackvisor_sd_notify(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        st = h.Stack({"db": {"command": ["sleep", "1000"],
                             "healthcheck": {"test": ["CMD", "test", "-e", "@DIR@/gate"]}},
                      "web": {"command": ["sleep", "1000"],
                              "depends_on": {"db": {"condition": "service_healthy"}}}})
        path = st.path("notify.sock")
        sock.bind(path)
        sock.settimeout(0.3)
        st.env["NOTIFY_SOCKET"] = path
        msgs = []

        def recv():
            try:
                msgs.append(sock.recv(4096).decode())
            except socket.timeout:
                pass
            return "\n".join(msgs)
        with st:
            st.started_pid("db")
            # not ready while db is not healthy
            for _ in range(3):
                recv()
            self.assertNotIn("READY=1", "\n".join(msgs))
            st.touch("gate")
            st.event("web", "started")
            h.wait_until(lambda: "READY=1" in recv(), 10, "READY=1 from stackvisor")
            st.signal(signal.SIGTERM)
            h.wait_until(lambda: "STOPPING=1" in recv(), 10, "STOPPING=1 from stackvisor")
            self.assertEqual(st.wait_exit(15), 0, st.dump())
        sock.close()

    @unittest.skipUnless(os.getuid() == 0, "user: needs root")
    def test_user_drops_privileges(self):
        # nobody runs a staged copy: the checkout may sit under a 0700 directory (/root).
        with h.Staged("hygiene.py") as staged, h.Stack({
                "hyg": {"command": staged.py("hygiene.py"), "user": "nobody",
                        "working_dir": "/tmp"}}) as st:
            self.assertEqual(st.wait_exit(15), 0, st.dump())
            hyg = kv(st.service_lines("hyg"))
            self.assertEqual(hyg.get("UID"), "65534", st.dump())
            self.assertEqual(hyg.get("GID"), "65534")
            self.assertEqual(hyg.get("GROUPS"), "65534")

    @unittest.skipUnless(os.getuid() == 0, "user: needs root")
    def test_user_can_reopen_its_output_by_name(self):
        # nginx-unprivileged's error.log is a link to /dev/stderr, opened by a master that runs
        # as the image user: our pipes must be that user's, as a container's output is.
        with h.Stack({"out": {"command": ["sh", "-c", "echo to-stdout > /dev/stdout && "
                                          "echo to-stderr > /dev/stderr"],
                              "user": "nobody", "working_dir": "/tmp"}}) as st:
            self.assertEqual(st.wait_exit(15), 0, st.dump())
            lines = st.service_lines("out")
            self.assertIn("to-stdout", lines, st.dump())
            self.assertIn("to-stderr", lines, st.dump())


if __name__ == "__main__":
    h.main()
