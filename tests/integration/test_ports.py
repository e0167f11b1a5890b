"""Ports without a network namespace (issue 12, section 2): a service binds its container port
on the host, so `up` refuses before anything starts when a port is taken (naming the service,
the port and the process holding it) or, as an ordinary user, when a port is below
net.ipv4.ip_unprivileged_port_start; a reload that adds a service on a taken port changes
nothing; a started stack says what each service binds, and `ps` and the API show the ports."""
import os
import re
import socket
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
from test_control import ControlStack  # noqa: E402
from test_reload import ReloadStack  # noqa: E402

FOREVER = ["sleep", "100000"]


def unprivileged_port_start():
    with open("/proc/sys/net/ipv4/ip_unprivileged_port_start") as f:
        return int(f.read())


class Ports(unittest.TestCase):

    def test_taken_port_stops_up_before_anything_starts(self):
        taken = socket.socket()
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        try:
            services = {"first": {"command": ["sh", "-c", "touch started; exec sleep 30"]},
                        "web": {"command": ["sh", "-c", "touch web-started; exec sleep 30"],
                                "ports": [f"{port}:{port}"]}}
            with h.Stack(services) as st:
                self.assertEqual(st.wait_exit(15), 1, st.dump())
                err = st.err_text()
                self.assertIn(f"stackvisor: web: port {port}/tcp is already in use on this host, "
                              f"by pid {os.getpid()} (", err)
                self.assertIn("a port cannot be bound; nothing was started", err)
                self.assertFalse(os.path.exists(st.path("started")))
                self.assertFalse(os.path.exists(st.path("web-started")))
        finally:
            taken.close()

    def test_privileged_port_is_refused_for_an_ordinary_user(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to run stackvisor as nobody with setpriv")
        start = unprivileged_port_start()
        if start <= 80:
            self.skipTest(f"net.ipv4.ip_unprivileged_port_start is {start}: port 80 is "
                          "not privileged here")
        services = {"first": {"command": ["sh", "-c", "touch started; exec sleep 30"]},
                    "nginx": {"command": FOREVER, "ports": ["8080:80"]}}
        st = h.Stack(services, wrapper=["setpriv", "--reuid=nobody", "--regid=nogroup",
                                        "--clear-groups"])
        os.chmod(st.dir, 0o777)  # nobody may write its marker, were anything started
        with st:
            self.assertEqual(st.wait_exit(15), 1, st.dump())
            self.assertIn(f"stackvisor: nginx: port 80/tcp is below {start} "
                          "(net.ipv4.ip_unprivileged_port_start) and nginx would bind it as "
                          "nobody (uid 65534), who may not: run stackvisor as root, lower the "
                          "limit with 'sysctl net.ipv4.ip_unprivileged_port_start=80' (the "
                          "lowest port needed), or give nginx a port of "
                          f"{start} or more", st.err_text())
            self.assertFalse(os.path.exists(st.path("started")))

    def test_ports_are_reported_at_start_in_ps_and_in_the_api(self):
        port = h.free_port()
        services = {"nginx": {"command": FOREVER, "ports": [f"1337:{port}"]},
                    "plain": {"command": FOREVER}}
        with ControlStack(services) as st:
            st.wait_api()
            st.wait_for_line(r"^stackvisor\s+\| " + re.escape(
                f"nginx listens on {port}; ports: 1337:{port} publishes nothing: there is no "
                f"network namespace, the service binds {port} on the host") + "$")
            svc = st.service("nginx")
            self.assertEqual(svc["ports"], [{"host_ip": None, "port": port, "protocol": "tcp",
                                             "published": 1337}])
            self.assertEqual(st.service("plain")["ports"], [])
            out = st.sv("ps", check=0).stdout
            header = out.splitlines()[0]
            self.assertIn("PORTS", header)
            self.assertIn(f"0.0.0.0:1337->{port}/tcp", out)

    def test_reload_refuses_a_new_service_on_a_taken_port(self):
        taken = socket.socket()
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        try:
            with ReloadStack({"a": {"command": FOREVER}}) as st:
                st.wait_api()
                pid = st.running_pid("a")
                st.rewrite({"a": {"command": FOREVER},
                            "b": {"command": ["sh", "-c", "touch @DIR@/b-started; exec sleep 100"],
                                  "ports": [f"{port}:{port}"]}})
                status, body = st.apply()
                self.assertEqual(status, 400, body)
                self.assertIn(f"b: port {port}/tcp is already in use on this host, by pid "
                              f"{os.getpid()} (", body["error"])
                self.assertTrue(body["error"].endswith("; nothing was changed"), body["error"])
                self.assertEqual(st.running_pid("a"), pid)
                self.assertFalse(os.path.exists(st.path("b-started")))
                taken.close()
                status, body = st.apply()
                self.assertEqual(status, 200, body)
                h.wait_until(lambda: os.path.exists(st.path("b-started")), 15, "b to start")
        finally:
            taken.close()


if __name__ == "__main__":
    h.main()
