"""Helpers of the IMAP client tests (complex-imap-curl.py, -mbsync.py,
-offlineimap.py, -imapflow.py): an IMAP server holding the demo user's
mailboxes, mail delivered into it, real-shaped test messages, and the
mailbox tree read back from the Maildir.

    srv = server(tmp)      # gumdropd: imap (STARTTLS), imaps, smtp
    raw = srv.deliver(make_message("tag-1", 1))   # what BODY[] must give
    srv.folder("INBOX")    # the messages of a folder, as bytes, by name
    srv.folders()          # {folder name ("INBOX", "Work/Old"): [bytes]}
    srv.stop()

server() starts gumdropd with the modules imap, smtp, local-delivery,
maildir and realm-file: mail is delivered over SMTP (so the stored
message starts with our Return-Path: and Received: fields) and read
through IMAP on 127.0.0.1 (listener `imap`, tls: starttls, and `imaps`,
tls: implicit, both with LOGIN and PLAIN allowed without TLS).  With
IMAP_TEST_PEER=dovecot in the environment the same client checks run
against a private Dovecot IMAP (tests/integration/dovecotpeer.py) whose
Maildir the helper fills directly: that shows the checks themselves hold
against a reference server.  Both stores are Maildir++ (a folder
"A/B" is the directory ".A.B" of the user's Maildir), so the tree is
read back the same way for both; the separator the server announces is
the client's business."""
import mailbox
import os
import re
import shutil
import smtplib
import time

from gdtest import (TIMEOUT, LineClient, check, finish,  # noqa: F401
                    free_port, make_cert)
from pop3_util import make_message  # noqa: F401 (the tests' messages)
from smtp_maildir import maildir_daemon

USER, PASSWORD = "demo", "demo"
SASL = ("sasl: {realm: file, mechanisms: [PLAIN, LOGIN], "
        "plaintext-without-tls: true, failure-delay: 0, "
        "max-auth-failures: 0}")


class ImapRaw(LineClient):
    """A raw IMAP client that reads literals: run() sends a tagged
    command and returns (untagged lines, literals, tagged line); a line
    ending in {n} or ~{n} is followed by its n octets."""
    n = 0
    prefix = "t"

    def read_exact(self, n):
        """n octets (fewer at EOF or after TIMEOUT); chunks are joined
        once, as a literal may be tens of megabytes."""
        parts, have = [self.buf], len(self.buf)
        deadline = time.monotonic() + TIMEOUT
        while have < n and time.monotonic() < deadline:
            chunk = self.sock.recv(min(1 << 20, n - have + 65536))
            if not chunk:
                break
            parts.append(chunk)
            have += len(chunk)
        data = b"".join(parts)
        self.buf = data[n:]
        return data[:n]

    def response(self, tag):
        """(lines, literals) up to the line tagged `tag`."""
        lines, lits = [], []
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            line = self.line()
            if line is None:
                break
            lines.append(line)
            m = re.search(r"~?\{(\d+)\}$", line)
            if m:
                lits.append(self.read_exact(int(m.group(1))))
                continue
            if line.startswith(tag + " "):
                break
        return lines, lits

    def next_tag(self):
        ImapRaw.n += 1
        return "%s%d" % (self.prefix, ImapRaw.n)

    def run(self, text):
        tag = self.next_tag()
        self.send(tag.encode() + b" " +
                  (text.encode() if isinstance(text, str) else text) +
                  b"\r\n")
        lines, lits = self.response(tag)
        return lines[:-1], lits, lines[-1] if lines else ""


# Where scripts/lib.sh installs the npm packages (GD_NODE_DIR).
NODE_DIR = os.environ.get("GD_NODE_DIR", "/usr/local/lib/gumdrop-node")


def lf(data):
    """data with CRLF line ends made LF (Dovecot stores APPENDed mail so;
    gumdrop keeps CRLF)."""
    return data.replace(b"\r\n", b"\n")


def peer():
    return os.environ.get("IMAP_TEST_PEER", "gumdrop")


def require(program):
    """A client the test drives must be installed: fail, not skip."""
    path = shutil.which(program)
    if path is None:
        check(False, "%s is installed (scripts/lib.sh GD_PACKAGES)"
              % program)
        finish()
    return path


def node_path():
    """NODE_PATH for the npm packages scripts/lib.sh installs; fails the
    test when imapflow is not there."""
    mods = os.path.join(NODE_DIR, "node_modules")
    if not os.path.exists(os.path.join(mods, "imapflow", "package.json")):
        check(False, "imapflow is installed in %s (scripts/lib.sh "
              "gd_install_node_modules)" % mods)
        finish()
    return mods


