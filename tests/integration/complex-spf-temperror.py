"""complex: SPF temperror in gumdropd when DNS does not answer (RFC 7208
section 2.6.6, 4.6.4).  The daemon's only DNS server is dnspeer.py on
loopback: ok.example.org has a record listing 127.0.0.1 (the control:
the peer answers, the check passes); slow.example.org is never answered
and broken.example.org gets SERVFAIL.  With `policy: {temperror:
tempfail}` both give 451 4.7.24 at MAIL FROM and a result=temperror
log line; with the default policy (accept) the message is delivered
with `Received-SPF: temperror`.  The lookup deadline is 1s, so each
check ends in about a second."""
import email
import mailbox
import os
import time

from dnspeer import DnsPeer
from gdtest import Daemon, check, finish, free_port
from smtplib_util import connect_from

peer = DnsPeer({"ok.example.org": [("TXT", "v=spf1 ip4:127.0.0.1 -all")]},
               timeout=["slow.example.org"],
               servfail=["broken.example.org"]).start()
d = Daemon("")
mail_dir = os.path.join(d.tmp, "mail")
users = os.path.join(d.tmp, "users")
with open(users, "w") as f:
    f.write("demo:{PLAIN}demo::::::\n")
mx = free_port()
CONFIG = """
workers: 1
modules:
  load: [maildir, realm-file, smtp, local-delivery, spf]
dns:
  forwarders: ["%s"]
  timeout: 1s
maildir: {path: "%s/%%u"}
realm-file: {path: "%s", allow-plaintext-secrets: true}
smtp: {hostname: mx.test, reverse-dns: false}
local-delivery: {domains: [localhost], storage: maildir}
spf: {receiver: mx.test, timeout: 5s, policy: %s}
listeners:
  - {name: mx, address: "127.0.0.1:%d", protocol: smtp}
"""


def start(policy):
    with open(d.config, "w") as f:
        f.write(CONFIG % (peer.address, mail_dir, users, policy, mx))
    d.lines.clear()		# start() waits for a new daemon.ready line
    d.start()


def mail(sender):
    c, code = connect_from("127.0.0.1", mx)
    check(code == 220, "greeting")
    c.cmd("EHLO client.example.net")
    t0 = time.monotonic()
    code, text = c.cmd("MAIL FROM:<%s>" % sender)
    return c, code, " ".join(text), time.monotonic() - t0


start("{temperror: tempfail}")
c, code, text, _ = mail("a@ok.example.org")
c.cmd("QUIT")
check(code == 250, "the peer answers: pass, MAIL accepted (%d %s)"
      % (code, text))
for name in ("slow", "broken"):
    c, code, text, took = mail("a@%s.example.org" % name)
    c.cmd("QUIT")
    check(code == 451 and text.startswith("4.7.24"),
          "%s.example.org: temperror -> 451 4.7.24 (%d %s)"
          % (name, code, text))
    check(took < 10, "%s: bounded by the DNS deadline (%.1fs)"
          % (name, took))
check(d.wait_log("result=temperror"), "result=temperror logged")
check(d.stop() == 0, "daemon exits cleanly (tempfail)")
check(any(q[0] == "slow.example.org" for q in peer.queries),
      "the silent name was asked of the peer: %r" % peer.queries[:6])

start("{}")
c, code, text, _ = mail("a@slow.example.org")
check(code == 250, "default policy: temperror accepted (%d %s)"
      % (code, text))
check(c.cmd("RCPT TO:<demo@localhost>")[0] == 250, "RCPT")
check(c.cmd("DATA")[0] == 354, "DATA")
code, _ = c.cmd("Subject: temperror\r\n\r\nbody\r\n.")
check(code == 250, "delivered (%d)" % code)
c.cmd("QUIT")
c.close()
check(d.stop() == 0, "daemon exits cleanly (accept)")
peer.stop()
box = mailbox.Maildir(os.path.join(mail_dir, "demo"), factory=None)
msgs = [box.get_bytes(k) for k in box.keys()]
spf = " ".join((email.message_from_bytes(msgs[0]).get("Received-SPF") or
                "").split()) if len(msgs) == 1 else ""
check(spf.startswith("temperror (") and "client-ip=127.0.0.1;" in spf and
      'envelope-from="a@slow.example.org";' in spf,
      "Received-SPF: temperror on the delivered copy: %r" % spf)
finish()
