#!/usr/bin/env python3
"""complex: Postfix as a real client relaying into gumdropd's smtp module
(issue 7), over SMTP, SMTP with STARTTLS that Postfix verifies, LMTP on
TCP and LMTP on a UNIX socket.  A private Postfix (postfix.sh, role
relay) takes a message over SMTP and hands it to gumdropd, whose
smtp-test fixture stores the content: it must arrive byte for byte after
the two Received: fields (gumdrop's, then Postfix's), with Postfix's
envelope, and Postfix must log the delivery as sent.  A recipient refused
at RCPT is bounced by Postfix (its bounce comes back to us from <>); on
LMTP one recipient refused at the end of the data is bounced while the
other is delivered (RFC 2033 per-recipient replies).  Everything on
loopback, in temporary folders, bounded in time."""
import os
import shutil
import stat

from gdtest import Daemon, check, finish, free_port, make_cert
from postfixpeer import MESSAGE, Postfix
from smtplib_util import events, fixture_modules, strip_trace

TIMEOUT = 30
SENDER = "alice@test.example"

mx, mxtls, lmtp = free_port(), free_port(), free_port()
d = Daemon("", modules=fixture_modules())
os.chmod(d.tmp, 0o755)          # Postfix's lmtp(8) runs as postfix
out = os.path.join(d.tmp, "out")
os.mkdir(out)
sock = os.path.join(d.tmp, "lmtp.sock")
cert, key = make_cert(d.tmp)
with open(d.config, "w") as f:
    f.write(f"""
workers: 2
modules:
  load: [smtp, smtp-test]
smtp-test:
  dir: {out}
smtp:
  hostname: mx.test
  reverse-dns: false
tls:
  certificates: [{{cert: {cert}, key: {key}}}]
listeners:
  - {{name: mx, address: "127.0.0.1:{mx}", protocol: smtp}}
  - {{name: mxtls, address: "127.0.0.1:{mxtls}", protocol: smtp,
     tls: starttls}}
  - {{name: lmtp, address: "127.0.0.1:{lmtp}", protocol: lmtp}}
  - {{name: lmtp-unix, address: "unix:{sock}", protocol: lmtp}}
""")


def stored():
    """{transaction id: content} of what the fixture kept so far."""
    got = {}
    for name in os.listdir(out):
        if name.startswith("msg-") and name.endswith(".eml"):
            with open(os.path.join(out, name), "rb") as f:
                got[name[4:-4]] = f.read()
    return got


def status_of(deliveries, rcpt):
    return [x.status for x in deliveries if x.rcpt == rcpt]


def relay(name, nexthop, rcpts, tls=None):
    """Submit MESSAGE to a fresh Postfix relaying to nexthop; returns its
    delivery lines, the new messages gumdropd stored, and its log."""
    before = set(stored())
    with Postfix(os.path.join(d.tmp, "pf-" + name), "relay", nexthop,
                 tls=tls, ca=cert if tls else None) as pf:
        refused = pf.submit(SENDER, rcpts, MESSAGE)
        check(refused == {}, "%s: Postfix took the message" % name)
        done = pf.wait(TIMEOUT)
        new = {k: v for k, v in stored().items() if k not in before}
        return done, new, pf.log()


def original(content):
    """The message without gumdrop's and Postfix's Received: fields."""
    try:
        inner = strip_trace(content)
        return strip_trace(inner), inner
    except (AssertionError, ValueError):
        return None, None


def same_message(name, new, bounced=None):
    """Exactly one stored message is ours, byte for byte after gumdrop's
    and Postfix's Received: fields; the others are Postfix's bounces
    (they quote our message), about `bounced` when given."""
    ours = [v for v in new.values() if original(v)[0] == MESSAGE]
    check(len(ours) == 1, "%s: the message stored once, byte for byte "
          "after both Received: fields (%d stored)" % (name, len(new)))
    if ours:
        inner = original(ours[0])[1]
        trace = ours[0][:len(ours[0]) - len(inner)]
        check(b"from postfix.test" in trace and b"by mx.test" in trace,
              "%s: gumdrop's Received: names Postfix's HELO: %r"
              % (name, trace))
        check(b"by postfix.test (Postfix)" in inner.split(b"\r\n\r\n")[0],
              "%s: then Postfix's own Received:" % name)
    others = [v for v in new.values() if original(v)[0] != MESSAGE]
    if bounced is None:
        check(not others, "%s: nothing else stored" % name)
    else:
        check(len(others) == 1 and bounced.encode() in others[0],
              "%s: Postfix's bounce about %s came back to us"
              % (name, bounced))


def main():
    d.start()
    os.chmod(sock, stat.S_IMODE(os.stat(sock).st_mode) | 0o666)
    try:
        done, new, _ = relay("smtp", "smtp:[127.0.0.1]:%d" % mx,
                             ["bob@test.example"])
        check(status_of(done, "bob@test.example") == ["sent"],
              "smtp: Postfix logged it sent: %r" % done)
        same_message("smtp", new)
        ev = events(out)
        check("helo postfix.test" in ev, "smtp: the fixture saw EHLO")
        check(any(e.startswith("mail from=<%s>" % SENDER) and "body=2" in e
                  for e in ev), "smtp: MAIL with BODY=8BITMIME")

        done, new, log = relay("smtp-tls", "smtp:[127.0.0.1]:%d" % mxtls,
                               ["bob@test.example"], tls="verify")
        check(status_of(done, "bob@test.example") == ["sent"],
              "smtp-tls: sent: %r" % done)
        check("Verified TLS connection established to 127.0.0.1" in log,
              "smtp-tls: Postfix verified gumdrop's certificate")
        same_message("smtp-tls", new)

        done, new, _ = relay("refused", "smtp:[127.0.0.1]:%d" % mx,
                             ["bob@test.example", "reject-me@test.example"])
        check(status_of(done, "bob@test.example") == ["sent"],
              "refused: bob sent")
        check(status_of(done, "reject-me@test.example") == ["bounced"],
              "refused: 550 at RCPT, bounced: %r" % done)
        check(status_of(done, SENDER) == ["sent"],
              "refused: Postfix's bounce to the sender delivered")
        same_message("refused", new, bounced="reject-me@test.example")

        for name, hop in (("lmtp", "lmtp:inet:127.0.0.1:%d" % lmtp),
                          ("lmtp-unix", "lmtp:unix:" + sock)):
            done, new, _ = relay(name, hop, ["bob@test.example",
                                             "lmtpfail@test.example"])
            check(status_of(done, "bob@test.example") == ["sent"],
                  "%s: bob sent: %r" % (name, done))
            check(status_of(done, "lmtpfail@test.example") == ["bounced"],
                  "%s: the recipient refused after the data bounced"
                  % name)
            check(any("552 5.2.2" in x.text for x in done
                      if x.rcpt == "lmtpfail@test.example"),
                  "%s: with our per-recipient 552 5.2.2" % name)
            same_message(name, new, bounced="lmtpfail@test.example")
    finally:
        status = d.stop()
    check(status == 0, "gumdropd exited cleanly")


try:
    main()
finally:
    shutil.rmtree(d.tmp, ignore_errors=True)
finish()
