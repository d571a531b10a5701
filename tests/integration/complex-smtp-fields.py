"""complex: the delivered copy (smtp service 1.1, issue 10): the
smtp-test fixture adds header fields at smtp.mail and smtp.data-end
(one of them folded by the caller), drops Authentication-Results fields
of our authserv-id "mx.test" from smtp.data, and quarantines mail for
recipients whose local part starts with "junk"; local-delivery (after
smtp-test at data-end) delivers into Maildirs.  Mail goes in over SMTP
DATA, SMTP BDAT and LMTP; each Maildir file is read back with Python's
mailbox module: Return-Path, then the added fields in call order, then
Received:, then the message less the dropped fields, the other fields
and the body byte-identical; the same with the mbox backend (Python's
mailbox.mbox).  Quarantined mail lands in "Junk" (created
with \\Junk) or in the user's own \\Junk mailbox ("Spam", made with
IMAP CREATE USE), readable over IMAP.  Refused calls (add_field after
the transaction, drop_fields at data-end) show in the fixture's log."""
import imaplib
import mailbox
import os
import re
import smtplib
import time

from gdtest import TIMEOUT, Daemon, check, finish, free_port
from smtplib_util import Raw, connect, events, fixture_modules

USERS = ("demo:{PLAIN}demo::::::\nalice:{PLAIN}alice::::::\n"
         "junkie:{PLAIN}junkie::::::\njunk2:{PLAIN}junk2::::::\n")
SPF = ("Received-SPF: pass (mx.test: domain of alice@example.test "
       "designates 127.0.0.1 as permitted sender) client-ip=127.0.0.1; "
       "envelope-from=alice@example.test; helo=client.test")
AR = ("Authentication-Results: mx.test; spf=pass "
      "smtp.mailfrom=example.test; dkim=pass header.d=example.test "
      "header.s=sel header.b=abcdefgh; dmarc=pass header.from=example.test")
# Folded by the caller (YAML escapes): kept byte for byte.
DKIM_YAML = ("DKIM-Signature: v=1; a=ed25519-sha256; d=example.test; "
             "s=sel;\\r\\n\\th=from:to:subject; bh=AAAA=;\\r\\n\\tb=BBBB")
DKIM = DKIM_YAML.replace("\\r\\n", "\r\n").replace("\\t", "\t").encode()

MESSAGE = (b"Authentication-Results: mx.test; spf=pass (forged)\r\n"
           b"Authentication-Results: other.test; spf=fail\r\n"
           b"From: alice@example.test\r\n"
           b"To: demo@localhost\r\n"
           b"Subject: fields %s\r\n"
           b"Authentication-Results: mx.test;\r\n"
           b"\tdkim=pass (forged, folded)\r\n"
           b"X-Keep: yes\r\n"
           b"\r\n"
           b"body line 1\r\n"
           b"Authentication-Results: mx.test; in the body it stays\r\n"
           b".a line with a leading dot\r\n")


def expected_rest(tag):
    """The message as it must be stored after our Received: field."""
    m = MESSAGE % tag
    m = m.replace(b"Authentication-Results: mx.test; spf=pass (forged)"
                  b"\r\n", b"", 1)
    return m.replace(b"Authentication-Results: mx.test;\r\n"
                     b"\tdkim=pass (forged, folded)\r\n", b"", 1)


