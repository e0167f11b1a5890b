"""Report the process's inherited state as KEY=VALUE lines, then exit 0.

Reports what python itself does not change at start-up: open fds above 2, fd 0/1/2 targets,
session/pgrp, cwd, selected env vars, and whether /dev/stdout can be opened.
"""
import os

fds = []
for name in os.listdir("/proc/self/fd"):
    fd = int(name)
    if fd <= 2:
        continue
    try:
        os.fstat(fd)  # the listdir fd itself is closed by now
    except OSError:
        continue
    try:
        target = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        target = "?"
    fds.append(f"{fd}->{target}")
print("EXTRA_FDS=" + (",".join(fds) if fds else "none"))
for fd in (0, 1, 2):
    print(f"FD{fd}={os.readlink(f'/proc/self/fd/{fd}')}")
pid = os.getpid()
print(f"PID={pid}")
print(f"SID={os.getsid(0)}")
print(f"PGRP={os.getpgrp()}")
print(f"CWD={os.getcwd()}")
print(f"UID={os.getuid()}")
print(f"GID={os.getgid()}")
print("GROUPS=" + ",".join(str(g) for g in sorted(os.getgroups())))
for key in ("NOTIFY_SOCKET", "SV_A", "SV_B", "SV_C", "SV_D", "SV_PROC_ONLY"):
    print(f"ENV_{key}={os.environ.get(key, '<unset>')}")
try:
    with open("/dev/stdout", "w") as f:
        f.write("DEV_STDOUT=ok\n")
except OSError as e:
    print(f"DEV_STDOUT=error {e.errno}")
