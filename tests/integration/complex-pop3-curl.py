"""complex: curl as a POP3 client of a real gumdropd (issue 8).  Three
real-shaped messages (dot lines, multipart) are delivered over SMTP into
the demo user's Maildir; then `curl pop3://` lists them (the sizes are
the stored messages' octet counts), RETRs each (the bytes equal the
stored message: what was sent after our Return-Path:/Received: trace),
sends UIDL (16 lowercase hex each, stable across sessions), TOP, and
DELE (-X DELE -I: the message is gone once curl's session QUITs, the
others stay); `curl --ssl-reqd pop3://` does the same over STLS, and
`curl pop3s://` over implicit TLS, checking our self-signed certificate
(--cacert); a wrong password is curl's "login denied" (67)."""
import re
import subprocess
import sys
import tempfile

import gdtest
from gdtest import TIMEOUT, check, finish
from pop3_util import PASSWORD, USER, make_message, require, server

CURL = require("curl")


def curl(url, *args, user=USER, password=PASSWORD):
    r = subprocess.run([CURL, "-sS", "--max-time", str(int(TIMEOUT)),
                        "-u", "%s:%s" % (user, password)] + list(args) +
                       [url], capture_output=True, timeout=TIMEOUT + 5)
    return r.returncode, r.stdout, r.stderr.decode(errors="replace")


def listing(text):
    """{number: size} from LIST's or UIDL's lines."""
    out = {}
    for line in text.decode().splitlines():
        n, v = line.split(" ", 1)
        out[int(n)] = v
    return out


tmp = tempfile.mkdtemp(prefix="gdtest-pop3-curl-")
srv = server(tmp)
try:
    sent = [make_message("curl-%d" % i, i) for i in (1, 2, 3)]
    kept = [srv.deliver(m) for m in sent]
    check(all(k.endswith(m) for k, m in zip(kept, sent)),
          "three messages delivered over SMTP")
    base = "pop3://127.0.0.1:%d/" % srv.pop3

    rc, out, err = curl(base)
    sizes = listing(out) if rc == 0 else {}
    check(rc == 0, "curl pop3:// LIST succeeds (%d %s)" % (rc, err))
    check(sizes == {i + 1: str(len(k)) for i, k in enumerate(kept)},
          "LIST: three messages, sizes = stored octets (%r)" % sizes)

    for i, k in enumerate(kept, 1):
        rc, out, err = curl(base + str(i))
        check(rc == 0 and out == k,
              "RETR %d: the stored message byte for byte (%d octets, "
              "rc %d %s)" % (i, len(out), rc, err))
    check(b"\r\n.a line" in kept[0] and b"\r\n.\r\n" in kept[0],
          "the messages hold dot-started and lone-dot lines")

    rc, out, err = curl(base, "-X", "UIDL")
    uidl = listing(out) if rc == 0 else {}
    check(rc == 0 and len(uidl) == 3 and
          all(re.fullmatch("[0-9a-f]{16}", u) for u in uidl.values()) and
          len(set(uidl.values())) == 3,
          "UIDL: three distinct 16-hex values (%r %s)" % (uidl, err))

    rc, out, err = curl(base, "-X", "TOP 2 0")
    head = kept[1].split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
    check(rc == 0 and out == head, "TOP 2 0: the header and the blank "
          "line (%r)" % out[-40:])

    rc, out, err = curl(base + "2", "-X", "DELE", "-I")
    check(rc == 0, "DELE 2 accepted (%d %s)" % (rc, err))
    now = srv.inbox()
    check(now == [kept[0], kept[2]],
          "after QUIT: message 2 expunged, 1 and 3 kept (%d left)"
          % len(now))
    rc, out, err = curl(base)
    check(rc == 0 and listing(out) == {1: str(len(kept[0])),
                                       2: str(len(kept[2]))},
          "next session: two messages, renumbered")
    rc, out, err = curl(base, "-X", "UIDL")
    again = listing(out) if rc == 0 else {}
    check(again == {1: uidl.get(1), 2: uidl.get(3)},
          "UIDL: the kept messages keep their values (%r)" % again)

    # STLS on the pop3 listener, with the certificate checked.
    rc, out, err = curl(base + "1", "--ssl-reqd", "--cacert", srv.cafile)
    check(rc == 0 and out == kept[0],
          "STLS (--ssl-reqd --cacert): RETR 1 byte for byte (%d %s)"
          % (rc, err))
    # Implicit TLS.
    tls = "pop3s://127.0.0.1:%d/" % srv.pop3s
    rc, out, err = curl(tls, "--cacert", srv.cafile)
    check(rc == 0 and listing(out) == {1: str(len(kept[0])),
                                       2: str(len(kept[2]))},
          "pop3s:// (--cacert) LIST (%d %s)" % (rc, err))
    rc, out, err = curl(tls + "2", "--cacert", srv.cafile)
    check(rc == 0 and out == kept[2],
          "pop3s:// RETR 2 byte for byte (%d %s)" % (rc, err))
    rc, out, err = curl(tls + "1", "--cacert", srv.cafile, "-X", "DELE",
                        "-I")
    check(rc == 0 and srv.inbox() == [kept[2]],
          "pop3s:// DELE 1: expunged at QUIT (%d %s)" % (rc, err))
    rc, out, err = curl(tls, "--cacert", srv.cafile, "-X", "DELE",
                        "-I", password="wrong")
    check(rc == 67, "wrong password: curl's login denied, 67 (%d)" % rc)
    check(srv.inbox() == [kept[2]], "a refused login deletes nothing")
    rc, out, err = curl(base + "9")
    check(rc != 0 and out == b"", "RETR of a message that does not exist "
          "fails (%d)" % rc)
finally:
    srv.stop()
    if gdtest.failures:
        sys.stdout.write(srv.dump()[-4000:] + "\n")
finish()
