"""Write COUNT lines `NAME SEQ PAYLOAD` (SEQ 0-based, payload length varies with SEQ) to stdout.

usage: line_writer.py NAME COUNT
"""
import sys

name, count = sys.argv[1], int(sys.argv[2])


def payload(i):
    # deterministic, varying length 1..97, so torn or spliced lines cannot look valid
    return (name * 40)[: 1 + (i * 7919) % 97]


out = sys.stdout
buf = []
for i in range(count):
    buf.append(f"{name} {i} {payload(i)}\n")
    if len(buf) >= 1000:
        out.write("".join(buf))
        buf = []
out.write("".join(buf))
out.flush()
