"""Helpers of the POP3 client tests (complex-pop3-curl.py, -fetchmail.py,
-getmail.py): a POP3 server holding the demo user's maildrop, mail
delivered into it, and real-shaped test messages.

    srv = server(tmp)        # gumdropd: pop3 (STLS), pop3s, smtp
    raw = srv.deliver(make_message("tag-1", 1))   # what RETR must give
    srv.inbox()              # the maildrop now, as bytes, in order
    srv.stop()

server() starts gumdropd with the modules pop3, smtp, local-delivery,
maildir and realm-file: mail is delivered over SMTP (so the stored
message starts with our Return-Path: and Received: fields) and read back
through POP3 on 127.0.0.1 (listener `pop3`, tls: starttls, and `pop3s`,
tls: implicit, both with USER/PASS and PLAIN allowed without TLS).  With
POP3_TEST_PEER=dovecot in the environment the same client checks run
against a private Dovecot POP3 (tests/integration/dovecotpop3.py) whose
Maildir the helper fills directly: that shows the checks themselves hold
against a reference server."""
import mailbox
import os
import smtplib
import time

from gdtest import TIMEOUT, check, finish, free_port, make_cert
from smtp_maildir import maildir_daemon, stored

USER, PASSWORD = "demo", "demo"
SASL = ("sasl: {realm: file, mechanisms: [PLAIN, LOGIN], "
        "plaintext-without-tls: true, failure-delay: 0, "
        "max-auth-failures: 0}")


def make_message(tag, i):
    """A real-shaped message carrying `tag` (CRLF line ends): varied
    sizes, lines starting with '.', a line of a single '.', and every
    third one multipart."""
    body = ["Hello,", "", "this is message %d (%s)." % (i, tag),
            ".a line that starts with a dot",
            "..two dots", ".", "after a lone dot line", ""]
    body += ["line %d of the filler text, %s" % (n, "x" * (n % 50))
             for n in range(i * 7 % 60)]
    head = ["From: Alice Example <alice@example.test>",
            "To: Demo User <demo@localhost>",
            "Subject: test %s" % tag,
            "Date: Mon, 30 Nov 2026 17:%02d:00 +0000" % (i % 60),
            "Message-ID: <%s@client.test>" % tag,
            "MIME-Version: 1.0"]
    if i % 3 == 0:
        head.append('Content-Type: multipart/mixed; boundary="b%d"' % i)
        text = (["--b%d" % i, "Content-Type: text/plain", ""] + body +
                ["--b%d" % i, "Content-Type: application/octet-stream",
                 "Content-Transfer-Encoding: base64", "",
                 "LnN0YXJ0cyB3aXRoIGEgZG90", "--b%d--" % i, ""])
    else:
        head.append("Content-Type: text/plain; charset=utf-8")
        text = body
    return ("\r\n".join(head + [""] + text) + "\r\n").encode()


def require(program):
    """A client the test drives must be installed: fail, not skip."""
    import shutil
    path = shutil.which(program)
    if path is None:
        check(False, "%s is installed (scripts/lib.sh GD_PACKAGES)"
              % program)
        finish()
    return path


class Gumdrop:
    def __init__(self, tmp):
        self.pop3, self.pop3s, self.mx = free_port(), free_port(), \
            free_port()
        os.makedirs(tmp, exist_ok=True)
        self.cafile, key = make_cert(tmp)
        listeners = f"""\
  - {{name: mx, address: "127.0.0.1:{self.mx}", protocol: smtp}}
  - {{name: pop3, address: "127.0.0.1:{self.pop3}", protocol: pop3,
     tls: starttls, {SASL}}}
  - {{name: pop3s, address: "127.0.0.1:{self.pop3s}", protocol: pop3,
     tls: implicit, {SASL}}}"""
        top = f"""tls:
  certificates: [{{cert: {self.cafile}, key: {key}}}]
pop3:
  storage: maildir"""
        self.d, self.mail = maildir_daemon(
            listeners, modules=["sasl-plain", "sasl-login", "pop3"],
            top_extra=top, tmpdir=tmp)

    def deliver(self, raw):
        """Send raw over SMTP; the stored message (what RETR gives)."""
        before = len(self.inbox())
        with smtplib.SMTP("127.0.0.1", self.mx, timeout=TIMEOUT) as s:
            s.sendmail("alice@example.test", ["demo@localhost"], raw)
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            got = [m for m in self.inbox() if m.endswith(raw)]
            if got and len(self.inbox()) > before:
                return got[0]
            time.sleep(0.02)
        raise RuntimeError("message not stored within %ds" % TIMEOUT)

    def inbox(self):
        return stored(self.mail, USER)

    def stop(self):
        status = self.d.stop()
        check(status == 0, "gumdropd exited cleanly (%r)" % status)

    def dump(self):
        return self.d.dump()


class Dovecot:
    """The reference peer (POP3_TEST_PEER=dovecot)."""

    def __init__(self, tmp):
        from dovecotpop3 import DovecotPop3
        os.makedirs(tmp, exist_ok=True)
        self.cafile, key = make_cert(tmp)
        self.mail = os.path.join(tmp, "mail")
        for sub in ("new", "cur", "tmp"):
            os.makedirs(os.path.join(self.mail, sub))
        self.d = DovecotPop3(os.path.join(tmp, "dovecot"), self.mail,
                             USER, PASSWORD, self.cafile, key)
        self.pop3, self.pop3s, self.n = self.d.port, self.d.tls_port, 0

    def deliver(self, raw):
        self.n += 1
        name = "%d.M%dP%d.test" % (int(time.time()), self.n, os.getpid())
        with open(os.path.join(self.mail, "tmp", name), "wb") as f:
            f.write(raw)
        os.rename(os.path.join(self.mail, "tmp", name),
                  os.path.join(self.mail, "new", name))
        return raw

    def inbox(self):
        box = mailbox.Maildir(self.mail, factory=None, create=False)
        return [box.get_bytes(k) for k in sorted(box.keys())]

    def stop(self):
        self.d.stop()

    def dump(self):
        return self.d.logs()


def server(tmp):
    if os.environ.get("POP3_TEST_PEER") == "dovecot":
        return Dovecot(tmp)
    return Gumdrop(tmp)


def lf(data):
    """data with CRLF line ends made LF (what local mail tools store)."""
    return data.replace(b"\r\n", b"\n")
