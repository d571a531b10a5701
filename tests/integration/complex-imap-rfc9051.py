#!/usr/bin/env python3
"""The examples of RFC 9051 replayed against a real gumdropd (issue 9).

Section 8 (the sample IMAP4rev2 connection): user mrc/secret's INBOX is
loaded with 18 messages; message 12 has the example's header (342
octets, as the RFC says) and structure (TEXT/PLAIN US-ASCII 7BIT, 3028
octets in 92 lines), \\Seen, and the example's INTERNALDATE.  Messages
17 and 18 arrive after another session has seen the first 16, so they
are the two \\Recent and the first unseen ones of RFC 3501's version of
the example.  The client lines of the example are sent exactly:

  a001 login mrc secret / a002 select inbox / a003 fetch 12 full /
  a004 fetch 12 body[header] / a005 store 12 +flags \\deleted /
  a006 logout

twice: as an IMAP4rev1 client (the SELECT answer RFC 3501 8 shows:
RECENT, [UNSEEN 17]) and, with one extra "ENABLE IMAP4rev2" after the
login, as an IMAP4rev2 client (the LIST line of RFC 9051 8, no RECENT).
Each server response is checked for the shape the RFC shows: the
values the RFC fixes (ENVELOPE, BODY, the header octets, flags, codes)
exactly, those that are the server's (UIDVALIDITY, the texts after the
codes) by form.  Two deliberate differences: RFC822.SIZE is the
message's real size (the RFC's 4286 does not match its own header and
body sizes), and the greeting lists our capabilities.  Allowed
variations: the a004 response may carry FLAGS (we send them with every
response of a FETCH that sets \\Seen), a flag list's order is free, and
a mailbox name may be quoted.

Section 6, the smaller examples, in a rev2 session: ENABLE, CREATE,
LIST "" "", STATUS (UIDNEXT MESSAGES), APPEND (the 326-octet message),
SEARCH RETURN (MIN COUNT) -> ESEARCH, STORE +FLAGS, COPY, UID MOVE
(COPYUID, EXPUNGE), UID FETCH of absent UIDs, IDLE with a message
APPENDed by another session.
"""
import datetime
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smtp_maildir  # noqa: E402
from imap_util import ImapRaw  # noqa: E402
from gdtest import (TIMEOUT, check, finish,  # noqa: E402
                    free_port)

smtp_maildir.USERS += "mrc:{PLAIN}secret::::::\n"
SASL = ("sasl: {realm: file, mechanisms: [PLAIN, LOGIN], "
        "plaintext-without-tls: true, failure-delay: 0, "
        "max-auth-failures: 0}")

HEADER = (b"Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\r\n"
          b"From: Terry Gray <gray@cac.washington.edu>\r\n"
          b"Subject: IMAP4rev2 WG mtg summary and minutes\r\n"
          b"To: imap@cac.washington.edu\r\n"
          b"cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>"
          b"\r\nMessage-Id: <B27397-0100000@cac.washington.edu>\r\n"
          b"MIME-Version: 1.0\r\n"
          b"Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\r\n")
ENVELOPE = ('"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" '
            '"IMAP4rev2 WG mtg summary and minutes" '
            '(("Terry Gray" NIL "gray" "cac.washington.edu")) '
            '(("Terry Gray" NIL "gray" "cac.washington.edu")) '
            '(("Terry Gray" NIL "gray" "cac.washington.edu")) '
            '((NIL NIL "imap" "cac.washington.edu")) '
            '((NIL NIL "minutes" "CNRI.Reston.VA.US")'
            '("John Klensin" NIL "KLENSIN" "MIT.EDU")) NIL NIL '
            '"<B27397-0100000@cac.washington.edu>"')
BODY = '"TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3028 92'
INTERNALDATE = "17-Jul-1996 02:44:25 -0700"
# RFC 9051 6.3.12's message (326 octets).
APPENDED = (b"Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\n"
            b"From: Fred Foobar <foobar@Blurdybloop.example>\r\n"
            b"Subject: afternoon meeting\r\n"
            b"To: mooch@owatagu.siam.edu.example\r\n"
            b"Message-Id: <B27397-0100000@Blurdybloop.example>\r\n"
            b"MIME-Version: 1.0\r\n"
            b"Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\r\n"
            b"Hello Joe, do you think we can meet at 3:30 tomorrow?\r\n")


def body_3028():
    """92 CRLF lines, 3028 octets: 91 of 33 and one of 25."""
    lines = [b"%-31s\r\n" % (b"minutes line %d" % i) for i in range(91)]
    lines.append(b"%-23s\r\n" % b"end of the minutes")
    data = b"".join(lines)
    assert len(data) == 3028 and data.count(b"\r\n") == 92
    return data


