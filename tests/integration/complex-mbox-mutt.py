"""mutt reads our mbox: `mutt -f FILE` runs under tmux; the index it
draws must list our messages in order with the flags we stored (mutt's
%Z: N new, O old, r replied, D deleted, ! flagged).  Then formail (from
procmail) splits the same file into the same number of messages."""
import subprocess

import gdtest
from gdtest import TIMEOUT, check, finish
from mboxtest import Store, need


def mutt_index(s):
    return gdtest.mutt_index(
        s.tmp, 'set mbox_type=mbox\nset sort=mailbox-order\n'
        'set index_format="%%4C %%Z %%s"\nset folder=%s\n'
        'set spoolfile=%s\nset mark_old=no\n' % (s.tmp, s.path()),
        s.path(), 5)


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
