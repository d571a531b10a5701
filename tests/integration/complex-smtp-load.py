"""complex: load from Postfix's smtp-source against a real gumdropd
delivering into Maildirs: 20 concurrent SMTP sessions sending 4000
messages (200 each, several per connection), then 5 LMTP sessions
sending 500.  Every message is counted in the Maildir, each stored once
(distinct queue ids), each byte for byte after Return-Path: and
Received: (the SMTP run sends a fixed file with -F; the LMTP run
smtp-source's own text, the same body in each).  The daemon still
answers and exits cleanly afterwards.  Time bounded; the rates are
printed for the record, not asserted."""
import os
import re
import shutil
import subprocess
import time

from gdtest import check, finish, free_port
from smtp_maildir import count, maildir_daemon, stored, trace_split, unfold
from smtplib_util import connect

SOURCE = shutil.which("smtp-source") or "/usr/sbin/smtp-source"
if not os.access(SOURCE, os.X_OK):
    check(False, "smtp-source is installed (postfix, scripts/lib.sh)")
    finish()

SESSIONS, MESSAGES = 20, 4000
mx, lmtp = free_port(), free_port()
d, mail = maildir_daemon(f"""\
  - {{name: mx, address: "127.0.0.1:{mx}", protocol: smtp}}
  - {{name: lmtp, address: "127.0.0.1:{lmtp}", protocol: lmtp}}
""")

# smtp-source -F: the file's lines, each sent with CRLF, leading dots
# doubled (so the server must unstuff them), then one empty line of its
# own before the final dot (seen on the wire with a capturing server).
lines = ["From: Load <load@example.org>", "To: demo@example.test",
         "Subject: load test", "", "a body line"] + \
        [".dotted line %d" % i for i in range(3)] + ["x" * 998, "", "end"]
path = os.path.join(d.tmp, "load.eml")
with open(path, "w") as f:
    f.write("\n".join(lines) + "\n")
want = "".join(l + "\r\n" for l in lines).encode() + b"\r\n"


def source(port, n, sessions, rcpt, *extra):
    t0 = time.monotonic()
    r = subprocess.run([SOURCE, "-s", str(sessions), "-m", str(n), "-d",
                        "-f", "load@example.org", "-t", rcpt, "-M",
                        "source.example"] + list(extra) +
                       ["127.0.0.1:%d" % port], capture_output=True,
                       text=True, timeout=240)
    return r, time.monotonic() - t0


def ids_and_rest(user):
    """Queue ids from Received:, and the set of contents after it."""
    ids, rests, bad = set(), {}, 0
    for m in stored(mail, user):
        rp, rcv, rest = trace_split(m)
        q = re.search(rb" id ([^ ;]+)", unfold(rcv))
        if rp != b"Return-Path: <load@example.org>\r\n" or q is None:
            bad += 1
            continue
        ids.add(q.group(1))
        rests[rest] = rests.get(rest, 0) + 1
    return ids, rests, bad


r, secs = source(mx, MESSAGES, SESSIONS, "demo@example.test", "-F", path)
check(r.returncode == 0, "smtp-source, %d sessions, %d messages: exit %d %s"
      % (SESSIONS, MESSAGES, r.returncode, r.stderr.strip()[-300:]))
print("# SMTP: %d messages in %.1f s: %.0f msg/s" % (MESSAGES, secs,
                                                    MESSAGES / secs))
check(count(mail, "demo") == MESSAGES, "%d files in demo's Maildir (%d)"
      % (MESSAGES, count(mail, "demo")))
ids, rests, bad = ids_and_rest("demo")
check(bad == 0 and len(ids) == MESSAGES, "each with Return-Path and a "
      "distinct queue id (%d distinct, %d malformed)" % (len(ids), bad))
check(list(rests) == [want], "every one byte for byte the file sent, "
      "dots unstuffed (%d distinct contents)" % len(rests))

n = 500
r, secs = source(lmtp, n, 5, "alice@example.test", "-L", "-l", "2048")
check(r.returncode == 0, "smtp-source -L, 5 sessions, %d messages: exit %d"
      " %s" % (n, r.returncode, r.stderr.strip()[-300:]))
print("# LMTP: %d messages in %.1f s: %.0f msg/s" % (n, secs, n / secs))
check(count(mail, "alice") == n, "%d files in alice's Maildir (%d)"
      % (n, count(mail, "alice")))
ids, rests, bad = ids_and_rest("alice")
bodies = {rest.split(b"\r\n\r\n", 1)[-1] for rest in rests}
check(bad == 0 and len(ids) == n, "LMTP: each with a distinct queue id")
check(len(bodies) == 1 and len(next(iter(bodies))) >= 2048,
      "LMTP: every body the same %d bytes" % len(next(iter(bodies), b"")))
heads = [rest.split(b"\r\n\r\n", 1)[0] for rest in rests]
check(all(h.startswith(b"From: <load@example.org>\r\nTo: "
                       b"<alice@example.test>\r\n") for h in heads),
      "LMTP: smtp-source's header fields kept")
rcv = unfold(trace_split(stored(mail, "alice")[0])[1])
check(b" with LMTP id " in rcv, "LMTP: Received: with LMTP (%r)" % rcv)

c = connect(mx)
check(c.cmd("EHLO x")[0] == 250 and c.cmd("NOOP")[0] == 250,
      "the daemon still answers after the load")
c.cmd("QUIT")
check(d.stop() == 0, "daemon exits cleanly")
finish()
