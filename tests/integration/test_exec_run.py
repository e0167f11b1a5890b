"""`exec` and `run` (issue 11): the command runs as the CLI's own process with the service's
resolved environment (stackvisor's < env_file < environment < -e), working dir (-w) and user
(-u, `user:`), and the CLI exits with its code (127 not found, 126 not executable); everything
after SERVICE is the command's, options too. `exec` needs the service running; `run` starts a
stopped dependency first and waits for its condition unless --no-deps. Under a pty the command
owns the terminal: a getpass prompt gets the typed answer and Ctrl-C reaches the command.
Each test has its own project and STACKVISOR_RUNTIME_DIR."""
import json
import os
import pty
import select
import signal
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

LONG = ["sleep", "1000"]


def project(services, files=None):
    """A Stack whose API lives in its own runtime directory (set before start)."""
    st = h.Stack(services, files=files)
    st.env["STACKVISOR_RUNTIME_DIR"] = st.path("rt")
    return st


def cli(st, verb, *args, timeout=30):
    """`stackvisor VERB -f MANIFEST ARGS...` for the stack's project, run to completion."""
    return h.run([verb, "-f", st.manifest, *args], cwd=st.dir, timeout=timeout,
                 env={"STACKVISOR_RUNTIME_DIR": st.path("rt")})


def api(st, method, target):
    """One request to the stack's socket; (status, parsed JSON body)."""
    sock = socket.socket(socket.AF_UNIX)
    sock.settimeout(10)
    sock.connect(os.path.join(st.path("rt"), "api.sock"))
    sock.sendall(f"{method} {target} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                 "Connection: close\r\n\r\n".encode())
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    sock.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1])
    if b"chunked" in head.lower():
        out, rest = b"", body
        while rest:
            size, _, rest = rest.partition(b"\r\n")
            n = int(size, 16)
            if n == 0:
                break
            out, rest = out + rest[:n], rest[n + 2:]
        body = out
    return status, json.loads(body) if body.strip() else None


def state(st, name):
    status, body = api(st, "GET", f"/v1/services/{name}")
    assert status == 200, (status, body)
    return body


def wait_state(st, name, wanted, timeout=15):
    return h.wait_until(lambda: state(st, name)["state"] in wanted, timeout,
                        f"{name} to be {wanted}")