MESSAGE12 = HEADER + body_3028()
assert len(HEADER) == 342


class Raw(ImapRaw):
    def exchange(self, line):
        """Send a client line; (server lines, literals) up to the line
        tagged with the line's tag."""
        self.send(line + "\r\n")
        return self.response(line.split(" ", 1)[0])

    def until(self, tag):
        """Lines up to the one tagged `tag`."""
        lines = []
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            got = self.line()
            if got is None:
                break
            lines.append(got)
            if got.startswith(tag + " "):
                break
        return lines

    def append(self, tag, head, data):
        self.send("%s APPEND %s {%d}\r\n" % (tag, head, len(data)))
        cont = self.line()
        if cont is None or not cont.startswith("+"):
            return cont
        self.send(data + b"\r\n")
        while True:
            got = self.line()
            if got is None or got.startswith(tag + " "):
                return got


def connect(port):
    c = Raw.tcp("127.0.0.1", port)
    return c, c.line()


def load(port):
    """18 messages; 1..16 seen by a session before 17 and 18 arrive."""
    c, _ = connect(port)
    c.exchange("s1 LOGIN mrc secret")
    for i in range(1, 17):
        if i == 12:
            done = c.append("s2", 'INBOX (\\Seen) "%s"' % INTERNALDATE,
                            MESSAGE12)
        else:
            done = c.append("s2", "INBOX (\\Seen)",
                            b"From: a@example.test\r\nSubject: m%d\r\n\r\n"
                            b"text %d\r\n" % (i, i))
        check(done is not None and " OK " in done, "load %d: %s" % (i, done))
    lines, _ = c.exchange("s3 SELECT INBOX")
    check("* 16 EXISTS" in lines, "16 messages loaded: %s" % lines[:1])
    c.exchange("s4 LOGOUT")
    c.close()
    c, _ = connect(port)
    c.exchange("s1 LOGIN mrc secret")
    for i in (17, 18):
        done = c.append("s2", "INBOX", b"From: b@example.test\r\n"
                        b"Subject: m%d\r\n\r\nnew %d\r\n" % (i, i))
        check(done is not None and " OK " in done, "load %d: %s" % (i, done))
    c.exchange("s4 LOGOUT")
    c.close()


def check_fetch_full(lines, rev):
    """a003 fetch 12 full."""
    fetch = [l for l in lines if l.startswith("* 12 FETCH")]
    check(len(fetch) == 1 and lines[-1] == "a003 OK FETCH completed" or
          (len(fetch) == 1 and lines[-1].startswith("a003 OK ")),
          "%s a003: one FETCH, tagged OK: %s" % (rev, lines[-1:]))
    m = re.match(r'^\* 12 FETCH \(FLAGS \(([^)]*)\) INTERNALDATE "([^"]+)" '
                 r'RFC822\.SIZE (\d+) ENVELOPE \((.*)\) BODY \((.*)\)\)$',
                 fetch[0] if fetch else "")
    check(m is not None, "%s a003: FLAGS INTERNALDATE RFC822.SIZE ENVELOPE "
          "BODY in the RFC's order: %s" % (rev, fetch[:1]))
    if m is None:
        return
    check(m.group(1) == "\\Seen", "%s a003: FLAGS (\\Seen): %s" %
          (rev, m.group(1)))
    fmt = "%d-%b-%Y %H:%M:%S %z"
    got = datetime.datetime.strptime(m.group(2), fmt)
    want = datetime.datetime.strptime(INTERNALDATE, fmt)
    check(got == want, "%s a003: INTERNALDATE the same instant as %s: %s" %
          (rev, INTERNALDATE, m.group(2)))
    check(int(m.group(3)) == len(MESSAGE12), "%s a003: RFC822.SIZE %d: %s"
          % (rev, len(MESSAGE12), m.group(3)))
    check(m.group(4) == ENVELOPE, "%s a003: ENVELOPE as the RFC's: %s" %
          (rev, m.group(4)))
    check(m.group(5).upper() == BODY.upper(),
          "%s a003: BODY as the RFC's (type names are case-insensitive): "
          "%s" % (rev, m.group(5)))


