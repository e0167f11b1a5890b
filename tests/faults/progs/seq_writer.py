"""Write TOTAL lines `NAME SEQ PAYLOAD` to stdout in batches of 50 lines per write(), and after
each batch record the last SEQ written into PROGRESS (so a test can tell how far the writer got
while stackvisor's stdout is stalled). Then print `NAME done` and sleep.

usage: seq_writer.py NAME PROGRESS TOTAL
"""
import os
import sys
import time

name, progress, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
fd = os.open(progress, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
out = sys.stdout.buffer
pad = b"p" * 60
i = 0
while i < total:
    end = min(total, i + 50)
    out.write(b"".join(b"%s %d %s\n" % (name.encode(), j, pad) for j in range(i, end)))
    out.flush()
    os.pwrite(fd, b"%012d" % (end - 1), 0)
    i = end
out.write(b"%s done\n" % name.encode())
out.flush()
while True:
    time.sleep(3600)
