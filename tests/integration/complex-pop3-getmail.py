"""complex: getmail6 as a real POP3 client of gumdropd (issue 8), from a
private getmaildir and rc files in a temporary folder (no Delivered-To:
or Received: fields of its own; as root, getmail runs as nobody, since it
refuses to deliver as root):
  1. SimplePOP3Retriever (USER/PASS in cleartext, allowed on the test's
     listener) into a Maildir, delete = true: three messages delivered
     over SMTP arrive, each equal to the stored message with LF line
     ends (but for the Return-Path: field getmail writes first), and are
     deleted on the server;
  2. two more delivered; SimplePOP3SSLRetriever (POP3S, our self-signed
     certificate as ca_certs, host name checked) into an mboxrd file:
     exactly those two (a ">From " quoted line shows the mboxrd
     quoting), deleted;
  3. the same SSL retriever again: no mail, nothing written;
  4. delete = false, read_all = false (getmail's oldmail file of UIDLs):
     two messages fetched and kept on the server; the next run fetches
     nothing; after one more delivery the next run fetches only that
     one; APOP (use_apop) logs in for this part."""
import mailbox
import os
import pwd
import subprocess
import sys
import tempfile

import gdtest
from gdtest import TIMEOUT, check, finish
from pop3_util import PASSWORD, USER, lf, make_message, require, server

GETMAIL = require("getmail")


class Getmail:
    def __init__(self, tmp, name):
        self.dir = os.path.join(tmp, name)
        self.maildir = os.path.join(self.dir, "Maildir")
        for sub in ("new", "cur", "tmp"):
            os.makedirs(os.path.join(self.maildir, sub))
        self.mbox = os.path.join(self.dir, "mail.mbox")
        open(self.mbox, "w").close()
        self.seen = set()
        if os.getuid() == 0:
            unprivileged(tmp, self.dir)

    def run(self, srv, ssl, delete=True, apop=False):
        """One getmail run: (its status, the messages it wrote now)."""
        if ssl:
            retriever = f"""type = SimplePOP3SSLRetriever
port = {srv.pop3s}
ca_certs = {srv.cafile}
ssl_cert_hostname = localhost"""
            dest = "type = Mboxrd\npath = %s" % self.mbox
        else:
            retriever = "type = SimplePOP3Retriever\nport = %d" % srv.pop3
            dest = "type = Maildir\npath = %s/" % self.maildir
        rc = os.path.join(self.dir, "getmailrc")
        with open(rc, "w") as f:
            f.write(f"""[retriever]
{retriever}
server = 127.0.0.1
username = {USER}
password = {PASSWORD}
timeout = {int(TIMEOUT)}
use_apop = {apop}

[destination]
{dest}

[options]
verbose = 2
read_all = false
delete = {delete}
delivered_to = false
received = false
""")
        r = subprocess.run(as_user() + [GETMAIL, "--getmaildir", self.dir,
                                        "--rcfile", rc],
                           capture_output=True, text=True,
                           timeout=4 * TIMEOUT)
        self.log = r.stdout + r.stderr
        return r.returncode, self.mbox_messages() if ssl else self.files()

    def files(self):
        box = mailbox.Maildir(self.maildir, factory=None, create=False)
        new = sorted(set(box.keys()) - self.seen)
        self.seen.update(new)
        return [box.get_bytes(k) for k in new]

    def mbox_messages(self):
        """The mbox's messages not seen before, un-quoted (mboxrd)."""
        with open(self.mbox, "rb") as f:
            text = f.read()
        out = []
        for part in text.split(b"\nFrom ")[0 if text else 1:]:
            body = part.split(b"\n", 1)[1]
            lines = [l[1:] if l.lstrip(b">").startswith(b"From ") and
                     l.startswith(b">") else l for l in body.split(b"\n")]
            out.append(b"\n".join(lines))
        # Each message ends with an empty line the mbox format adds.
        out = [m[:-1] if m.endswith(b"\n\n") else m for m in out]
        new = [m for m in out if m not in self.seen]
        self.seen.update(new)
        self.quoted = b"\n>From " in text
        return new


