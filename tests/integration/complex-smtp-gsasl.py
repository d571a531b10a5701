"""complex: GNU SASL's client (`gsasl --smtp`, Debian's gsasl) against a
real gumdropd's submission listener: EHLO, STARTTLS (gsasl verifies our
certificate), EHLO again, AUTH SCRAM-SHA-256-PLUS with channel binding
(RFC 5802, RFC 7677): tls-exporter (RFC 9266) over TLS 1.3 and
tls-unique (RFC 5929) over TLS 1.2; the server proves itself (gsasl
checks the v= signature and exits 0 only then); a wrong password is
refused (535 5.7.8); SCRAM-SHA-256-PLUS is not offered before STARTTLS;
and after the login gsasl's application-data mode carries a whole
transaction, whose message is found in the Maildir byte for byte after
Return-Path: and Received: (with ESMTPSA).  Every read of gsasl's output
is bounded in time."""
import array
import base64
import fcntl
import os
import select
import shutil
import subprocess
import tempfile
import termios
import time

from gdtest import TIMEOUT, check, finish, free_port, make_cert
from smtp_maildir import delivered, maildir_daemon, trace_split, unfold
from smtplib_util import connect

GSASL = shutil.which("gsasl")
if GSASL is None:
    check(False, "gsasl is installed (scripts/lib.sh GD_PACKAGES)")
    finish()

sub, locked = free_port(), free_port()
tmp = tempfile.mkdtemp(prefix="gdtest-")
cert, key = make_cert(tmp)
d, mail = maildir_daemon(f"""\
  - name: submission
    address: "127.0.0.1:{sub}"
    protocol: submission
    tls: starttls
    sasl:
      realm: file
      mechanisms: [SCRAM-SHA-256-PLUS, SCRAM-SHA-256, PLAIN]
      failure-delay: 0
  - name: locked
    address: "127.0.0.1:{locked}"
    protocol: submission
    tls: starttls
    sasl:
      realm: file
      mechanisms: [SCRAM-SHA-256-PLUS]
      failure-delay: 0
      max-auth-failures: 2
      auth-lockout-time: 10m
""", modules=["sasl-scram", "sasl-plain"], top_extra=f"""\
tls:
  certificates: [{{cert: {cert}, key: {key}}}]
""", tmpdir=tmp)


class Gsasl:
    """`gsasl --smtp --connect` as a child; its stdout read line by line,
    every read bounded (None: nothing more within the time)."""

    def __init__(self, password, priority=None, port=None):
        argv = ["stdbuf", "-oL", GSASL, "--smtp", "--connect",
                "127.0.0.1:%d" % (port or sub),
                "--mechanism", "SCRAM-SHA-256-PLUS",
                "--authentication-id", "demo", "--password", password,
                "--x509-ca-file", cert, "--hostname", "localhost",
                "--verbose"]
        if priority:
            argv += ["--priority", priority]
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)
        self.buf = b""
        self.seen = []

    def line(self, timeout=TIMEOUT):
        end = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.p.stdout], [], [],
                                              left)[0]:
                return None
            data = os.read(self.p.stdout.fileno(), 4096)
            if not data:
                return None
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        line = line.rstrip(b"\r").decode("utf-8", "replace")
        self.seen.append(line)
        return line

    def until(self, prefix, timeout=TIMEOUT):
        """Read lines until one starts with `prefix`; that line or None."""
        end = time.monotonic() + timeout
        while True:
            line = self.line(max(0.0, end - time.monotonic()))
            if line is None or line.startswith(prefix):
                return line

    def send(self, data):
        """Write `data` one line at a time, each once gsasl has read the
        one before: it polls its input and reads one line per wake-up
        through stdio, so lines written together would wait in its
        buffer unseen.  False when gsasl has gone or stops reading."""
        for line in data.splitlines(keepends=True):
            try:
                self.p.stdin.write(line)
                self.p.stdin.flush()
            except BrokenPipeError:
                return False
            end = time.monotonic() + TIMEOUT
            while self.unread() > 0:
                if time.monotonic() > end or self.p.poll() is not None:
                    return False
                time.sleep(0.005)
            time.sleep(0.005)
        return True

    def unread(self):
        """Bytes of the pipe gsasl has not read yet."""
        n = array.array("i", [0])
        fcntl.ioctl(self.p.stdin.fileno(), termios.FIONREAD, n)
        return n[0]

    def finish(self):
        """Close its input, wait (bounded); (exit status, stderr)."""
        try:
            self.p.stdin.close()
        except BrokenPipeError:
            pass
        try:
            status = self.p.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.p.kill()
            status = self.p.wait(TIMEOUT)
        return status, self.p.stderr.read().decode("utf-8", "replace")


def message(tag):
    return ("From: demo@example.org\r\nTo: demo@example.test\r\nSubject: " +
            tag + "\r\nMessage-ID: <" + tag + "@example.org>\r\n\r\n"
            "Sent after SCRAM-SHA-256-PLUS.\r\n..dot line\r\n\r\n"
            "caf\u00e9\r\n").encode()


