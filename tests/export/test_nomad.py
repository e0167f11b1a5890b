"""`stackvisor export nomad`: golden jobs from examples/ and the feature manifest, parsed by
HashiCorp's HCL parser (npm @cdktf/hcl2json), with structural assertions on the parsed job:
one group, one raw_exec task per service running its native command, prestart/poststart
one-shots, restart blocks, service checks, secrets only in 0600 variable files."""
import json
import os
import stat
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exportlib  # noqa: E402


def setUpModule():
    exportlib.install_test_tools()


class NomadExport(unittest.TestCase):
    def parsed(self, e):
        files = [e.path(n) for n in e.files]
        proc = exportlib.node("parse_hcl.mjs", *files)
        self.assertEqual(proc.returncode, 0, "HCL parse failed:\n" + proc.stderr)
        return {os.path.basename(d["file"]): d["json"] for d in map(json.loads, proc.stdout.splitlines())}

    def job(self, parsed, name):
        jobs = parsed[name + ".nomad.hcl"]["job"]
        self.assertEqual(list(jobs), [name])
        job = jobs[name][0]
        self.assertEqual(job["type"], "service")
        self.assertEqual(list(job["group"]), ["stack"])
        group = job["group"]["stack"][0]
        return group, {t: v[0] for t, v in group["task"].items()}

    def hook(self, task):
        return task["lifecycle"][0]["hook"] if "lifecycle" in task else None

    def test_example_golden_and_parsed(self):
        e = exportlib.export(self, "nomad", exportlib.EXAMPLE, exportlib.EXAMPLE_ENV)
        exportlib.check_golden(self, e, "nomad", "django-channels")
        group, tasks = self.job(self.parsed(e), "django-channels")
        self.assertEqual(sorted(tasks), sorted(["state", "db", "redis", "migrate",
                                                "collectstatic", "web", "channels", "nginx-conf",
                                                "nginx"]))
        for name, task in tasks.items():
            self.assertEqual(task["driver"], "raw_exec", name)
        self.assertEqual(tasks["web"]["config"][0]["command"], "/usr/bin/gunicorn")
        self.assertIn("--preload", tasks["web"]["config"][0]["args"])
        for name in ["state", "collectstatic", "nginx-conf"]:
            self.assertEqual(self.hook(tasks[name]), "prestart", name)
            self.assertIs(tasks[name]["lifecycle"][0]["sidecar"], False)
        self.assertEqual(self.hook(tasks["migrate"]), "poststart")  # waits for db, a server
        self.assertIsNone(self.hook(tasks["web"]))
        self.assertEqual(tasks["db"]["kill_signal"], "SIGINT")
        self.assertEqual(tasks["db"]["kill_timeout"], "30s")
        check = tasks["channels"]["service"][0]["check"][0]
        self.assertEqual((check["type"], check["path"]), ("http", "/health"))
        port = tasks["channels"]["service"][0]["port"]
        self.assertEqual(group["network"][0]["port"][port][0]["static"], 8001)
        lines = exportlib.unmapped_lines(e.proc.stderr, "nomad")
        self.assertIn("services.db.healthcheck: Nomad has no sd_notify readiness: not checked", lines)
        self.assertIn("#   services.db.healthcheck: Nomad has no sd_notify readiness: not checked\n",
                      e.files["django-channels.nomad.hcl"])
        for svc, port in [("web", 8000), ("channels", 8001)]:
            note = ("services.%s.x-stackvisor.sockets: the process expects 1 listening socket(s) "
                    "on fds 3.. (LISTEN_FDS: 127.0.0.1:%d) and Nomad cannot pass" % (svc, port))
            self.assertTrue(any(l.startswith(note) for l in lines), (note, lines))
            self.assertIn("#   " + note, e.files["django-channels.nomad.hcl"])

    def test_features_golden_and_parsed(self):
        e = exportlib.export(self, "nomad", exportlib.FEATURES)
        exportlib.check_golden(self, e, "nomad", "features")
        parsed = self.parsed(e)
        _, tasks = self.job(parsed, "features")
        self.assertEqual(self.hook(tasks["setup"]), "prestart")
        self.assertEqual(tasks["api"]["restart"][0]["attempts"], 0)       # restart: "no"
        self.assertEqual(tasks["api"]["restart"][0]["mode"], "fail")
        self.assertEqual(tasks["db"]["restart"][0]["attempts"], 3)        # on-failure:3
        self.assertEqual(tasks["cache"]["restart"][0]["mode"], "delay")   # unless-stopped
        self.assertEqual(tasks["cache"]["restart"][0]["delay"], "1s")     # restart_backoff.initial
        self.assertEqual(tasks["db"]["user"], "daemon")
        self.assertEqual(tasks["cache"]["service"][0]["check"][0]["type"], "tcp")
        self.assertEqual(tasks["api"]["env"][0], {"LOG_LEVEL": "info"})
        self.assertNotIn("API_TOKEN", json.dumps(tasks["api"]["env"]))
        template = tasks["api"]["template"][0]
        self.assertIs(template["env"], True)
        self.assertIn('nomadVar "nomad/jobs/features/stack/api"', template["data"])
        nv = parsed["features-api.nv.hcl"]
        self.assertEqual(nv["path"], "nomad/jobs/features/stack/api")
        self.assertEqual(nv["items"][0], {"API_TOKEN": "token-123"})
        self.assertEqual(parsed["features-db.nv.hcl"]["items"][0]["DB_PASSWORD"],
                         'p@ss w0rd $ "quoted" 100%')
        lines = exportlib.unmapped_lines(e.proc.stderr, "nomad")
        for expected in ["services.db.healthcheck: a script check needs the Consul",
                         "services.worker.healthcheck: Nomad has no log-line check",
                         "services.api.depends_on.db: Nomad starts a group's main tasks together",
                         "services.db.labels: a container-engine key"]:
            self.assertTrue(any(l.startswith(expected) for l in lines), expected)
        self.assertFalse(any(l.startswith("services.db.depends_on.setup") for l in lines),
                         "a prestart one-shot is ordered: nothing to report")

    def test_secrets_only_in_0600_variable_files(self):
        e = exportlib.export(self, "nomad", exportlib.EXAMPLE, exportlib.EXAMPLE_ENV)
        job = e.files["django-channels.nomad.hcl"]
        self.assertNotIn("golden-db-password", job)
        self.assertNotIn("golden-django-secret", job)
        nv = [n for n in e.files if n.endswith(".nv.hcl")]
        self.assertIn("django-channels-web.nv.hcl", nv)
        for name in nv:
            self.assertEqual(stat.S_IMODE(os.stat(e.path(name)).st_mode), 0o600, name)
        self.assertIn('POSTGRES_PASSWORD = "golden-db-password"', e.files["django-channels-web.nv.hcl"])

    def test_the_parser_rejects_broken_hcl(self):
        e = exportlib.export(self, "nomad", exportlib.FEATURES)
        bad = e.path("features.nomad.hcl") + ".bad.hcl"
        with open(bad, "w") as f:
            f.write(e.files["features.nomad.hcl"].replace('driver = "raw_exec"', "driver = ", 1))
        proc = exportlib.node("parse_hcl.mjs", bad)
        self.assertEqual(proc.returncode, 1)


if __name__ == "__main__":
    exportlib.main()