def as_user():
    """getmail refuses to deliver as root: run it as nobody then."""
    if os.getuid() != 0:
        return []
    pw = pwd.getpwnam("nobody")
    return ["setpriv", "--reuid=%d" % pw.pw_uid, "--regid=%d" % pw.pw_gid,
            "--clear-groups"]


def unprivileged(top, folder):
    """Give folder to nobody; let nobody reach it and read the CA file."""
    pw = pwd.getpwnam("nobody")
    for path, dirs, files in os.walk(folder):
        for name in [path] + [os.path.join(path, f) for f in files]:
            os.chown(name, pw.pw_uid, pw.pw_gid)
    for d in (top, os.path.join(top, "server")):
        os.chmod(d, 0o711)


def no_return_path(data):
    """data without a first Return-Path: line: getmail writes its own
    (from the message's, or <unknown> when it has none)."""
    if data.startswith(b"Return-Path: "):
        return data.split(b"\n", 1)[1]
    return data


def same(got, kept):
    return sorted(no_return_path(g) for g in got) == \
        sorted(no_return_path(lf(k)) for k in kept)


def from_line(tag, i):
    """A message with a body line starting "From " (mboxrd quotes it)."""
    raw = make_message(tag, i)
    return raw.replace(b"Hello,\r\n", b"Hello,\r\nFrom here on, a test.\r\n")


tmp = tempfile.mkdtemp(prefix="gdtest-pop3-getmail-")
srv = server(os.path.join(tmp, "server"))
gm = Getmail(tmp, "gm")
try:
    kept = [srv.deliver(make_message("gm-%d" % i, i)) for i in (1, 2, 3)]
    rc, got = gm.run(srv, ssl=False)
    check(rc == 0 and same(got, kept), "run 1 (POP3, Maildir): the three "
          "messages as stored (status %d, %d fetched)" % (rc, len(got)))
    check(srv.inbox() == [], "run 1: deleted on the server")

    more = [srv.deliver(from_line("gm-%d" % i, i)) for i in (4, 5)]
    rc, got = gm.run(srv, ssl=True)
    check(rc == 0 and same(got, more), "run 2 (POP3S, mboxrd): only the "
          "two new messages (status %d, %d fetched)" % (rc, len(got)))
    check(gm.quoted, "run 2: the mboxrd file quotes the From line")
    check(srv.inbox() == [], "run 2: deleted on the server")
    rc, got = gm.run(srv, ssl=True)
    check(rc == 0 and got == [] and "0 messages" in gm.log,
          "run 3: no mail, nothing written (status %d, %d fetched)"
          % (rc, len(got)))

    gk = Getmail(tmp, "keep")
    kept = [srv.deliver(make_message("gk-%d" % i, i)) for i in (6, 7)]
    rc, got = gk.run(srv, ssl=False, delete=False, apop=True)
    check(rc == 0 and same(got, kept), "keep 1 (APOP): two fetched "
          "(status %d, %d fetched)" % (rc, len(got)))
    check(srv.inbox() == kept, "keep 1: both left on the server")
    rc, got = gk.run(srv, ssl=False, delete=False, apop=True)
    check(rc == 0 and got == [], "keep 2: nothing fetched twice (%d)"
          % len(got))
    new = srv.deliver(make_message("gk-8", 8))
    rc, got = gk.run(srv, ssl=False, delete=False, apop=True)
    check(rc == 0 and same(got, [new]), "keep 3: only the new message "
          "(status %d, %d fetched)" % (rc, len(got)))
    check(len(srv.inbox()) == 3, "keep 3: the server still holds three")
finally:
    srv.stop()
    if gdtest.failures:
        last = gk if "gk" in globals() else gm
        sys.stdout.write("getmail's last log:\n%s\nserver:\n%s\n"
                         % (getattr(last, "log", "")[-3000:],
                            srv.dump()[-3000:]))
finish()
