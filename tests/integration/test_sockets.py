"""Socket activation (x-stackvisor.sockets, issue 13): stackvisor opens the listening sockets
before anything starts and passes them with the systemd protocol. Checked against a real server
(progs/socket_server.py): LISTEN_FDS/LISTEN_PID/LISTEN_FDNAMES exact, LISTEN_PID the service's
own pid, fds 3.. the sockets and nothing else; no connection refused while the service restarts;
a port in use fails the stack before anything starts; `stop` closes the socket and `start`
opens it again; a unix socket's file is private to the service and a stale one is replaced."""
import json
import os
import socket
import stat
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
from test_control import ControlStack  # noqa: E402


def read_report(path, timeout=15, stack=None):
    def ready():
        if stack is not None and stack.proc.poll() is not None:
            raise AssertionError(f"stackvisor exited\n{stack.dump()}")
        try:
            with open(path) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None
    return h.wait_until(ready, timeout, f"{path} to be written")


def ask(port, timeout=10):
    """The pid the server answers with over a fresh TCP connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as c:
        c.settimeout(timeout)
        data = b""
        while not data.endswith(b"\n"):
            chunk = c.recv(64)
            if not chunk:
                break
            data += chunk
        return int(data)


class Sockets(unittest.TestCase):

    def test_listen_env_and_fds_are_exact(self):
        port = h.free_port()
        services = {
            "web": {"command": h.py("socket_server.py", "@DIR@/web.json"),
                    "x-stackvisor": {"sockets": [
                        f"127.0.0.1:{port}",
                        {"listen": "unix:socks/admin.sock", "name": "admin"}]}},
            "plain": {"command": h.py("socket_server.py", "@DIR@/plain.json")},
        }
        # LISTEN_* in stackvisor's own environment are not its services'.
        env = {"LISTEN_FDS": "5", "LISTEN_PID": "1", "LISTEN_FDNAMES": "x"}
        st = ControlStack(services, env=env)
        os.makedirs(st.path("socks"))
        with st:
            web = read_report(st.path("web.json"), stack=st)
            plain = read_report(st.path("plain.json"), stack=st)
            self.assertEqual(web["env"], {"LISTEN_FDS": "2", "LISTEN_PID": str(web["pid"]),
                                          "LISTEN_FDNAMES": "web:admin"}, web)
            self.assertEqual(web["fds"], [0, 1, 2, 3, 4], web)
            self.assertEqual(web["sockets"]["3"], {"family": "AF_INET", "listening": True,
                                                   "address": f"127.0.0.1:{port}"})
            self.assertEqual(web["sockets"]["4"], {"family": "AF_UNIX", "listening": True,
                                                   "address": st.path("socks/admin.sock")})
            self.assertEqual(plain["env"], {}, plain)
            self.assertEqual(plain["fds"], [0, 1, 2], plain)
            # LISTEN_PID is the pid stackvisor started (and reports), not a parent's.
            st.wait_api()
            self.assertEqual(st.service("web")["pid"], web["pid"])
            self.assertEqual(ask(port), web["pid"])
            mode = os.stat(st.path("socks/admin.sock")).st_mode
            self.assertTrue(stat.S_ISSOCK(mode))
            self.assertEqual(stat.S_IMODE(mode), 0o600)

    def test_no_connection_is_refused_while_the_service_restarts(self):
        port = h.free_port()
        # 0.4 s of "application start" before the first accept: connections made meanwhile
        # must wait in the backlog.
        services = {"web": {"command": h.py("socket_server.py", "@DIR@/web.json", "0.4"),
                            "x-stackvisor": {"sockets": [f"127.0.0.1:{port}"]}}}
        with ControlStack(services) as st:
            st.wait_api()
            first = h.wait_until(lambda: self.try_ask(port), 15, "the first answer")
            stop = threading.Event()
            answers, failures = [], []

            def client():
                while not stop.is_set():
                    try:
                        answers.append(ask(port))
                    except Exception as e:  # noqa: BLE001  (refused, reset, no answer)
                        failures.append(repr(e))
                    time.sleep(0.005)
            threads = [threading.Thread(target=client) for _ in range(4)]
            for t in threads:
                t.start()
            try:
                pids = {first}
                for _ in range(3):
                    st.sv("restart", "web", check=0)
                    pid = st.wait_service("web", lambda s: s["pid"] not in (None, *pids)
                                          and s["state"] == "running")["pid"]
                    pids.add(pid)
                    # The new process is the one that answers.
                    h.wait_until(lambda: answers and answers[-1] == pid, 15,
                                 f"an answer from pid {pid}")
            finally:
                stop.set()
                for t in threads:
                    t.join(timeout=15)
            self.assertEqual(failures, [], st.dump())
            self.assertGreater(len(answers), 10)
            self.assertEqual(len(pids), 4)

    def test_a_connection_made_while_a_crashed_service_waits_to_restart_is_served(self):
        port = h.free_port()
        services = {"web": {"command": h.py("socket_server.py", "@DIR@/web.json"),
                            "restart": "always",
                            "x-stackvisor": {"sockets": [f"127.0.0.1:{port}"],
                                             "restart_backoff": {"initial": "1s"}}}}
        with ControlStack(services) as st:
            st.wait_api()
            old = h.wait_until(lambda: self.try_ask(port), 15, "the first answer")
            mark = len(st.lines)
            os.kill(st.host_pid(old), 9)
            st.event("web", r"restarting in 1000 ms", timeout=10, start=mark)
            # No process serves the port now; the connection waits in the backlog.
            new = ask(port, timeout=15)
            self.assertNotEqual(new, old)
            self.assertEqual(st.service("web")["pid"], new)

    @staticmethod
    def try_ask(port):
        try:
            return ask(port, timeout=2)
        except OSError:
            return None

    def test_address_in_use_fails_before_anything_starts(self):
        taken = socket.socket()
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        try:
            services = {"first": {"command": ["sh", "-c", "touch started; sleep 30"]},
                        "web": {"command": h.py("socket_server.py", "@DIR@/web.json"),
                                "x-stackvisor": {"sockets": [f"127.0.0.1:{port}"]}}}
            with h.Stack(services) as st:
                self.assertEqual(st.wait_exit(15), 1, st.dump())
                self.assertIn(f"stackvisor: web: bind 127.0.0.1:{port}: Address already in use;"
                              " nothing was started", st.err_text())
                self.assertFalse(os.path.exists(st.path("started")))
        finally:
            taken.close()

    def test_stop_closes_the_socket_and_start_opens_it_again(self):
        port = h.free_port()
        services = {"web": {"command": h.py("socket_server.py", "@DIR@/web.json"),
                            "x-stackvisor": {"sockets": [f"127.0.0.1:{port}"]}}}
        with ControlStack(services) as st:
            st.wait_api()
            h.wait_until(lambda: self.try_ask(port), 15, "the first answer")
            st.sv("stop", "web", check=0)
            st.wait_service("web", lambda s: s["state"] == "stopped")
            with self.assertRaises(ConnectionRefusedError):
                socket.create_connection(("127.0.0.1", port), timeout=5).close()
            st.sv("start", "web", check=0)
            pid = st.wait_service("web", lambda s: s["state"] == "running")["pid"]
            self.assertEqual(h.wait_until(lambda: self.try_ask(port), 15, "an answer"), pid)

    def test_replicas_share_one_socket_which_outlives_one_replica_stopped(self):
        port = h.free_port()
        server = " ".join(h.py("socket_server.py")) + " @DIR@/web-$${STACKVISOR_REPLICA}.json"
        # SIGKILL stops: with one listening socket shared, a server can lose the race for a
        # connection both were woken for and block in accept(), past its SIGTERM polling.
        services = {"web": {"command": ["sh", "-c", "exec " + server], "scale": 2,
                            "stop_signal": "SIGKILL", "restart": "always",
                            "restart_backoff": {"initial": "500ms"},
                            "x-stackvisor": {"sockets": [f"127.0.0.1:{port}"]}}}
        with ControlStack(services) as st:
            # Both replicas started: had each opened its own socket, the second bind would
            # have failed the stack.
            one = read_report(st.path("web-1.json"), stack=st)
            two = read_report(st.path("web-2.json"), stack=st)
            for r in (one, two):
                self.assertEqual(r["env"]["LISTEN_FDS"], "1", r)
                self.assertEqual(r["sockets"]["3"]["address"], f"127.0.0.1:{port}", r)
            st.wait_api()
            pids = {one["pid"], two["pid"]}
            for _ in range(6):
                self.assertIn(ask(port), pids)
            # One replica stopped for good: the group's socket stays for the other.
            st.sv("stop", "web-1", check=0)
            st.wait_service("web-1", lambda s: s["state"] == "stopped")
            for _ in range(4):
                self.assertEqual(ask(port), two["pid"])
            # web-2 crashes: the socket is still the group's, so a connection made while it
            # waits to restart queues (instead of being refused) and the next web-2 serves it.
            os.kill(two["pid"], 9)
            answered = ask(port, timeout=15)
            self.assertNotIn(answered, pids)
            self.assertEqual(st.wait_service("web-2", lambda s: s["pid"] == answered)["pid"],
                             answered)

    def test_unix_socket_file_stale_replaced_other_refused(self):
        services = {"web": {"command": h.py("socket_server.py", "@DIR@/web.json"),
                            "x-stackvisor": {"sockets": ["unix:web.sock"]}},
                    "other": {"command": ["sleep", "30"],
                              "x-stackvisor": {"sockets": ["unix:not-a-socket"]}}}
        st = h.Stack(services)
        # A socket file nobody listens on (a killed run's) is replaced...
        stale = socket.socket(socket.AF_UNIX)
        stale.bind(st.path("web.sock"))
        stale.close()
        # ...but a file that is not a socket is never removed.
        with open(st.path("not-a-socket"), "w") as f:
            f.write("keep me")
        with st:
            self.assertEqual(st.wait_exit(15), 1, st.dump())
            self.assertIn(f"stackvisor: other: bind unix:{st.path('not-a-socket')}: the path "
                          "exists and is not a socket; nothing was started", st.err_text())
            with open(st.path("not-a-socket")) as f:
                self.assertEqual(f.read(), "keep me")
            # web's sockets were opened first and closed again: their file is gone too.
            self.assertFalse(os.path.exists(st.path("web.sock")))
        services.pop("other")
        st = h.Stack(services)
        stale = socket.socket(socket.AF_UNIX)
        stale.bind(st.path("web.sock"))
        stale.close()
        with st:
            read_report(st.path("web.json"), stack=st)
            with socket.socket(socket.AF_UNIX) as c:
                c.settimeout(10)
                c.connect(st.path("web.sock"))


if __name__ == "__main__":
    h.require_binary()
    unittest.main()