class ExecRun(unittest.TestCase):

    def start(self, services, files=None):
        st = project(services, files)
        self.addCleanup(st.cleanup)
        st.start()
        for name, svc in services.items():
            if svc.get("command") == LONG:
                st.event(name, r"started", timeout=15)
        return st

    def test_exec_environment_workdir_exit_code(self):
        st = self.start({"web": {"command": LONG, "working_dir": "sub", "env_file": ["web.env"],
                                 "environment": {"SV_ENV": "from-environment",
                                                 "SV_BOTH": "from-environment"}}},
                        files={"web.env": "SV_FILE=from-file\nSV_BOTH=from-file\n",
                               "sub/.keep": "", "data.txt": "not a program\n"})
        r = cli(st, "exec", "web", "sh", "-c", 'echo "$SV_ENV $SV_FILE $SV_BOTH"; pwd')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.splitlines(),
                         ["from-environment from-file from-environment", st.path("sub")])

        self.assertEqual(cli(st, "exec", "web", "sh", "-c", "exit 7").returncode, 7)
        # Everything after SERVICE is the command's, even our own option names.
        r = cli(st, "exec", "web", "sh", "-c", 'echo "$0 $1"', "-u", "-e")
        self.assertEqual(r.stdout, "-u -e\n", r.stderr)
        # -e overrides the service's environment, adds, and `-e K` alone passes ours on.
        os.environ["SV_MINE"] = "from-caller"
        try:
            r = cli(st, "exec", "-e", "SV_ENV=over", "-e", "SV_NEW=new", "--env=SV_X=x",
                    "-e", "SV_MINE", "web", "sh", "-c", 'echo "$SV_ENV $SV_NEW $SV_X $SV_MINE"')
        finally:
            del os.environ["SV_MINE"]
        self.assertEqual(r.stdout, "over new x from-caller\n", r.stderr)
        r = cli(st, "exec", "-w", "/tmp", "web", "pwd")
        self.assertEqual(r.stdout, "/tmp\n", r.stderr)
        r = cli(st, "exec", "-w", "..", "web", "pwd")  # relative: to the service's directory
        self.assertEqual(os.path.realpath(r.stdout.strip()), os.path.realpath(st.dir), r.stderr)

        r = cli(st, "exec", "web", "no-such-command-xyz")
        self.assertEqual(r.returncode, 127)
        self.assertIn("exec: no-such-command-xyz: No such file or directory", r.stderr)
        r = cli(st, "exec", "web", st.path("data.txt"))  # no x bit: not runnable, even for root
        self.assertEqual(r.returncode, 126)
        self.assertIn(f"exec: {st.path('data.txt')}: Permission denied", r.stderr)
        r = cli(st, "exec", "-w", "/no/such/dir", "web", "true")
        self.assertEqual(r.returncode, 126)
        self.assertIn("exec: chdir to /no/such/dir as ", r.stderr)
        r = cli(st, "exec", "web")
        self.assertEqual(r.returncode, 2)
        self.assertIn("no command given", r.stderr)

    def test_exec_is_the_cli_process(self):
        # Nothing in between: the command replaces the CLI (same pid), so the exit code,
        # signals and the terminal are the command's.
        st = self.start({"web": {"command": LONG}})
        p = h.subprocess.Popen([h.BIN, "exec", "-f", st.manifest, "web", "sh", "-c", "echo $$"],
                               stdout=h.subprocess.PIPE, text=True, env={
                                   **os.environ, "STACKVISOR_RUNTIME_DIR": st.path("rt")})
        out, _ = p.communicate(timeout=30)
        self.assertEqual(out.strip(), str(p.pid))
        self.assertEqual(p.returncode, 0)

    def test_exec_needs_a_running_service(self):
        st = self.start({"web": {"command": LONG}, "once": {"command": ["true"]}})
        st.event("once", r"completed successfully", timeout=15)
        r = cli(st, "exec", "once", "true")
        self.assertEqual(r.returncode, 1)
        self.assertIn("service once is not running", r.stderr)
        r = cli(st, "exec", "nosuch", "true")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no such service: nosuch", r.stderr)

    def test_exec_without_a_stack(self):
        st = project({"web": {"command": LONG}})
        self.addCleanup(st.cleanup)
        r = cli(st, "exec", "web", "true")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no stack is running", r.stderr)

    def test_run_command_entrypoint_and_own_command(self):
        st = self.start({"web": {"command": LONG},
                         # `$$`: a literal `$` in a manifest (interpolation)
                         "task": {"command": ["sh", "-c",
                                              'echo "task ran with $$SV_T"; exit $${SV_CODE:-0}'],
                                  "environment": {"SV_T": "t-env"}}})
        st.event("task", r"completed successfully", timeout=15)
        r = cli(st, "run", "--rm", "-e", "SV_CODE=3", "task")  # the service's own command
        self.assertEqual((r.returncode, r.stdout), (3, "task ran with t-env\n"), r.stderr)
        r = cli(st, "run", "-e", "SV_T=over", "task", "sh", "-c", 'echo "$SV_T"')
        self.assertEqual((r.returncode, r.stdout), (0, "over\n"), r.stderr)
        r = cli(st, "run", "--entrypoint", "sh -c", "task", 'echo "$0-$SV_T"', "arg")
        self.assertEqual((r.returncode, r.stdout), (0, "arg-t-env\n"), r.stderr)
        r = cli(st, "run", "-w", "/tmp", "task", "pwd")
        self.assertEqual(r.stdout, "/tmp\n", r.stderr)

    def test_run_without_a_stack_and_no_dependencies(self):
        st = project({"task": {"command": ["sh", "-c", 'echo "$$SV_T"; pwd; exit 4'],
                               "working_dir": "sub", "environment": {"SV_T": "local"}}},
                     files={"sub/.keep": ""})
        self.addCleanup(st.cleanup)
        r = cli(st, "run", "task")
        self.assertEqual((r.returncode, r.stdout), (4, f"local\n{st.path('sub')}\n"), r.stderr)

    def test_run_starts_a_stopped_dependency(self):
        st = self.start({
            "db": {"command": LONG,
                   "healthcheck": {"test": ["CMD", "true"], "interval": "200ms"}},
            "app": {"command": LONG,
                    "depends_on": {"db": {"condition": "service_healthy"}}}})
        wait_state(st, "app", ["running"])
        self.assertEqual(api(st, "POST", "/v1/services/db/stop")[0], 202)
        wait_state(st, "db", ["stopped"])
        r = cli(st, "run", "--no-deps", "app", "true")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(state(st, "db")["state"], "stopped", "--no-deps started db")
        r = cli(st, "run", "app", "sh", "-c", "echo ran")
        self.assertEqual((r.returncode, r.stdout), (0, "ran\n"), r.stderr)
        db = state(st, "db")
        self.assertEqual((db["state"], db["health"]), ("running", "healthy"),
                         "the command ran before db was healthy again")

    def test_run_without_a_stack_starts_the_dependencies_detached(self):
        st = project({
            "db": {"command": LONG,
                   "healthcheck": {"test": ["CMD", "true"], "interval": "200ms"}},
            "app": {"command": LONG, "environment": {"SV_APP": "app-env"},
                    "depends_on": {"db": {"condition": "service_healthy"}}}})
        self.addCleanup(st.cleanup)
        self.addCleanup(lambda: cli(st, "down", "-t", "2"))
        r = cli(st, "run", "app", "sh", "-c", 'echo "ran with $SV_APP"', timeout=60)
        self.assertEqual((r.returncode, r.stdout), (0, "ran with app-env\n"), r.stderr)
        self.assertIn("db", r.stderr, "up -d's progress belongs on stderr")
        # `up -d --wait db` ran the dependency, healthy, and only it.
        db = state(st, "db")
        self.assertEqual((db["state"], db["health"]), ("running", "healthy"))
        status, _ = api(st, "GET", "/v1/services/app")
        self.assertEqual(status, 404, "app itself was started in the stack")
        # The next run finds that stack and builds app's spec itself (app is not in it).
        r = cli(st, "run", "app", "sh", "-c", 'echo "again $SV_APP"')
        self.assertEqual((r.returncode, r.stdout), (0, "again app-env\n"), r.stderr)
        self.assertEqual(cli(st, "down", "-t", "2").returncode, 0)

    def test_run_names_a_failed_dependency(self):
        st = self.start({"web": {"command": LONG},
                         # Completes at `up`; fails once `fail` exists.
                         "bad": {"command": ["sh", "-c", "test -e @DIR@/fail && exit 5; exit 0"],
                                 "restart": "no"},
                         "app": {"command": ["true"],
                                 "depends_on": {"bad": {
                                     "condition": "service_completed_successfully"}}}})
        st.event("app", r"completed successfully", timeout=15)
        st.touch("fail")
        r = cli(st, "run", "app", "echo", "never")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertNotIn("never", r.stdout)
        self.assertIn("dependency bad of app failed", r.stderr)

    @unittest.skipUnless(os.getuid() == 0, "switching users needs root")
    def test_user(self):
        st = self.start({"web": {"command": LONG, "user": "nobody", "working_dir": "/tmp"},
                         "rootly": {"command": LONG}})
        r = cli(st, "exec", "web", "sh", "-c", 'id -u; echo "$HOME $USER"')
        self.assertEqual(r.stdout.splitlines()[0], "65534", r.stderr)
        self.assertEqual(r.stdout.splitlines()[1].split()[-1], "nobody")
        r = cli(st, "exec", "-u", "root", "web", "id", "-u")
        self.assertEqual(r.stdout, "0\n", r.stderr)
        r = cli(st, "run", "-u", "nobody", "-w", "/tmp", "rootly", "id", "-u")
        self.assertEqual(r.stdout, "65534\n", r.stderr)
        r = cli(st, "exec", "-u", "no-such-user-xyz", "rootly", "true")
        self.assertEqual(r.returncode, 1)
        self.assertIn("unknown user 'no-such-user-xyz'", r.stderr)
        # The privilege drop happens before chdir: nobody cannot enter a 0700 directory.
        private = st.path("private")
        os.mkdir(private, 0o700)
        r = cli(st, "exec", "-w", private, "web", "true")
        self.assertEqual(r.returncode, 126)
        self.assertIn(f"exec: chdir to {private} as nobody: Permission denied", r.stderr)