def maildir_tree(root):
    """{folder: [message bytes, by file name]} of a Maildir++ root:
    INBOX, and ".A.B" as "A/B"."""
    out = {}
    for entry in sorted(os.listdir(root)):
        path = os.path.join(root, entry)
        if entry == "new" or (entry.startswith(".") and
                              os.path.isdir(os.path.join(path, "cur"))):
            name = "INBOX" if entry == "new" else \
                entry[1:].replace(".", "/")
            box = mailbox.Maildir(root if name == "INBOX" else path,
                                  factory=None, create=False)
            out[name] = [box.get_bytes(k) for k in sorted(box.keys())]
    return out


def maildir_flags(root, folder="INBOX"):
    """{Message-ID: Maildir flag letters} of one folder."""
    import re
    path = root if folder == "INBOX" else \
        os.path.join(root, "." + folder.replace("/", "."))
    box = mailbox.Maildir(path, factory=None, create=False)
    out = {}
    for key in box.keys():
        m = re.search(rb"\nMessage-ID: *(<[^>]*>)",
                      b"\n" + box.get_bytes(key), re.I)
        out[m.group(1).decode() if m else key] = box.get_flags(key)
    return out


class Gumdrop:
    def __init__(self, tmp):
        self.imap, self.imaps, self.mx = free_port(), free_port(), \
            free_port()
        os.makedirs(tmp, exist_ok=True)
        self.cafile, key = make_cert(tmp)
        listeners = f"""\
  - {{name: mx, address: "127.0.0.1:{self.mx}", protocol: smtp}}
  - {{name: imap, address: "127.0.0.1:{self.imap}", protocol: imap,
     tls: starttls, {SASL}}}
  - {{name: imaps, address: "127.0.0.1:{self.imaps}", protocol: imap,
     tls: implicit, {SASL}}}"""
        top = f"""tls:
  certificates: [{{cert: {self.cafile}, key: {key}}}]
imap:
  storage: maildir"""
        self.d, mail = maildir_daemon(
            listeners, modules=["sasl-plain", "sasl-login", "imap"],
            top_extra=top, tmpdir=tmp)
        self.maildir = os.path.join(mail, USER)

    def deliver(self, raw):
        """Send raw over SMTP; the stored message (what BODY[] gives)."""
        before = len(self.folder("INBOX"))
        with smtplib.SMTP("127.0.0.1", self.mx, timeout=TIMEOUT) as s:
            s.sendmail("alice@example.test", ["demo@localhost"], raw)
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            box = self.folder("INBOX")
            got = [m for m in box if m.endswith(raw)]
            if got and len(box) > before:
                return got[0]
            time.sleep(0.02)
        raise RuntimeError("message not stored within %ds" % TIMEOUT)

    def stop(self):
        status = self.d.stop()
        check(status == 0, "gumdropd exited cleanly (%r)" % status)

    def dump(self):
        return self.d.dump()

    def folder(self, name):
        return self.folders().get(name, [])

    def folders(self):
        if not os.path.isdir(os.path.join(self.maildir, "new")):
            return {}
        return maildir_tree(self.maildir)


class Dovecot(Gumdrop):
    """The reference peer (IMAP_TEST_PEER=dovecot)."""

    def __init__(self, tmp):
        from dovecotpeer import SPECIAL_USE, DovecotPeer
        os.makedirs(tmp, exist_ok=True)
        self.cafile, key = make_cert(tmp)
        self.maildir = os.path.join(tmp, "mail")
        for sub in ("new", "cur", "tmp"):
            os.makedirs(os.path.join(self.maildir, sub))
        self.d = DovecotPeer(os.path.join(tmp, "dovecot"), self.maildir,
                             USER, PASSWORD, self.cafile, key,
                             protocols=("imap",), extra=SPECIAL_USE)
        self.imap, self.imaps = self.d.ports["imap"], self.d.ports["imaps"]
        self.n = 0

    def deliver(self, raw):
        """Into new/ as an MDA does (Dovecot picks it up)."""
        self.n += 1
        name = "%d.M%dP%d.test" % (int(time.time()), self.n, os.getpid())
        tmp = os.path.join(self.maildir, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(raw)
        os.chown(tmp, self.d.uid, self.d.gid)
        os.rename(tmp, os.path.join(self.maildir, "new", name))
        return raw

    def stop(self):
        self.d.stop()

    def dump(self):
        return self.d.logs()


def server(tmp):
    if peer() == "dovecot":
        return Dovecot(tmp)
    return Gumdrop(tmp)