def replay(port, rev2):
    rev = "rev2" if rev2 else "rev1"
    c, greet = connect(port)
    check(re.match(r"^\* OK \[CAPABILITY [^]]*\bIMAP4rev2\b[^]]*\] ", greet)
          is not None, "%s greeting: * OK [CAPABILITY ... IMAP4rev2]: %s" %
          (rev, greet))
    lines, _ = c.exchange("a001 login mrc secret")
    check(lines[-1].startswith("a001 OK ") and len(lines) == 1,
          "%s a001: OK: %s" % (rev, lines))
    if rev2:
        lines, _ = c.exchange("e1 ENABLE IMAP4rev2")
        check(lines == ["* ENABLED IMAP4rev2", "e1 OK ENABLE completed"] or
              (lines[0] == "* ENABLED IMAP4rev2" and
               lines[1].startswith("e1 OK")), "ENABLE IMAP4rev2: %s" % lines)
    lines, _ = c.exchange("a002 select inbox")
    check("* 18 EXISTS" in lines, "%s a002: * 18 EXISTS: %s" % (rev, lines))
    flags = [l for l in lines if l.startswith("* FLAGS (")]
    check(len(flags) == 1 and all(
        f in flags[0] for f in ("\\Answered", "\\Flagged", "\\Deleted",
                                "\\Seen", "\\Draft")),
          "%s a002: * FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft):"
          " %s" % (rev, flags))
    check(any(re.match(r"^\* OK \[UIDVALIDITY [1-9]\d*\] ", l) for l in lines),
          "%s a002: * OK [UIDVALIDITY n]" % rev)
    check(re.match(r"^a002 OK \[READ-WRITE\] ", lines[-1]) is not None,
          "%s a002: OK [READ-WRITE]: %s" % (rev, lines[-1]))
    if rev2:
        check(any(re.match(r'^\* LIST \(\) "/" "?INBOX"?$', l)
                  for l in lines), "rev2 a002: * LIST () \"/\" INBOX: %s"
              % lines)
        check(not any(" RECENT" in l or "[UNSEEN" in l for l in lines),
              "rev2 a002: no RECENT, no [UNSEEN]")
    else:
        check("* 2 RECENT" in lines, "rev1 a002: * 2 RECENT: %s" % lines)
        check(any(re.match(r"^\* OK \[UNSEEN 17\] ", l) for l in lines),
              "rev1 a002: * OK [UNSEEN 17]: %s" % lines)
    lines, _ = c.exchange("a003 fetch 12 full")
    check_fetch_full(lines, rev)
    lines, lits = c.exchange("a004 fetch 12 body[header]")
    # The RFC sends no FLAGS: \Seen was set already.  We send FLAGS
    # with every response of a FETCH that sets \Seen (allowed: RFC 9051
    # 6.4.5 asks for them when the flags change, and forbids nothing).
    check(len(lines) == 3 and re.match(r"^\* 12 FETCH \((FLAGS \(\\Seen\) )?"
                                       r"BODY\[HEADER\] \{342\}$", lines[0])
          is not None and lines[1] == ")" and lines[2].startswith("a004 OK "),
          "%s a004: * 12 FETCH (BODY[HEADER] {342} ...): %s" % (rev, lines))
    check(lits == [HEADER], "%s a004: the 342 header octets" % rev)
    lines, _ = c.exchange("a005 store 12 +flags \\deleted")
    # A flag list is a set: 6.4.6's own example has (\Deleted \Seen).
    m = re.match(r"^\* 12 FETCH \(FLAGS \(([^)]*)\)\)$", lines[0])
    check(len(lines) == 2 and m is not None and
          sorted(m.group(1).split()) == ["\\Deleted", "\\Seen"] and
          lines[1].startswith("a005 OK "),
          "%s a005: * 12 FETCH (FLAGS (\\Seen \\Deleted)): %s" % (rev, lines))
    lines, _ = c.exchange("a006 logout")
    check(len(lines) == 2 and lines[0].startswith("* BYE ") and
          lines[1].startswith("a006 OK "), "%s a006: * BYE, then OK: %s" %
          (rev, lines))
    check(c.closed(), "%s: the server closes after LOGOUT" % rev)
    c.close()


def undelete(port):
    c, _ = connect(port)
    c.exchange("u1 LOGIN mrc secret")
    c.exchange("u2 SELECT INBOX")
    lines, _ = c.exchange("u3 STORE 12 -FLAGS.SILENT (\\Deleted)")
    check(lines[-1].startswith("u3 OK"), "\\Deleted removed again")
    c.exchange("u4 LOGOUT")
    c.close()


