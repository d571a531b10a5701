"""complex: the smtp module's STARTTLS and AUTH against a real gumdropd
with realm-file and configs/users (demo/demo): EHLO before and after TLS
(STARTTLS, REQUIRETLS, AUTH mechanisms), the session reset after
STARTTLS, plaintext pipelined after STARTTLS dropped, AUTH PLAIN (with
and without initial response), LOGIN, SCRAM-SHA-256 (its success data
as a last 334), "*" cancels (501 5.7.0), bad credentials (535 5.7.8),
PLAIN in cleartext refused (538 5.7.11), the smtp.auth hook, submission
with AUTH required, implicit TLS, XCLIENT only from its networks, and
swaks doing STARTTLS + AUTH and sending a message."""
import base64
import hashlib
import hmac
import os
import shutil
import smtplib
import ssl
import subprocess

from gdtest import SRCDIR, TIMEOUT, Daemon, check, finish, free_port, make_cert
from smtplib_util import (Raw, connect, fixture_modules, header, last_ids,
                          wait_event)

mx, sub, smtps, xc = (free_port() for _ in range(4))
d = Daemon("", modules=fixture_modules())
cert, key = make_cert(d.tmp)
out = os.path.join(d.tmp, "out")
os.mkdir(out)
users = os.path.join(SRCDIR, "configs", "users")
SASL = ("sasl: {realm: file, mechanisms: [SCRAM-SHA-256, PLAIN, LOGIN], "
        "failure-delay: 0, max-auth-failures: 0}")
with open(d.config, "w") as f:
    f.write(f"""
workers: 2
modules:
  load: [smtp, smtp-test, realm-file, sasl-plain, sasl-login, sasl-scram]
realm-file: {{path: {users}}}
smtp-test: {{dir: {out}}}
smtp:
  hostname: mx.test
  listeners:
    xclient: {{xclient-networks: [127.0.0.0/8]}}
tls:
  certificates: [{{cert: {cert}, key: {key}}}]
listeners:
  - {{name: mx, address: "127.0.0.1:{mx}", protocol: smtp, tls: starttls,
     {SASL}}}
  - {{name: submission, address: "127.0.0.1:{sub}", protocol: submission,
     tls: starttls, {SASL}}}
  - {{name: submissions, address: "127.0.0.1:{smtps}",
     protocol: submission, tls: implicit, {SASL}}}
  - {{name: xclient, address: "127.0.0.1:{xc}", protocol: smtp}}
""")
d.start()
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE


def b64(b):
    return base64.b64encode(b).decode()


def keywords(lines):
    return {t.split()[0]: t for t in lines[1:]}


def starttls(c):
    r = c.cmd("STARTTLS")
    c.sock = ctx.wrap_socket(c.sock, server_hostname="localhost")
    c.buf = b""
    return r


# ---- EHLO in cleartext and under TLS ----
c = connect(mx)
kw = keywords(c.cmd("EHLO client.example")[1])
check("STARTTLS" in kw, "cleartext EHLO offers STARTTLS")
check("REQUIRETLS" not in kw, "no REQUIRETLS in cleartext")
check(kw.get("AUTH") == "AUTH SCRAM-SHA-256", "cleartext AUTH: only SCRAM "
      "(plaintext mechanisms need TLS): %s" % kw.get("AUTH"))
r = c.cmd("AUTH PLAIN " + b64(b"\0demo\0demo"))
check(r[0] == 538 and r[1][0].startswith("5.7.11"),
      "PLAIN in cleartext: 538 5.7.11")
c.cmd("MAIL FROM:<s@example.org>")
c.send("STARTTLS\r\n")
check(c.reply()[0] == 503, "STARTTLS in a transaction: 503")
c.cmd("RSET")
c.send("STARTTLS\r\nNOOP\r\n")
r = c.reply()
check(r[0] == 220, "STARTTLS 220")
c.sock = ctx.wrap_socket(c.sock, server_hostname="localhost")
c.buf = b""
check(c.cmd("MAIL FROM:<s@example.org>")[0] == 503,
      "after STARTTLS the session is reset (MAIL needs EHLO); the "
      "pipelined NOOP was dropped")
kw = keywords(c.cmd("EHLO client.example")[1])
check("STARTTLS" not in kw, "no STARTTLS under TLS")
check("REQUIRETLS" in kw, "REQUIRETLS under TLS")
check(kw.get("AUTH") == "AUTH SCRAM-SHA-256 PLAIN LOGIN",
      "AUTH under TLS: %s" % kw.get("AUTH"))
check(c.cmd("STARTTLS")[0] == 503, "STARTTLS twice: 503")

