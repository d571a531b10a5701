"""A private Postfix on loopback for the SMTP tests (wraps postfix.sh).

    with Postfix(tmpdir, "relay", "smtp:[127.0.0.1]:%d" % port) as pf:
        pf.submit("a@x.test", ["b@y.test"], message_bytes)
        lines = pf.wait()          # [Delivery(queue_id, rcpt, status, ...)]

    with Postfix(tmpdir, "maildir", users=["bench"]) as pf:
        pf.submit(...); pf.wait(); pf.maildir("bench")  # DIR/mail/D/bench

Roles, options and the log are described at the top of postfix.sh.  The
instance is stopped when the `with` block ends, however it ends.
"""
import collections
import os
import smtplib
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "postfix.sh")
TIMEOUT = 60

# A message Postfix must pass on untouched: complete headers (so cleanup
# adds none), dot-stuffing cases, blank and space-only lines, a "From "
# line, 8-bit UTF-8, a long line, no trailing blank line.
MESSAGE = (
    b"From: Alice <alice@x.test>\r\n"
    b"To: Bob <bob@y.test>\r\n"
    b"Subject: peer test \xc3\xa9t\xc3\xa9\r\n"
    b"Date: Mon, 30 Nov 2026 10:00:00 +0000\r\n"
    b"Message-ID: <peer-test@x.test>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
    b"first line\r\n"
    b".\r\n"
    b"..two dots\r\n"
    b".leading dot\r\n"
    b"\r\n"
    b"   \r\n"
    b"From the start of a line\r\n"
    b"caf\xc3\xa9 \xe2\x82\xac\r\n"
    + b"x" * 900 + b"\r\n"
    b"last line\r\n")

Delivery = collections.namedtuple("Delivery",
                                  "queue_id rcpt status relay text")


class Postfix:
    def __init__(self, directory, role, nexthop=None, tls=None, ca=None,
                 users=None, domain="bench.test", port=None):
        self.dir = directory
        self.domain = domain
        args = ["bash", SCRIPT, "start", directory, role]
        if nexthop:
            args.append(nexthop)
        if tls:
            args += ["--tls", tls]
        if ca:
            args += ["--ca", ca]
        if users:
            args += ["--users", ",".join(users), "--domain", domain]
        if port:
            args += ["--port", str(port)]
        self.started = False
        r = subprocess.run(args, capture_output=True, text=True,
                           timeout=TIMEOUT)
        self.started = True     # stop() even after a half start
        if r.returncode != 0:
            self.stop()
            raise RuntimeError("postfix.sh start failed: " + r.stderr)
        self.env = dict(l.split("=", 1) for l in r.stdout.splitlines()
                        if "=" in l)
        self.port = int(self.env["SMTP_PORT"])
        self.maillog = self.env["MAILLOG"]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        if self.started:
            subprocess.run(["bash", SCRIPT, "stop", self.dir],
                           capture_output=True, timeout=TIMEOUT)
            self.started = False

    def submit(self, sender, rcpts, data, timeout=20):
        """Hand a message to the instance over SMTP; returns the refused
        recipients (smtplib's dict)."""
        with smtplib.SMTP("127.0.0.1", self.port, timeout=timeout) as s:
            return s.sendmail(sender, rcpts, data)

    def wait(self, seconds=30):
        """Wait for an empty queue; the delivery attempts logged so far.
        Raises TimeoutError (with the attempts) if it stays full."""
        r = subprocess.run(["bash", SCRIPT, "wait", self.dir, str(seconds)],
                           capture_output=True, text=True,
                           timeout=seconds + 30)
        out = [Delivery(*l.split(" ", 4)) for l in r.stdout.splitlines()]
        if r.returncode != 0:
            raise TimeoutError("queue not empty: %r" % (out,))
        return out

    def log(self):
        with open(self.maillog, errors="replace") as f:
            return f.read()

    def maildir(self, user):
        return os.path.join(self.env["MAILDIR_BASE"], self.domain, user)
