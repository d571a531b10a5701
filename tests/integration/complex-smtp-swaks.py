"""complex: swaks against a real gumdropd delivering into Maildirs
(local-delivery, maildir, realm-file): every AUTH mechanism the SASL
modules offer that swaks speaks (PLAIN, LOGIN, CRAM-MD5, DIGEST-MD5),
each after STARTTLS on the submission listener, PLAIN on implicit TLS;
every extension swaks can drive: PIPELINING (--pipeline), SIZE, 8BITMIME,
SMTPUTF8, DSN (RET ENVID NOTIFY ORCPT), REQUIRETLS (accepted under TLS,
530 5.7.10 in clear), MT-PRIORITY, FUTURERELEASE (HOLDFOR, HOLDUNTIL),
DELIVERBY (BY=), AUTH=, LIMITS (RCPTMAX: 452 4.5.3 for the third
recipient), XCLIENT with every attribute, LMTP on a UNIX socket; each
message found in the Maildir byte for byte after Return-Path: and
Received:, whose `with` says ESMTP, ESMTPS, ESMTPSA or LMTP.

swaks 20201014 has no option for MAIL/RCPT parameters: they are given in
the address argument (`--from 'a@b> SIZE=10 ENVID=x'` is sent as
`MAIL FROM:<a@b> SIZE=10 ENVID=x>`), the last parameter being one whose
value may end with '>' (ENVID's xtext, ORCPT's xtext)."""
import os
import shutil
import subprocess
import tempfile
import time

from gdtest import TIMEOUT, check, finish, free_port, make_cert
from smtp_maildir import (delivered, maildir_daemon, trace_split, unfold)

SWAKS = shutil.which("swaks")
if SWAKS is None:
    check(False, "swaks is installed (scripts/lib.sh GD_PACKAGES)")
    finish()
r = subprocess.run([SWAKS, "--support"], capture_output=True, text=True,
                   timeout=TIMEOUT)
for need in ("AUTH CRAM-MD5 supported", "AUTH DIGEST-MD5 supported",
             "TLS supported"):
    check(need in r.stdout + r.stderr, "swaks: %s (libauthen-sasl-perl, "
          "libnet-ssleay-perl in GD_PACKAGES)" % need)

mx, sub, smtps, lim, xc = (free_port() for _ in range(5))
tmp = tempfile.mkdtemp(prefix="gdtest-")
cert, key = make_cert(tmp)
sock = os.path.join(tmp, "lmtp.sock")
MECHS = "[SCRAM-SHA-256, PLAIN, LOGIN, CRAM-MD5, DIGEST-MD5]"
# No lockout: the test makes a wrong-password attempt per mechanism.
SASL = ("sasl: {realm: file, mechanisms: %s, failure-delay: 0, "
        "max-auth-failures: 0, hostname: localhost}" % MECHS)
d, mail = maildir_daemon(f"""\
  - {{name: mx, address: "127.0.0.1:{mx}", protocol: smtp, tls: starttls,
     {SASL}}}
  - {{name: submission, address: "127.0.0.1:{sub}", protocol: submission,
     tls: starttls, {SASL}}}
  - {{name: submissions, address: "127.0.0.1:{smtps}", protocol: submission,
     tls: implicit, {SASL}}}
  - {{name: limited, address: "127.0.0.1:{lim}", protocol: smtp}}
  - {{name: xclient, address: "127.0.0.1:{xc}", protocol: smtp}}
  - {{name: lmtp, address: "unix:{sock}", protocol: lmtp}}
""", smtp_extra="""\
  max-message-size: 1M
  listeners:
    limited: {max-recipients: 2, max-transactions: 3}
    xclient: {xclient-networks: [127.0.0.0/8]}
""", modules=["sasl-plain", "sasl-login", "sasl-cram-md5",
              "sasl-digest-md5", "sasl-scram"], top_extra=f"""\
tls:
  certificates: [{{cert: {cert}, key: {key}}}]
""", tmpdir=tmp)