# ---- smtp.auth refusing without a reply: AUTH's own codes ----
for helo, want in (("auth-reject.test", (535, "5.7.8")),
                   ("auth-tempfail.test", (454, "4.7.0"))):
    c2 = connect(mx)
    c2.cmd("EHLO " + helo)
    starttls(c2)
    c2.cmd("EHLO " + helo)
    r = c2.cmd("AUTH PLAIN " + b64(b"\0demo\0demo"))
    check((r[0], r[1][0][:5]) == want,
          "smtp.auth %s without a reply: %d %s, got %r" %
          (helo, want[0], want[1], r))
    check("AUTH" in keywords(c2.cmd("EHLO " + helo)[1]),
          "the refused login is undone: AUTH offered again")
    c2.cmd("QUIT")

# ---- AUTH PLAIN: bad, cancel, good ----
r = c.cmd("AUTH PLAIN " + b64(b"\0demo\0wrong"))
check(r[0] == 535 and r[1][0].startswith("5.7.8"), "bad password: 535 5.7.8")
r = c.cmd("AUTH PLAIN")
check(r[0] == 334, "PLAIN without initial response: 334")
r = c.cmd("*")
check(r[0] == 501 and r[1][0].startswith("5.7.0"), "'*' cancels: 501 5.7.0")
r = c.cmd("AUTH PLAIN")
r = c.cmd("not base64!")
check(r[0] == 501, "a response that is not base64: 501")
r = c.cmd("AUTH NOSUCH")
check(r[0] == 504, "unknown mechanism: 504")
r = c.cmd("AUTH PLAIN " + b64(b"\0demo\0demo"))
check(r[0] == 235 and r[1][0].startswith("2.7.0"), "PLAIN demo/demo: 235")
check(wait_event(out, "auth user=demo mech=PLAIN"), "smtp.auth saw the login")
check(c.cmd("AUTH PLAIN " + b64(b"\0demo\0demo"))[0] == 503,
      "AUTH twice: 503")
kw = keywords(c.cmd("EHLO client.example")[1])
check("AUTH" not in kw, "no AUTH once authenticated")
check(c.cmd("MAIL FROM:<demo@example.org> REQUIRETLS")[0] == 250,
      "REQUIRETLS accepted under TLS")
r = c.cmd("RCPT TO:<someone@elsewhere.example>")
check(r[0] == 451 and r[1][0].startswith("4.3.0"),
      "authenticated, remote recipient, no relay module: 451 4.3.0")
c.cmd("QUIT")

# ---- AUTH LOGIN ----
c = connect(mx)
c.cmd("EHLO x")
starttls(c)
c.cmd("EHLO x")
r = c.cmd("AUTH LOGIN")
check(r[0] == 334, "LOGIN: 334 username")
r = c.cmd(b64(b"demo"))
check(r[0] == 334, "LOGIN: 334 password")
r = c.cmd(b64(b"demo"))
check(r[0] == 235, "LOGIN demo/demo: 235")
c.cmd("QUIT")


# ---- SCRAM-SHA-256 in cleartext (it needs no TLS) ----
def scram(c, user, password):
    cnonce = b64(os.urandom(18))
    first_bare = "n=%s,r=%s" % (user, cnonce)
    r = c.cmd("AUTH SCRAM-SHA-256 " + b64(("n,," + first_bare).encode()))
    if r[0] != 334:
        return r, False
    server_first = base64.b64decode(r[1][0]).decode()
    attrs = dict(a.split("=", 1) for a in server_first.split(","))
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(),
                                 base64.b64decode(attrs["s"]),
                                 int(attrs["i"]))
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored = hashlib.sha256(client_key).digest()
    final_wo = "c=biws,r=" + attrs["r"]
    auth_msg = ",".join([first_bare, server_first, final_wo]).encode()
    sig = hmac.new(stored, auth_msg, "sha256").digest()
    proof = bytes(a ^ b for a, b in zip(client_key, sig))
    r = c.cmd(b64((final_wo + ",p=" + b64(proof)).encode()))
    if r[0] != 334:
        return r, False
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    want = "v=" + b64(hmac.new(server_key, auth_msg, "sha256").digest())
    verified = base64.b64decode(r[1][0]).decode() == want
    return c.cmd(""), verified


c = connect(mx)
c.cmd("EHLO x")
r, verified = scram(c, "demo", "demo")
check(r[0] == 235 and verified, "SCRAM-SHA-256: server signature as a "
      "last 334, then 235")
c.cmd("QUIT")
c = connect(mx)
c.cmd("EHLO x")
r, verified = scram(c, "demo", "wrong")
check(r[0] == 535, "SCRAM with a wrong password: 535")
c.cmd("QUIT")

