"""An open-loop HTTP load: N requests per second, each on a fresh connection, whatever the
server's latency (a closed loop would slow down exactly when the server stalls and so hide the
failures being counted). Standard library only; used by bench/socket_restart.sh and by the e2e
test's "no failed request during restart web" step.

    load = HttpLoad("http://127.0.0.1:8080/health", rate=200)
    load.start(); ...; load.stop()
    load.summary() -> {"sent": 4000, "ok": 4000, "failed": 0, "reasons": {}, "p50_ms": .., ...}
"""
import concurrent.futures
import http.client
import threading
import time
import urllib.parse


class HttpLoad:
    def __init__(self, url, rate=200, timeout=10.0, workers=128):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.path = parts.path or "/"
        self.rate, self.timeout = rate, timeout
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers)
        self.results = []  # (start monotonic, latency s, "ok" or the failure's reason)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.thread = None
        self.sent = 0

    def _one(self, started):
        reason = "ok"
        try:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                conn.request("GET", self.path, headers={"Connection": "close"})
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    reason = f"HTTP {resp.status}"
            finally:
                conn.close()
        except Exception as e:  # noqa: BLE001  (refused, reset, timeout: each is a failure)
            reason = type(e).__name__
        with self.lock:
            self.results.append((started, time.monotonic() - started, reason))

    def _schedule(self):
        interval = 1.0 / self.rate
        next_at = time.monotonic()
        while not self.stopping.is_set():
            now = time.monotonic()
            if now < next_at:
                time.sleep(min(next_at - now, 0.01))
                continue
            self.pool.submit(self._one, next_at)
            self.sent += 1
            next_at += interval

    def start(self):
        self.thread = threading.Thread(target=self._schedule, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        """Stops sending and waits for every request sent to finish (or time out)."""
        self.stopping.set()
        self.thread.join()
        self.pool.shutdown(wait=True)

    def summary(self):
        with self.lock:
            results = list(self.results)
        reasons = {}
        for _, _, reason in results:
            if reason != "ok":
                reasons[reason] = reasons.get(reason, 0) + 1
        latencies = sorted(lat for _, lat, reason in results if reason == "ok")

        def pct(p):
            return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 1) \
                if latencies else None
        span = (max(s for s, _, _ in results) - min(s for s, _, _ in results)) if results else 0
        return {"sent": self.sent, "done": len(results), "ok": len(latencies),
                "failed": len(results) - len(latencies), "reasons": reasons,
                "rate": round(len(results) / span, 1) if span else None,
                "p50_ms": pct(0.5), "p99_ms": pct(0.99), "max_ms": pct(1.0)}