def session(name, priority, binding):
    g = Gsasl("demo", priority)
    r = g.until("235 ")
    check(r is not None and r.startswith("235 2.7.0"),
          "%s: AUTH SCRAM-SHA-256-PLUS: 235 2.7.0 (%r)"
          % (name, g.seen[-4:]))
    before = "\n".join(g.seen)
    clear, tls = before.split("\nSTARTTLS\n", 1) \
        if "\nSTARTTLS\n" in before else (before, "")
    check("\n250-AUTH SCRAM-SHA-256\n" in clear, "%s: before STARTTLS "
          "only SCRAM-SHA-256 (no -PLUS without a channel)" % name)
    check("250-AUTH SCRAM-SHA-256-PLUS SCRAM-SHA-256 PLAIN" in tls,
          "%s: under TLS the -PLUS mechanism first" % name)
    # gsasl prints its client-first message (base64) after the empty 334.
    first = [l for l in g.seen if l and not l[:3].isdigit() and
             not l.startswith(("EHLO", "STARTTLS", "AUTH"))]
    gs2 = base64.b64decode(first[0]).decode() if first else ""
    check(gs2.startswith("p=%s,," % binding), "%s: gsasl bound the channel "
          "with %s (%r)" % (name, binding, gs2[:40]))
    # The transaction, one line at a time, each reply awaited.
    tag = "gsasl-" + name
    msg = message(tag)
    steps = [(b"MAIL FROM:<demo@example.org>\r\n", "250 "),
             (b"RCPT TO:<demo@example.test>\r\n", "250 "),
             (b"DATA\r\n", "354 ")]
    ok = True
    for data, want in steps:
        ok = ok and g.send(data) and \
            (g.until(want[:3]) or "").startswith(want)
    ok = ok and g.send(msg.replace(b"\r\n.", b"\r\n..") + b".\r\n")
    reply = g.until("250 ") if ok else None
    check(reply is not None and reply.startswith("250 2.0.0"),
          "%s: a message sent through gsasl's application data: %r"
          % (name, reply))
    status, err = g.finish()
    check(status == 0, "%s: gsasl exits 0 (it verified the server's "
          "signature): %d %s" % (name, status, err.strip()[-300:]))
    got = delivered(mail, "demo", "Subject: %s\r\n" % tag)
    rp, rcv, rest = trace_split(got[0] if len(got) == 1 else None)
    check(rp == b"Return-Path: <demo@example.org>\r\n" and rest == msg,
          "%s: the message is in demo's Maildir, byte for byte after the "
          "trace fields (%d copies; %r)" % (name, len(got), rest and
                                           rest[:120]))
    check(b" with ESMTPSA " in unfold(rcv), "%s: Received: says ESMTPSA "
          "(%r)" % (name, rcv))
    return err


err = session("tls13", "NORMAL:-VERS-ALL:+VERS-TLS1.3", "tls-exporter")
check("(TLS1.3)" in err, "the first session was TLS 1.3")
err = session("tls12", "NORMAL:-VERS-ALL:+VERS-TLS1.2", "tls-unique")
check("(TLS1.2)" in err, "the second session was TLS 1.2")

# A wrong password: the server's final message is the SCRAM error
# (RFC 5802 7: e=invalid-proof) as a last 334; gsasl gives up on it.
n = d.log_count()
g = Gsasl("wrong")
end = time.monotonic() + TIMEOUT
while g.line(max(0.0, end - time.monotonic())) is not None:
    pass
status, _ = g.finish()
last = [l for l in g.seen if l.startswith("334 ")][-1:]
final = base64.b64decode(last[0][4:]).decode() if last else ""
check(final == "e=invalid-proof" and not any(l.startswith("235")
                                             for l in g.seen),
      "a wrong password: e=invalid-proof, no 235 (%r)" % (g.seen[-2:],))
check(status != 0, "gsasl fails with a wrong password (%d)" % status)
check(d.wait_log("event=auth.failure", timeout=3, start=n) and
      any("mechanism=SCRAM-SHA-256-PLUS user=demo" in l
          for l in d.lines[n:] if "auth.failure" in l),
      "the daemon logged the failed SCRAM-SHA-256-PLUS login: %r"
      % [l for l in d.lines[n:] if "auth" in l])

# The failure policy counts a wrong proof even when the client leaves on
# the e= message (as gsasl does): after max-auth-failures (2) the right
# password is refused too (lockout: 454 4.7.0, RFC 4954 6).
for attempt in range(2):
    g = Gsasl("wrong", port=locked)
    end = time.monotonic() + TIMEOUT
    while g.line(max(0.0, end - time.monotonic())) is not None:
        pass
    g.finish()
g = Gsasl("demo", port=locked)
g.until(("235 ", "454 ", "535 "))       # or its end
g.finish()
check(not any(l.startswith("235") for l in g.seen) and
      any(l.startswith("454 4.7.0") for l in g.seen),
      "two wrong SCRAM proofs, the client leaving on e=invalid-proof, "
      "count as failures: the third login is locked out (%r)"
      % (g.seen[-2:],))

# The -PLUS mechanism in cleartext is refused even when asked for.
c = connect(sub)
c.cmd("EHLO x")
r = c.cmd("AUTH SCRAM-SHA-256-PLUS cD10bHMtZXhwb3J0ZXIsLG49ZGVtbyxyPXh4")
check(r[0] in (504, 538) and r[1][0][:1] == "5", "SCRAM-SHA-256-PLUS "
      "without TLS is not available: %r" % (r,))
c.cmd("QUIT")

check(d.stop() == 0, "daemon exits cleanly")
shutil.rmtree(tmp, ignore_errors=True)
finish()
