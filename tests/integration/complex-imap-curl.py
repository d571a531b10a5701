"""complex: curl as an IMAP client (issue 9).  Three real-shaped messages
(dot lines, multipart) are delivered into the demo user's INBOX (over
SMTP for gumdrop); then, over imap:// (cleartext), imap:// with
--ssl-reqd (STARTTLS) and imaps:// (implicit TLS, our self-signed
certificate checked with --cacert):
  - the mailbox list (LIST) names INBOX;
  - `UID SEARCH ALL` (-X) gives three UIDs, ascending;
  - each UID's BODY[] (imap://.../INBOX;UID=n) is the stored message
    byte for byte; ;SECTION=TEXT is what follows its header;
    HEADER.FIELDS (SUBJECT) is that field and the blank line;
  - a SEARCH (?SUBJECT ...) finds exactly the message with that subject;
  - an upload (-T, APPEND) lands in the Maildir (line ends aside) and
    reads back byte for byte;
  - a wrong password is curl's "login denied" (67).
IMAP_TEST_PEER=dovecot runs the same checks against Dovecot
(tests/integration/README-imap.md)."""
import os
import re
import subprocess
import sys
import tempfile

from gdtest import TIMEOUT, check, finish
from imap_util import PASSWORD, USER, lf, make_message, require, \
    server

CURL = require("curl")


def curl(url, *args, user=USER, password=PASSWORD):
    r = subprocess.run([CURL, "-sS", "--max-time", str(int(TIMEOUT)),
                        "-u", "%s:%s" % (user, password)] + list(args) +
                       [url], capture_output=True, timeout=TIMEOUT + 5)
    return r.returncode, r.stdout, r.stderr.decode(errors="replace")


def uids(out):
    m = re.search(rb"^\* SEARCH([ 0-9]*)\r?$", out, re.M)
    return [int(x) for x in m.group(1).split()] if m else None


def session(srv, base, label, kept, tls=()):
    rc, out, err = curl(base, *tls)
    check(rc == 0 and re.search(rb'^\* LIST .* "?INBOX"?\r?$', out, re.M),
          "%s: LIST names INBOX (%d %s)" % (label, rc, err))
    rc, out, err = curl(base + "INBOX", "-X", "UID SEARCH ALL", *tls)
    got = uids(out) if rc == 0 else None
    check(got is not None and len(got) == len(kept) and
          got == sorted(got), "%s: UID SEARCH ALL: %d ascending UIDs "
          "(%r %d %s)" % (label, len(kept), got, rc, err))
    for uid, k in zip(got or [], kept):
        rc, out, err = curl(base + "INBOX;UID=%d" % uid, *tls)
        check(rc == 0 and out == k, "%s: UID %d BODY[] is the stored "
              "message (%d octets, rc %d %s)" % (label, uid, len(out),
                                                 rc, err))
    if not got:
        return got
    uid, k = got[0], kept[0]
    rc, out, err = curl(base + "INBOX;UID=%d;SECTION=TEXT" % uid, *tls)
    check(rc == 0 and out == k.split(b"\r\n\r\n", 1)[1],
          "%s: BODY[TEXT] is what follows the header (rc %d %s)"
          % (label, rc, err))
    rc, out, err = curl(base + "INBOX;UID=%d;SECTION=HEADER.FIELDS%%20"
                        "(SUBJECT)" % uid, *tls)
    subject = re.search(rb"\r\nSubject: [^\r]*\r\n", k).group(0)[2:]
    check(rc == 0 and out == subject + b"\r\n",
          "%s: BODY[HEADER.FIELDS (SUBJECT)] is that field and the "
          "blank line "
          "(%r, rc %d %s)" % (label, out, rc, err))
    rc, out, err = curl(base + "INBOX?SUBJECT%20curl-2", *tls)
    check(rc == 0 and uids(out) == [got[1]],
          "%s: SEARCH SUBJECT curl-2 finds UID %d only (%r)"
          % (label, got[1], out))
    return got


tmp = tempfile.mkdtemp(prefix="gdtest-imap-curl-")
srv = server(tmp)
try:
    sent = [make_message("curl-%d" % i, i) for i in (1, 2, 3)]
    kept = [srv.deliver(m) for m in sent]
    check(all(k.endswith(m) for k, m in zip(kept, sent)),
          "three messages delivered")
    plain = "imap://127.0.0.1:%d/" % srv.imap
    session(srv, plain, "imap://", kept)
    session(srv, plain, "imap:// STARTTLS", kept,
            ("--ssl-reqd", "--cacert", srv.cafile))
    session(srv, "imaps://127.0.0.1:%d/" % srv.imaps, "imaps://", kept,
            ("--cacert", srv.cafile))

    up = make_message("curl-upload", 4)
    path = os.path.join(tmp, "upload.eml")
    with open(path, "wb") as f:
        f.write(up)
    rc, out, err = curl(plain + "INBOX", "-T", path)
    inbox = [lf(m) for m in srv.folder("INBOX")]
    check(rc == 0 and len(inbox) == 4 and lf(up) in inbox,
          "curl -T (APPEND): the upload is in the Maildir (line ends "
          "aside: Dovecot stores LF) (%d messages, rc %d %s)"
          % (len(inbox), rc, err))
    rc, out, err = curl(plain + "INBOX", "-X", "UID SEARCH SUBJECT "
                        "curl-upload")
    got = uids(out) or [0]
    rc, out, err = curl(plain + "INBOX;UID=%d" % got[0])
    check(rc == 0 and out == up, "the upload read back by UID %d is the "
          "uploaded bytes exactly (%d octets, rc %d %s)"
          % (got[0], len(out), rc, err))

    rc, out, err = curl(plain, password="wrong")
    check(rc == 67, "a wrong password: curl's login denied, 67 (%d %s)"
          % (rc, err))
finally:
    srv.stop()
    if "-v" in sys.argv:
        print(srv.dump())
finish()
