"""complex: mutt as an IMAP client (issue 9), over imaps:// with the test
CA (ssl_ca_certificates_file: the certificate is checked), in tmux.
Three messages are delivered to the demo user's INBOX; then:
  - mutt's index (gdtest.mutt_index, read-only) lists the three
    subjects, each new (%Z "N");
  - in an interactive mutt the first message is opened (its body shows
    in the pager), the second flagged (F), the third saved to =Archive
    (s: mutt copies it and marks it deleted), and the changes synced
    ($: flags STOREd, the deleted one expunged);
  - the server then has, read through imaplib: INBOX with the first two,
    the first \\Seen and not \\Flagged, the second \\Flagged and not
    \\Seen; Archive with the third, the stored bytes exactly;
  - mutt's index of INBOX shows the first read and the second new and
    flagged ("N !"), and =Archive's index the third.
IMAP_TEST_PEER=dovecot runs the same against Dovecot
(tests/integration/README-imap.md)."""
import imaplib
import os
import re
import ssl
import subprocess
import sys
import tempfile
import time

from gdtest import TIMEOUT, check, finish, mutt_index
from imap_util import PASSWORD, USER, make_message, require, server

TMUX = require("tmux")
MUTT = require("mutt")


class Mutt:
    """An interactive mutt in a tmux session: keys in, screen out."""

    def __init__(self, workdir, muttrc):
        self.name = "gdimapmutt%d" % os.getpid()
        self.tmux("new-session", "-d", "-s", self.name, "-x", "120",
                  "-y", "30", "env TERM=xterm HOME=%s %s -n -F %s"
                  % (workdir, MUTT, muttrc))

    def tmux(self, *args):
        return subprocess.run([TMUX] + list(args), capture_output=True,
                              text=True, timeout=TIMEOUT)

    def screen(self):
        return self.tmux("capture-pane", "-p", "-t", self.name).stdout

    def wait(self, pattern, seconds=10):
        """The screen once `pattern` (a regex) is on it, else None."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            text = self.screen()
            if re.search(pattern, text, re.M):
                return text
            time.sleep(0.1)
        return None

    def keys(self, *keys):
        self.tmux("send-keys", "-t", self.name, *keys)

    def close(self):
        self.tmux("kill-session", "-t", self.name)


def seen(ok, screen):
    """check()'s message tail: the screen, for a failure only."""
    return "" if ok else ":\n" + screen


def muttrc(workdir, srv):
    path = os.path.join(workdir, "muttrc-rw")
    with open(path, "w") as f:
        f.write(f"""set folder="imaps://{USER}@127.0.0.1:{srv.imaps}/"
set spoolfile="+INBOX"
set imap_pass="{PASSWORD}"
set ssl_ca_certificates_file="{srv.cafile}"
set certificate_file="{workdir}/mutt-certs"
set index_format="%4C %Z %s"
set sort=mailbox-order
set mark_old=no
set move=no
set delete=yes
set confirmappend=no
set confirmcreate=no
set wait_key=no
set quit=yes
set pager_index_lines=0
set header_cache=""
set message_cachedir=""
set imap_check_subscribed=no
""")
    with open(path) as f:
        return path, f.read()


def server_state(srv):
    """{folder: [(flags text, bytes)]} of INBOX and Archive via imaplib."""
    ctx = ssl.create_default_context(cafile=srv.cafile)
    c = imaplib.IMAP4_SSL("127.0.0.1", srv.imaps, ssl_context=ctx,
                          timeout=TIMEOUT)
    c.login(USER, PASSWORD)
    out = {}
    for box in ("INBOX", "Archive"):
        typ, count = c.select(box, readonly=True)
        out[box] = []
        if typ != "OK" or count[0] == b"0":
            continue
        typ, data = c.fetch("1:*", "(FLAGS BODY.PEEK[])")
        for item in data:
            if isinstance(item, tuple):
                flags = re.search(rb"FLAGS \(([^)]*)\)", item[0])
                out[box].append((flags.group(1).decode() if flags else "?",
                                 item[1]))
        c.close()
    c.logout()
    return out


