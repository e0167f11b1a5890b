"""develop.watch with `stackvisor watch` / `up --watch`: an edit restarts the services that
watch it and no other, a burst of changes is one restart, ignored files change nothing, new
directories are watched, sync copies into the target (and removes), sync+restart syncs before
the restart, rebuild restarts, a stopped service stays stopped, and an inotify limit is reported
while watching goes on. Real binary, real files, waits on conditions."""
import os
import re
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

SLEEP = ["sleep", "3600"]
RESTARTING = r"^stackvisor\s+\| watch: {}: \d+ changes? \((.*)\): restarting"


def write(path, text="x"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


class Watch(unittest.TestCase):

    def stack(self, services, files=None, subcommand="watch", args=(), **kw):
        files = dict(files or {})
        files.setdefault("src/app/views.py", "v = 1\n")
        return h.Stack(services, files=files, subcommand=subcommand, args=args, **kw)

    def web_and_db(self, web_watch=None):
        return {
            "db": {"command": SLEEP},
            "web": {"command": SLEEP,
                    "develop": {"watch": web_watch or [
                        {"path": "./src", "action": "restart", "ignore": ["*.tmp"]}]}},
        }

    def restarts(self, st, service):
        rx = re.compile(RESTARTING.format(re.escape(service)))
        return [t for t in st.texts() if rx.search(t)]

    def wait_restarted(self, st, service, count, timeout=10):
        """Waits for the count-th watch restart of service and its new process; returns its pid."""
        h.wait_until(lambda: len(self.restarts(st, service)) >= count, timeout,
                     f"watch restart {count} of {service}\n{st.dump()}")
        return h.wait_until(lambda: self.pid_after(st, service, count), timeout,
                            f"{service} started after restart {count}\n{st.dump()}")

    def pid_after(self, st, service, count):
        """The pid of the first start of service after its count-th watch restart line."""
        rx = re.compile(RESTARTING.format(re.escape(service)))
        seen = 0
        for t in st.texts():
            if rx.search(t):
                seen += 1
            elif seen >= count:
                m = re.match(rf"^stackvisor\s+\| {re.escape(service)}: started \(pid (\d+)\)", t)
                if m:
                    return int(m.group(1))
        return None

    def watching(self, st, service, timeout=10):
        st.wait_for_line(rf"^stackvisor\s+\| watch: {re.escape(service)}: watching", timeout)

    def test_edit_restarts_the_watching_service_only(self):
        with self.stack(self.web_and_db()) as st:
            db = st.started_pid("db")
            web = st.started_pid("web")
            self.watching(st, "web")
            write(st.path("src/app/views.py"), "v = 2\n")
            new_web = self.wait_restarted(st, "web", 1)
            self.assertNotEqual(new_web, web)
            self.assertIn("src/app/views.py", self.restarts(st, "web")[0])
            self.assertFalse(h.is_alive(web), "the old web process is gone")
            self.assertTrue(h.is_alive(db), st.dump())
            self.assertEqual(len([t for t in st.texts() if re.match(
                r"^stackvisor\s+\| db: started", t)]), 1, st.dump())
            self.assertEqual(self.restarts(st, "db"), [])

    def test_burst_of_changes_is_one_restart(self):
        with self.stack(self.web_and_db()) as st:
            st.started_pid("web")
            self.watching(st, "web")
            # A save storm and a checkout-like burst: files, a new tree, a removal, 1.2 s long.
            for i in range(12):
                write(st.path(f"src/app/m{i}.py"))
                time.sleep(0.05)
            for i in range(20):
                write(st.path(f"src/pkg{i % 4}/sub/f{i}.py"))
            os.remove(st.path("src/app/m0.py"))
            self.wait_restarted(st, "web", 1)
            time.sleep(1.5)  # an absence needs a window: 3x the 500 ms quiet period
            self.assertEqual(len(self.restarts(st, "web")), 1, st.dump())
            m = re.search(r"watch: web: (\d+) changes", self.restarts(st, "web")[0])
            self.assertGreaterEqual(int(m.group(1)), 30, st.dump())

    def test_ignored_files_change_nothing(self):
        files = {"src/.git/HEAD": "ref\n", "src/__pycache__/v.cpython-311.pyc": "",
                 "src/node_modules/x.js": ""}
        web_watch = [{"path": "./src", "action": "restart",
                      "ignore": ["**/*.tmp", "node_modules/"]}]
        with self.stack(self.web_and_db(web_watch), files=files) as st:
            st.started_pid("web")
            self.watching(st, "web")
            write(st.path("src/.git/HEAD"), "other\n")
            write(st.path("src/.git/refs/heads/main"), "abc\n")
            write(st.path("src/__pycache__/v.cpython-311.pyc"), "pyc")
            write(st.path("src/app/.views.py.swp"), "swap")
            write(st.path("src/app/views.py~"), "backup")
            write(st.path("src/app/4913"), "")
            write(st.path("src/app/scratch.tmp"), "t")  # the rule's own ignore
            write(st.path("src/node_modules/y.js"), "")
            time.sleep(1.5)
            self.assertEqual(self.restarts(st, "web"), [], st.dump())
            # The watch is alive: a real edit right after is seen, and only it is listed.
            write(st.path("src/app/views.py"), "v = 3\n")
            self.wait_restarted(st, "web", 1)
            self.assertRegex(self.restarts(st, "web")[0], r"1 change \(src/app/views.py\)")

    def test_new_directories_are_watched(self):
        with self.stack(self.web_and_db()) as st:
            st.started_pid("web")
            self.watching(st, "web")
            os.makedirs(st.path("src/new/deeper"))
            self.wait_restarted(st, "web", 1)
            time.sleep(0.7)  # past the quiet period, so the next change is a batch of its own
            write(st.path("src/new/deeper/mod.py"))
            self.wait_restarted(st, "web", 2)
            self.assertIn("src/new/deeper/mod.py", self.restarts(st, "web")[1])

    def test_sync_copies_and_removes_without_restart(self):
        services = {"assets": {"command": SLEEP, "develop": {"watch": [
            {"path": "./static", "action": "sync", "target": "./out"}]}}}
        with self.stack(services, files={"static/keep.txt": "k"}) as st:
            pid = st.started_pid("assets")
            self.watching(st, "assets")
            write(st.path("static/css/site.css"), "body {}\n")
            st.wait_for_line(r"watch: assets: synced 1 file to out$")
            with open(st.path("out/css/site.css")) as f:
                self.assertEqual(f.read(), "body {}\n")
            os.remove(st.path("static/css/site.css"))
            st.wait_for_line(r"watch: assets: synced 0 files to out, removed 1")
            self.assertFalse(os.path.exists(st.path("out/css/site.css")))
            self.assertEqual(self.restarts(st, "assets"), [])
            self.assertTrue(h.is_alive(pid))
            self.assertFalse(os.path.exists(st.path("out/keep.txt")), "only changes are synced")

    def test_sync_restart_syncs_before_the_restart(self):
        services = {"worker": {
            "command": ["sh", "-c", "cat run/conf/app.ini 2>/dev/null || echo none; exec sleep 3600"],
            "develop": {"watch": [{"path": "./conf", "action": "sync+restart",
                                   "target": "./run/conf"}]}}}
        with self.stack(services, files={"conf/app.ini": "old\n"}) as st:
            st.started_pid("worker")
            self.watching(st, "worker")
            write(st.path("conf/app.ini"), "new\n")
            self.wait_restarted(st, "worker", 1)
            h.wait_until(lambda: "new" in st.service_lines("worker"), 10,
                         f"the restarted worker reads the synced file\n{st.dump()}")
            self.assertEqual(st.service_lines("worker")[0], "none")

    def test_rebuild_of_a_file_rule_restarts(self):
        web_watch = [{"path": "requirements.txt", "action": "rebuild"}]
        with self.stack(self.web_and_db(web_watch), files={"requirements.txt": "django\n"},
                        subcommand="up", args=("--watch",)) as st:
            st.started_pid("web")
            self.watching(st, "web")
            write(st.path("other.txt"))  # beside it: not the rule's file
            time.sleep(1.0)
            self.assertEqual(self.restarts(st, "web"), [], st.dump())
            # As an editor saves: a new file renamed over the old one.
            write(st.path(".requirements.txt.new"), "django\nchannels\n")
            os.rename(st.path(".requirements.txt.new"), st.path("requirements.txt"))
            self.wait_restarted(st, "web", 1)
            self.assertRegex(self.restarts(st, "web")[0], r"\(requirements.txt\)")

    def test_a_service_stopped_on_request_stays_stopped(self):
        with self.stack(self.web_and_db()) as st:
            st.started_pid("web")
            self.watching(st, "web")
            r = h.run(["stop", "-f", st.manifest, "web"], cwd=st.dir)
            self.assertEqual(r.returncode, 0, r.stderr)
            st.event("web", r"(exited|killed|stopped)")
            write(st.path("src/app/views.py"), "v = 9\n")
            st.wait_for_line(r"watch: web: 1 change \(src/app/views.py\): not restarted, it was "
                             r"stopped on request")
            self.assertEqual(len([t for t in st.texts()
                                  if re.match(r"^stackvisor\s+\| web: started", t)]), 1)

    def test_a_reload_replaces_the_rules(self):
        files = {"worker/job.py": "j = 1\n"}
        with self.stack(self.web_and_db(), files=files, subcommand="up",
                        args=("--watch",)) as st:
            st.started_pid("web")
            db = st.started_pid("db")
            self.watching(st, "web")
            # The edit moves the rule from web to db: db's definition changes (so the reload
            # restarts it once), web's too (its rule is gone).
            edited = {"db": {"command": SLEEP, "environment": {"SV_TEST_TAG": st.tag},
                             "develop": {"watch": [{"path": "./worker", "action": "restart"}]}},
                      "web": {"command": SLEEP, "environment": {"SV_TEST_TAG": st.tag}}}
            with open(st.manifest, "w") as f:
                f.write(h.to_yaml({"services": edited}))
            st.signal(signal.SIGHUP)
            st.wait_for_line(r"^stackvisor\s+\| reload: ")
            self.watching(st, "db")
            db_reloaded = h.wait_until(lambda: self.start_pid_after_reload(st, "db"), 10,
                                       f"db started again by the reload\n{st.dump()}")
            self.assertNotEqual(db_reloaded, db)
            write(st.path("worker/job.py"), "j = 2\n")
            new_db = self.wait_restarted(st, "db", 1)
            self.assertNotEqual(new_db, db_reloaded)
            self.assertIn("worker/job.py", self.restarts(st, "db")[0])
            # The removed rule: web's files restart nothing any more.
            write(st.path("src/app/views.py"), "v = 7\n")
            time.sleep(1.5)  # an absence needs a window: 3x the 500 ms quiet period
            self.assertEqual(self.restarts(st, "web"), [], st.dump())

    def start_pid_after_reload(self, st, service):
        seen = False
        for t in st.texts():
            if re.match(r"^stackvisor\s+\| reload: ", t):
                seen = True
            elif seen:
                m = re.match(rf"^stackvisor\s+\| {re.escape(service)}: started \(pid (\d+)\)", t)
                if m:
                    return int(m.group(1))
        return None

    def test_no_rules_is_a_usage_error(self):
        with h.Stack({"db": {"command": SLEEP}}, subcommand="watch") as st:
            self.assertEqual(st.wait_exit(10), 2, st.dump())
            self.assertIn("none of the selected services has develop.watch rules", st.err_text())

    def test_own_directory_limit_is_reported_and_watching_goes_on(self):
        files = {f"src/d{i}/f.py": "" for i in range(6)}
        with self.stack(self.web_and_db(), files=files,
                        env={"STACKVISOR_WATCH_MAX_DIRS": "3"}) as st:
            st.started_pid("web")
            self.watching(st, "web")
            lines = [t for t in st.texts() if "directories are watched already" in t]
            self.assertEqual(len(lines), 1, st.dump())
            self.assertIn("STACKVISOR_WATCH_MAX_DIRS", lines[0])
            write(st.path("src/top.py"), "v = 4\n")  # the root is watched first
            self.wait_restarted(st, "web", 1)

    def test_kernel_inotify_limit_is_reported_not_fatal(self):
        # A user namespace has its own inotify limits: 4 watches here, for 8 directories.
        probe = subprocess.run(["unshare", "--user", "--map-root-user", "sh", "-c",
                                "echo 4 > /proc/sys/user/max_inotify_watches"],
                               capture_output=True)
        if probe.returncode != 0:
            self.skipTest("no user namespace with its own inotify limit here")
        files = {f"src/d{i}/f.py": "" for i in range(8)}
        wrapper = ("unshare", "--user", "--map-root-user", "sh", "-c",
                   'echo 4 > /proc/sys/user/max_inotify_watches && exec "$@"', "sh")
        with self.stack(self.web_and_db(), files=files, wrapper=wrapper,
                        env={"STACKVISOR_CONTAINMENT": "process-groups"}) as st:
            st.started_pid("web")
            self.watching(st, "web")
            lines = [t for t in st.texts() if "inotify limit reached" in t]
            self.assertEqual(len(lines), 1, st.dump())
            self.assertIn("fs.inotify.max_user_watches", lines[0])
            self.assertIn("sysctl", lines[0])
            write(st.path("src/top.py"), "v = 5\n")  # the root is watched first
            self.wait_restarted(st, "web", 1)


if __name__ == "__main__":
    h.main()