def message(tag):
    """A message with what a client must not alter: leading dots, blank
    and space-only lines, trailing spaces, a folded header, 8-bit text."""
    return ("From: Sender <sender@example.org>\r\nTo: demo@example.test\r\n"
            "Subject: " + tag + "\r\nX-Folded: one\r\n\ttwo\r\n"
            "Message-ID: <" + tag + "@example.org>\r\n\r\n"
            "Hello " + tag + ".\r\n.\r\n..two dots\r\n.lead\r\n\r\n   \r\n"
            "trailing   \r\ncaf\u00e9 \u20ac\r\nlast line\r\n").encode()


def swaks(port, tag, *args, to="demo@example.test",
          sender="sender@example.org", data=True):
    """Run swaks; returns (exit status, transcript, the message sent)."""
    msg = message(tag)
    argv = [SWAKS, "--from", sender, "--to", to, "--timeout", "10",
            "--helo", "swaks.example"]
    if port:
        argv += ["--server", "127.0.0.1", "--port", str(port)]
    if data:
        path = os.path.join(tmp, tag + ".eml")
        with open(path, "wb") as f:
            f.write(msg[:-2])    # swaks ends the last line itself
        argv += ["--data", "@" + path]
    r = subprocess.run(argv + list(args), capture_output=True,
                       timeout=TIMEOUT)
    return r.returncode, r.stdout.decode("utf-8", "replace"), msg


def tail(ok, out, n=1500):
    """The end of a transcript, for a failed check's message only."""
    return "" if ok else "\n" + out[-n:]


def stored_ok(user, tag, msg, sender, with_):
    got = delivered(mail, user, "Subject: " + tag + "\r\n")
    if len(got) != 1:
        return "%d copies" % len(got)
    rp, rcv, rest = trace_split(got[0])
    if rp != ("Return-Path: <%s>\r\n" % sender).encode():
        return "Return-Path %r" % rp
    if (" with %s " % with_).encode() not in unfold(rcv):
        return "Received %r" % rcv
    if rest != msg:
        return "content differs: %r" % rest[:200]
    return "ok"


# ---- each AUTH mechanism after STARTTLS, on submission and on mx ----
# DIGEST-MD5's digest-uri is "smtp/HOST" on both: RFC 4954 4 names the
# SASL service "smtp" for SMTP, submission included.
for port, mech, user in ((sub, "PLAIN", "demo"), (sub, "LOGIN", "alice"),
                         (sub, "CRAM-MD5", "bob"),
                         (sub, "DIGEST-MD5", "alice"),
                         (mx, "DIGEST-MD5", "bob")):
    tag = "auth-%s-%d" % (mech.lower(), port)
    extra = ["--auth-extra", "dmd5-serv-type=smtp,dmd5-host=localhost"] \
        if mech == "DIGEST-MD5" else []
    rc, out, msg = swaks(port, tag, "--tls", "--tls-sni", "localhost",
                         "--auth", mech, "--auth-user", user,
                         "--auth-password", user, *extra,
                         sender=user + "@example.org")
    check(rc == 0 and "235 2.7.0" in out, "swaks STARTTLS + AUTH %s as %s "
          "on %s: 235, exit %d%s" % (mech, user, "submission" if port == sub
                                      else "mx", rc, tail(rc == 0, out)))
    check(("AUTH %s" % mech) in out, "swaks used %s" % mech)
    res = stored_ok("demo", tag, msg, user + "@example.org", "ESMTPSA")
    check(res == "ok", "AUTH %s: in demo's Maildir byte for byte, with "
          "ESMTPSA: %s" % (mech, res))
    rc, out, _ = swaks(port, tag + "-bad", "--tls", "--auth", mech,
                       "--auth-user", user, "--auth-password", "wrong",
                       *extra, data=False)
    check(rc != 0 and "535 5.7.8" in out, "AUTH %s with a wrong password: "
          "535 5.7.8 (exit %d)" % (mech, rc))
rc, out, _ = swaks(sub, "noauth", "--tls")
check(rc != 0 and "530 5.7.0" in out, "submission without AUTH: 530 5.7.0")
rc, out, _ = swaks(mx, "plain-clear", "--auth", "PLAIN", "--auth-user",
                   "demo", "--auth-password", "demo", data=False)
