"""complex: the local-delivery module against a real gumdropd with the
maildir backend and realm-file (a test users file): smtplib, swaks and
raw LMTP deliver to local users, and each message is found in the
Maildir (read with Python's mailbox module) byte for byte after the
Return-Path: and Received: fields; the 250 comes only once the file is
in new/; unknown users 550 5.1.1; aliases (lists, postmaster, bare
<postmaster>), +detail into an existing folder (INBOX otherwise); several
recipients one copy each, duplicates collapsed; over quota at RCPT time
552 5.2.2 (452 4.2.2 when configured temporary); LMTP with two
recipients, one over quota at delivery: two different replies; a relay
attempt 550 5.7.1; catch-all."""
import mailbox
import os
import re
import smtplib
import subprocess

from gdtest import GUMDROPCTL, MODULES, TIMEOUT, Daemon, check, finish, \
    free_port
from smtplib_util import Raw, connect

USERS = """\
demo:{PLAIN}demo::::::
alice:{PLAIN}alice::::::
bob:{PLAIN}bob::::::
full:{PLAIN}full::::::quota_messages=1
tiny:{PLAIN}tiny::::::quota_storage=600
fresh:{PLAIN}fresh::::::
freshtiny:{PLAIN}freshtiny::::::quota_storage=100
"""
ALIASES = """postmaster: demo
    team: [demo, alice]
    info: alice@example.test
    both@example.test: [team, bob]"""


def start(over_quota_lines, extra_ld="", aliases=ALIASES):
    mx, lmtp = free_port(), free_port()
    d = Daemon("")
    mail = os.path.join(d.tmp, "mail")
    users = os.path.join(d.tmp, "users")
    with open(users, "w") as f:
        f.write(USERS)
    sock = os.path.join(d.tmp, "lmtp.sock")
    with open(d.config, "w") as f:
        f.write(f"""
workers: 2
blocking-threads: 2
modules:
  load: [maildir, realm-file, smtp, local-delivery]
maildir:
  path: {mail}/%u
  {over_quota_lines}
realm-file: {{path: {users}}}
smtp:
  hostname: mx.test
  reverse-dns: false
local-delivery:
  domains: [localhost, example.test]
  aliases:
    {aliases}
  {extra_ld}
listeners:
  - {{name: mx, address: "127.0.0.1:{mx}", protocol: smtp}}
  - {{name: lmtp, address: "127.0.0.1:{lmtp}", protocol: lmtp}}
  - {{name: lmtpu, address: "unix:{sock}", protocol: lmtp}}
""")
    d.start()
    return d, mail, mx, lmtp, sock


def maildir(mail, user, folder=None):
    path = os.path.join(mail, user)
    if folder is not None:
        path = os.path.join(path, "." + folder)
    if not os.path.isdir(os.path.join(path, "new")):
        return []
    box = mailbox.Maildir(path, factory=None, create=False)
    return [box.get_bytes(k) for k in sorted(box.keys())]


def trace_split(raw):
    """(Return-Path line, Received field, the rest) of a stored message."""
    m = re.match(rb"(Return-Path: [^\r\n]*\r\n)(Received: .*?\r\n)"
                 rb"(?![ \t])(.*)\Z", raw, re.S)
    return m.groups() if m else (None, None, None)


def body(tag):
    return ("From: sender@example.org\r\nTo: someone@example.test\r\n"
            "Subject: " + tag + "\r\nMessage-ID: <" + tag +
            "@example.org>\r\n\r\nHello " + tag + ".\r\n.. dot line\r\n"
            "Trailing spaces   \r\n").encode()


def find(msgs, tag):
    return [m for m in msgs if ("Subject: " + tag).encode() in m]


def lmtp_send(c, sender, rcpts, data):
    """LHLO done; MAIL, RCPTs, DATA; returns RCPT codes, per-rcpt replies."""
    c.cmd("MAIL FROM:<%s>" % sender)
    codes = [c.cmd("RCPT TO:<%s>" % r)[0] for r in rcpts]
    ok = sum(1 for x in codes if x == 250)
    if ok == 0:
        return codes, []
    c.cmd("DATA")
    c.send(data.decode() + ".\r\n")
    return codes, c.replies(ok)


