"""Maildir and other programs, live: a gumdrop session keeps INBOX open
with change notification on a worker loop; mblaze's mdeliver drops a
message in, the notification fires and the sync shows it with the next
UID; mflag sets \\Seen by renaming the file, the notification fires and
the sync shows the flag on the same UID."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from gdtest import check, finish  # noqa: E402
import maildirlib  # noqa: E402

MSG = b"From: x@example.com\r\nSubject: from mblaze\r\n\r\nhi\r\n"


def main():
    mdeliver = maildirlib.require("mdeliver")
    mflag = maildirlib.require("mflag")
    work = tempfile.mkdtemp(prefix="gd-maildir-mblaze-")
    root = os.path.join(work, "mail", "bob")
    drv = maildirlib.Driver(os.path.join(work, "mail", "%u"), "bob")
    try:
        path = os.path.join(work, "first")
        with open(path, "wb") as f:
            f.write(MSG)
        drv.ok("append INBOX - - 0 %s" % path)
        (count, uidnext, uidvalidity), _ = drv.ok("open INBOX")
        check(count == "1", "one message before")
        drv.ok("notify")
        time.sleep(0.3)
        drv.cmd("wait 0")
        out = subprocess.run([mdeliver, "-v", root], input=MSG,
                             capture_output=True, timeout=30)
        check(out.returncode == 0, "mdeliver delivered: %r" % out.stderr)
        ans, _ = drv.cmd("wait 5")
        check(ans == "ok", "notification after mdeliver: %r" % ans)
        drv.ok("sync")
        _, msgs = drv.ok("list")
        check(len(msgs) == 2, "two messages after the sync")
        check(len(msgs) == 2 and msgs[1][1] == uidnext,
              "the new message has the next UID %s: %r" % (uidnext, msgs))
        new_uid = msgs[1][1] if len(msgs) == 2 else None
        # Our read-write sync moved it to cur/: mflag it there.
        cur = os.path.join(root, "cur")
        names = [n for n in os.listdir(cur) if n.startswith(
            os.path.basename(out.stdout.decode().strip()).split(":")[0])]
        check(len(names) == 1, "the mdeliver file is in cur/: %r" % names)
        # Let our own sync's events (the move to cur/) pass first.
        time.sleep(0.3)
        drv.cmd("wait 0")
        if names:
            r = subprocess.run([mflag, "-S", os.path.join(cur, names[0])],
                               capture_output=True, timeout=30)
            check(r.returncode == 0, "mflag -S: %r" % r.stderr)
        ans, _ = drv.cmd("wait 5")
        check(ans == "ok", "notification after mflag: %r" % ans)
        drv.ok("sync")
        _, msgs = drv.ok("list")
        seen = [m for m in msgs if m[1] == new_uid]
        check(len(seen) == 1 and "S" in seen[0][2],
              "\\Seen under the same UID %s: %r" % (new_uid, msgs))
        # And gumdrop's own flag change is visible to mblaze's view.
        drv.ok("store 2 +F")
        flagged = [n for n in os.listdir(cur) if n.endswith(":2,FS")]
        check(len(flagged) == 1, "file renamed to :2,FS: %r"
              % os.listdir(cur))
    finally:
        drv.close()
        shutil.rmtree(work, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