check(rc != 0 and "PLAIN" not in out.split("AUTH", 1)[-1].split("\n")[0],
      "PLAIN is not offered in cleartext (swaks cannot use it): exit %d"
      % rc)
rc, out, msg = swaks(smtps, "implicit", "--tls-on-connect", "--auth",
                     "PLAIN", "--auth-user", "demo", "--auth-password",
                     "demo", sender="demo@example.org")
check(rc == 0, "swaks implicit TLS + AUTH PLAIN: exit %d" % rc)
res = stored_ok("demo", "implicit", msg, "demo@example.org", "ESMTPSA")
check(res == "ok", "implicit TLS: byte for byte: %s" % res)

# ---- extensions ----
rc, out, msg = swaks(mx, "pipelined", "--pipeline",
                     to="demo@example.test,alice@example.test,"
                     "nobody@example.test")
check("PIPELINING" in out and rc in (0, 24),
      "swaks --pipeline with a refused recipient: exit %d" % rc)
check("<** 550 5.1.1" in out, "the unknown recipient: 550 5.1.1")
lines = out.splitlines()
sent_rcpt = [i for i, l in enumerate(lines) if l.startswith(" -> RCPT TO:")]
mail_ok = [i for i, l in enumerate(lines) if "250 2.1.0" in l]
check(len(sent_rcpt) == 3 and mail_ok and max(sent_rcpt) < mail_ok[0],
      "swaks really pipelined: the three RCPTs went before MAIL's reply")
check(stored_ok("demo", "pipelined", msg, "sender@example.org", "ESMTP")
      == "ok" and stored_ok("alice", "pipelined", msg, "sender@example.org",
                            "ESMTP") == "ok",
      "pipelined: demo's and alice's copies byte for byte")
big = len(message("params"))
rc, out, msg = swaks(mx, "params", "--tls",
                     sender="sender@example.org> SIZE=%d BODY=8BITMIME "
                     "RET=HDRS MT-PRIORITY=2 BY=3600;N AUTH=<> "
                     "ENVID=swaks-1" % big,
                     to="demo@example.test> NOTIFY=SUCCESS "
                     "ORCPT=rfc822;demo+40example.test")
check(rc == 0, "SIZE BODY=8BITMIME RET MT-PRIORITY BY AUTH= ENVID and "
      "NOTIFY ORCPT under STARTTLS: exit %d%s"
      % (rc, tail(rc == 0, out)))
check(stored_ok("demo", "params", msg, "sender@example.org", "ESMTPS")
      == "ok", "with every parameter: byte for byte, with ESMTPS")
SOON = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
for params in ("HOLDFOR=30 ENVID=h1", "HOLDUNTIL=%s ENVID=h2" % SOON,
               "REQUIRETLS ENVID=rt", "SMTPUTF8 ENVID=u8"):
    tag = "p-" + params.split("=")[0].split()[0].lower()
    rc, out, msg = swaks(mx, tag, "--tls",
                         sender="sender@example.org> " + params)
    check(rc == 0, "MAIL %s under TLS: exit %d%s"
          % (params, rc, tail(rc == 0, out)))
    # RFC 6531 3.7.3: with the SMTPUTF8 parameter the protocol is
    # UTF8SMTPS (under TLS).
    res = stored_ok("demo", tag, msg, "sender@example.org",
                    "UTF8SMTPS" if "SMTPUTF8" in params else "ESMTPS")
    check(res == "ok", "%s: delivered byte for byte: %s" % (params, res))
rc, out, _ = swaks(mx, "rt-clear", data=False,
                   sender="sender@example.org> REQUIRETLS ENVID=x")
check(rc != 0 and "530 5.7.10" in out, "REQUIRETLS in clear: 530 5.7.10")
rc, out, msg = swaks(mx, "utf8", "--tls",
                     sender="\u7528\u6237@\u4f8b\u3048.jp> SMTPUTF8 "
                     "ENVID=u")