d, mail, mx, lmtp, sock = start("over-quota: permanent")
try:
    # ---- smtplib to one user: byte for byte, 250 only once in new/ ----
    s = smtplib.SMTP("127.0.0.1", mx, timeout=TIMEOUT)
    s.ehlo("client.example")
    msg = body("one")
    s.sendmail("sender@example.org", ["demo@example.test"], msg)
    # No wait: the reply came after the file was linked into new/.
    new = os.listdir(os.path.join(mail, "demo", "new"))
    check(len(new) == 1, "the 250 came after the message was in new/ "
          "(%d file(s) there when it arrived)" % len(new))
    got = find(maildir(mail, "demo"), "one")
    check(len(got) == 1, "smtplib: the message is in demo's Maildir")
    rp, rcv, rest = trace_split(got[0] if got else b"")
    check(rp == b"Return-Path: <sender@example.org>\r\n",
          "Return-Path: <sender> first: %r" % rp)
    check(rcv is not None and b"by mx.test" in rcv and
          b"for <demo@example.test>" in rcv,
          "then the smtp module's Received: field")
    check(rest == msg,
          "the rest is the message byte for byte (smtplib dot-stuffed "
          "the '..' line, the server unstuffed it)")

    # ---- unknown user, relay attempt ----
    s.mail("sender@example.org")
    code, text = s.rcpt("nobody@example.test")
    check(code == 550 and text.startswith(b"5.1.1"),
          "unknown user: 550 5.1.1 (%d %s)" % (code, text))
    code, text = s.rcpt("someone@elsewhere.test")
    check(code == 550 and text.startswith(b"5.7.1"),
          "relay attempt: 550 5.7.1 (%d %s)" % (code, text))
    s.rset()

    # ---- several recipients, aliases, duplicates collapsed ----
    msg = body("many")
    refused = s.sendmail("sender@example.org",
                         ["demo@example.test", "alice@localhost",
                          "team@example.test", "postmaster@example.test",
                          "info@example.test", "both@example.test"], msg)
    check(refused == {}, "six recipients (aliases, lists) accepted")
    check(len(find(maildir(mail, "demo"), "many")) == 1,
          "demo (direct, team, postmaster, both) has exactly one copy")
    check(len(find(maildir(mail, "alice"), "many")) == 1,
          "alice (direct, team, info, both) has exactly one copy")
    check(len(find(maildir(mail, "bob"), "many")) == 1,
          "bob (through both -> [team, bob]) has one copy")
    bob = find(maildir(mail, "bob"), "many")
    check(bob and trace_split(bob[0])[2] == msg,
          "the alias copy is byte for byte too")

    # ---- +detail: into an existing folder, else INBOX ----
    r = subprocess.run([GUMDROPCTL, "-c", d.config, "-m", MODULES,
                        "mailbox", "create", "alice", "lists"],
                       capture_output=True, text=True, timeout=TIMEOUT)
    check(r.returncode == 0, "gumdropctl created alice's folder 'lists' "
          "(%s)" % r.stderr.strip())
    s.sendmail("sender@example.org", ["alice+lists@example.test"],
               body("detail"))
    check(len(find(maildir(mail, "alice", "lists"), "detail")) == 1,
          "alice+lists@ went into folder 'lists'")
    s.sendmail("sender@example.org", ["alice+nofolder@example.test"],
               body("nofolder"))
    check(len(find(maildir(mail, "alice"), "nofolder")) == 1,
          "alice+nofolder@ (no such folder) went into INBOX")

    # ---- over quota at RCPT time (full has quota_messages=1) ----
    s.sendmail("sender@example.org", ["full@example.test"], body("fill"))
    check(len(find(maildir(mail, "full"), "fill")) == 1,
          "full's first message stored")
    s.mail("sender@example.org")
    code, text = s.rcpt("full@example.test")
    check(code == 552 and text.startswith(b"5.2.2"),
          "over quota at RCPT (over-quota: permanent): 552 5.2.2 "
          "(%d %s)" % (code, text))
    s.rset()
    # tiny (quota_storage=600) with a declared SIZE= over it: refused at
    # RCPT; a small one passes.
    s.mail("sender@example.org", ["SIZE=1000"])
    code, text = s.rcpt("tiny@example.test")
    check(code == 552 and text.startswith(b"5.2.2"),
          "SIZE=1000 for a 600-byte quota: 552 5.2.2 at RCPT (%d %s)" %
          (code, text))
    s.rset()
    s.mail("sender@example.org", ["SIZE=100"])
    code, text = s.rcpt("tiny@example.test")
    check(code == 250, "SIZE=100 for a 600-byte quota: 250 (%d)" % code)
    s.rset()
    s.quit()

    # ---- BDAT: the same bytes, byte for byte ----
    c = connect(mx)
    c.cmd("EHLO client.example")
    c.cmd("MAIL FROM:<bdat@example.org>")
    c.cmd("RCPT TO:<demo@example.test>")
    msg = body("bdat") + b".starts with a dot\r\n"
    c.send("BDAT 10\r\n" + msg[:10].decode() + "BDAT %d LAST\r\n" %
           (len(msg) - 10) + msg[10:].decode())
    r1, r = c.replies(2)
    check(r1[0] == 250 and r[0] == 250 and "delivered" in r[1][0],
          "BDAT delivered: %r %r" % (r1, r))
    got = find(maildir(mail, "demo"), "bdat")
    check(len(got) == 1 and trace_split(got[0])[2] == msg,
          "BDAT: the message is stored byte for byte after the trace "
          "fields")
    c.cmd("QUIT")

    # ---- bare <postmaster> (RFC 5321 4.5.1) with a raw session ----
    c = connect(mx)
    c.cmd("EHLO client.example")
    c.cmd("MAIL FROM:<>")
    r = c.cmd("RCPT TO:<Postmaster>")
    check(r[0] == 250, "RCPT TO:<Postmaster> accepted: %r" % (r,))
    c.cmd("DATA")
    r = c.cmd(body("bare-pm").decode() + ".")
    check(r[0] == 250, "delivered to the bare postmaster: %r" % (r,))
    got = find(maildir(mail, "demo"), "bare-pm")
    check(len(got) == 1 and got[0].startswith(b"Return-Path: <>\r\n"),
          "postmaster's message is demo's, with Return-Path: <>")
    c.cmd("QUIT")

    # ---- swaks ----
    r = subprocess.run(["swaks", "--server", "127.0.0.1", "--port",
                        str(mx), "--from", "swaks@example.org", "--to",
                        "bob@example.test", "--header", "Subject: swaks-1",
                        "--body", "Sent by swaks."],
                       capture_output=True, text=True, timeout=TIMEOUT)
    check(r.returncode == 0, "swaks delivered (exit %d)" % r.returncode)
    got = find(maildir(mail, "bob"), "swaks-1")
    check(len(got) == 1 and trace_split(got[0])[0] ==
          b"Return-Path: <swaks@example.org>\r\n",
          "swaks' message is in bob's Maildir with its Return-Path")
    r = subprocess.run(["swaks", "--server", "127.0.0.1", "--port",
                        str(mx), "--from", "swaks@example.org", "--to",
                        "ghost@example.test", "--quit-after", "RCPT"],
                       capture_output=True, text=True, timeout=TIMEOUT)
    check("<** 550 5.1.1" in r.stdout, "swaks to an unknown user: 550 5.1.1")

    # ---- LMTP: two recipients, one over quota at delivery ----
    c = Raw.unix(sock)
    c.reply()
    c.cmd("LHLO client.example")
    big = body("lmtp") + b"x" * 1000 + b"\r\n"
    codes, reps = lmtp_send(c, "sender@example.org",
                            ["demo@example.test", "tiny@example.test"], big)
    check(codes == [250, 250], "LMTP: both recipients accepted at RCPT "
          "(tiny's quota is not known to be exceeded yet): %r" % codes)
    check(len(reps) == 2 and reps[0][0] == 250 and
          reps[1][0] == 552 and reps[1][1][0].startswith("5.2.2"),
          "LMTP: one reply per recipient, 250 for demo and 552 5.2.2 for "
          "tiny: %r" % (reps,))
    check(len(find(maildir(mail, "demo"), "lmtp")) == 1 and
          not find(maildir(mail, "tiny"), "lmtp"),
          "demo got the LMTP message, tiny did not")
    codes, reps = lmtp_send(c, "sender@example.org",
                            ["demo@example.test", "postmaster@localhost",
                             "nobody@example.test"], body("lmtp2"))
    check(codes == [250, 250, 550] and [x[0] for x in reps] == [250, 250],
          "LMTP duplicates: two 250s for the two accepted RCPTs, one "
          "copy: %r %r" % (codes, reps))
    check(len(find(maildir(mail, "demo"), "lmtp2")) == 1,
          "one copy for demo through two LMTP recipients")
    c.cmd("QUIT")
    c = Raw.tcp("127.0.0.1", lmtp)
    c.reply()
    c.cmd("LHLO client.example")
    codes, reps = lmtp_send(c, "sender@example.org", ["alice@example.test"],
                            body("lmtp-tcp"))
    check([x[0] for x in reps] == [250] and
          len(find(maildir(mail, "alice"), "lmtp-tcp")) == 1,
          "LMTP over TCP delivered")
    c.cmd("QUIT")
