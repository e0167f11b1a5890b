"""Line-integrity check of a throughput run's output (see writer.c for the line format).

Every line of the output is classified:
  intact      exactly the expected 99-byte payload, under the prefix of the writer that wrote it
              (no prefix for raw/supervisord), in sequence for that writer
  torn        anything else that is not a known tool message: a fragment, two lines spliced,
              a line with a wrong length, a mangled prefix
  misattributed  an intact payload under another writer's prefix
  reordered   an intact payload that comes after a later line of its writer (duplicate or late);
              lines skipped by a gap are counted as lost
  tool        the supervisor's own messages (stackvisor's "stackvisor | ..." events, foreman's
              "started with pid", "system | ...")
and lost = lines written (writers x lines) - distinct (writer, sequence) payloads seen intact.
"""
import re

PAYLOAD_RE = re.compile(rb"w(\d+) (\d{8}) ([a-z]+) (\d{8})")
FOREMAN_RE = re.compile(rb"\d\d:\d\d:\d\d (\S+?)(?:\.\d+)?\s+\| ?(.*)")
FOREMAN_MSG_RE = re.compile(rb"(started with pid \d+|exited with code \d+|terminated by SIG\w+|"
                            rb"sending SIG\w+ to all processes)")
ANSI_RE = re.compile(rb"\x1b\[[0-9;]*m")
FILL = 78


def payload(wid, seq):
    head = b"w%d %08d " % (wid, seq)
    return head + bytes([ord("a") + wid % 26]) * (FILL - (len(head) - 12)) + b" %08d" % seq


def check(path, style, writers, lines):
    """style: 'prefixed' (stackvisor), 'plain' (raw, supervisord) or 'foreman'."""
    nxt = [payload(w, 0) for w in range(writers)]
    seq = [0] * writers
    seen = [bytearray(lines) for _ in range(writers)]
    counts = {"total": 0, "intact": 0, "torn": 0, "misattributed": 0, "reordered": 0, "tool": 0}
    total = torn = mis = reord = tool = 0
    with open(path, "rb") as f:
        data = f.read()
    parts = data.split(b"\n")
    if parts and parts[-1] == b"":
        parts.pop()
    for line in parts:
        total += 1
        if style == "prefixed":
            i = line.find(b" | ")
            if i < 0:
                torn += 1
                continue
            name = line[:i].rstrip()
            body = line[i + 3:]
            if name == b"stackvisor":
                tool += 1
                continue
            if len(name) < 2 or name[0] != 119 or not name[1:].isdigit():
                torn += 1
                continue
            wid = int(name[1:])
        elif style == "foreman":
            if b"\x1b" in line:
                line = ANSI_RE.sub(b"", line)
            m = FOREMAN_RE.fullmatch(line)
            if not m:
                torn += 1
                continue
            name, body = m.group(1), m.group(2)
            if name == b"system" or FOREMAN_MSG_RE.fullmatch(body):
                tool += 1
                continue
            if len(name) < 2 or name[0] != 119 or not name[1:].isdigit():
                torn += 1
                continue
            wid = int(name[1:])
        else:
            body = line
            if len(body) != 99 or body[0] != 119 or not 48 <= body[1] < 58:
                torn += 1
                continue
            wid = body[1] - 48
        if wid < writers and body == nxt[wid]:
            s = seq[wid]
            seen[wid][s] = 1
            s += 1
            seq[wid] = s
            nxt[wid] = payload(wid, s) if s < lines else None
            continue
        # Slow path: is it some intact line, just not the expected one?
        m = PAYLOAD_RE.fullmatch(body)
        if not m or m.group(2) != m.group(4):
            torn += 1
            continue
        pw, ps = int(m.group(1)), int(m.group(2))
        if pw >= writers or ps >= lines or body != payload(pw, ps):
            torn += 1
            continue
        if style != "plain" and pw != wid:
            mis += 1
            continue
        if ps < seq[pw]:  # a duplicate, or a line that comes after its successors
            reord += 1
            continue
        # A gap (the missing lines are counted as lost): resynchronise after it.
        seen[pw][ps] = 1
        seq[pw] = ps + 1
        nxt[pw] = payload(pw, ps + 1) if ps + 1 < lines else None
    intact = sum(sum(s) for s in seen)
    counts.update(total=total, intact=intact, torn=torn, misattributed=mis, reordered=reord,
                  tool=tool, lost=writers * lines - intact)
    counts["bad"] = counts["torn"] + counts["misattributed"] + counts["reordered"]
    return counts


if __name__ == "__main__":
    import sys
    print(check(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
