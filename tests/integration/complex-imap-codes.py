#!/usr/bin/env python3
"""The imap module's protocol edges against a real gumdropd (issue 9):
BINARY (RFC 3516 as folded into RFC 9051), literals and their limits
(LITERAL+, RFC 7888), the response codes of RFC 9051 7.1 in one place,
and the SASL failure policy of the listener.

Checked:
- CAPABILITY lists BINARY and LITERAL+ (never LITERAL- beside it).
- APPEND with a literal8 "~{n}" whose octets include NUL stores them:
  FETCH BINARY[] gives them back as a literal8, BINARY.SIZE[] their
  count, and BINARY[1] the single part.  A NUL in a plain literal is
  BAD (CHAR8 excludes NUL) and stores nothing; a NUL in a LITERAL+
  literal of another command is BAD too; the session goes on.
- A non-synchronising literal above max-literal-size (or, in APPEND,
  above APPENDLIMIT) is refused with BAD / NO [TOOBIG], its octets read
  and dropped, and the next command is served; one too large to drop
  (above 16 MiB) gets the tagged refusal, then "* BYE [TOOBIG]" and the
  connection closes.  A synchronising one is refused before the client
  sends it.
- Response codes, each from the situation that must produce it:
  TRYCREATE, UIDVALIDITY, UIDNEXT, PERMANENTFLAGS, READ-ONLY,
  READ-WRITE, APPENDUID, COPYUID, CANNOT, LIMIT, OVERQUOTA (a realm
  quota_messages), NONEXISTENT, ALREADYEXISTS, AUTHENTICATIONFAILED,
  PRIVACYREQUIRED, TOOBIG, BADCHARSET, CLOSED (rev2); ALERT at login
  from the `login-alert` key; PARSE after the
  FETCH response of a multipart without its closing boundary (from the
  parse and again from the structure cache), never for a sound message.
- The listener's sasl: policy: failure-delay delays a failed LOGIN;
  after max-auth-failures even the right password is refused.
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smtp_maildir  # noqa: E402
from imap_util import ImapRaw  # noqa: E402
from gdtest import (check, finish,  # noqa: E402
                    free_port, make_cert)

smtp_maildir.USERS += ("qu:{PLAIN}qu::::::quota_messages=2\n"
                       "lock:{PLAIN}lock::::::\n")
SASL_PLAIN = ("sasl: {realm: file, mechanisms: [PLAIN, LOGIN], "
              "plaintext-without-tls: true, failure-delay: 0, "
              "max-auth-failures: 0}")
SASL_TLS = ("sasl: {realm: file, mechanisms: [PLAIN], "
            "failure-delay: 0, max-auth-failures: 0}")
SASL_POLICY = ("sasl: {realm: file, mechanisms: [PLAIN, LOGIN], "
               "plaintext-without-tls: true, failure-delay: 400ms, "
               "failure-delay-max: 1s, max-auth-failures: 2}")
BIG_DROP = 16 * 1024 * 1024


class Raw(ImapRaw):
    prefix = "c"


def connect(port, user="demo", password="demo"):
    c = Raw.tcp("127.0.0.1", port)
    c.line()
    if user is not None:
        _, _, done = c.run("LOGIN %s %s" % (user, password))
        check(" OK " in done, "LOGIN %s: %s" % (user, done))
    return c


def append_sync(c, head, data):
    """APPEND with a synchronising literal; the tagged reply."""
    tag = c.next_tag()
    c.send(("%s %s" % (tag, head)).encode() + b"\r\n")
    cont = c.line()
    if not cont.startswith("+"):
        return cont
    c.send(data + b"\r\n")
    return c.response(tag)[0][-1]


def test_binary(port):
    c = connect(port)
    caps = c.run("CAPABILITY")[0][0].split()
    check("BINARY" in caps, "CAPABILITY lists BINARY: %s" % caps)
    check("LITERAL+" in caps and "LITERAL-" not in caps,
          "LITERAL+ advertised, LITERAL- not beside it: %s" % caps)
    # Every octet but CR and LF: the store serves a bare LF as CRLF
    # (mailbox.h), which binary content with line-end octets would
    # suffer (docs/imap.md, "Deferred").
    payload = bytes(b for b in range(256) if b not in (10, 13)) * 4 + \
        b"\0\0end\0"
    msg = (b"From: a@example.test\r\nSubject: binary\r\n"
           b"Content-Type: application/octet-stream\r\n"
           b"Content-Transfer-Encoding: binary\r\n\r\n" + payload)
    done = append_sync(c, "APPEND INBOX ~{%d}" % len(msg), msg)
    m = re.search(r" OK \[APPENDUID (\d+) (\d+)\]", done)
    check(m is not None, "APPEND ~{n} with NULs: OK [APPENDUID]: %s" % done)
    uid = m.group(2) if m else "0"
    c.run("SELECT INBOX")
    lines, lits, done = c.run("UID FETCH %s (BINARY.PEEK[] BINARY.SIZE[] "
                              "BINARY.PEEK[1])" % uid)
    check(len(lits) == 2 and lits[0] == msg,
          "FETCH BINARY[] gives the NULs back: %d literals" % len(lits))
    check(len(lits) == 2 and lits[1] == payload,
          "FETCH BINARY[1] is the binary part")
    check(lines and re.search(r"BINARY\[\] ~\{%d\}$" % len(msg), lines[0])
          is not None, "BINARY[] with NULs is a literal8: %s" % lines[:1])
    text = " ".join(lines)
    check("BINARY.SIZE[] %d" % len(msg) in text,
          "BINARY.SIZE[] is the octet count: %s" % text[-200:])
    before = c.run("STATUS INBOX (MESSAGES)")[0]
    # LITERAL+ plain literal with a NUL: BAD, nothing stored.
    c.send(b"n1 APPEND INBOX {5+}\r\na\0b\0c\r\n")
    done = c.response("n1")[0][-1]
    check(done.startswith("n1 BAD "), "APPEND {n+} with a NUL: BAD: %s"
          % done)
    done = append_sync(c, "APPEND INBOX {3}", b"x\0y")
    check(" BAD " in done, "APPEND {n} with a NUL: BAD: %s" % done)
    after = c.run("STATUS INBOX (MESSAGES)")[0]
    check(before == after, "no message stored: %s %s" % (before, after))
    c.send(b"n2 CREATE {4+}\r\nx\0yz\r\n")
    done = c.response("n2")[0][-1]
    check(done.startswith("n2 BAD NUL"), "a NUL in another command's "
          "literal: BAD: %s" % done)
    _, _, done = c.run("NOOP")
    check(" OK " in done, "the session goes on: %s" % done)
    c.close()


def test_literals(port):
    c = connect(port)
    # Above max-literal-size (2K), non-synchronising: refused, dropped.
    c.send(b"l1 CREATE {3000+}\r\n" + b"l2 NOOP\r\n" * 333 + b"xyz\r\n")
    done = c.response("l1")[0][-1]
    check(done.startswith("l1 BAD [TOOBIG]"),
          "{3000+} above max-literal-size: BAD [TOOBIG]: %s" % done)
    _, _, done = c.run("NOOP")
    check(" OK " in done and "l2" not in done,
          "its octets were dropped, the next command served: %s" % done)
    # Synchronising: refused before the data.
    c.send(b"l3 CREATE {3000}\r\n")
    done = c.line()
    check(done.startswith("l3 BAD [TOOBIG]"),
          "{3000} refused without a continuation: %s" % done)
    # APPEND above APPENDLIMIT (4K), non-synchronising: NO, dropped.
    c.send(b"l4 APPEND INBOX {5000+}\r\n" + b"x" * 5000 + b"\r\n")
    done = c.response("l4")[0][-1]
    check(done.startswith("l4 NO [TOOBIG]"),
          "APPEND {5000+} above APPENDLIMIT: NO [TOOBIG]: %s" % done)
    _, _, done = c.run("NOOP")
    check(" OK " in done, "then the session goes on: %s" % done)
    c.close()
    for cmd in (b"CREATE", b"APPEND INBOX"):
        c = connect(port)
        c.send(b"l5 " + cmd + b" {%d+}\r\nxxxx" % (BIG_DROP + 1))
        done = c.line()
        bye = c.line()
        check(done is not None and done.startswith("l5 ") and
              "[TOOBIG]" in done, "%s {16M+1+}: [TOOBIG]: %s" %
              (cmd.decode(), done))
        check(bye is not None and bye.startswith("* BYE [TOOBIG]"),
              "then * BYE [TOOBIG]: %s" % bye)
        check(c.closed(), "and the connection is closed")
        c.close()


def test_codes(port, tls_port):
    c = connect(port)
    lines, _, done = c.run("SELECT INBOX")
    text = "\n".join(lines)
    for code in ("UIDVALIDITY", "UIDNEXT", "PERMANENTFLAGS"):
        check("* OK [%s " % code in text, "SELECT: [%s]" % code)
    check(" OK [READ-WRITE]" in done, "SELECT: [READ-WRITE]: %s" % done)
    _, _, done = c.run("EXAMINE INBOX")
    check(" OK [READ-ONLY]" in done, "EXAMINE: [READ-ONLY]: %s" % done)
    c.close()
    c = connect(port)
    lines, _, done = c.run("ENABLE IMAP4rev2")
    check(lines == ["* ENABLED IMAP4rev2"], "ENABLE IMAP4rev2: %s" % lines)
    c.run("SELECT INBOX")
    lines, _, done = c.run("SELECT INBOX")
    check(lines and lines[0].startswith("* OK [CLOSED]"),
          "rev2: SELECT while selected: [CLOSED] first: %s" % lines[:1])
    done = append_sync(c, "APPEND NoSuchBox {3}", b"abc")
    check(" NO [TRYCREATE]" in done, "APPEND to a missing mailbox: "
          "[TRYCREATE]: %s" % done)
    done = append_sync(c, "APPEND INBOX {3}", b"abc")
    check(re.search(r" OK \[APPENDUID \d+ \d+\]", done) is not None,
          "APPEND: [APPENDUID]: %s" % done)
    _, _, done = c.run("COPY 1 INBOX")
    check(re.search(r" OK \[COPYUID \d+ \d+ \d+\]", done) is not None,
          "COPY: [COPYUID]: %s" % done)
    _, _, done = c.run("SELECT NoSuchBox")
    check(" NO [NONEXISTENT]" in done, "SELECT a missing mailbox: "
          "[NONEXISTENT]: %s" % done)
    _, _, done = c.run("CREATE INBOX")
    check(" NO [ALREADYEXISTS]" in done, "CREATE INBOX: [ALREADYEXISTS]: "
          "%s" % done)
    c.run("SELECT INBOX")
    _, _, done = c.run("SEARCH " + "NOT " * 40 + "ALL")
    check(" [LIMIT]" in done, "SEARCH nested too deep: [LIMIT]: %s" % done)
    _, _, done = c.run("SEARCH CHARSET KOI8-R ALL")
    check(" NO [BADCHARSET" in done, "unknown CHARSET: [BADCHARSET]: %s"
          % done)
    # MULTIAPPEND is not offered: the second message is [CANNOT].
    c.send(b"m1 APPEND INBOX {1+}\r\na {1+}\r\nb\r\n")
    done = c.response("m1")[0][-1]
    check(done.startswith("m1 NO [CANNOT]"), "a second APPEND message: "
          "[CANNOT]: %s" % done)
    _, _, done = c.run("NOOP")
    check(" OK " in done, "the session goes on: %s" % done)
    c.close()
    c = connect(port, None)
    _, _, done = c.run("LOGIN demo wrong")
    check(" NO [AUTHENTICATIONFAILED]" in done, "a wrong password: "
          "[AUTHENTICATIONFAILED]: %s" % done)
    c.close()
    c = connect(tls_port, None)
    _, _, done = c.run("LOGIN demo demo")
    check(" NO [PRIVACYREQUIRED]" in done, "LOGIN without TLS: "
          "[PRIVACYREQUIRED]: %s" % done)
    c.close()
    # OVERQUOTA: the realm gives user qu quota_messages=2.
    c = connect(port, "qu", "qu")
    results = [append_sync(c, "APPEND INBOX {5}", b"hello")
               for _ in range(3)]
    check(" OK [APPENDUID" in results[0] and " OK [APPENDUID" in
          results[1], "two APPENDs within the quota: %s" % results[:2])
    check(" NO [OVERQUOTA]" in results[2], "the third: [OVERQUOTA]: %s"
          % results[2])
    c.close()


BROKEN = (b"From: a@example.test\r\nSubject: broken\r\n"
          b"Content-Type: multipart/mixed; boundary=xyz\r\n\r\n"
          b"--xyz\r\nContent-Type: text/plain\r\n\r\nno end\r\n")
SOUND = (b"From: a@example.test\r\nSubject: sound\r\n\r\nfine\r\n")


def test_alert_and_parse(port):
    c = connect(port, None)
    lines, _, done = c.run("LOGIN demo demo")
    check(lines == ["* OK [ALERT] Maintenance tonight 22:00 UTC"] and
          " OK [CAPABILITY " in done, "login-alert: * OK [ALERT] before "
          "the tagged OK: %s %s" % (lines, done))
    c.run("CREATE Parse")
    for data in (BROKEN, SOUND):
        append_sync(c, "APPEND Parse {%d}" % len(data), data)
    c.run("SELECT Parse")
    for attempt in ("parsed", "cached"):
        lines, _, done = c.run("FETCH 1:2 (BODYSTRUCTURE)")
        notes = [x for x in lines if x.startswith("* NO [PARSE]")]
        check(len(notes) == 1 and notes[0].startswith(
              "* NO [PARSE] Message 1: multipart without its closing")
              and lines.index(notes[0]) == 1 and " OK " in done,
              "%s: one PARSE note, after message 1's FETCH: %s"
              % (attempt, lines))
    lines, _, _ = c.run("FETCH 2 (BODY.PEEK[1])")
    check(not any("[PARSE]" in x for x in lines),
          "a sound message has no PARSE note: %s" % lines)
    c.close()


def test_policy(port):
    c = connect(port, None)
    t0 = time.monotonic()
    _, _, done = c.run("LOGIN lock wrong")
    spent = time.monotonic() - t0
    check(" NO " in done and spent >= 0.35,
          "failure-delay 400ms delays a failure: %.2fs %s" % (spent, done))
    c.run("LOGIN lock wrong2")
    _, _, done = c.run("LOGIN lock lock")
    check(" NO " in done, "after max-auth-failures (2) the right password "
          "is refused: %s" % done)
    c.close()


def main():
    port, tls_port, policy_port = free_port(), free_port(), free_port()
    mx = free_port()
    tmp = os.path.join(os.environ.get("TMPDIR", "/tmp"),
                       "gd-imap-codes-%d" % os.getpid())
    os.makedirs(tmp, exist_ok=True)
    cert, key = make_cert(tmp)
    listeners = f"""\
  - {{name: mx, address: "127.0.0.1:{mx}", protocol: smtp}}
  - {{name: imapp, address: "127.0.0.1:{port}", protocol: imap,
     {SASL_PLAIN}}}
  - {{name: imap, address: "127.0.0.1:{tls_port}", protocol: imap,
     tls: starttls, {SASL_TLS}}}
  - {{name: imapl, address: "127.0.0.1:{policy_port}", protocol: imap,
     {SASL_POLICY}}}"""
    top = f"""tls:
  certificates: [{{cert: {cert}, key: {key}}}]
imap:
  max-command-size: 8K
  max-literal-size: 2K
  append-limit: 4K
  max-bad-commands: 0
  login-alert: 'Maintenance tonight 22:00 UTC'"""
    d, _ = smtp_maildir.maildir_daemon(
        listeners, modules=["sasl-plain", "sasl-login", "imap"],
        top_extra=top, tmpdir=tmp)
    try:
        test_binary(port)
        test_literals(port)
        test_codes(port, tls_port)
        test_policy(policy_port)
        test_alert_and_parse(port)
    finally:
        d.stop()
    finish()


if __name__ == "__main__":
    main()
