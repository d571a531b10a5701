"""mutt reads our Maildir: messages written through gumdrop (append with
flags, and a delivery) are listed by `mutt -f ROOT` under tmux with the
flags we stored (mutt's %Z: N new, O old, r replied, D deleted,
! flagged).  mutt reads flags from the file names' ":2," part, as Dovecot
and mblaze do."""
import os
import re
import shutil
import subprocess
import tempfile
import time

import maildirlib
from gdtest import TIMEOUT, check, finish

# (subject, Maildir flag letters for the driver, expected %Z)
MESSAGES = [
    ("msg 1", "SF", "  !"),
    ("msg 2", "SR", "r  "),
    ("msg 3", "T", "OD "),
    ("msg 4", "S", "   "),
    ("msg 5", "-", "N  "),
]


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True,
                          timeout=TIMEOUT)


def mutt_index(work, root, count):
    tmux = maildirlib.require("tmux")
    maildirlib.require("mutt")
    rc = os.path.join(work, "muttrc")
    with open(rc, "w") as f:
        f.write('set mbox_type=Maildir\nset sort=date-received\n'
                'set index_format="%%4C %%Z %%s"\nset folder=%s\n'
                'set spoolfile=%s\nset mark_old=no\n' % (work, root))
    session = "gdmd%d" % os.getpid()
    run(tmux, "new-session", "-d", "-s", session, "-x", "120", "-y", "30",
        "env TERM=xterm HOME=%s mutt -n -R -F %s -f %s" % (work, rc, root))
    rows, screen = {}, ""
    try:
        for _ in range(50):             # at most 5 s
            time.sleep(0.1)
            screen = run(tmux, "capture-pane", "-p", "-t", session).stdout
            rows = {}
            for line in screen.splitlines():
                m = re.match(r"^\s*(\d+) (.{3}) (.*?)\s*$", line)
                if m:
                    rows[int(m.group(1))] = (m.group(2), m.group(3))
            if len(rows) >= count:
                break
    finally:
        run(tmux, "send-keys", "-t", session, "q")
        time.sleep(0.2)
        run(tmux, "kill-session", "-t", session)
    return rows, screen


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
        rows, screen = mutt_index(work, root, len(MESSAGES))
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
