"""complex: XCLIENT (Postfix's XCLIENT_README) against a real gumdropd:
every attribute (NAME ADDR PORT PROTO HELO LOGIN DESTADDR DESTPORT) and
the [UNAVAILABLE] / [TEMPUNAVAIL] values change what the "smtp"
service's getters return to later hooks (the smtp-test fixture logs
them at smtp.mail); LOGIN authenticates the session as that user
(relaying is then "not routable", 451, instead of denied; AUTH gets
503), its absence ([UNAVAILABLE]) does not; a new ADDR without NAME
drops the old verified name; HELO= lets the proxy go on with MAIL; the
Received: field describes the proxied client; without XCLIENT the
getters describe the real connection (server address and port)."""
import os

from gdtest import SRCDIR, Daemon, check, finish, free_port
from smtplib_util import (connect, events, fixture_modules, header,
                          last_ids, wait_event)

xc = free_port()
d = Daemon("", modules=fixture_modules())
out = os.path.join(d.tmp, "out")
os.mkdir(out)
with open(d.config, "w") as f:
    f.write(f"""
workers: 1
modules:
  load: [smtp, smtp-test, realm-file, sasl-scram]
realm-file: {{path: {os.path.join(SRCDIR, "configs", "users")}}}
smtp-test: {{dir: {out}}}
smtp:
  hostname: mx.test
  reverse-dns: false
  listeners:
    xclient: {{xclient-networks: [127.0.0.0/8],
              relay-networks: [127.0.0.0/8]}}
listeners:
  - {{name: xclient, address: "127.0.0.1:{xc}", protocol: smtp,
     sasl: {{realm: file, mechanisms: [SCRAM-SHA-256]}}}}
""")
d.start()


def session_event(c, sender):
    """MAIL FROM:<sender>; the fixture's "session" line logged for it."""
    n = len(events(out))
    r = c.cmd("MAIL FROM:<%s>" % sender)
    check(r[0] == 250, "MAIL after XCLIENT: %s" % (r,))
    wait_event(out, "mail from=<%s>" % sender)
    ev = events(out)[n:]
    for i, e in enumerate(ev):
        if e.startswith("mail from=<%s>" % sender) and i > 0:
            return ev[i - 1]
    return ""


def has(ev, want):
    for w in want.split():
        check((" " + w + " ") in (" " + ev + " "), "%s in: %s" % (w, ev))


# ---- without XCLIENT: the real connection ----
c = connect(xc)
c.cmd("EHLO real.example")
ev = session_event(c, "a@example.org")
has(ev, "ip=127.0.0.1 name=- rdns=0 ptr=- xclient=0 relay=1 "
    "helo=real.example esmtp=1 user=- mech=- server=127.0.0.1:%d" % xc)

# ---- every attribute ----
c.cmd("RSET")
r = c.cmd("XCLIENT NAME=client.example ADDR=192.0.2.7 PORT=4242 "
          "PROTO=ESMTP HELO=orig.example LOGIN=proxy+2Buser "
          "DESTADDR=IPV6:2001:db8::25 DESTPORT=587")
check(r[0] == 220, "XCLIENT with every attribute: 220")
# HELO= given: MAIL may follow at once (Postfix).
ev = session_event(c, "b@example.org")
has(ev, "ip=192.0.2.7 port=4242 name=client.example rdns=1 "
    "ptr=client.example xclient=1 relay=0 helo=orig.example esmtp=1 "
    "user=proxy+user mech=XCLIENT server=2001:db8::25:587")
r = c.cmd("RCPT TO:<someone@elsewhere.example>")
check(r[0] == 451, "LOGIN authenticates: 451 not routable, not 550 "
      "denied: %s" % (r,))
r = c.cmd("RCPT TO:<x@test.example>")
check(r[0] == 250, "local recipient")
c.cmd("DATA")
c.send(b"Subject: proxied\r\n\r\nhi\r\n.\r\n")
check(c.reply()[0] == 250, "message through the proxy")
head = header(out, last_ids(out, 1)[0])
check(b"from orig.example (client.example [192.0.2.7])" in head,
      "Received: names the proxied client: %r" % head[:200])
check(b"with ESMTPA" in head, "Received: ESMTPA (authenticated)")
r = c.cmd("AUTH SCRAM-SHA-256")
check(r[0] == 503 and "Already authenticated" in r[1][0],
      "AUTH after XCLIENT LOGIN: 503 already authenticated: %s" % (r,))
kw = [t.split()[0] for t in c.cmd("EHLO proxied.example")[1][1:]]
check("AUTH" not in kw, "no AUTH offered once LOGIN= authenticated")

# ---- a new ADDR without NAME: the old name no longer applies ----
r = c.cmd("XCLIENT ADDR=IPV6:2001:db8::7")
check(r[0] == 220, "XCLIENT ADDR only: 220")
check(c.cmd("MAIL FROM:<c@example.org>")[0] == 503,
      "without HELO=, EHLO again first")
c.cmd("EHLO again.example")
ev = session_event(c, "c@example.org")
has(ev, "ip=2001:db8::7 port=4242 name=- rdns=0 ptr=- xclient=1 "
    "helo=again.example esmtp=1 user=proxy+user mech=XCLIENT "
    "server=2001:db8::25:587")
c.cmd("RSET")

# ---- [UNAVAILABLE] and [TEMPUNAVAIL] ----
r = c.cmd("XCLIENT NAME=[TEMPUNAVAIL] ADDR=[UNAVAILABLE] "
          "PORT=[UNAVAILABLE] LOGIN=[UNAVAILABLE] DESTADDR=[TEMPUNAVAIL] "
          "DESTPORT=[UNAVAILABLE] HELO=h.example PROTO=SMTP")
check(r[0] == 220, "XCLIENT with unavailable values: 220")
ev = session_event(c, "d@example.org")
has(ev, "ip=unknown port=0 name=- rdns=4 ptr=- xclient=1 relay=0 "
    "helo=h.example esmtp=0 user=- mech=- server=unknown:0")
r = c.cmd("RCPT TO:<someone@elsewhere.example>")
check(r[0] == 550, "LOGIN=[UNAVAILABLE]: not authenticated, unknown "
      "address not a relay client: 550: %s" % (r,))
c.cmd("RSET")
kw = [t.split()[0] for t in c.cmd("EHLO h.example")[1][1:]]
check("AUTH" in kw, "AUTH offered again after LOGIN=[UNAVAILABLE]")
c.cmd("RSET")
r = c.cmd("XCLIENT NAME=[UNAVAILABLE] ADDR=127.0.0.9 HELO=[UNAVAILABLE]")
check(r[0] == 220, "XCLIENT NAME=[UNAVAILABLE]: 220")
c.cmd("HELO plain.example")
ev = session_event(c, "e@example.org")
has(ev, "ip=127.0.0.9 port=0 name=- rdns=2 ptr=- relay=1 "
    "helo=plain.example esmtp=0")
c.cmd("QUIT")

check(d.stop() == 0, "daemon exits cleanly")
finish()