finally:
    status = d.stop()
check(status == 0, "gumdropd exited cleanly (%r)" % status)

# ---- over-quota: temporary, catch-all ----
d, mail, mx, lmtp, sock = start("over-quota: permanent",
                                "over-quota: temporary\n  catch-all: bob")
try:
    s = smtplib.SMTP("127.0.0.1", mx, timeout=TIMEOUT)
    s.sendmail("sender@example.org", ["full@example.test"], body("fill2"))
    s.mail("sender@example.org")
    code, text = s.rcpt("full@example.test")
    check(code == 452 and text.startswith(b"4.2.2"),
          "over quota with local-delivery over-quota: temporary: 452 4.2.2 "
          "(%d %s)" % (code, text))
    s.rset()
    s.sendmail("sender@example.org", ["whoever@example.test"],
               body("catchall"))
    check(len(find(maildir(mail, "bob"), "catchall")) == 1,
          "catch-all: an unknown local address went to bob")
    s.mail("sender@example.org")
    code, text = s.rcpt("whoever@elsewhere.test")
    check(code == 550, "the catch-all does not take other domains")
    s.quit()
finally:
    status = d.stop()
check(status == 0, "gumdropd exited cleanly (%r)" % status)

# ---- the postmaster: key; the quota check at RCPT creates nothing ----
d, mail, mx, lmtp, sock = start("quota-storage: 0", "postmaster: alice",
                                aliases="team: [demo, alice]")
