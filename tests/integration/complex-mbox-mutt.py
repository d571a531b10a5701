"""mutt reads our mbox: `mutt -f FILE` runs under tmux; the index it
draws must list our messages in order with the flags we stored (mutt's
%Z: N new, O old, r replied, D deleted, ! flagged).  Then formail (from
procmail) splits the same file into the same number of messages."""
import os
import re
import subprocess
import time

from gdtest import TIMEOUT, check, finish
from mboxtest import Store, need


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True,
                          timeout=TIMEOUT)


def mutt_index(s):
    tmux = need("tmux", "tmux")
    need("mutt", "mutt")
    rc = os.path.join(s.tmp, "muttrc")
    with open(rc, "w") as f:
        f.write('set mbox_type=mbox\nset sort=mailbox-order\n'
                'set index_format="%%4C %%Z %%s"\nset folder=%s\n'
                'set spoolfile=%s\nset mark_old=no\n' % (s.tmp, s.path()))
    session = "gdmbox%d" % os.getpid()
    run(tmux, "new-session", "-d", "-s", session, "-x", "120", "-y", "30",
        "env TERM=xterm HOME=%s mutt -n -R -F %s -f %s" % (s.tmp, rc,
                                                          s.path()))
    rows = {}
    try:
        for _ in range(50):             # at most 5 s
            time.sleep(0.1)
            screen = run(tmux, "capture-pane", "-p", "-t", session).stdout
            rows = {}
            for line in screen.splitlines():
                m = re.match(r"^\s*(\d+) (.{3}) (.*?)\s*$", line)
                if m:
                    rows[int(m.group(1))] = (m.group(2), m.group(3))
            if len(rows) >= 5:
                break
    finally:
        run(tmux, "send-keys", "-t", session, "q")
        time.sleep(0.2)
        run(tmux, "kill-session", "-t", session)
    return rows, screen


def main():
    s = Store()
    try:
        for i in range(1, 5):
            s.deliver(b"Subject: msg %d\n\nbody %d\nFrom inside\n" % (i, i))
        s.flags(1, "+SF")
        s.flags(2, "+SA")
        s.flags(3, "+D")
        # Delivered after our last look: nobody claimed it, it is new.
        s.deliver(b"Subject: msg 5\n\nbody 5\n")
        rows, screen = mutt_index(s)
        check(len(rows) == 5, "mutt lists 5 messages:\n" + screen)
        want = {1: "  !", 2: "r  ", 3: "OD ", 4: "O  ", 5: "N  "}
        for n, flags in want.items():
            got = rows.get(n, ("???", ""))
            check(got[0] == flags and got[1] == "msg %d" % n,
                  "mutt row %d: %r, want %r" % (n, got, flags))
        formail = need("formail", "procmail")
        with open(s.path(), "rb") as f:
            r = subprocess.run([formail, "-s", "formail", "-c", "-x",
                                "Subject:"], stdin=f, capture_output=True,
                               timeout=TIMEOUT)
        subjects = r.stdout.decode().split()
        check(subjects == ["msg", "1", "msg", "2", "msg", "3", "msg", "4",
                           "msg", "5"], "formail splits 5 messages: %r"
              % subjects)
    finally:
        s.cleanup()
    finish()


main()