def start(storage="maildir"):
    mx, lmtp, imap = free_port(), free_port(), free_port()
    d = Daemon("", modules=fixture_modules())
    mail = os.path.join(d.tmp, "mail")
    st = os.path.join(d.tmp, "st")
    os.makedirs(st)
    users = os.path.join(d.tmp, "users")
    with open(users, "w") as f:
        f.write(USERS)
    with open(d.config, "w") as f:
        f.write(f"""
workers: 2
blocking-threads: 2
modules:
  load: [{storage}, realm-file, sasl-plain, smtp, local-delivery,
         smtp-test, imap]
hooks:
  "smtp.data-end": [smtp-test, local-delivery]
# No Junk among the special-use folders made at first use: the
# quarantine must find or make the \\Junk mailbox itself.
{storage}:
  path: {mail}/%u
  special-use: {{Sent: sent, Drafts: drafts, Trash: trash}}
realm-file: {{path: {users}, allow-plaintext-secrets: true}}
smtp:
  hostname: mx.test
  reverse-dns: false
local-delivery:
  domains: [localhost, example.test]
  postmaster: demo
  storage: {storage}
smtp-test:
  dir: {st}
  pass-data-end: true
  add-mail: ["{SPF}", "Bad Name: x", "X-Bad: line\\nbreak"]
  add-data-end: ["{AR}", "{DKIM_YAML}"]
  drop: ["Authentication-Results: mx.test;"]
  quarantine: junk
imap:
  storage: {storage}
  special-use: {{Drafts: \\Drafts, Sent: \\Sent, Trash: \\Trash}}
listeners:
  - {{name: mx, address: "127.0.0.1:{mx}", protocol: smtp}}
  - {{name: lmtp, address: "127.0.0.1:{lmtp}", protocol: lmtp}}
  - {{name: imap, address: "127.0.0.1:{imap}", protocol: imap,
     sasl: {{realm: file, mechanisms: [PLAIN],
            plaintext-without-tls: true, failure-delay: 0}}}}
""")
    d.start()
    return d, mail, st, mx, lmtp, imap


def stored(mail, user, folder=None):
    path = os.path.join(mail, user)
    if folder is not None:
        path = os.path.join(path, "." + folder)
    if not os.path.isdir(os.path.join(path, "new")):
        return []
    box = mailbox.Maildir(path, factory=None, create=False)
    return [box.get_bytes(k) for k in sorted(box.keys())]


def wait_stored(mail, user, tag, folder=None):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        got = [m for m in stored(mail, user, folder) if tag in m]
        if got:
            return got[0]
        time.sleep(0.05)
    return None


def fields(raw):
    """The header's fields as whole byte strings (folds kept)."""
    head = raw.split(b"\r\n\r\n", 1)[0] + b"\r\n"
    return re.findall(rb"[^ \t\r\n][^\r\n]*\r\n(?:[ \t][^\r\n]*\r\n)*",
                      head)


def check_copy(raw, tag, how):
    """The documented order and content of one delivered copy."""
    if raw is None:
        check(False, f"{how}: message stored")
        return
    f = fields(raw)
    check(len(f) >= 5 and f[0] == b"Return-Path: <alice@example.test>\r\n",
          f"{how}: Return-Path first")
    names = [x.split(b":", 1)[0] for x in f[1:5]]
    check(names == [b"Received-SPF", b"Authentication-Results",
                    b"DKIM-Signature", b"Received"],
          f"{how}: added fields in call order, then Received: ({names})")
    unfolded = [re.sub(rb"\r\n[ \t]", b" ", x)[:-2].decode() for x in f]
    check(unfolded[1] == SPF and unfolded[2] == AR,
          f"{how}: the added values unfold to what the module gave")
    check(all(len(line) <= 78 for x in f[1:3]
              for line in x[:-2].split(b"\r\n")) and b"\r\n " in f[1],
          f"{how}: the long fields folded within 78 columns")
    check(f[3] == DKIM + b"\r\n",
          f"{how}: the caller-folded field kept byte for byte")
    rest = raw[raw.index(f[4]) + len(f[4]):]
    check(rest == expected_rest(tag),
          f"{how}: ours dropped (folded too), others and body identical")


def send_data(mx, tag):
    with smtplib.SMTP("127.0.0.1", mx, timeout=TIMEOUT) as s:
        s.ehlo("client.test")
        s.sendmail("alice@example.test", ["demo@localhost"],
                   MESSAGE % tag)


def send_bdat(mx, tag, rcpt="demo@localhost"):
    c = connect(mx)
    c.cmd("EHLO client.test")
    check(c.cmd("MAIL FROM:<alice@example.test>")[0] == 250, "bdat: MAIL")
    check(c.cmd(f"RCPT TO:<{rcpt}>")[0] == 250, "bdat: RCPT")
    body = MESSAGE % tag
    half = len(body) // 2
    c.send(b"BDAT %d\r\n" % half + body[:half])
    check(c.reply()[0] == 250, "bdat: first chunk")
    c.send(b"BDAT %d LAST\r\n" % (len(body) - half) + body[half:])
    code = c.reply()[0]
    check(code == 250, f"bdat: LAST delivered ({code})")
    c.cmd("QUIT")
    c.close()


