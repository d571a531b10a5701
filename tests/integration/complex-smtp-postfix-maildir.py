#!/usr/bin/env python3
"""complex: Postfix (Debian's, a private instance from postfix.sh) as a
real client relaying into gumdropd, which delivers into Maildirs with
local-delivery: over SMTP, SMTP with STARTTLS that Postfix verifies, LMTP
on TCP and LMTP on a UNIX socket.  For each path the message is found in
each recipient's Maildir, byte for byte after exactly the fields added
on the way (our Return-Path: and Received:, then Postfix's Received:);
Postfix logs each delivery as sent; an unknown local recipient is
refused (550 5.1.1) and Postfix's bounce for it comes back into the
sender's (bob's) Maildir from <>.  Everything on loopback, in temporary
folders, bounded in time."""
import os
import shutil
import stat
import tempfile

from gdtest import check, finish, free_port, make_cert
from postfixpeer import MESSAGE, Postfix
from smtp_maildir import maildir_daemon, stored, trace_split, unfold
from smtplib_util import strip_trace

TIMEOUT = 40
SENDER = "bob@example.test"

mx, mxtls, lmtp = free_port(), free_port(), free_port()
tmp = tempfile.mkdtemp(prefix="gdtest-")
os.chmod(tmp, 0o755)            # Postfix's lmtp(8) runs as postfix
cert, key = make_cert(tmp)
sock = os.path.join(tmp, "lmtp.sock")
d, mail = maildir_daemon(f"""\
  - {{name: mx, address: "127.0.0.1:{mx}", protocol: smtp}}
  - {{name: mxtls, address: "127.0.0.1:{mxtls}", protocol: smtp,
     tls: starttls}}
  - {{name: lmtp, address: "127.0.0.1:{lmtp}", protocol: lmtp}}
  - {{name: lmtp-unix, address: "unix:{sock}", protocol: lmtp}}
""", top_extra=f"""\
tls:
  certificates: [{{cert: {cert}, key: {key}}}]
""", tmpdir=tmp)
os.chmod(sock, stat.S_IMODE(os.stat(sock).st_mode) | 0o666)


def ours(user):
    """USER's messages that are MESSAGE after the trace fields: a list of
    (our Received: unfolded, Postfix's Received: unfolded)."""
    found = []
    for m in stored(mail, user):
        rp, rcv, rest = trace_split(m)
        if rest is None or not rest.startswith(b"Received: "):
            continue
        try:
            inner = strip_trace(rest)
        except (AssertionError, ValueError):
            continue
        if inner == MESSAGE and rp == ("Return-Path: <%s>\r\n"
                                       % SENDER).encode():
            found.append((unfold(rcv), unfold(rest[:len(rest) -
                                                   len(inner)])))
    return found


def bounces(user):
    return [m for m in stored(mail, user)
            if m.startswith(b"Return-Path: <>\r\n")]


def relay(name, nexthop, with_, tls=None):
    before = {u: len(ours(u)) for u in ("demo", "alice")}
    nb = len(bounces("bob"))
    with Postfix(os.path.join(tmp, "pf-" + name), "relay", nexthop,
                 tls=tls, ca=cert if tls else None) as pf:
        refused = pf.submit(SENDER, ["demo@example.test",
                                     "alice@example.test",
                                     "nobody@example.test"], MESSAGE)
        check(refused == {}, "%s: Postfix took the message" % name)
        try:
            done = pf.wait(TIMEOUT)
        except TimeoutError as e:
            check(False, "%s: Postfix's queue emptied: %s" % (name, e))
            return
        log = pf.log()
    st = {x.rcpt: x.status for x in done}
    ok = st.get("demo@example.test") == "sent" and \
        st.get("alice@example.test") == "sent"
    check(ok, "%s: Postfix logged demo and alice sent%s"
          % (name, "" if ok else ": %r" % (done,)))
    check(st.get("nobody@example.test") == "bounced" and
          any("5.1.1" in x.text for x in done
              if x.rcpt == "nobody@example.test"),
          "%s: the unknown user bounced with our 5.1.1" % name)
    if tls:
        check("Verified TLS connection established to 127.0.0.1" in log,
              "%s: Postfix verified gumdrop's certificate" % name)
    for u in ("demo", "alice"):
        got = ours(u)
        check(len(got) == before[u] + 1, "%s: one copy in %s's Maildir, "
              "byte for byte after our Return-Path:/Received: and "
              "Postfix's Received: (%d new)" % (name, u,
                                               len(got) - before[u]))
        if len(got) > before[u]:
            rcv, pfrcv = got[-1]
            # Two recipients share the copy's Received:, so no `for`
            # clause (RFC 5321 4.4 gives one only for one recipient).
            check(b"from postfix.test" in rcv and b" by mx.test " in rcv
                  and (" with %s " % with_).encode() in rcv and
                  b" for <" not in rcv, "%s: our Received: from Postfix's "
                  "HELO, with %s, no `for` (two recipients): %r"
                  % (name, with_, rcv))
            check(b"by postfix.test (Postfix)" in pfrcv,
                  "%s: then Postfix's own Received:" % name)
    new = bounces("bob")[nb:]
    check(len(new) == 1 and b"nobody@example.test" in new[0],
          "%s: Postfix's bounce came back into bob's Maildir from <>"
          % name)


try:
    relay("smtp", "smtp:[127.0.0.1]:%d" % mx, "ESMTP")
    relay("smtp-tls", "smtp:[127.0.0.1]:%d" % mxtls, "ESMTPS", tls="verify")
    relay("lmtp", "lmtp:inet:127.0.0.1:%d" % lmtp, "LMTP")
    relay("lmtp-unix", "lmtp:unix:" + sock, "LMTP")
finally:
    status = d.stop()
    shutil.rmtree(tmp, ignore_errors=True)
check(status == 0, "gumdropd exited cleanly")
finish()