try:
    s = smtplib.SMTP("127.0.0.1", mx, timeout=TIMEOUT)
    s.ehlo("client.example")
    s.mail("sender@example.org")
    code, _ = s.rcpt("fresh@example.test")
    check(code == 250, "a user without a Maildir yet: 250 (%d)" % code)
    s.rset()
    check(not os.path.exists(os.path.join(mail, "fresh")),
          "the quota check at RCPT did not create fresh's Maildir")
    s.mail("sender@example.org", ["SIZE=5000"])
    code, text = s.rcpt("freshtiny@example.test")
    check(code == 452 and text.startswith(b"4.2.2"),
          "no Maildir yet, but SIZE= over the realm's quota: 452 4.2.2 "
          "(maildir's over-quota: temporary) (%d %s)" % (code, text))
    s.rset()
    check(not os.path.exists(os.path.join(mail, "freshtiny")),
          "refused over quota: no Maildir made for freshtiny")
    for rcpt in ["PostMaster@EXAMPLE.TEST", "postmaster@localhost",
                 "POSTMASTER"]:
        s.mail("sender@example.org")
        code, _ = s.rcpt(rcpt)
        check(code == 250, "<%s> accepted without a realm user "
              "'postmaster' (%d)" % (rcpt, code))
        s.rset()
    s.sendmail("sender@example.org", ["PostMaster@Example.Test"],
               body("pm-key"))
    check(len(find(maildir(mail, "alice"), "pm-key")) == 1,
          "postmaster@ went to `postmaster: alice`")
    check(find(maildir(mail, "demo"), "pm-key") == [],
          "and nowhere else")
    s.sendmail("sender@example.org", ["fresh@example.test"],
               body("fresh"))
    check(len(find(maildir(mail, "fresh"), "fresh")) == 1,
          "the delivery itself creates the Maildir")
    s.quit()
finally:
    status = d.stop()
check(status == 0, "gumdropd exited cleanly (%r)" % status)
finish()