def send_lmtp(lmtp, tag, rcpts):
    c = connect(lmtp)
    c.cmd("LHLO client.test")
    c.cmd("MAIL FROM:<alice@example.test>")
    for r in rcpts:
        check(c.cmd(f"RCPT TO:<{r}>")[0] == 250, f"lmtp: RCPT {r}")
    check(c.cmd("DATA")[0] == 354, "lmtp: DATA")
    body = (MESSAGE % tag).replace(b"\r\n.", b"\r\n..")
    c.send(body + b".\r\n")
    codes = [c.reply()[0] for _ in rcpts]
    check(codes == [250] * len(rcpts), f"lmtp: one 250 per rcpt {codes}")
    c.cmd("QUIT")
    c.close()


def imap_junk(port, user, box, tag):
    """The quarantined message over IMAP: LIST says \\Junk, FETCH has it."""
    with imaplib.IMAP4("127.0.0.1", port, timeout=TIMEOUT) as m:
        m.login(user, user)
        typ, lines = m.list()
        junk = [x for x in lines if b"\\Junk" in x and box.encode() in x]
        check(typ == "OK" and junk, f"imap {user}: {box} listed as \\Junk")
        typ, _ = m.select(box, readonly=True)
        check(typ == "OK", f"imap {user}: SELECT {box}")
        typ, data = m.fetch("1:*", "(BODY.PEEK[])")
        bodies = [x[1] for x in data if isinstance(x, tuple)]
        check(any(tag in b and b"Authentication-Results: mx.test; spf=pass"
                  b" smtp.mailfrom" in b for b in bodies),
              f"imap {user}: the quarantined copy with our fields")
        m.select("INBOX", readonly=True)
        typ, data = m.search(None, "ALL")
        check(typ == "OK" and data[0] == b"", f"imap {user}: INBOX empty")