def interact(m):
    """Read 1, flag 2, save 3 to =Archive, sync; True when mutt went
    through every step."""
    screen = m.wait(r"^\s+3 N.. test mutt-3", 20)
    check(screen is not None, "interactive mutt shows the index%s"
          % seen(screen, m.screen()))
    if screen is None:
        return False
    m.keys("Enter")                         # open message 1 in the pager
    screen = m.wait(r"this is message 1 \(mutt-1\)")
    check(screen is not None, "message 1 opens in the pager, its body "
          "shown%s" % seen(screen, m.screen()))
    m.keys("i")                             # back to the index
    check(m.wait(r"^\s+1 ... test mutt-1") is not None, "back to the index")
    m.keys("j", "F")                        # flag message 2
    screen = m.wait(r"^\s+2 N.! test mutt-2")
    check(screen, "message 2 shows flagged%s" % seen(screen, m.screen()))
    m.keys("j", "s")                        # save message 3
    screen = m.wait(r"Save to mailbox")
    check(screen, "mutt asks where to save%s" % seen(screen, m.screen()))
    m.keys("C-u", "=Archive", "Enter")
    screen = m.wait(r"^\s+3 .D. test mutt-3")
    check(screen, "message 3 saved and marked deleted%s"
          % seen(screen, m.screen()))
    m.keys("$")                             # sync: STORE, EXPUNGE
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "test mutt-3" in m.screen():
        time.sleep(0.1)
    screen = m.screen()
    gone = "test mutt-3" not in screen and "test mutt-2" in screen
    check(gone, "after $ the saved message left mutt's INBOX%s"
          % seen(gone, screen))
    return True


def main():
    tmp = tempfile.mkdtemp(prefix="gdtest-imap-mutt-")
    srv = server(tmp)
    m = None
    try:
        kept = [srv.deliver(make_message("mutt-%d" % i, i))
                for i in (1, 2, 3)]
        rcfile, text = muttrc(tmp, srv)
        rows, screen = mutt_index(tmp, text, "imaps://%s@127.0.0.1:%d/"
                                  "INBOX" % (USER, srv.imaps), 3, 20)
        ok = [rows.get(n) for n in (1, 2, 3)] == \
            [("N  ", "test mutt-%d" % n) for n in (1, 2, 3)]
        check(ok, "mutt's index over imaps: three new messages%s"
              % seen(ok, screen))
        m = Mutt(tmp, rcfile)
        went = interact(m)
        m.keys("q")
        time.sleep(0.3)
        m.close()
        m = None
        state = server_state(srv)
        inbox, archive = state["INBOX"], state["Archive"]
        check([b for _, b in inbox] == kept[:2], "the server's INBOX "
              "holds messages 1 and 2 (%d messages)" % len(inbox))
        if went and len(inbox) == 2:
            f1, f2 = inbox[0][0].split(), inbox[1][0].split()
            check("\\Seen" in f1 and "\\Flagged" not in f1,
                  "message 1 is \\Seen (read in mutt): %s" % f1)
            check("\\Flagged" in f2 and "\\Seen" not in f2,
                  "message 2 is \\Flagged, unread: %s" % f2)
        check([b for _, b in archive] == [kept[2]], "Archive holds "
              "message 3, the stored bytes exactly (%d messages)"
              % len(archive))
        rows, screen = mutt_index(tmp, text, "imaps://%s@127.0.0.1:%d/"
                                  "INBOX" % (USER, srv.imaps), 2, 20)
        ok = [rows.get(n) for n in (1, 2, 3)] == \
            [("   ", "test mutt-1"), ("N !", "test mutt-2"), None]
        check(ok, "mutt's index again: 1 read, 2 new and flagged%s"
              % seen(ok, screen))
        rows, screen = mutt_index(tmp, text, "imaps://%s@127.0.0.1:%d/"
                                  "Archive" % (USER, srv.imaps), 1, 20)
        ok = list(rows.values()) == [("N  ", "test mutt-3")]
        check(ok, "mutt's index of Archive: message 3, new%s"
              % seen(ok, screen))
    finally:
        if m is not None:
            m.close()
        srv.stop()
        if "-v" in sys.argv:
            print(srv.dump())
    finish()


main()
