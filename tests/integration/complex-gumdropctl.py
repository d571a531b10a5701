"""gumdropctl against real storage modules: every mailbox command, deliver
as an LDA (From_ line, folders, fallback, create, quotas), fetch byte for
byte, expunge, quota, and the sysexits codes MTAs rely on.  Runs against
maildir and, with -s, mbox loaded beside it."""
import os
import shutil
import subprocess
import tempfile

import gdtest
from gdtest import check, finish

CTL = os.path.join(gdtest.BUILDDIR, "core", "gumdropctl")
MSG = (b"From: a@example.com\r\nTo: demo@example.com\r\n"
       b"Subject: hello\r\n\r\nbody line\r\nFrom the start\r\n")


def write_config(tmp, extra=""):
    path = os.path.join(tmp, "gumdrop.yaml")
    with open(path, "w") as f:
        f.write("modules: {load: [maildir, mbox]}\n"
                "maildir:\n  path: %s/mail/%%u\n  fsync: false\n%s"
                "mbox:\n  path: %s/mbox/%%u\n  fsync: false\n"
                % (tmp, extra, tmp))
    return path


def ctl(config, *args, stdin=None, backend=None):
    cmd = [CTL, "-c", config, "-m", gdtest.MODULES]
    if backend:
        cmd += ["-s", backend]
    p = subprocess.run(cmd + list(args), input=stdin, capture_output=True,
                       timeout=gdtest.TIMEOUT)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def main():
    tmp = tempfile.mkdtemp(prefix="gdctl-")
    try:
        run_checks(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    finish()


def check_mailboxes(cfg):
    rc, out, err = ctl(cfg, "mailbox", "create", "demo", "Lists/gumdrop",
                       "Données")
    check(rc == 0, "mailbox create: %s" % err)
    rc, out, _ = ctl(cfg, "mailbox", "list", "demo")
    lines = out.decode().splitlines()
    names = [l.split("\t")[0] for l in lines]
    check(names[0] == "INBOX", "INBOX is listed first")
    check("Lists" in names and "Lists/gumdrop" in names
          and "Données" in names and "Sent" in names,
          "created, placeholder and special-use folders listed: %s" % names)
    check(any(l.startswith("Lists\t") and "\\Noselect" in l
              for l in lines), "the parent is a \\Noselect placeholder")
    check(any(l.startswith("Sent\t") and "\\Sent" in l and "\\Subscribed"
              in l for l in lines), "Sent has \\Sent and is subscribed")
    rc, out, _ = ctl(cfg, "mailbox", "list", "demo", "Lists/%")
    check(out.decode().split("\t")[0] == "Lists/gumdrop", "LIST pattern")
    rc, _, err = ctl(cfg, "mailbox", "rename", "demo", "Lists/gumdrop",
                     "Projects/gumdrop")
    check(rc == 0, "rename: %s" % err)
    rc, _, err = ctl(cfg, "mailbox", "rename", "demo", "Projects", "Work")
    rc2, out, _ = ctl(cfg, "mailbox", "list", "demo", "Work/*")
    check(rc == 0 and out.decode().startswith("Work/gumdrop\t"),
          "renaming a placeholder moves its children: %s" % err)
    rc, _, _ = ctl(cfg, "mailbox", "rename", "demo", "Nothing", "Else")
    check(rc == 66, "renaming a missing mailbox: 66")
    rc, _, _ = ctl(cfg, "mailbox", "create", "demo", "Sent")
    check(rc == 73, "creating an existing mailbox: 73")
    rc, _, _ = ctl(cfg, "mailbox", "delete", "demo", "INBOX")
    check(rc == 77, "deleting INBOX: 77")
    rc, _, _ = ctl(cfg, "mailbox", "delete", "demo", "Données")
    check(rc == 0, "delete")
    rc, out, _ = ctl(cfg, "mailbox", "list", "demo", "*")
    check("Données" not in out.decode(), "deleted mailbox gone")


def check_deliver(cfg, tmp):
    rc, _, err = ctl(cfg, "deliver", "-u", "demo",
                     stdin=b"From sender@example.org Mon Nov 30 06:00:00 "
                     b"2026\n" + MSG)
    check(rc == 0, "deliver with a From_ line: %s" % err)
    rc, out, _ = ctl(cfg, "fetch", "demo", "INBOX", "1")
    check(rc == 0 and out == MSG, "fetch gives the message byte for byte, "
          "without the From_ line")
    rc, _, _ = ctl(cfg, "deliver", "-u", "demo", "-m", "Nowhere", stdin=MSG)
    rc2, out, _ = ctl(cfg, "mailbox", "status", "demo", "INBOX")
    check(rc == 0 and "messages=2" in out.decode(),
          "a missing folder falls back to INBOX")
    rc, _, _ = ctl(cfg, "deliver", "-u", "demo", "-m", "Later/new", "-C",
                   stdin=MSG)
    rc2, out, _ = ctl(cfg, "mailbox", "status", "demo", "Later/new")
    check(rc == 0 and "messages=1" in out.decode(), "-C creates the folder")
    path = os.path.join(tmp, "mail", "demo", "new")
    check(len(os.listdir(path)) == 2, "delivered files in new/")
    rc, _, _ = ctl(cfg, "deliver", "-u", "../etc", stdin=MSG)
    check(rc == 67, "an unsafe user name: 67 (EX_NOUSER)")
    rc, _, _ = ctl(cfg, "deliver", "-u", "demo", stdin=b"")
    check(rc == 65, "an empty message: 65")


def check_fetch_expunge(cfg):
    rc, _, _ = ctl(cfg, "fetch", "demo", "INBOX", "99")
    check(rc == 66, "fetch of a missing UID: 66")
    rc, _, _ = ctl(cfg, "fetch", "demo", "Nope", "1")
    check(rc == 66, "fetch from a missing mailbox: 66")
    rc, out, _ = ctl(cfg, "expunge", "demo", "INBOX")
    check(rc == 0 and out == b"expunged 0\n", "nothing \\Deleted")
    rc, out, _ = ctl(cfg, "expunge", "demo", "INBOX", "1")
    check(rc == 0 and out == b"expunged 1\n", "expunge by UID set")
    rc, out, _ = ctl(cfg, "mailbox", "status", "demo", "INBOX")
    check("messages=1 " in out.decode() and "uidnext=3" in out.decode(),
          "status after expunge: %s" % out)
    rc, out, _ = ctl(cfg, "quota", "demo")
    lines = out.decode().split("\n")
    check(rc == 0 and lines[1] == "messages 2 0", "quota usage: %s" % out)


def check_quota(tmp):
    cfg = write_config(tmp, "  quota-messages: 1\n")
    ctl(cfg, "deliver", "-u", "q", stdin=MSG)
    rc, _, err = ctl(cfg, "deliver", "-u", "q", stdin=MSG)
    check(rc == 75, "over quota, temporary by default: 75 (%s)" % err)
    cfg = write_config(tmp, "  quota-messages: 1\n  over-quota: permanent\n")
    rc, _, _ = ctl(cfg, "deliver", "-u", "q", stdin=MSG)
    check(rc == 73, "over quota, permanent: 73")


def check_mbox(cfg, tmp):
    rc, _, err = ctl(cfg, "deliver", "-u", "demo", "-f", "s@example.org",
                     stdin=MSG, backend="mbox")
    check(rc == 0, "deliver into mbox: %s" % err)
    with open(os.path.join(tmp, "mbox", "demo", "INBOX.mbox"), "rb") as f:
        data = f.read()
    check(data.startswith(b"From s@example.org "), "mbox From_ line has "
          "the envelope sender")
    check(b"\n>From the start" in data, "mboxrd quoting on disk")
    rc, out, _ = ctl(cfg, "fetch", "demo", "INBOX", "1", backend="mbox")
    check(out == MSG, "mbox fetch gives the message back byte for byte")


def run_checks(tmp):
    cfg = write_config(tmp)
    rc, _, _ = ctl(cfg, "nonsense")
    check(rc == 64, "unknown command: 64")
    rc, _, _ = ctl(cfg, "mailbox", "rename", "demo")
    check(rc == 64, "missing arguments: 64")
    rc, _, err = ctl(os.path.join(tmp, "missing.yaml"), "quota", "demo")
    check(rc == 78 and "missing.yaml" in err, "a missing config: 78")
    rc, _, _ = ctl(cfg, "mailbox", "list", "nobody")
    check(rc == 66, "a user without a store: 66")
    check_mailboxes(cfg)
    check_deliver(cfg, tmp)
    check_fetch_expunge(cfg)
    check_quota(tmp)
    check_mbox(cfg, tmp)


main()
