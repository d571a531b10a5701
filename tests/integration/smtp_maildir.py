"""Helpers of the smtp integration tests that deliver for real: a gumdropd
with smtp, local-delivery, maildir and realm-file on loopback, and the
Maildir read back with Python's mailbox module.

    d, mail = maildir_daemon(listeners, smtp_extra=..., modules=...)
    got = delivered(mail, "demo", "a-tag")     # stored messages, as bytes
    rp, received, rest = trace_split(got[0])   # rest: what was sent

The users file has demo, alice and bob ({PLAIN} passwords equal to the
names, so CRAM-MD5 and DIGEST-MD5 can use them); the local domains are
localhost and example.test."""
import mailbox
import os
import re
import time

from gdtest import TIMEOUT, Daemon

USERS = "demo:{PLAIN}demo::::::\nalice:{PLAIN}alice::::::\n" \
        "bob:{PLAIN}bob::::::\n"


def maildir_daemon(listeners, smtp_extra="", modules=(), top_extra="",
                   tmpdir=None):
    """Start gumdropd; `listeners` is the YAML list's body (one item a
    line, already indented by two), `smtp_extra` lines under smtp:
    (indented by two), `modules` more modules to load.  Returns (daemon,
    the Maildir root: ROOT/USER is each user's Maildir)."""
    d = Daemon("", tmpdir=tmpdir)
    mail = os.path.join(d.tmp, "mail")
    users = os.path.join(d.tmp, "users")
    with open(users, "w") as f:
        f.write(USERS)
    load = ", ".join(["maildir", "realm-file", "smtp", "local-delivery"] +
                     list(modules))
    with open(d.config, "w") as f:
        f.write(f"""
workers: 2
blocking-threads: 2
modules:
  load: [{load}]
maildir:
  path: {mail}/%u
realm-file: {{path: {users}, allow-plaintext-secrets: true}}
smtp:
  hostname: mx.test
  reverse-dns: false
{smtp_extra}
local-delivery:
  domains: [localhost, example.test]
{top_extra}
listeners:
{listeners}
""")
    d.start()
    return d, mail


def stored(mail, user):
    """Every message in USER's INBOX, as bytes, in file-name order."""
    path = os.path.join(mail, user)
    if not os.path.isdir(os.path.join(path, "new")):
        return []
    box = mailbox.Maildir(path, factory=None, create=False)
    return [box.get_bytes(k) for k in sorted(box.keys())]


def count(mail, user):
    path = os.path.join(mail, user, "new")
    return len(os.listdir(path)) if os.path.isdir(path) else 0


def delivered(mail, user, tag):
    """USER's messages that contain `tag` (bytes or str)."""
    if isinstance(tag, str):
        tag = tag.encode()
    return [m for m in stored(mail, user) if tag in m]


def wait_count(mail, user, n, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and count(mail, user) < n:
        time.sleep(0.05)
    return count(mail, user)


TRACE = re.compile(rb"(Return-Path: [^\r\n]*\r\n)"
                   rb"(Received: (?:[^\r\n]*\r\n[ \t])*[^\r\n]*\r\n)(.*)\Z",
                   re.S)


def trace_split(raw):
    """(Return-Path line, our Received: field, the rest) of a stored
    message: the rest must be what the client sent, byte for byte.  (None,
    None, None) when the message does not start with exactly those two
    fields."""
    m = TRACE.match(raw or b"")
    return m.groups() if m else (None, None, None)


def unfold(field):
    return re.sub(rb"\r\n[ \t]+", b" ", field or b"")