class Terminal(unittest.TestCase):
    """`run` under a pty (python's pty.fork), as a user at a terminal would type."""

    def spawn(self, st, *args):
        pid, fd = pty.fork()
        if pid == 0:
            os.environ["STACKVISOR_RUNTIME_DIR"] = st.path("rt")
            os.chdir(st.dir)
            os.execv(h.BIN, [h.BIN, "run", "-f", st.manifest, *args])
        self.addCleanup(os.close, fd)
        return pid, fd

    def read_until(self, fd, text, timeout=20):
        out, deadline = b"", time.monotonic() + timeout
        while text.encode() not in out:
            left = deadline - time.monotonic()
            self.assertGreater(left, 0, f"no {text!r} on the terminal; got {out!r}")
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:  # EIO: the other side is gone
                    chunk = b""
                self.assertTrue(chunk, f"terminal closed before {text!r}; got {out!r}")
                out += chunk
        return out

    def wait(self, pid, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return status
            time.sleep(0.02)
        os.kill(pid, signal.SIGKILL)
        self.fail("the command did not exit")

    def test_prompt_and_ctrl_c(self):
        st = project({"web": {"command": LONG, "environment": {"SV_W": "w"}}})
        self.addCleanup(st.cleanup)
        st.start()
        st.event("web", r"started", timeout=15)
        prompt = "import getpass; print('got:' + getpass.getpass('Password: '))"
        pid, fd = self.spawn(st, "web", h.PY, "-c", prompt)
        self.read_until(fd, "Password: ")
        os.write(fd, b"s3cret\n")
        out = self.read_until(fd, "got:s3cret")
        self.assertNotIn(b"s3cret\r\ngot", out, "getpass echoed the password")
        self.assertEqual(os.waitstatus_to_exitcode(self.wait(pid)), 0)

        pid, fd = self.spawn(st, "web", "sh", "-c", "echo waiting; exec sleep 30")
        self.read_until(fd, "waiting")
        os.write(fd, b"\x03")  # Ctrl-C: the terminal sends SIGINT to the command
        self.assertEqual(os.waitstatus_to_exitcode(self.wait(pid)), -signal.SIGINT)


if __name__ == "__main__":
    h.main()
