"""Record the first catchable signal received into FILE (its name) and exit 0.

usage: sig_recorder.py FILE
"""
import os
import signal
import sys
import time

path = sys.argv[1]


def handler(signum, frame):
    name = signal.Signals(signum).name
    with open(path + ".tmp", "w") as f:
        f.write(name)
    os.rename(path + ".tmp", path)
    print(f"got {name}", flush=True)
    sys.exit(0)


for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1,
          signal.SIGUSR2):
    signal.signal(s, handler)
print("recording signals", flush=True)
while True:
    time.sleep(3600)
