"""`stackvisor export systemd`: golden units from examples/ and a feature manifest, accepted by
`systemd-analyze verify`, environment values only in 0600 files, unmapped keys on stderr and in
the headers, and readiness waits (ExecStartPost=) that really wait for the probe to pass."""
import http.server
import os
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exportlib  # noqa: E402

ANALYZE = "/usr/bin/systemd-analyze"


def sd_words(value):
    """An Exec*= value as systemd reads it: specifiers, quotes and C escapes, then $$."""
    value = value.replace("%%", "%")
    words, i = [], 0
    escapes = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'", "r": "\r"}
    while i < len(value):
        while i < len(value) and value[i] == " ":
            i += 1
        if i >= len(value):
            break
        word, quote = "", None
        while i < len(value) and (quote or value[i] != " "):
            c = value[i]
            if c == "\\":
                word += escapes[value[i + 1]]
                i += 2
                continue
            if c == '"' and quote is None:
                quote = c
            elif c == quote:
                quote = None
            else:
                word += c
            i += 1
        words.append(word.replace("$$", "$"))
    return words


def setting(unit_text, key):
    return [line.split("=", 1)[1] for line in unit_text.splitlines() if line.startswith(key + "=")]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SystemdExport(unittest.TestCase):
    def verify(self, e):
        units = [e.path(n) for n in e.files if n.endswith((".service", ".socket", ".target"))]
        proc = subprocess.run([ANALYZE, "verify", "--man=no", *units], capture_output=True,
                              text=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stderr.strip(), "", "systemd-analyze verify complained")

    def test_example_golden_and_verified(self):
        e = exportlib.export(self, "systemd", exportlib.EXAMPLE, exportlib.EXAMPLE_ENV)
        exportlib.check_golden(self, e, "systemd", "django-channels")
        self.verify(e)
        web = e.files["django-channels-web.service"]
        self.assertIn("Type=notify", web)
        self.assertIn("After=django-channels-migrate.service", web)
        self.assertIn("Type=oneshot\nRemainAfterExit=yes", e.files["django-channels-migrate.service"])
        # daphne --fd 3 and gunicorn get their sockets from systemd as they do from `up`.
        for name, port in [("web", 8000), ("channels", 8001)]:
            unit = e.files["django-channels-" + name + ".service"]
            self.assertIn("Sockets=django-channels-%s.socket\n" % name, unit)
            self.assertIn("Requires=django-channels-%s.socket\n" % name, unit)
            socket_unit = e.files["django-channels-%s.socket" % name]
            self.assertEqual(setting(socket_unit, "ListenStream"), ["127.0.0.1:%d" % port])
            self.assertEqual(setting(socket_unit, "Service"), ["django-channels-%s.service" % name])

    def test_features_golden_and_verified(self):
        e = exportlib.export(self, "systemd", exportlib.FEATURES)
        exportlib.check_golden(self, e, "systemd", "features")
        self.verify(e)
        db = e.files["features-db.service"]
        for line in ["KillMode=mixed", "KillSignal=SIGINT", "TimeoutStopSec=30s", "User=daemon",
                     "Restart=on-failure", "StartLimitBurst=4", "RestartSec=100ms",
                     "Requires=features-setup.service", "After=features-setup.service"]:
            self.assertIn(line + "\n", db)
        api = e.files["features-api.service"]
        self.assertIn("Wants=features-cache.service\n", api)  # required: false
        self.assertIn("PartOf=features-db.service\n", api)    # restart: true
        self.assertIn("UnsetEnvironment=UNWANTED\n", api)
        self.assertIn("Type=notify\n", e.files["features-notifier.service"])

    def test_secrets_only_in_0600_env_files(self):
        e = exportlib.export(self, "systemd", exportlib.EXAMPLE, exportlib.EXAMPLE_ENV)
        env_files = [n for n in e.files if n.endswith(".env")]
        self.assertIn("django-channels-web.env", env_files)
        for name in env_files:
            self.assertEqual(stat.S_IMODE(os.stat(e.path(name)).st_mode), 0o600, name)
        for name, text in e.files.items():
            if name.endswith(".env"):
                continue
            self.assertEqual(os.stat(e.path(name)).st_mode & 0o777, 0o644, name)
            self.assertNotIn("golden-db-password", text, name)
            self.assertNotIn("golden-django-secret", text, name)
            self.assertNotIn("Environment=", text.replace("EnvironmentFile=", "").replace(
                "UnsetEnvironment=", ""), name)
        self.assertIn('POSTGRES_PASSWORD="golden-db-password"\n', e.files["django-channels-web.env"])
        self.assertIn("EnvironmentFile=" + e.out + "/django-channels-web.env\n",
                      e.files["django-channels-web.service"])

    def test_env_file_round_trips_odd_values(self):
        # What systemd reads back from the env file is the value the manifest gave.
        e = exportlib.export(self, "systemd", exportlib.FEATURES)
        script = "set -a; . " + e.path("features-db.env") + "; printf %s \"$DB_PASSWORD\""
        out = subprocess.run(["/bin/sh", "-c", script], capture_output=True, text=True).stdout
        self.assertEqual(out, 'p@ss w0rd $ "quoted" 100%')

    def test_unmapped_keys_on_stderr_and_in_headers(self):
        e = exportlib.export(self, "systemd", exportlib.FEATURES)
        lines = exportlib.unmapped_lines(e.proc.stderr, "systemd")
        self.assertIn("services.db.labels: a container-engine key stackvisor does not read", lines)
        self.assertIn("services.db.image: a container setting; this export runs the native command",
                      lines)
        self.assertTrue(any(l.startswith("services.setup.restart: ") for l in lines), lines)
        self.assertTrue(any(l.startswith("services.cache.restart_backoff: the delay growing x3")
                            for l in lines), lines)
        for line in lines:
            service = line.split(".")[1]
            self.assertIn("#   " + line + "\n", e.files["features-" + service + ".service"])
            self.assertIn("#   " + line + "\n", e.files["features.target"])


