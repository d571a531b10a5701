"""Maildir interoperability: messages written through gumdrop's maildir
backend (flags, keywords, folders) are read back by Python's
mailbox.Maildir byte for byte with the same flags, and by Dovecot over
IMAP with the same messages, flags and keywords; a flag Dovecot changes
is seen by gumdrop's sync with the same UID."""
import imaplib
import mailbox
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import gdtest  # noqa: E402
from gdtest import check, finish  # noqa: E402
import maildirlib  # noqa: E402

MESSAGES = [
    # (content, flags, keywords, mailbox)
    (b"From: a@example.com\r\nSubject: plain\r\n\r\nhello\r\n",
     "-", "-", "INBOX"),
    (b"From: b@example.com\r\nSubject: seen flagged\r\n\r\nbody\r\n",
     "SF", "-", "INBOX"),
    (b"From: c@example.com\r\nSubject: keywords\r\n\r\nkw\r\n",
     "R", "$Label1,work", "INBOX"),
    (b"From: d@example.com\r\nSubject: draft\r\n\r\ndraft\r\n",
     "DT", "-", "Lists/gumdrop"),
]

IMAP_FLAGS = {"S": "\\Seen", "R": "\\Answered", "F": "\\Flagged",
              "T": "\\Deleted", "D": "\\Draft"}


def letters(flags, kws, kwmap):
    """The info letters we expect in the file name."""
    out = set("" if flags == "-" else flags)
    if kws != "-":
        for k in kws.split(","):
            out.add(chr(ord("a") + kwmap[k]))
    return "".join(sorted(out))


def main():
    work = tempfile.mkdtemp(prefix="gd-maildir-interop-")
    template = os.path.join(work, "mail", "%u")
    root = os.path.join(work, "mail", "alice")
    drv = maildirlib.Driver(template, "alice")
    drv.ok("create Lists/gumdrop")
    uids = []
    for i, (content, flags, kws, box) in enumerate(MESSAGES):
        path = os.path.join(work, "msg%d" % i)
        with open(path, "wb") as f:
            f.write(content)
        (uid,), _ = drv.ok("append %s %s %s %d %s"
                           % (box, flags, kws, 1700000000 + i, path))
        uids.append(int(uid))
    check(uids[:3] == [1, 2, 3], "UIDs 1, 2, 3 in INBOX: %r" % uids)
    kwmap = {"$Label1": 0, "work": 1}
    with open(os.path.join(root, "dovecot-keywords")) as f:
        check(f.read() == "0 $Label1\n1 work\n", "dovecot-keywords")

    # Python's mailbox module.
    md = mailbox.Maildir(root, factory=None, create=False)
    got = {}
    for key in md.keys():
        msg = md.get_message(key)
        with md.get_file(key) as f:
            got[f.read()] = msg.get_flags()
    for content, flags, kws, box in MESSAGES:
        if box != "INBOX":
            continue
        check(content in got, "mailbox.Maildir has %r" % content[:30])
        if content in got:
            check(got[content] == letters(flags, kws, kwmap)
                  or (flags == "-" and kws == "-" and got[content] == ""),
                  "flags %r == %r" % (got[content],
                                      letters(flags, kws, kwmap)))
    check(set(md.list_folders()) == {"Lists.gumdrop"},
          "folders: %r" % md.list_folders())
    sub = md.get_folder("Lists.gumdrop")
    check(len(sub) == 1, "Lists.gumdrop has one message")
    check(os.path.exists(os.path.join(root, ".Lists.gumdrop",
                                      "maildirfolder")), "maildirfolder")

    # Dovecot over IMAP.
    dv = maildirlib.Dovecot(os.path.join(work, "dovecot"), root, "alice",
                            "secret")
    try:
        imap = imaplib.IMAP4("127.0.0.1", dv.port)
        imap.login("alice", "secret")
        typ, boxes = imap.list()
        names = b" ".join(boxes)
        check(b"INBOX" in names and b"gumdrop" in names,
              "Dovecot lists INBOX and Lists.gumdrop: %r" % boxes)
        typ, data = imap.select("INBOX", readonly=True)
        check(int(data[0]) == 3, "Dovecot sees 3 messages: %r" % data)
        typ, data = imap.fetch("1:*", "(FLAGS RFC822.SIZE BODY.PEEK[])")
        fetched = [d for d in data if isinstance(d, tuple)]
        for (meta, body), (content, flags, kws, box) in zip(
                fetched, MESSAGES):
            check(body == content, "Dovecot serves the same bytes")
            size = int(re.search(rb"RFC822.SIZE (\d+)", meta).group(1))
            check(size == len(content), "RFC822.SIZE %d" % size)
            fl = re.search(rb"FLAGS \(([^)]*)\)", meta).group(1).decode()
            want = {IMAP_FLAGS[c] for c in ("" if flags == "-" else flags)}
            want |= set() if kws == "-" else set(kws.split(","))
            have = set(fl.split()) - {"\\Recent"}
            check(have == want, "Dovecot flags %r == %r" % (have, want))
        imap.close()
        # Dovecot changes a flag: gumdrop sees it under the same UID.
        imap.select("INBOX")
        imap.store("1", "+FLAGS", "(\\Flagged)")
        imap.logout()
    finally:
        dv.stop()
    _, msgs = drv.ok("open INBOX")
    _, msgs = drv.ok("list")
    check(len(msgs) == 3, "gumdrop still has 3 messages")
    first = [m for m in msgs if m[1] == str(uids[0])]
    check(len(first) == 1 and "F" in first[0][2],
          "gumdrop sees Dovecot's \\Flagged on UID %d: %r" % (uids[0],
                                                             first))
    kw = [m for m in msgs if m[1] == str(uids[2])]
    check(len(kw) == 1 and kw[0][3] == "$Label1,work",
          "keywords after Dovecot: %r" % kw)
    drv.close()
    shutil.rmtree(work, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