check(rc == 0, "SMTPUTF8 with a UTF-8 sender: exit %d" % rc)
# The domain as sent (U-labels) or as its A-label (RFC 5890: the same).
res = stored_ok("demo", "utf8", msg, "\u7528\u6237@\u4f8b\u3048.jp",
                "UTF8SMTPS")
if res.startswith("Return-Path"):
    res = stored_ok("demo", "utf8", msg, "\u7528\u6237@xn--r8jz45g.jp",
                    "UTF8SMTPS")
check(res == "ok", "UTF-8 Return-Path, with UTF8SMTPS, byte for byte: "
      "%s" % res)
rc, out, _ = swaks(mx, "utf8-no", data=False,
                   sender="\u7528\u6237@\u4f8b\u3048.jp")
check(rc != 0 and "553 5.6.7" in out, "UTF-8 sender without SMTPUTF8: "
      "553 5.6.7")
rc, out, _ = swaks(mx, "size-big", data=False,
                   sender="sender@example.org> SIZE=2000000 ENVID=x")
check(rc != 0 and "552 5.3.4" in out, "SIZE over the limit: 552 5.3.4")
check("250-SIZE 1048576" in out and "250-8BITMIME" in out and
      "250-SMTPUTF8" in out and "250-DSN" in out and
      "250-CHUNKING" in out and "250-BINARYMIME" in out and
      "250-MT-PRIORITY" in out and "250-FUTURERELEASE" in out and
      "250-DELIVERBY" in out and "250-ENHANCEDSTATUSCODES" in out and
      "250-STARTTLS" in out, "swaks saw every extension in EHLO")
rc, out, msg = swaks(lim, "limits", to="demo@example.test,"
                     "alice@example.test,bob@example.test")
check("LIMITS RCPTMAX=2 MAILMAX=3" in out, "LIMITS advertised")
check("<** 452 4.5.3" in out, "the third recipient: 452 4.5.3")
check(stored_ok("demo", "limits", msg, "sender@example.org", "ESMTP")
      == "ok" and stored_ok("alice", "limits", msg, "sender@example.org",
                            "ESMTP") == "ok" and
      not delivered(mail, "bob", "Subject: limits"),
      "the first two recipients got it byte for byte, bob did not")

# ---- XCLIENT, every attribute ----
rc, out, msg = swaks(xc, "xclient", "--xclient-name", "client.example",
                     "--xclient-addr", "192.0.2.7", "--xclient-port", "4242",
                     "--xclient-proto", "ESMTP", "--xclient-helo",
                     "orig.example", "--xclient-login", "proxied",
                     "--xclient-destaddr", "198.51.100.1",
                     "--xclient-destport", "25")
check(rc == 0 and "220 " in out.split("XCLIENT", 1)[-1],
      "swaks XCLIENT with every attribute: exit %d%s"
      % (rc, tail(rc == 0, out)))
got = delivered(mail, "demo", "Subject: xclient\r\n")
rcv = unfold(trace_split(got[0])[1]) if len(got) == 1 else b""
check(b"client.example [192.0.2.7]" in rcv and trace_split(got[0])[2]
      == msg if got else False, "XCLIENT: Received: names the proxied "
      "client, content byte for byte: %r" % rcv)
rc, out, _ = swaks(mx, "xclient-no", "--xclient-addr", "192.0.2.8",
                   data=False)
check(rc != 0, "XCLIENT not offered outside xclient-networks: swaks fails")

# ---- LMTP over a UNIX socket ----
rc, out, msg = swaks(0, "lmtp", "--protocol", "LMTP", "--socket", sock,
                     to="demo@example.test,bob@example.test")
check(rc == 0 and out.count("<-  250 ") >= 4, "swaks LMTP with two "
      "recipients: per-recipient 250s (exit %d)%s"
      % (rc, tail(rc == 0, out)))
check(stored_ok("demo", "lmtp", msg, "sender@example.org", "LMTP") == "ok"
      and stored_ok("bob", "lmtp", msg, "sender@example.org", "LMTP")
      == "ok", "LMTP: both copies byte for byte, with LMTP")

check(d.stop() == 0, "daemon exits cleanly")
shutil.rmtree(tmp, ignore_errors=True)
finish()
