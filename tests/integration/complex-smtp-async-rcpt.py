"""complex: docs/smtp.md's worked example, tests/modules/smtp-async-rcpt.c,
in a real gumdropd with smtp, local-delivery, maildir and realm-file.
It pends at smtp.rcpt and reads its deny-list in the blocking pool after
`delay`.  Proves: a listed recipient gets the typed reason's reply (550
5.7.1) only after the delay, and an allowed one reaches local-delivery
(250, delivered into the Maildir, an unknown user still 550 5.1.1); the
worker loop is not blocked meanwhile (another session on the same single
worker answers at once); pipelined RCPTs get their replies in order;
clients that vanish while a lookup is pending (FIN or RST) do not crash
the daemon and the next session works; QUIT pipelined behind a pending
RCPT gets 221 after the RCPT's reply; the file is read at each lookup
(an edit applies at once, a missing file gives 451 4.3.0); the `reason`
key (greylisted: 451 4.7.1); `deny-file` is required; and docs/smtp.md
shows the module's code as it is."""
import mailbox
import os
import smtplib
import socket
import struct
import time

from gdtest import SRCDIR, TIMEOUT, Daemon, check, finish, free_port, \
    module_dir_with_fixtures
from smtplib_util import connect

DELAY = 0.4
USERS = "demo:{PLAIN}demo::::::\nalice:{PLAIN}alice::::::\n" \
        "bob:{PLAIN}bob::::::\n"
DENIED = "# refused recipients\nalice@example.test\n@blocked.test\n"


def start(module_keys, mods):
    port = free_port()
    d = Daemon("", modules=mods)
    with open(os.path.join(d.tmp, "users"), "w") as f:
        f.write(USERS)
    deny = os.path.join(d.tmp, "denied")
    with open(deny, "w") as f:
        f.write(DENIED)
    keys = module_keys.replace("DENY", deny)
    with open(d.config, "w") as f:
        f.write(f"""
workers: 1
blocking-threads: 2
modules:
  load: [maildir, realm-file, smtp, local-delivery, smtp-async-rcpt]
hooks:
  smtp.rcpt: [smtp-async-rcpt, local-delivery]
maildir: {{path: {d.tmp}/mail/%u}}
realm-file: {{path: {d.tmp}/users}}
smtp: {{hostname: mx.test, reverse-dns: false}}
local-delivery: {{domains: [example.test]}}
smtp-async-rcpt: {keys}
listeners:
  - {{name: mx, address: "127.0.0.1:{port}", protocol: smtp}}
""")
    return d, port, deny


def inbox(d, user):
    path = os.path.join(d.tmp, "mail", user)
    if not os.path.isdir(os.path.join(path, "new")):
        return []
    box = mailbox.Maildir(path, factory=None, create=False)
    return [box.get_bytes(k) for k in box.keys()]


def has(d, user, tag):
    return any(("Subject: " + tag).encode() in m for m in inbox(d, user))


def msg(tag):
    return ("From: s@example.org\r\nSubject: %s\r\n\r\nhello\r\n" % tag)


def timed(fn):
    t0 = time.monotonic()
    r = fn()
    return r, time.monotonic() - t0


def ehlo_mail(port):
    c = connect(port)
    c.cmd("EHLO client.test")
    c.cmd("MAIL FROM:<s@example.org>")
    return c


# ---- the doc's listing is the real code ----
with open(os.path.join(SRCDIR, "tests", "modules", "smtp-async-rcpt.c")) as f:
    code = f.read()
with open(os.path.join(SRCDIR, "docs", "smtp.md")) as f:
    doc = f.read()
at = doc.find("```c\n/*\n * smtp-async-rcpt.so")
listing = doc[at + 5:doc.find("```\n", at + 5)] if at >= 0 else ""
check(listing == code, "docs/smtp.md shows tests/modules/smtp-async-rcpt.c "
      "exactly (%d of %d bytes)" % (len(listing), len(code)))

mods = module_dir_with_fixtures("smtp-async-rcpt")
d, port, deny = start("{deny-file: DENY, delay: %dms}" % (DELAY * 1000),
                      mods)
