"""complex: the dkim module in a real gumdropd.  Keys come from the
resolver's local data (RFC 8463 Appendix A's records, nothing asked
upstream).  Over SMTP: the RFC 8463 message gets pass for both of its
signatures (ed25519 and rsa), a copy with a changed body gets fail for
both, and one whose selector has no key record gets permerror; the
message is delivered unchanged in every case (dkim only observes)."""
import json
import os
import smtplib

from gdtest import Daemon, check, finish, free_port
from rfc8463 import ED, MSG, RSA
from smtplib_util import fixture_modules, wait_event

mx = free_port()
d = Daemon("", modules=fixture_modules())
out = os.path.join(d.tmp, "out")
os.mkdir(out)
local = ['brisbane._domainkey.football.example.com. TXT "%s"' % ED,
         'test._domainkey.football.example.com. TXT "%s"' % RSA]
with open(d.config, "w") as f:
    f.write(f"""
workers: 1
modules:
  load: [smtp, smtp-test, dkim]
dns:
  local-zones: ["example.com. static"]
  local-data: {json.dumps(local)}
hooks:
  "smtp.data": [dkim, smtp-test]
  "smtp.data-end": [dkim, smtp-test]
smtp-test:
  dir: {out}
smtp:
  hostname: mx.test
listeners:
  - {{name: mx, address: "127.0.0.1:{mx}", protocol: smtp}}
dkim:
  verify: {{max-signatures: 4}}
""")
d.start()


def send(msg):
    start = d.log_count()
    with smtplib.SMTP("127.0.0.1", mx, timeout=20) as s:
        s.sendmail("joe@football.example.com", ["suzie@test.example"],
                   msg.encode())
    return start


def results(start, n):
    check(d.wait_log("event=dkim.verify", start=start), "dkim logged")
    for _ in range(50):
        lines = [l for l in d.lines[start:] if "event=dkim.verify" in l]
        if len(lines) >= n:
            return lines
        d.wait_log("event=dkim.verify", timeout=0.1, start=start)
    return lines


start = send(MSG)
lines = results(start, 2)
check(len(lines) == 2, "two signatures reported: %r" % lines)
check(all("result=pass" in l for l in lines), "both pass: %r" % lines)
check(any("a=ed25519-sha256" in l for l in lines) and
      any("a=rsa-sha256" in l for l in lines), "both algorithms")

start = send(MSG.replace("hungry", "thirsty"))
lines = results(start, 2)
check(len(lines) == 2 and all("result=fail" in l and
      "body hash mismatch" in l for l in lines), "tampered: %r" % lines)

start = send(MSG.replace("s=brisbane", "s=nokey"))
lines = results(start, 2)
check(any("result=permerror" in l and "s=nokey" in l for l in lines) and
      any("result=pass" in l for l in lines), "missing key: %r" % lines)
check(wait_event(out, "data-end"), "message delivered")

check(d.stop() == 0, "clean exit")
finish()
