"""mbox interop with Python's mailbox module, both ways.

Ours -> Python: messages delivered with gumdropctl and flagged through
the API are found by mailbox.mbox with the same bodies and the same
flags (mboxMessage.get_flags() reads Status and X-Status).  Python reads
mboxo: it leaves ">From " lines quoted, so for messages with such lines
it must show exactly one more ">" than we serve.

Python -> ours: an mbox Python writes (with flags) is read by the
backend with the same bodies and flags; a message Python appends later
gets the next UID, and keeps it when our sidecar is deleted.
"""
import mailbox
import os

from gdtest import check, finish
from mboxtest import Store

PLAIN = [
    b"Subject: one\n\nfirst body\n",
    b"Subject: two\r\nX-Other: x\r\n\r\nsecond\r\nbody\r\n",
    b"Subject: three\n\nno newline at the end",
]
QUOTED = b"Subject: quoted\n\nFrom the start\n>From once\n>>From twice\n"


def crlf(data):
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def ours_to_python(s):
    for m in PLAIN + [QUOTED]:
        s.deliver(m)
    s.flags(1, "+SF")
    s.flags(2, "+SA")
    s.flags(3, "+D")
    box = mailbox.mbox(s.path(), create=False)
    msgs = list(box)
    check(len(msgs) == 4, "python finds our 4 messages (%d)" % len(msgs))
    for i, m in enumerate(PLAIN):
        body = m.split(b"\n\n", 1)[1] if b"\n\n" in m else \
            m.split(b"\r\n\r\n", 1)[1]
        got = msgs[i].get_payload(decode=False).encode()
        if not m.endswith(b"\n"):
            got = got.rstrip(b"\n")     # mboxo adds the line end
        if m.endswith(b"\r\n"):
            # Python's reader knows only "\n" blank lines: it keeps the
            # "\r\n" that separates a CRLF message from the next.
            body += b"\r\n"
        check(got == body, "body %d equal (%r)" % (i + 1, got))
        check(msgs[i]["subject"] == m.split(b"\n")[0][9:].strip().decode(),
              "subject %d equal" % (i + 1))
        check(crlf(m) == s.fetch(i + 1), "we serve message %d as stored"
              % (i + 1))
    check(set(msgs[0].get_flags()) == set("ROF"), "flags 1: %s"
          % msgs[0].get_flags())
    check(set(msgs[1].get_flags()) == set("ROA"), "flags 2: %s"
          % msgs[1].get_flags())
    check(set(msgs[2].get_flags()) == set("OD"), "flags 3: %s"
          % msgs[2].get_flags())
    check(msgs[3].get_flags() == "O", "flags 4: %s" % msgs[3].get_flags())
    served = s.fetch(4)
    check(served == crlf(QUOTED), "we unquote From lines (%r)" % served)
    py = msgs[3].get_payload().encode()
    check(py == b">From the start\n>>From once\n>>>From twice\n",
          "python (mboxo) keeps our quoting (%r)" % py)
    box.close()


def python_to_ours(s):
    os.makedirs(s.root, exist_ok=True)
    box = mailbox.mbox(s.path("Py"), create=True)
    box.lock()
    for i, flags in enumerate(["RO", "ROFA", "O", ""]):
        m = mailbox.mboxMessage(b"Subject: py %d\n\npython body %d\n"
                                % (i, i))
        m.set_from("python@example.org")
        m.set_flags(flags)
        box.add(m)
    box.flush()
    box.unlock()
    box.close()
    msgs, uidnext = s.listing("Py")
    check([m[0] for m in msgs] == [1, 2, 3, 4], "UIDs 1..4 (%s)" % msgs)
    check([m[1] for m in msgs] == ["S", "SAF", "-", "-"],
          "flags read from Python's Status/X-Status (%s)" % msgs)
    for i in range(4):
        want = b"Subject: py %d\r\n\r\npython body %d\r\n" % (i, i)
        check(s.fetch(i + 1, "Py") == want, "content of Python's %d" % i)
    # Python appends again: the next UID, stable without our sidecar.
    box = mailbox.mbox(s.path("Py"))
    box.lock()
    box.add(mailbox.mboxMessage(b"Subject: late\n\nlate\n"))
    box.flush()
    box.unlock()
    box.close()
    msgs, uidnext = s.listing("Py")
    check(msgs[-1][0] == 5 and uidnext == 6, "late message gets UID 5")
    os.unlink(os.path.join(s.root, ".Py.mbox.gdstate"))
    msgs, uidnext = s.listing("Py")
    check([m[0] for m in msgs] == [1, 2, 3, 4, 5] and uidnext == 6,
          "UIDs kept without the sidecar (%s)" % msgs)
    # And Python still reads it after our rewrites.
    box = mailbox.mbox(s.path("Py"))
    check(len(box) == 5, "python reads the file we rewrote")
    check(set(box[1].get_flags()) == set("ROFA"), "flags kept for Python")
    box.close()


def main():
    s = Store()
    try:
        s.ctl("mailbox", "create", s.user, "Py")
        ours_to_python(s)
        python_to_ours(s)
    finally:
        s.cleanup()
    finish()


main()
