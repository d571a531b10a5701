"""Helpers of the smtp integration tests: a raw SMTP client that reads
whole (multi-line) replies, and the smtp-test fixture's output."""
import os
import socket
import time

from gdtest import TIMEOUT, LineClient, module_dir_with_fixtures


class Raw(LineClient):
    """Raw SMTP over a socket: send bytes, read replies."""

    def reply(self):
        """One whole reply: (code, [text lines]) or (None, []) at EOF."""
        lines = []
        while True:
            line = self.line()
            if line is None:
                return None, lines
            lines.append(line[4:])
            if len(line) < 4 or line[3] != "-":
                return int(line[:3]), lines

    def replies(self, n):
        return [self.reply() for _ in range(n)]

    def cmd(self, text):
        self.send(text + "\r\n")
        return self.reply()

    def codes(self, text, n):
        """Send `text` (many commands in one write), return n codes."""
        self.send(text)
        return [r[0] for r in self.replies(n)]


def connect(port, greeting=True):
    c = Raw.tcp("127.0.0.1", port)
    if greeting:
        c.reply()
    return c


def connect_from(source, port, timeout=20):
    """Raw to 127.0.0.1:PORT from the loopback address SOURCE (the client
    address the server sees, for SPF and DMARC tests), the greeting read:
    (client, greeting code)."""
    sock = socket.socket()
    sock.bind((source, 0))
    sock.settimeout(timeout)
    sock.connect(("127.0.0.1", port))
    c = Raw(sock)
    return c, c.reply()[0]


def fixture_modules():
    return module_dir_with_fixtures("smtp-test")


def events(directory):
    path = os.path.join(directory, "events.log")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return f.read().splitlines()


def wait_event(directory, needle, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(needle in e for e in events(directory)):
            return True
        time.sleep(0.02)
    return False


def message(directory, txn_id):
    with open(os.path.join(directory, "msg-%s.eml" % txn_id), "rb") as f:
        return f.read()


def header(directory, txn_id):
    """The stored message's header block, unfolded."""
    head = message(directory, txn_id).split(b"\r\n\r\n")[0]
    return head.replace(b"\r\n\t", b" ").replace(b"\r\n ", b" ")


def last_ids(directory, n):
    """Transaction ids of the last n data-end events."""
    ids = [e.split()[1][3:] for e in events(directory)
           if e.startswith("data-end ")]
    return ids[-n:]


def strip_trace(data):
    """The message after our Received: field (its first field)."""
    assert data.startswith(b"Received: "), data[:60]
    i = 0
    while True:
        j = data.index(b"\r\n", i)
        if data[j + 2:j + 3] not in (b" ", b"\t"):
            return data[j + 2:]
        i = j + 2
