"""The spf module in gumdropd: MAIL FROM checked while the session waits,
DNS answered by a zone file (dns: zone-files, everything else NXDOMAIN),
the policy turning fail into 550 5.7.23 with the domain's explanation,
the null sender checked as postmaster@HELO, and one spf.result log line
per check.  Clients connect from 127.0.0.11 (allowed) and 127.0.0.12
(not allowed).
"""
import email
import mailbox
import os

from gdtest import Daemon, check, finish, free_port
from smtplib_util import connect_from

ZONE = r"""$ORIGIN test.
$TTL 300
example     TXT "v=spf1 ip4:127.0.0.11 -all exp=why.example.test."
why.example TXT "%{i} may not send for %{d}"
soft        TXT "v=spf1 ip4:127.0.0.11 ~all"
helo        TXT "v=spf1 a -all"
helo        A   127.0.0.11
"""

d = Daemon("")
zone = os.path.join(d.tmp, "spf.zone")
with open(zone, "w") as f:
    f.write(ZONE)
mx = free_port()
with open(d.config, "w") as f:
    f.write("""
workers: 1
modules:
  load: [smtp, spf]
dns:
  zone-files: ["%s"]
  local-zones: [". static"]
  timeout: 3s
smtp:
  hostname: mx.test
spf:
  receiver: mx.test
  policy: {fail: reject, temperror: tempfail}
listeners:
  - {name: mx, address: "127.0.0.1:%d", protocol: smtp}
""" % (zone, mx))
d.start()


def session(source):
    c, code = connect_from(source, mx)
    check(code == 220, "greeting from %s" % source)
    code, _ = c.cmd("EHLO helo.test")
    check(code == 250, "EHLO from %s" % source)
    return c


def mail(c, sender):
    code, text = c.cmd("MAIL FROM:<%s>" % sender)
    c.cmd("RSET")
    return code, " ".join(text)


c = session("127.0.0.11")
code, text = mail(c, "a@example.test")
check(code == 250, "pass: MAIL accepted (%d %s)" % (code, text))
code, text = mail(c, "a@nowhere.test")
check(code == 250, "none is accepted (%d)" % code)
code, text = mail(c, "")
check(code == 250, "null sender: postmaster@helo.test passes (%d %s)"
      % (code, text))
c.cmd("QUIT")
c.close()

c = session("127.0.0.12")
code, text = mail(c, "a@example.test")
check(code == 550 and "5.7.23" in text and
      "127.0.0.12 may not send for example.test" in text,
      "fail: 550 5.7.23 with the explanation: %d %s" % (code, text))
code, text = mail(c, "a@soft.test")
check(code == 250, "softfail is accepted by this policy (%d)" % code)
code, text = mail(c, "")
check(code == 550, "null sender from a host helo.test does not list: "
      "%d" % code)
c.cmd("QUIT")
c.close()

check(d.wait_log("spf.result"), "spf.result logged")
check(d.wait_log("result=pass") and d.wait_log("result=fail") and
      d.wait_log("result=softfail") and d.wait_log("result=none"),
      "one spf.result line per check, with its result: %r" %
      [l for l in d.lines if "spf.result" in l])
check(d.stop() == 0, "daemon exits cleanly")

# helo-check: the HELO identity at smtp.helo, through the same policy
with open(d.config) as f:
    text = f.read()
with open(d.config, "w") as f:
    f.write(text.replace("  receiver: mx.test\n",
                         "  receiver: mx.test\n  helo-check: true\n"))
d.lines.clear()		# start() waits for a new daemon.ready line
d.start()
for source, want in (("127.0.0.11", 250), ("127.0.0.12", 550)):
    c, _ = connect_from(source, mx)
    code, text = c.cmd("EHLO helo.test")
    check(code == want, "helo-check from %s: EHLO helo.test gets %d (%d %s)"
          % (source, want, code, " ".join(text)))
    c.cmd("QUIT")
    c.close()
check(d.wait_log("identity=helo result=fail"), "the HELO check is logged")
check(d.stop() == 0, "daemon exits cleanly (helo-check)")

# Delivered: the MAIL FROM result on top of the message as Received-SPF.
mail_dir = os.path.join(d.tmp, "mail")
users = os.path.join(d.tmp, "users")
with open(users, "w") as f:
    f.write("demo:{PLAIN}demo::::::\n")
with open(d.config, "w") as f:
    f.write("""
workers: 1
modules:
  load: [maildir, realm-file, smtp, local-delivery, spf]
dns:
  zone-files: ["%s"]
  local-zones: [". static"]
  timeout: 3s
maildir: {path: "%s/%%u"}
realm-file: {path: "%s", allow-plaintext-secrets: true}
smtp: {hostname: mx.test, reverse-dns: false}
local-delivery: {domains: [localhost], storage: maildir}
spf: {receiver: mx.test, policy: {fail: reject}}
listeners:
  - {name: mx, address: "127.0.0.1:%d", protocol: smtp}
""" % (zone, mail_dir, users, mx))
d.lines.clear()
d.start()
c = session("127.0.0.12")
check(c.cmd("MAIL FROM:<a@soft.test>")[0] == 250, "MAIL (softfail)")
check(c.cmd("RCPT TO:<demo@localhost>")[0] == 250, "RCPT")
check(c.cmd("DATA")[0] == 354, "DATA")
code, _ = c.cmd("Subject: spf\r\n\r\nbody\r\n.")
check(code == 250, "delivered (%d)" % code)
c.cmd("QUIT")
c.close()
box = mailbox.Maildir(os.path.join(mail_dir, "demo"), factory=None)
msgs = [box.get_bytes(k) for k in box.keys()]
check(len(msgs) == 1, "one message delivered")
if msgs:
    head = email.message_from_bytes(msgs[0])
    spf = " ".join((head.get("Received-SPF") or "").split())
    check(spf.startswith("softfail (mx.test: ") and
          "client-ip=127.0.0.12;" in spf and
          "envelope-from=\"a@soft.test\";" in spf and
          "helo=helo.test;" in spf,
          "Received-SPF on the delivered copy: %r" % spf)
    names = [k.lower() for k in head.keys()]
    check(names[:3] == ["return-path", "received-spf", "received"],
          "Received-SPF after Return-Path, above Received: %r" % names[:3])
check(d.stop() == 0, "daemon exits cleanly (delivery)")
finish()
