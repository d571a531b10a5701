"""complex: spf and dmarc together in a real gumdropd, DNS from a zone
file (nothing asked upstream).  A message whose MAIL FROM domain passes
SPF and aligns with its From domain passes DMARC: delivered with one
Authentication-Results field of our authserv-id (spf=pass, dmarc=pass)
on top, the forged field carrying our authserv-id left out (RFC 8601
section 5) and another server's field kept.  The same From domain sent
from a host its SPF record does not list fails SPF, so DMARC (p=reject)
refuses it with 550 5.7.1 at the end of data; a p=quarantine domain's
failing message is filed in the recipient's Junk folder; RFC 8463's
signed message (no SPF record for its domain) passes DMARC through its
two aligned DKIM signatures.
"""
import email
import mailbox
import os

from gdtest import Daemon, check, finish, free_port
from rfc8463 import ED as DKIM_ED, MSG as RFC8463, RSA as DKIM_RSA
from smtplib_util import connect_from

ZONE = r"""$ORIGIN test.
$TTL 300
example          TXT "v=spf1 ip4:127.0.0.21 -all"
_dmarc.example   TXT "v=DMARC1; p=reject; aspf=r"
quar             TXT "v=spf1 ip4:127.0.0.21 -all"
_dmarc.quar      TXT "v=DMARC1; p=quarantine"
$ORIGIN football.example.com.
_dmarc             TXT "v=DMARC1; p=reject"
brisbane._domainkey TXT "%s"
test._domainkey     TXT "%s"
""" % (DKIM_ED, DKIM_RSA)

d = Daemon("")
zone = os.path.join(d.tmp, "auth.zone")
with open(zone, "w") as f:
    f.write(ZONE)
mail_dir = os.path.join(d.tmp, "mail")
users = os.path.join(d.tmp, "users")
with open(users, "w") as f:
    f.write("demo:{PLAIN}demo::::::\n")
mx = free_port()
with open(d.config, "w") as f:
    f.write("""
workers: 1
modules:
  load: [maildir, realm-file, smtp, local-delivery, spf, dkim, dmarc]
hooks:
  "smtp.data": [dkim, local-delivery]
  "smtp.data-end": [dkim, dmarc, local-delivery]
dns:
  zone-files: ["%s"]
  local-zones: [". static"]
  timeout: 3s
maildir: {path: "%s/%%u"}
realm-file: {path: "%s", allow-plaintext-secrets: true}
smtp: {hostname: mx.test, reverse-dns: false}
local-delivery: {domains: [localhost], storage: maildir}
spf: {receiver: mx.test}
dmarc: {authserv-id: mx.test, policy: enforce}
listeners:
  - {name: mx, address: "127.0.0.1:%d", protocol: smtp}
""" % (zone, mail_dir, users, mx))
d.start()

MESSAGE = ("Authentication-Results: mx.test; dmarc=pass header.from=x\r\n"
           "Authentication-Results: other.example; spf=none\r\n"
           "From: Alice <alice@%s>\r\n"
           "To: demo@localhost\r\nSubject: aligned\r\n\r\nbody\r\n.")


def send(source, domain="example.test", text=None):
    c, _ = connect_from(source, mx)
    c.cmd("EHLO client.test")
    check(c.cmd("MAIL FROM:<bounce@%s>" % domain)[0] == 250, "MAIL")
    check(c.cmd("RCPT TO:<demo@localhost>")[0] == 250, "RCPT")
    check(c.cmd("DATA")[0] == 354, "DATA")
    code, text = c.cmd(text + "." if text else MESSAGE % domain)
    c.cmd("QUIT")
    c.close()
    return code, " ".join(text)


code, text = send("127.0.0.21")
check(code == 250, "SPF pass, aligned: delivered (%d %s)" % (code, text))
code, text = send("127.0.0.22")
check(code == 550 and "5.7.1" in text,
      "SPF fail, p=reject: 550 5.7.1 (%d %s)" % (code, text))
code, text = send("127.0.0.22", "quar.test")
check(code == 250, "SPF fail, p=quarantine: accepted (%d %s)" % (code, text))
code, text = send("127.0.0.22", "football.example.com", RFC8463)
check(code == 250, "no SPF record, DKIM pass aligned: delivered (%d %s)"
      % (code, text))
box = mailbox.Maildir(os.path.join(mail_dir, "demo"), factory=None)
signed = [email.message_from_bytes(box.get_bytes(k)) for k in box.keys()
          if b"We lost the game" in box.get_bytes(k)]
ar = " ".join((signed[0].get("Authentication-Results") or "").split()) \
    if signed else ""
check(ar.startswith("mx.test;") and "spf=none" in ar and
      ar.count("dkim=pass") == 2 and "header.d=football.example.com" in ar
      and "dmarc=pass" in ar, "RFC 8463 message: dkim=pass twice, "
      "dmarc=pass through DKIM: %r" % ar)
junk = [box.get_folder("Junk").get_bytes(k) for k in
        box.get_folder("Junk").keys()] if "Junk" in box.list_folders() \
    else []
check(len(junk) == 1 and b"alice@quar.test" in junk[0] and
      b"dmarc=fail" in junk[0], "quarantined into Junk: %d" % len(junk))
msgs = [box.get_bytes(k) for k in box.keys()]
msgs = [m for m in msgs if b"We lost the game" not in m]
check(len(msgs) == 1, "one message delivered, the refused one not")
if msgs:
    head = email.message_from_bytes(msgs[0])
    ars = [" ".join(v.split()) for v in head.get_all(
        "Authentication-Results") or []]
    ours = [v for v in ars if v.startswith("mx.test;")]
    check(len(ours) == 1 and "spf=pass" in ours[0] and
          "smtp.mailfrom=example.test" in ours[0] and
          "dmarc=pass" in ours[0] and "header.from=example.test" in
          ours[0], "one field of ours, spf and dmarc pass: %r" % ars)
    check("other.example; spf=none" in ars,
          "another server's field kept: %r" % ars)
    check(not any("header.from=x" in v for v in ars),
          "the forged field with our authserv-id left out: %r" % ars)
    names = [k.lower() for k in head.keys()]
    check(names[:4] == ["return-path", "received-spf",
                        "authentication-results", "received"],
          "fields on top in order: %r" % names[:4])
check(d.wait_log("event=dmarc.result") , "dmarc.result logged")
check(d.stop() == 0, "daemon exits cleanly")
finish()
