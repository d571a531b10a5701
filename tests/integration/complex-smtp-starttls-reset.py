"""complex: RFC 3207 4.2 — after STARTTLS the smtp module forgets what it
learnt from the client in cleartext, the login included: a client that
authenticated before the handshake (a listener allowing plaintext
logins) is anonymous after it (MAIL on submission gets 530 5.7.0, EHLO
offers AUTH again), while one that authenticates under TLS sends as
usual."""
import base64
import os
import ssl

from gdtest import SRCDIR, Daemon, check, finish, free_port, make_cert
from smtplib_util import connect

sub = free_port()
d = Daemon("")
cert, key = make_cert(d.tmp)
users = os.path.join(SRCDIR, "configs", "users")
with open(d.config, "w") as f:
    f.write(f"""
modules: {{load: [smtp, realm-file, sasl-plain]}}
realm-file: {{path: {users}}}
smtp: {{hostname: mx.test, reverse-dns: false}}
tls:
  certificates: [{{cert: {cert}, key: {key}}}]
listeners:
  - {{name: submission, address: "127.0.0.1:{sub}", protocol: submission,
     tls: starttls, sasl: {{realm: file, mechanisms: [PLAIN],
     plaintext-without-tls: true, failure-delay: 0}}}}
""")
d.start()
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
PLAIN = "AUTH PLAIN " + base64.b64encode(b"\0demo\0demo").decode()


def tls(c):
    r = c.cmd("STARTTLS")
    c.sock = ctx.wrap_socket(c.sock, server_hostname="localhost")
    c.buf = b""
    return r


try:
    c = connect(sub)
    c.cmd("EHLO client.test")
    r = c.cmd(PLAIN)
    check(r[0] == 235, "AUTH PLAIN in cleartext (allowed here): %r" % (r,))
    check(tls(c)[0] == 220, "STARTTLS: 220")
    kw = [t.split()[0] for t in c.cmd("EHLO client.test")[1][1:]]
    check("AUTH" in kw, "after TLS, EHLO offers AUTH again: %r" % kw)
    r = c.cmd("MAIL FROM:<demo@example.test>")
    check(r[0] == 530 and r[1][0].startswith("5.7.0"),
          "the cleartext login is gone: MAIL gets 530 5.7.0 (%r)" % (r,))
    r = c.cmd(PLAIN)
    check(r[0] == 235, "AUTH under TLS: 235 (%r)" % (r,))
    r = c.cmd("MAIL FROM:<demo@example.test>")
    check(r[0] == 250, "then MAIL: 250 (%r)" % (r,))
    c.cmd("QUIT")
finally:
    status = d.stop()
check(status == 0, "gumdropd exited cleanly (%s)" % status)
finish()