d, mail, st, mx, lmtp, imap = start()
try:
    send_data(mx, b"data-1")
    check_copy(wait_stored(mail, "demo", b"fields data-1"), b"data-1",
               "DATA")
    send_bdat(mx, b"bdat-1")
    check_copy(wait_stored(mail, "demo", b"fields bdat-1"), b"bdat-1",
               "BDAT")
    send_lmtp(lmtp, b"lmtp-1", ["alice@localhost", "demo@localhost"])
    for user in ("alice", "demo"):
        check_copy(wait_stored(mail, user, b"fields lmtp-1"), b"lmtp-1",
                   f"LMTP {user}")

    # Quarantine: no \Junk mailbox yet, so "Junk" is made (with \Junk).
    send_bdat(mx, b"junk-1", rcpt="junkie@localhost")
    raw = wait_stored(mail, "junkie", b"fields junk-1", folder="Junk")
    check_copy(raw, b"junk-1", "quarantined")
    check(stored(mail, "junkie") == [], "quarantined: INBOX untouched")
    imap_junk(imap, "junkie", "Junk", b"junk-1")

    # A user whose own \Junk mailbox is "Spam" gets it there.
    with imaplib.IMAP4("127.0.0.1", imap, timeout=TIMEOUT) as m:
        m.login("junk2", "junk2")
        typ, _ = m._simple_command("CREATE", "Spam", "(USE (\\Junk))")
        check(typ == "OK", "imap: CREATE Spam (USE (\\Junk))")
    with smtplib.SMTP("127.0.0.1", mx, timeout=TIMEOUT) as s:
        s.sendmail("alice@example.test", ["junk2@localhost"],
                   MESSAGE % b"spam-1")
    check(wait_stored(mail, "junk2", b"fields spam-1", folder="Spam")
          is not None, "quarantine: the user's \\Junk mailbox (Spam)")
    check(stored(mail, "junk2", "Junk") == [], "quarantine: no Junk made")
    imap_junk(imap, "junk2", "Spam", b"spam-1")

    # The bounds: 32 fields, 32 KiB; refused calls add nothing.
    with smtplib.SMTP("127.0.0.1", mx, timeout=TIMEOUT) as s:
        s.sendmail("flood@example.test", ["demo@localhost"],
                   MESSAGE % b"flood-1")
    raw = wait_stored(mail, "demo", b"fields flood-1")
    f = fields(raw or b"")
    names = [x.split(b":", 1)[0] for x in f]
    check(raw is not None and names[1] == b"Received-SPF" and
          names.count(b"X-Flood-0") == 1 and
          sum(n.startswith(b"X-Flood-") for n in names) == 31 and
          names[33] == b"Received" and b"X-Huge" not in names and
          b"Bad Name" not in names and b"X-Bad" not in names,
          "bounds: 32 fields delivered, the rest refused (%r)" % names[:3])

    # Other consumers of the content stream saw the message as received.
    sunk = [open(os.path.join(st, n), "rb").read() for n in os.listdir(st)
            if n.startswith("msg-")]
    check(any(b"fields data-1" in m and b"mx.test; spf=pass (forged)" in m
              for m in sunk), "stream consumers: forged field still seen")

    ev = events(st)
    check(any("field Received-SPF at=mail status=0" in e for e in ev) and
          any("field DKIM-Signature at=data-end status=0" in e
              for e in ev), "fixture: add_field accepted")
    check(any("drop status=0" in e for e in ev) and
          any("late-drop status=-1" in e for e in ev),
          "fixture: drop_fields at smtp.data, refused at data-end")
    check(any("at=reset status=4" in e for e in ev),
          "fixture: add_field after the transaction: WRONG_TIME")
    check(any("field Bad Name at=mail status=1" in e for e in ev) and
          any("field X-Bad at=mail status=2" in e for e in ev) and
          any("field X-Huge at=mail status=3" in e for e in ev) and
          any("flood ok=31 limit=9" in e for e in ev) and
          any("field DKIM-Signature at=data-end status=3" in e
              for e in ev),
          "fixture: BAD_NAME, BAD_VALUE, LIMIT (count and size)")
    check(any("quarantine status=0" in e for e in ev),
          "fixture: quarantine accepted")
    check(d.wait_log("event=smtp.quarantine") and
          d.wait_log('reason="smtp-test: rule  matched"'),
          "log: the quarantine reason, one line")
    check(d.wait_log("event=local-delivery.drop") and
          d.wait_log("dropped=2"), "log: the dropped fields counted")
finally:
    status = d.stop()
check(status == 0, "gumdropd (maildir) exited cleanly (%r)" % status)

# mbox: the same copy through the backend's streaming append.
d, mail, st, mx, lmtp, imap = start("mbox")
try:
    def mbox_stored(user, box, tag):
        deadline = time.monotonic() + TIMEOUT
        path = os.path.join(mail, user, box + ".mbox")
        while time.monotonic() < deadline:
            if os.path.exists(path):
                got = [m for m in (mailbox.mbox(path, create=False)
                                   .get_bytes(k) for k in
                                   mailbox.mbox(path).keys()) if tag in m]
                if got:
                    # The mbox format's own metadata fields come first,
                    # its separating empty line last.
                    if got[0].endswith(b"\r\n\r\n"):
                        got[0] = got[0][:-2]
                    return re.sub(rb"\A(?:(?:X-UID|X-IMAPbase|X-IMAP|"
                                  rb"Status|X-Status|X-Keywords|"
                                  rb"Content-Length): [^\r\n]*\r?\n)+",
                                  b"", got[0])
            time.sleep(0.05)
        return None
    send_data(mx, b"mbox-1")
    check_copy(mbox_stored("demo", "INBOX", b"fields mbox-1"), b"mbox-1",
               "mbox DATA")
    send_bdat(mx, b"mbox-junk", rcpt="junkie@localhost")
    check_copy(mbox_stored("junkie", "Junk", b"fields mbox-junk"),
               b"mbox-junk", "mbox quarantined")
finally:
    status = d.stop()
check(status == 0, "gumdropd (mbox) exited cleanly (%r)" % status)
finish()
