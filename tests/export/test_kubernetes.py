"""`stackvisor export kubernetes`: golden manifests from examples/ and the feature manifest,
every object valid against the Kubernetes OpenAPI schema (npm kubernetes-models), and the
structure each mapping promises (init containers for one-shots, probes, Services, ConfigMap
and Secret, PVCs, missing images reported)."""
import json
import os
import stat
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exportlib  # noqa: E402


def setUpModule():
    exportlib.install_test_tools()


class KubernetesExport(unittest.TestCase):
    def validated(self, e):
        """Every document of every file, as validated by kubernetes-models, by (kind, name)."""
        files = [e.path(n) for n in e.files]
        proc = exportlib.node("validate_kubernetes.mjs", *files)
        self.assertEqual(proc.returncode, 0, "schema validation failed:\n" + proc.stderr)
        docs = {}
        for line in proc.stdout.splitlines():
            d = json.loads(line)
            docs[(d["kind"], d["name"])] = d["doc"]
        self.assertTrue(docs)
        return docs

    def pod(self, docs, name):
        return docs[("Deployment", name)]["spec"]["template"]["spec"]

    def test_example_golden_and_valid(self):
        e = exportlib.export(self, "kubernetes", exportlib.EXAMPLE, exportlib.EXAMPLE_ENV)
        exportlib.check_golden(self, e, "kubernetes", "django-channels")
        docs = self.validated(e)
        # One-shots run as init containers, in start order, of the pods that wait for them.
        self.assertEqual([c["name"] for c in self.pod(docs, "django-channels-web")["initContainers"]],
                         ["migrate"])
        self.assertEqual(
            [c["name"] for c in self.pod(docs, "django-channels-nginx")["initContainers"]],
            ["state", "collectstatic", "nginx-conf"])  # start order: file order on ties
        self.assertNotIn(("Deployment", "django-channels-migrate"), docs)
        channels = self.pod(docs, "django-channels-channels")["containers"][0]
        self.assertEqual(channels["readinessProbe"]["httpGet"], {"path": "/health", "port": 8001})
        self.assertEqual(channels["command"][0], "/usr/bin/daphne")
        # No image in the example: every service is reported, none silently defaulted.
        lines = exportlib.unmapped_lines(e.proc.stderr, "kubernetes")
        for svc in ["state", "db", "redis", "web", "channels", "nginx", "migrate"]:
            self.assertTrue(any(l.startswith("services.%s.image: missing" % svc) for l in lines),
                            svc)
            self.assertIn("#   services.%s.image: missing" % svc, e.files["django-channels.yaml"])
        # web and channels expect stackvisor's sockets on fd 3: said, not silently dropped.
        for svc, port in [("web", 8000), ("channels", 8001)]:
            note = ("services.%s.x-stackvisor.sockets: the process expects 1 listening socket(s) "
                    "on fds 3.. (LISTEN_FDS: 127.0.0.1:%d) and Kubernetes cannot pass" % (svc, port))
            self.assertTrue(any(l.startswith(note) for l in lines), (note, lines))
            self.assertIn("#   " + note, e.files["django-channels.yaml"])

    def test_features_golden_and_valid(self):
        e = exportlib.export(self, "kubernetes", exportlib.FEATURES)
        exportlib.check_golden(self, e, "kubernetes", "features")
        docs = self.validated(e)
        db = self.pod(docs, "features-db")
        self.assertEqual(db["initContainers"][0]["name"], "setup")
        c = db["containers"][0]
        self.assertEqual(c["image"], "postgres:15")
        self.assertEqual(c["readinessProbe"]["exec"]["command"], ["/bin/true"])
        self.assertEqual(c["readinessProbe"]["periodSeconds"], 5)
        self.assertEqual(c["readinessProbe"]["failureThreshold"], 5)
        self.assertEqual(c["securityContext"]["runAsUser"], 1)
        self.assertEqual(c["volumeMounts"], [{"name": "dbdata", "mountPath": "/var/lib/postgresql/data"}])
        self.assertEqual(db["volumes"][0]["persistentVolumeClaim"]["claimName"], "features-dbdata")
        self.assertEqual(db["terminationGracePeriodSeconds"], 30)
        self.assertIn(("PersistentVolumeClaim", "features-dbdata"), docs)
        self.assertEqual(docs[("Service", "db")]["spec"]["ports"][0]["port"], 5432)
        cache = self.pod(docs, "features-cache")["containers"][0]
        self.assertEqual(cache["readinessProbe"]["tcpSocket"], {"port": 6379})
        self.assertIn("livenessProbe", cache)  # unless-stopped: keep it running
        api = self.pod(docs, "features-api")["containers"][0]
        self.assertEqual(api["readinessProbe"]["httpGet"], {"path": "/healthz", "port": 8080})
        self.assertNotIn("livenessProbe", api)  # restart: "no" -> never restarted for health
        self.assertEqual(docs[("ConfigMap", "features-api-env")]["data"], {"LOG_LEVEL": "info"})
        self.assertEqual(docs[("Secret", "features-api-env")]["stringData"], {"API_TOKEN": "token-123"})
        self.assertEqual(api["envFrom"], [{"configMapRef": {"name": "features-api-env"}},
                                          {"secretRef": {"name": "features-api-env"}}])
        lines = exportlib.unmapped_lines(e.proc.stderr, "kubernetes")
        for expected in ["services.worker.healthcheck: Kubernetes has no log-line readiness probe",
                         "services.notifier.healthcheck: Kubernetes has no sd_notify readiness",
                         "services.db.labels: a container-engine key",
                         "services.db.stop_signal: SIGINT",
                         "services.api.environment.UNWANTED: unset"]:
            self.assertTrue(any(l.startswith(expected) for l in lines), expected)

    def test_secrets_in_their_own_0600_file(self):
        e = exportlib.export(self, "kubernetes", exportlib.EXAMPLE, exportlib.EXAMPLE_ENV)
        secrets = e.path("django-channels-secrets.yaml")
        self.assertEqual(stat.S_IMODE(os.stat(secrets).st_mode), 0o600)
        self.assertIn("golden-db-password", e.files["django-channels-secrets.yaml"])
        self.assertNotIn("golden-db-password", e.files["django-channels.yaml"])
        self.assertNotIn("golden-django-secret", e.files["django-channels.yaml"])

    def test_the_validator_rejects_an_invalid_object(self):
        # The check above means something: a wrong type fails validation.
        e = exportlib.export(self, "kubernetes", exportlib.FEATURES)
        bad = e.path("features.yaml") + ".bad.yaml"
        with open(bad, "w") as f:
            f.write(e.files["features.yaml"].replace("replicas: 1", 'replicas: "one"', 1))
        proc = exportlib.node("validate_kubernetes.mjs", bad)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("replicas must be integer", proc.stderr)


if __name__ == "__main__":
    exportlib.main()