# ---- submission: AUTH required; implicit TLS ----
s = smtplib.SMTP("127.0.0.1", sub, timeout=TIMEOUT)
s.ehlo("x")
try:
    s.sendmail("demo@example.org", ["u@test.example"], b"Subject: x\r\n\r\n")
    check(False, "submission refuses unauthenticated MAIL")
except smtplib.SMTPSenderRefused as e:
    check(e.smtp_code == 530, "submission without AUTH: 530")
s.starttls(context=ctx)
s.login("demo", "demo")
refused = s.sendmail("demo@example.org", ["sub@test.example"],
                     b"Subject: submitted\r\n\r\nhi\r\n")
check(refused == {}, "submission after STARTTLS + AUTH (smtplib)")
s.quit()
s = smtplib.SMTP_SSL("127.0.0.1", smtps, timeout=TIMEOUT, context=ctx)
s.login("demo", "demo")
refused = s.sendmail("demo@example.org", ["tls@test.example"],
                     b"Subject: implicit\r\n\r\nhi\r\n")
check(refused == {}, "submissions (implicit TLS) with AUTH (smtplib)")
s.quit()
ids = last_ids(out, 1)
head = header(out, ids[0])
check(b"with ESMTPSA (using TLS" in head, "Received: says ESMTPSA: %r" % head[:300])

# ---- swaks: STARTTLS + AUTH ----
swaks = shutil.which("swaks")
check(swaks is not None, "swaks is installed (scripts/lib.sh)")
if swaks:
    body = "Subject: from swaks\r\n\r\nswaks body line\r\n"
    r = subprocess.run([swaks, "--server", "127.0.0.1", "--port", str(sub),
                        "--tls", "--auth", "PLAIN", "--auth-user", "demo",
                        "--auth-password", "demo", "--from",
                        "demo@example.org", "--to", "swaks@test.example",
                        "--data", body, "--timeout", "10"],
                       capture_output=True, text=True, timeout=TIMEOUT)
    check(r.returncode == 0, "swaks STARTTLS + AUTH PLAIN + message: "
          "exit 0\n" + r.stdout[-800:])
    check("235 2.7.0" in r.stdout and "250 2.0.0" in r.stdout,
          "swaks saw 235 and the final 250")
    check(wait_event(out, "header Subject: from swaks"),
          "swaks' message reached the consumer")
    r = subprocess.run([swaks, "--server", "127.0.0.1", "--port", str(mx),
                        "--tls", "--auth", "LOGIN", "--auth-user", "demo",
                        "--auth-password", "bad", "--from", "a@example.org",
                        "--to", "x@test.example", "--timeout", "10"],
                       capture_output=True, text=True, timeout=TIMEOUT)
    check(r.returncode != 0 and "535 5.7.8" in r.stdout,
          "swaks with a bad password: 535 5.7.8")

# ---- XCLIENT ----
c = connect(mx)
kw = keywords(c.cmd("EHLO x")[1])
check("XCLIENT" not in kw, "XCLIENT hidden from unauthorised clients")
r = c.cmd("XCLIENT ADDR=192.0.2.7")
check(r[0] == 550, "XCLIENT from outside xclient-networks: 550")
c.cmd("QUIT")
c = connect(xc)
kw = keywords(c.cmd("EHLO x")[1])
check("XCLIENT" in kw, "XCLIENT advertised to its networks")
r = c.cmd("XCLIENT ADDR=192.0.2.7 NAME=client.example LOGIN=proxyuser")
check(r[0] == 220, "XCLIENT: 220 greeting again")
check(c.cmd("MAIL FROM:<s@example.org>")[0] == 503,
      "XCLIENT without HELO= resets the session (EHLO again)")
c.cmd("EHLO proxied")
c.cmd("MAIL FROM:<s@example.org>")
r = c.cmd("RCPT TO:<someone@elsewhere.example>")
check(r[0] == 451, "XCLIENT LOGIN counts as authenticated (451, not 550)")
c.cmd("RSET")
c.cmd("MAIL FROM:<s@example.org>")
c.cmd("RCPT TO:<x@test.example>")
c.cmd("DATA")
c.send(b"Subject: proxied\r\n\r\nhi\r\n.\r\n")
check(c.reply()[0] == 250, "message through the proxy")
ids = last_ids(out, 1)
head = header(out, ids[0])
check(b"client.example [192.0.2.7]" in head, "Received: names the XCLIENT address")
c.cmd("QUIT")

check(d.stop() == 0, "daemon exits cleanly")
finish()
