#!/usr/bin/env python3
"""IDLE push and APPEND durability against a real gumdropd (issue 9).

Checked:
- a client idling on INBOX gets each message delivered over SMTP (on
  another connection, so on any of the two workers) as an untagged
  EXISTS at once (bounded by 2 s here; scripts/bench-imap measures the
  milliseconds), numbered in order;
- once the pushes are over, an idling session costs the daemon nothing:
  its CPU time over 1.5 s of quiet stays under 0.2 s (every sync used to
  notify the session again: it synced in a loop while it idled);
- messages APPENDed one at a time (LITERAL+) are acknowledged with
  APPENDUID; after the daemon is killed with SIGKILL and started again,
  each is there under its UID (same UIDVALIDITY), byte for byte;
- EXISTS during IDLE also follows an APPEND from another session."""
import os
import signal
import smtplib
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdtest import TIMEOUT, check, finish, free_port  # noqa: E402
from smtp_maildir import maildir_daemon  # noqa: E402

SASL = ("sasl: {realm: file, mechanisms: [PLAIN], "
        "plaintext-without-tls: true, failure-delay: 0}")


class Client:
    """A raw IMAP client with a time-bounded line reader."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), TIMEOUT)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.n = 0
        self.line()

    def line(self, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.s.settimeout(left)
            try:
                data = self.s.recv(65536)
            except socket.timeout:
                return None
            if not data:
                return None
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r")

    def run(self, cmd, literal=None):
        """Send a command (with a LITERAL+ message); (untagged, tagged)."""
        self.n += 1
        tag = b"t%d" % self.n
        if literal is None:
            self.s.sendall(tag + b" " + cmd + b"\r\n")
        else:
            self.s.sendall(tag + b" " + cmd + b" {%d+}\r\n" % len(literal) +
                           literal + b"\r\n")
        lines = []
        while True:
            line = self.line()
            if line is None:
                return lines, b""
            if line.startswith(tag + b" "):
                return lines, line
            lines.append(line)
            if line.endswith(b"}"):
                size = int(line[line.rindex(b"{") + 1:-1])
                while len(self.buf) < size:
                    self.s.settimeout(TIMEOUT)
                    data = self.s.recv(65536)
                    if not data:
                        return lines, b""
                    self.buf += data
                lines.append(self.buf[:size])
                self.buf = self.buf[size:]

    def close(self):
        self.s.close()


def message(i):
    return (b"From: push@example.test\r\nTo: demo@localhost\r\n"
            b"Subject: message %d\r\nMessage-ID: <%d@push.test>\r\n\r\n"
            b"body %d\r\n" % (i, i, i)) + b"x" * (100 * i) + b"\r\n"


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def login(port):
    c = Client(port)
    _, done = c.run(b"LOGIN demo demo")
    check(b" OK " in done, "LOGIN")
    return c


def next_exists(c, timeout):
    """The next untagged EXISTS line (RECENT skipped), or None."""
    deadline = time.monotonic() + timeout
    while True:
        line = c.line(timeout=max(0.0, deadline - time.monotonic()))
        if line is None or line.endswith(b" EXISTS"):
            return line
        if not line.endswith(b" RECENT"):
            return line


def exists_of(lines):
    return [int(l.split()[1]) for l in lines
            if l.startswith(b"* ") and l.endswith(b" EXISTS")]


def test_idle_push(d, imap, mx):
    c = login(imap)
    lines, done = c.run(b"SELECT INBOX")
    base = (exists_of(lines) or [0])[-1]
    c.s.sendall(b"i IDLE\r\n")
    check(c.line() == b"+ idling", "IDLE: + idling")
    late, got = [], []
    with smtplib.SMTP("127.0.0.1", mx, timeout=TIMEOUT) as s:
        for i in range(10):
            s.sendmail("push@example.test", ["demo@localhost"], message(i))
            t0 = time.monotonic()
            line = next_exists(c, 2)
            got.append(line)
            if line is None or time.monotonic() - t0 > 2:
                late.append(i)
    check(not late, "each delivery pushed within 2 s (late: %s)" % late)
    check(got == [b"* %d EXISTS" % (base + i + 1) for i in range(10)],
          "EXISTS numbered in order, one per delivery: %r" % got[:3])
    # Quiet: the idling session must not keep the daemon busy.
    time.sleep(0.3)
    c0 = cpu_seconds(d.proc.pid)
    time.sleep(1.5)
    used = cpu_seconds(d.proc.pid) - c0
    check(used < 0.2, "an idling session costs no CPU when nothing "
          "changes (%.2f s in 1.5 s)" % used)
    # An APPEND from another session is pushed too.
    other = login(imap)
    _, done = other.run(b"APPEND INBOX", message(99))
    check(b"OK [APPENDUID" in done, "APPEND from another session: %s"
          % done.decode())
    line = next_exists(c, 2)
    check(line == b"* %d EXISTS" % (base + 11),
          "the other session's APPEND pushed: %r" % line)
    other.close()
    c.s.sendall(b"DONE\r\n")
    line = c.line()
    while line is not None and line.endswith(b" RECENT"):
        line = c.line()
    check(line == b"i OK IDLE terminated", "DONE ends IDLE: %r" % line)
    c.close()


def test_append_survives_kill(d, imap):
    c = login(imap)
    acked = []
    for i in range(20):
        _, done = c.run(b"APPEND Work", message(1000 + i))
        words = done.split()
        if b"[APPENDUID" in words:
            k = words.index(b"[APPENDUID")
            acked.append((int(words[k + 1]), int(words[k + 2].rstrip(b"]")),
                          message(1000 + i)))
    check(len(acked) == 20, "20 APPENDs acknowledged with APPENDUID")
    # Killed right after the last acknowledgement: no clean shutdown.
    d.signal(signal.SIGKILL)
    d.proc.wait(TIMEOUT)
    c.close()
    n = d.log_count()
    d.start()
    check(d.wait_log("event=daemon.ready", start=n), "restarted")
    c = login(imap)
    lines, done = c.run(b"SELECT Work")
    check(b" OK " in done, "SELECT Work after the restart")
    validity = [l for l in lines if b"[UIDVALIDITY " in l]
    v = int(validity[0].split(b"[UIDVALIDITY ")[1].split(b"]")[0]) \
        if validity else 0
    check(acked and all(a[0] == v for a in acked),
          "UIDVALIDITY kept across SIGKILL (%d)" % v)
    bad = []
    for _, uid, body in acked:
        lines, done = c.run(b"UID FETCH %d BODY.PEEK[]" % uid)
        if b" OK " not in done or body not in lines:
            bad.append(uid)
    check(not bad and acked, "every acknowledged message is there under "
          "its UID, byte for byte, after SIGKILL (missing: %s)" % bad)
    c.close()


def main():
    imap, mx = free_port(), free_port()
    listeners = f"""\
  - {{name: mx, address: "127.0.0.1:{mx}", protocol: smtp}}
  - {{name: imap, address: "127.0.0.1:{imap}", protocol: imap, {SASL}}}"""
    d, _ = maildir_daemon(listeners, modules=["sasl-plain", "imap"],
                          top_extra="imap: {storage: maildir}")
    try:
        c = login(imap)
        _, done = c.run(b"CREATE Work")
        check(b" OK " in done, "CREATE Work")
        c.close()
        test_idle_push(d, imap, mx)
        test_append_survives_kill(d, imap)
    finally:
        status = d.stop()
        if status != 0:
            d.dump()
    finish()


if __name__ == "__main__":
    main()