d.start()
try:
    # ---- smtplib: refused after the delay, allowed ones delivered ----
    s = smtplib.SMTP("127.0.0.1", port, timeout=TIMEOUT)
    s.ehlo("client.test")
    s.mail("s@example.org")
    (code, text), t = timed(lambda: s.rcpt("alice@example.test"))
    check(code == 550 and text == b"5.7.1 Rejected by policy",
          "a listed recipient: the typed reason's 550 5.7.1 (%d %s)"
          % (code, text))
    check(t >= DELAY * 0.9, "... only after the delay (%.3f s)" % t)
    (code, text), t = timed(lambda: s.rcpt("x@blocked.test"))
    check(code == 550 and b"Rejected by policy" in text,
          "an \"@domain\" line refuses the domain (%d %s)" % (code, text))
    (code, text), t = timed(lambda: s.rcpt("demo@example.test"))
    check(code == 250 and text.startswith(b"2.1.5"),
          "an allowed recipient goes on to local-delivery: %d %s"
          % (code, text))
    check(t >= DELAY * 0.9, "... after the delay too (%.3f s)" % t)
    code, text = s.rcpt("nobody@example.test")
    check(code == 550 and text.startswith(b"5.1.1"),
          "an allowed unknown user: local-delivery's 550 5.1.1")
    code, _ = s.data(msg("first"))
    check(code == 250, "DATA for the accepted recipient: 250")
    s.quit()
    check(has(d, "demo", "first"), "the message is in demo's Maildir")
    check(inbox(d, "alice") == [], "alice (refused) got nothing")

    # ---- the loop is free while a lookup pends (workers: 1) ----
    a = ehlo_mail(port)
    a.send("RCPT TO:<alice@example.test>\r\n")
    t0 = time.monotonic()
    b = connect(port)
    nb = b.cmd("NOOP")
    tb = time.monotonic() - t0
    ra = a.reply()
    ta = time.monotonic() - t0
    check(nb[0] == 250 and tb < DELAY / 2,
          "another session on the same worker: greeting and NOOP in "
          "%.3f s while the lookup pends" % tb)
    check(ra[0] == 550 and ta >= DELAY * 0.9,
          "the pending RCPT answers later (%.3f s)" % ta)
    b.cmd("QUIT")
    a.cmd("QUIT")

    # ---- pipelined RCPTs: replies in order ----
    c = ehlo_mail(port)
    t0 = time.monotonic()
    c.send("RCPT TO:<demo@example.test>\r\nRCPT TO:<alice@example.test>\r\n"
           "RCPT TO:<bob@example.test>\r\nRCPT TO:<nobody@example.test>\r\n"
           "DATA\r\n")
    got = c.replies(5)
    t = time.monotonic() - t0
    want = [(250, "2.1.5"), (550, "5.7.1"), (250, "2.1.5"), (550, "5.1.1"),
            (354, "")]
    check([(r[0], r[1][0][:5] if r[0] != 354 else "") for r in got] == want,
          "pipelined: 250 550 250 550 354 in order: %r" % got)
    check(t >= 4 * DELAY * 0.9,
          "the four lookups ran one after the other (%.3f s)" % t)
    c.send(msg("piped") + ".\r\n")
    check(c.reply()[0] == 250, "the pipelined transaction is delivered")
    c.cmd("QUIT")
    check(has(d, "demo", "piped") and has(d, "bob", "piped"),
          "demo and bob have it")

    # ---- QUIT behind a pending RCPT ----
    c = ehlo_mail(port)
    (r1, r2), t = timed(lambda: (c.send("RCPT TO:<alice@example.test>\r\n"
                                        "QUIT\r\n"), c.replies(2))[1])
    check(r1[0] == 550 and r2[0] == 221 and t >= DELAY * 0.9,
          "QUIT pipelined behind a pending RCPT: 550 then 221 (%.3f s)" % t)
    check(c.closed(), "then the server closes the connection")

    # ---- clients that vanish while the lookup pends ----
    for i in range(6):
        c = ehlo_mail(port)
        c.send("RCPT TO:<%s@example.test>\r\n"
               % ("alice" if i % 2 else "demo"))
        if i % 3 == 0:      # RST instead of FIN
            c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                              struct.pack("ii", 1, 0))
        c.close()
    time.sleep(DELAY * 2)
    check(d.proc.poll() is None,
          "six clients gone during their lookups: the daemon runs")
    s = smtplib.SMTP("127.0.0.1", port, timeout=TIMEOUT)
    refused = s.sendmail("s@example.org", ["demo@example.test"],
                         msg("after"))
    s.quit()
    check(refused == {} and has(d, "demo", "after"),
          "the next session delivers normally")

    # ---- the file is read at each lookup ----
    with open(deny, "a") as f:
        f.write("bob@example.test\n")
    c = ehlo_mail(port)
    r = c.cmd("RCPT TO:<bob@example.test>")
    check(r[0] == 550, "a line added to the file applies at once (%r)" % (r,))
    os.unlink(deny)
    r = c.cmd("RCPT TO:<demo@example.test>")
    check(r[0] == 451 and r[1][0].startswith("4.3.0"),
          "an unreadable file: 451 4.3.0 (%r)" % (r,))
    c.cmd("QUIT")
finally:
    status = d.stop()
check(status == 0, "gumdropd exited cleanly (%s)" % status)

# ---- the reason key; deny-file required ----
d, port, deny = start("{deny-file: DENY, reason: greylisted}", mods)
d.start()
try:
    c = ehlo_mail(port)
    r = c.cmd("RCPT TO:<alice@example.test>")
    check(r[0] == 451 and r[1][0].startswith("4.7.1"),
          "reason: greylisted gives 451 4.7.1 (%r)" % (r,))
    c.cmd("QUIT")
finally:
    check(d.stop() == 0, "gumdropd exited cleanly")
d, port, deny = start("{delay: 1s}", mods)
try:
    d.start()
    check(False, "gumdropd started without deny-file")
except RuntimeError:
    check("the key `deny-file` is required" in d.dump(),
          "without deny-file start-up fails, naming the key")
finish()