class ReadinessWait(unittest.TestCase):
    """The ExecStartPost= commands, unquoted as systemd would and run for real."""

    def wait_command(self, healthcheck):
        d = tempfile.mkdtemp(prefix="sv-export-wait-")
        manifest = os.path.join(d, "compose.yaml")
        with open(manifest, "w") as f:
            f.write("name: w\nservices:\n  s:\n    command: /bin/true\n" + healthcheck)
        e = exportlib.export(self, "systemd", manifest)
        posts = setting(e.files["w-s.service"], "ExecStartPost")
        self.assertEqual(len(posts), 1)
        return sd_words(posts[0])

    def run_wait(self, argv, seconds):
        started = time.monotonic()
        proc = subprocess.run(["/usr/bin/timeout", str(seconds), *argv], capture_output=True,
                              text=True)
        return proc.returncode, time.monotonic() - started

    def test_exec_wait(self):
        ok = self.wait_command("    healthcheck:\n      test: [CMD, /bin/true]\n")
        self.assertEqual(self.run_wait(ok, 10)[0], 0)
        bad = self.wait_command("    healthcheck:\n      test: [CMD, /bin/false]\n")
        self.assertEqual(self.run_wait(bad, 1.5)[0], 124, "the wait ended though the test fails")

    def test_tcp_wait_ends_when_the_port_opens(self):
        port = free_port()
        argv = self.wait_command("    x-stackvisor:\n      healthcheck:\n        tcp: 127.0.0.1:%d\n" % port)
        self.assertEqual(self.run_wait(argv, 1.5)[0], 124, "ready with nothing listening")
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(8)
        self.addCleanup(listener.close)
        code, took = self.run_wait(argv, 20)
        self.assertEqual(code, 0)

    def test_http_wait_needs_a_2xx_or_3xx(self):
        port = free_port()
        status = {"code": 500}

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(status["code"] if self.path == "/healthz" else 404)
                self.end_headers()

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        argv = self.wait_command(
            "    x-stackvisor:\n      healthcheck:\n        http: http://127.0.0.1:%d/healthz\n" % port)
        self.assertEqual(self.run_wait(argv, 1.5)[0], 124, "ready on HTTP 500")
        status["code"] = 204
        self.assertEqual(self.run_wait(argv, 20)[0], 0)


if __name__ == "__main__":
    exportlib.main()
