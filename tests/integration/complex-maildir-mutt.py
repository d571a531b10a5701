"""mutt reads our Maildir: messages written through gumdrop (append with
flags, and a delivery) are listed by `mutt -f ROOT` under tmux with the
flags we stored (mutt's %Z: N new, O old, r replied, D deleted,
! flagged).  mutt reads flags from the file names' ":2," part, as Dovecot
and mblaze do."""
import os
import shutil
import tempfile

import gdtest
import maildirlib
from gdtest import check, finish

# (subject, Maildir flag letters for the driver, expected %Z)
MESSAGES = [
    ("msg 1", "SF", "  !"),
    ("msg 2", "SR", "r  "),
    ("msg 3", "T", "OD "),
    ("msg 4", "S", "   "),
    ("msg 5", "-", "N  "),
]


def main():
    work = tempfile.mkdtemp(prefix="gd-maildir-mutt-")
    root = os.path.join(work, "mail", "alice")
    drv = maildirlib.Driver(os.path.join(work, "mail", "%u"), "alice")
    try:
        for i, (subject, flags, _) in enumerate(MESSAGES):
            path = os.path.join(work, "m%d" % i)
            with open(path, "wb") as f:
                f.write(b"Subject: %s\r\nDate: Mon, 30 Nov 2026 06:0%d:00 "
                        b"+0000\r\n\r\nbody\r\n" % (subject.encode(), i))
            drv.ok("append INBOX %s - %d %s" % (flags, 1790000000 + i, path))
        rows, screen = gdtest.mutt_index(
            work, 'set mbox_type=Maildir\nset sort=date-received\n'
            'set index_format="%%4C %%Z %%s"\nset folder=%s\n'
            'set spoolfile=%s\nset mark_old=no\n' % (work, root), root,
            len(MESSAGES))
        check(len(rows) == len(MESSAGES), "mutt lists %d messages:\n%s"
              % (len(MESSAGES), screen))
        for n, (subject, _, want) in enumerate(MESSAGES, 1):
            got = rows.get(n, ("???", ""))
            check(got == (want, subject), "mutt row %d: %r, want %r"
                  % (n, got, (want, subject)))
    finally:
        drv.close()
        shutil.rmtree(work, ignore_errors=True)
    finish()


main()