def section6(port):
    c, _ = connect(port)
    c.exchange("A001 LOGIN mrc secret")
    lines, _ = c.exchange("t2 ENABLE IMAP4rev2")
    check(lines[0] == "* ENABLED IMAP4rev2", "6.3.1 ENABLE: %s" % lines)
    lines, _ = c.exchange("A003 CREATE owatagusiam/")
    check(lines[-1].startswith("A003 OK"), "6.3.4 CREATE owatagusiam/: %s"
          % lines)
    lines, _ = c.exchange("A004 CREATE owatagusiam/blurdybloop")
    check(lines[-1].startswith("A004 OK"), "6.3.4 CREATE ../blurdybloop")
    lines, _ = c.exchange('A101 LIST "" ""')
    check(lines[0] == '* LIST (\\Noselect) "/" ""' and
          lines[1].startswith("A101 OK"), '6.3.9 LIST "" "": %s' % lines)
    c.exchange("c1 CREATE blurdybloop")
    c.exchange("c2 CREATE saved-messages")
    c.exchange("c3 CREATE MEETING")
    c.exchange("c4 CREATE foo")
    done = c.append("A003", "saved-messages (\\Seen)", APPENDED)
    check(len(APPENDED) == 326 and done is not None and
          re.match(r"^A003 OK \[APPENDUID \d+ 1\] ", done) is not None,
          "6.3.12 APPEND saved-messages (\\Seen) {326}: %s" % done)
    c.append("c5", "blurdybloop", APPENDED)
    lines, _ = c.exchange("A042 STATUS blurdybloop (UIDNEXT MESSAGES)")
    check(re.match(r'^\* STATUS "?blurdybloop"? \(MESSAGES 1 UIDNEXT 2\)$',
                   lines[0]) is not None and lines[1].startswith("A042 OK"),
          "6.3.11 STATUS (UIDNEXT MESSAGES): %s" % lines)
    c.exchange("c6 SELECT INBOX")
    c.exchange("c7 STORE 2,5,8 +FLAGS.SILENT (\\Flagged)")
    lines, _ = c.exchange('A282 SEARCH RETURN (MIN COUNT) FLAGGED '
                          'SINCE 1-Feb-1994 NOT FROM "Smith"')
    check(lines[0] == '* ESEARCH (TAG "A282") MIN 2 COUNT 3' and
          lines[1].startswith("A282 OK"), "6.4.4 SEARCH RETURN (MIN COUNT):"
          " %s" % lines)
    lines, _ = c.exchange("A003 STORE 2:4 +FLAGS (\\Deleted)")
    fetches = [l for l in lines if re.match(r"^\* [234] FETCH \(FLAGS \(", l)]
    check(len(fetches) == 3 and all("\\Deleted" in l for l in fetches) and
          lines[-1].startswith("A003 OK"),
          "6.4.6 STORE 2:4 +FLAGS (\\Deleted): %s" % lines)
    lines, _ = c.exchange("A003 COPY 2:4 MEETING")
    check(re.match(r"^A003 OK \[COPYUID \d+ \d+:\d+ 1:3\] ", lines[-1])
          is not None, "6.4.7 COPY 2:4 MEETING: %s" % lines)
    lines, _ = c.exchange("f1 FETCH 5:7 UID")
    uids = re.findall(r"UID (\d+)", " ".join(lines[:-1]))
    lines, _ = c.exchange("a UID MOVE %s:%s foo" % (uids[0], uids[-1]))
    check(re.match(r"^\* OK \[COPYUID \d+ %s:%s 1:3\]" % (uids[0], uids[-1]),
                   lines[0]) is not None and
          lines[1:4] == ["* 5 EXPUNGE"] * 3 and lines[4].startswith("a OK"),
          "6.4.8 UID MOVE: COPYUID, then EXPUNGEs: %s" % lines)
    lines, _ = c.exchange("A999 UID FETCH 4827313:4828442 FLAGS")
    check(len(lines) == 1 and lines[0].startswith("A999 OK"),
          "6.4.9 UID FETCH of UIDs that do not exist: OK, nothing: %s"
          % lines)
    c.send("A001 IDLE\r\n")
    cont = c.line()
    check(cont is not None and cont.startswith("+ "),
          "6.3.13 IDLE: continuation: %s" % cont)
    other, _ = connect(port)
    other.exchange("o1 LOGIN mrc secret")
    other.append("o2", "INBOX", b"Subject: during IDLE\r\n\r\nhi\r\n")
    pushed = c.line()
    check(pushed == "* 16 EXISTS", "6.3.13 IDLE: * 16 EXISTS pushed: %s"
          % pushed)
    c.send("DONE\r\n")
    lines = c.until("A001")
    check(any(l.startswith("A001 OK") for l in lines),
          "6.3.13 IDLE: DONE, A001 OK: %s" % lines)
    other.close()
    c.close()


def main():
    port, mx = free_port(), free_port()
    listeners = f"""\
  - {{name: mx, address: "127.0.0.1:{mx}", protocol: smtp}}
  - {{name: imap, address: "127.0.0.1:{port}", protocol: imap, {SASL}}}"""
    d, _ = smtp_maildir.maildir_daemon(
        listeners, modules=["sasl-plain", "sasl-login", "imap"],
        top_extra="imap:\n  storage: maildir")
    try:
        load(port)
        replay(port, False)
        undelete(port)
        replay(port, True)
        section6(port)
    finally:
        d.stop()
    finish()


if __name__ == "__main__":
    main()
