"""Create orphans by double fork, then keep running (or exit).

usage: double_forker.py COUNT LIFETIME_SEC [--exit] [--pidfile PATH] [--setsid]
Each orphan sleeps LIFETIME_SEC then exits 0 (LIFETIME_SEC < 0: sleeps forever).
"""
import os
import sys
import time

count, lifetime = int(sys.argv[1]), float(sys.argv[2])
rest = sys.argv[3:]
exit_after = "--exit" in rest
setsid = "--setsid" in rest
pidfile = rest[rest.index("--pidfile") + 1] if "--pidfile" in rest else None

pids = []
for i in range(count):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        if setsid:
            os.setsid()
        gpid = os.fork()
        if gpid == 0:
            os.close(w)
            if lifetime < 0:
                while True:
                    time.sleep(3600)
            time.sleep(lifetime)
            os._exit(0)
        os.write(w, f"{gpid}\n".encode())
        os._exit(0)
    os.close(w)
    data = b""
    while True:
        chunk = os.read(r, 64)
        if not chunk:
            break
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    pids.append(int(data))

if pidfile:
    with open(pidfile + ".tmp", "w") as f:
        f.write("\n".join(str(p) for p in pids) + "\n")
    os.rename(pidfile + ".tmp", pidfile)
print(f"forked {count} orphans", flush=True)
if exit_after:
    sys.exit(0)
while True:
    time.sleep(3600)
