#!/usr/bin/env python3
"""The imap module's session against a real gumdropd (issue 9): Python's
imaplib and raw sockets on loopback.

Listeners: `imap` (STARTTLS, plaintext only under TLS: LOGINDISABLED
before), `imapp` (cleartext with plaintext allowed, for literals and
SASL exchanges without TLS) and `imaps` (implicit TLS).  Mail arrives
over SMTP into the demo user's Maildir (local-delivery).

Checked: the greeting and CAPABILITY, LOGINDISABLED and [PRIVACYREQUIRED]
on cleartext, STARTTLS (pipelined input dropped, capabilities again),
IMAPS, LOGIN and AUTHENTICATE PLAIN (SASL-IR, a continuation, "*"
cancels, bad credentials), literals (synchronising and LITERAL+) in
LOGIN and CREATE, an over-long command and an over-large literal
(BAD [TOOBIG], tag kept, the session goes on), bad and out-of-state
commands (tagged BAD), max-bad-commands (BYE), preauth-timeout (BYE),
ENABLE IMAP4rev2, the special-use folders created at first login, LIST
(LIST-EXTENDED, SPECIAL-USE, LIST-STATUS), LSUB, CREATE (USE), RENAME
(INBOX too), DELETE, SUBSCRIBE, UNSUBSCRIBE, STATUS, SELECT and EXAMINE
(rev1 and rev2 responses), EXISTS at NOOP after a delivery, FETCH FLAGS
at NOOP after another program changed a flag, EXPUNGE, UID EXPUNGE,
CLOSE, UNSELECT, LOGOUT; STORE, COPY and MOVE (COPYUID), seen by a
second session; SEARCH (ESEARCH, SEARCHRES); IDLE pushing EXISTS, FETCH
and EXPUNGE; APPEND (streamed, APPENDUID, [TRYCREATE], [TOOBIG]); FETCH
of metadata; clients that vanish mid-command;
the imap: keys' FILE:LINE errors."""
import base64
import imaplib
import os
import re
import signal
import smtplib
import ssl
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdtest import (TIMEOUT, LineClient, check, finish,  # noqa: E402
                    free_port, make_cert, run_gumdropd)
from smtp_maildir import maildir_daemon  # noqa: E402

USER, PASSWORD = "demo", "demo"
SASL_TLS = ("sasl: {realm: file, mechanisms: [PLAIN, LOGIN], "
            "failure-delay: 0, max-auth-failures: 0}")
SASL_PLAIN = ("sasl: {realm: file, mechanisms: [PLAIN, LOGIN], "
              "plaintext-without-tls: true, failure-delay: 0, "
              "max-auth-failures: 0}")


class Raw(LineClient):
    """A raw IMAP client: commands with tags, replies up to the tagged
    line."""
    n = 0

    def tagged(self, tag):
        """Lines up to the one tagged `tag` (untagged ones first)."""
        lines = []
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            line = self.line()
            if line is None:
                break
            lines.append(line)
            if line.startswith(tag + " "):
                break
        return lines

    def run(self, text):
        Raw.n += 1
        tag = "t%d" % Raw.n
        self.send("%s %s\r\n" % (tag, text))
        lines = self.tagged(tag)
        return lines[:-1], lines[-1] if lines else ""


def untagged(lines, prefix):
    return [l for l in lines if l.startswith("* " + prefix)]


class Server:
    def __init__(self):
        self.imap, self.imapp, self.imaps, self.mx = (
            free_port(), free_port(), free_port(), free_port())
        tmp = os.path.join(os.environ.get("TMPDIR", "/tmp"),
                           "gd-imap-session-%d" % os.getpid())
        os.makedirs(tmp, exist_ok=True)
        self.cafile, key = make_cert(tmp)
        listeners = f"""\
  - {{name: mx, address: "127.0.0.1:{self.mx}", protocol: smtp}}
  - {{name: imap, address: "127.0.0.1:{self.imap}", protocol: imap,
     tls: starttls, {SASL_TLS}}}
  - {{name: imapp, address: "127.0.0.1:{self.imapp}", protocol: imap,
     {SASL_PLAIN}}}
  - {{name: imaps, address: "127.0.0.1:{self.imaps}", protocol: imap,
     tls: implicit, {SASL_TLS}}}"""
        top = f"""tls:
  certificates: [{{cert: {self.cafile}, key: {key}}}]
imap:
  storage: maildir
  max-command-size: 8K
  max-literal-size: 2K
  max-bad-commands: 6
  append-limit: 4K
  preauth-timeout: 5s
  special-use: {{Drafts: \\Drafts, Sent: \\Sent, Flagged: \\Flagged}}"""
        self.d, self.mail = maildir_daemon(
            listeners, modules=["sasl-plain", "sasl-login", "imap"],
            top_extra=top, tmpdir=tmp)
        self.ctx = ssl.create_default_context(cafile=self.cafile)

    def raw(self, port=None):
        c = Raw.tcp("127.0.0.1", port or self.imapp)
        return c, c.line()

    def deliver(self, subject):
        msg = ("From: alice@example.test\r\nTo: demo@localhost\r\n"
               "Subject: %s\r\n\r\nbody of %s\r\n" % (subject, subject))
        with smtplib.SMTP("127.0.0.1", self.mx, timeout=TIMEOUT) as s:
            s.sendmail("alice@example.test", ["demo@localhost"], msg)

    def cur_files(self, box=""):
        d = os.path.join(self.mail, USER, box, "cur")
        return sorted(os.listdir(d)) if os.path.isdir(d) else []

    def wait_new(self, count):
        """Wait until `count` messages sit in INBOX (new/ or cur/)."""
        root = os.path.join(self.mail, USER)
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            n = sum(len(os.listdir(os.path.join(root, s)))
                    for s in ("new", "cur")
                    if os.path.isdir(os.path.join(root, s)))
            if n >= count:
                return True
            time.sleep(0.02)
        return False


def test_greeting_cleartext(srv):
    c, greet = srv.raw(srv.imap)
    check(greet.startswith("* OK [CAPABILITY IMAP4rev1 IMAP4rev2 "),
          "greeting carries the capabilities: %s" % greet)
    caps = greet.split("]")[0].split()[2:]
    for cap in ("STARTTLS", "LOGINDISABLED", "LITERAL+", "ENABLE", "ID",
                "SASL-IR", "LIST-EXTENDED", "SPECIAL-USE", "NAMESPACE",
                "UNSELECT", "STATUS=SIZE", "CHILDREN", "LIST-STATUS",
                "BINARY"):
        check(cap in caps, "greeting on cleartext offers %s" % cap)
    check(not any(c.startswith("AUTH=PLAIN") for c in caps),
          "no AUTH=PLAIN before TLS on the STARTTLS listener")
    lines, done = c.run("CAPABILITY")
    check(len(untagged(lines, "CAPABILITY ")) == 1 and " OK " in done,
          "CAPABILITY answers one untagged line and OK")
    _, done = c.run("LOGIN demo demo")
    check(re.search(r" NO \[PRIVACYREQUIRED\]", done) is not None,
          "LOGIN on cleartext: NO [PRIVACYREQUIRED]: %s" % done)
    _, done = c.run("AUTHENTICATE PLAIN " +
                    base64.b64encode(b"\0demo\0demo").decode())
    check(" NO " in done, "AUTHENTICATE PLAIN on cleartext: NO: %s" % done)
    # STARTTLS with a command pipelined behind it: dropped.
    c.send("s1 STARTTLS\r\ns2 LOGIN demo demo\r\n")
    done = c.line()
    check(done.startswith("s1 OK"), "STARTTLS: OK: %s" % done)
    tls = srv.ctx.wrap_socket(c.sock, server_hostname="localhost")
    t = Raw(tls)
    lines, done = t.run("CAPABILITY")
    caps = untagged(lines, "CAPABILITY ")
    caps = caps[0].split() if caps else []
    check("t%d OK" % Raw.n in done and "s2" not in " ".join(lines),
          "the command pipelined after STARTTLS was dropped")
    check("STARTTLS" not in caps and "LOGINDISABLED" not in caps and
          "AUTH=PLAIN" in caps, "under TLS: AUTH=PLAIN, no STARTTLS, "
          "no LOGINDISABLED: %s" % caps)
    _, done = t.run("STARTTLS")
    check(" BAD " in done, "STARTTLS again: BAD")
    lines, done = t.run("LOGIN demo demo")
    check(re.search(r" OK \[CAPABILITY IMAP4rev1 [^]]* STATUS=SIZE "
                    r"BINARY APPENDLIMIT=\d+\] Logged in$", done) is not None,
          "LOGIN under TLS: OK [CAPABILITY ...] whole: %s" % done)
    lines, done = t.run("LOGOUT")
    check(untagged(lines, "BYE") and " OK " in done, "LOGOUT: BYE, OK")
    tls.close()


def test_imaps_imaplib(srv):
    m = imaplib.IMAP4_SSL("127.0.0.1", srv.imaps, ssl_context=srv.ctx,
                          timeout=TIMEOUT)
    check("IMAP4REV2" in m.capabilities and "AUTH=PLAIN" in m.capabilities,
          "imaplib over IMAPS sees IMAP4rev2 and AUTH=PLAIN")
    typ, _ = m.login(USER, PASSWORD)
    check(typ == "OK", "imaplib LOGIN over IMAPS")
    typ, data = m.list()
    names = b"\n".join(data)
    check(typ == "OK" and b'"INBOX"' in names, "LIST shows INBOX")
    # Drafts and Sent: the store's own; Flagged: the module's.
    for name, use in (("Drafts", b"\\Drafts"), ("Sent", b"\\Sent"),
                      ("Flagged", b"\\Flagged")):
        line = [l for l in data if l.endswith(b'"%s"' % name.encode())]
        check(line and use in line[0],
              "special-use folder %s created with %s: %r"
              % (name, use, line))
    typ, data = m.create("Work/Projects")
    check(typ == "OK", "CREATE Work/Projects")
    typ, data = m.list('""', "Work*")
    check(any(b"\\Noselect" in l and l.endswith(b'"Work"') for l in data)
          and any(b"\\HasNoChildren" in l for l in data),
          "LIST shows the placeholder parent and the child: %r" % data)
    typ, data = m.create("Work/Projects")
    check(typ == "NO" and data[0].startswith(b"[ALREADYEXISTS]"),
          "CREATE an existing mailbox: NO [ALREADYEXISTS]: %r" % data)
    typ, _ = m.rename("Work/Projects", "Work/Done")
    check(typ == "OK", "RENAME Work/Projects Work/Done")
    typ, data = m.status("Work/Done", "(MESSAGES UIDNEXT UIDVALIDITY "
                         "UNSEEN DELETED SIZE)")
    check(typ == "OK" and re.search(
        rb'\(MESSAGES 0 UIDNEXT \d+ UIDVALIDITY \d+ UNSEEN 0 DELETED 0 '
        rb'SIZE 0\)', data[0]) is not None,
          "STATUS with every rev2 item: %r" % data)
    typ, data = m.status("Nope", "(MESSAGES)")
    check(typ == "NO", "STATUS of a missing mailbox: NO")
    typ, _ = m.subscribe("Work/Done")
    check(typ == "OK", "SUBSCRIBE")
    typ, data = m.lsub('""', "*")
    check(typ == "OK" and any(l.endswith(b'"Work/Done"') for l in data),
          "LSUB shows the subscription: %r" % data)
    typ, data = m.list('""', "*")
    typ, _ = m.unsubscribe("Work/Done")
    typ2, data = m.lsub('""', "Work*")
    check(typ == "OK" and data == [None],
          "UNSUBSCRIBE: LSUB empty again: %r" % data)
    typ, _ = m.delete("Work/Done")
    check(typ == "OK", "DELETE Work/Done")
    typ, data = m.delete("INBOX")
    check(typ == "NO", "DELETE INBOX: NO")
    m.logout()


def test_list_extended(srv):
    c, _ = srv.raw()
    c.run("LOGIN demo demo")
    lines, done = c.run('LIST (SPECIAL-USE) "" "*"')
    names = [l.rsplit(" ", 1)[-1] for l in untagged(lines, "LIST")]
    check(" OK " in done and sorted(names) == [
        '"Archive"', '"Drafts"', '"Flagged"', '"Junk"', '"Sent"',
        '"Trash"'],
          "LIST (SPECIAL-USE): only the special-use folders: %s" % names)
    lines, done = c.run('LIST "" "INBOX" RETURN (STATUS (MESSAGES '
                        'UIDNEXT) SUBSCRIBED)')
    st = untagged(lines, "STATUS")
    check(len(st) == 1 and re.search(r'\(MESSAGES \d+ UIDNEXT \d+\)',
                                     st[0]) is not None,
          "LIST RETURN (STATUS): a STATUS line: %s" % lines)
    c.run("CREATE Proj/Sub")
    c.run("SUBSCRIBE Proj/Sub")
    c.run("SUBSCRIBE Gone")
    lines, done = c.run('LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"')
    check(any(l.endswith('"Proj" ("CHILDINFO" ("SUBSCRIBED"))')
              for l in lines) and
          any("\\NonExistent" in l and l.endswith('"Gone"')
              for l in lines) and
          not any('"Proj/Sub"' in l for l in lines),
          "LIST (SUBSCRIBED RECURSIVEMATCH): CHILDINFO on the parent, "
          "gone subscriptions \\NonExistent: %s" % lines)
    lines, done = c.run('LIST (SUBSCRIBED) "" "*"')
    check(any("\\Subscribed" in l and l.endswith('"Proj/Sub"')
              for l in lines) and
          not any(l.endswith('"Proj"') for l in lines),
          "LIST (SUBSCRIBED): only subscriptions: %s" % lines)
    c.run("UNSUBSCRIBE Gone")
    lines, done = c.run('LIST "" ""')
    check(lines == ['* LIST (\\Noselect) "/" ""'],
          "LIST \"\" \"\": the delimiter: %s" % lines)
    _, done = c.run('CREATE Archive2 (USE (\\Archive))')
    lines, _ = c.run('LIST "" Archive2')
    check(" OK " in done and lines and "\\Archive" in lines[0],
          "CREATE with USE (\\Archive): %s" % lines)
    # Literals: synchronising and LITERAL+ in CREATE.
    c.send("L1 CREATE {4}\r\n")
    cont = c.line()
    check(cont.startswith("+ "), "synchronising literal: continuation")
    c.send("Lit1\r\n")
    done = c.tagged("L1")[-1]
    check(done.startswith("L1 OK"), "CREATE with a literal name")
    c.send("L2 CREATE {4+}\r\nLit2\r\n")
    done = c.tagged("L2")[-1]
    check(done.startswith("L2 OK"), "CREATE with a LITERAL+ name")
    lines, _ = c.run('LIST "" "Lit*"')
    check(len(lines) == 2, "both literal-named mailboxes exist: %s" % lines)
    # A literal above max-literal-size: BAD [TOOBIG], the tag kept.
    c.send("L3 CREATE {5000}\r\n")
    done = c.line()
    check(done.startswith("L3 BAD [TOOBIG]"),
          "an over-large literal: BAD [TOOBIG] with the tag: %s" % done)
    lines, done = c.run("NOOP")
    check(" OK " in done, "the session goes on after it")
    # Pipelined commands, each a job: answered in order.
    c.send('p1 LIST "" INBOX\r\np2 STATUS INBOX (MESSAGES)\r\n'
           'p3 CREATE Piped\r\np4 LIST "" Piped\r\np5 NOOP\r\n')
    got = c.tagged("p5")
    tags = [l.split()[0] for l in got if not l.startswith("*")]
    check(tags == ["p1", "p2", "p3", "p4", "p5"] and
          any(l.endswith('"Piped"') for l in got),
          "pipelined commands answered in order: %s" % got)
    c.close()


def test_login_auth(srv):
    c, _ = srv.raw()
    c.send("a1 LOGIN {4}\r\n")
    check(c.line().startswith("+ "), "LOGIN literal: continuation")
    c.send("demo {4+}\r\nxxxx\r\n")
    done = c.line()
    check(done.startswith("a1 NO [AUTHENTICATIONFAILED]"),
          "LOGIN with a wrong password: NO [AUTHENTICATIONFAILED]: %s"
          % done)
    c.send("a2 AUTHENTICATE PLAIN\r\n")
    check(c.line() == "+ ", "AUTHENTICATE without SASL-IR: \"+ \"")
    c.send("*\r\n")
    done = c.line()
    check(done.startswith("a2 BAD"), "\"*\" cancels: BAD: %s" % done)
    c.send("a3 AUTHENTICATE PLAIN\r\n")
    c.line()
    c.send("!!notbase64\r\n")
    check(c.line().startswith("a3 BAD"), "garbage response: BAD")
    c.send("a4 AUTHENTICATE PLAIN\r\n")
    c.line()
    c.send(base64.b64encode(b"\0demo\0demo").decode() + "\r\n")
    done = c.line()
    check(done.startswith("a4 OK [CAPABILITY "),
          "AUTHENTICATE PLAIN with a continuation: OK: %s" % done)
    _, done = c.run("LOGIN demo demo")
    check(" BAD " in done, "LOGIN once authenticated: BAD")
    c.close()
    c, _ = srv.raw()
    _, done = c.run("AUTHENTICATE PLAIN " +
                    base64.b64encode(b"\0demo\0demo").decode())
    check(re.search(r" OK \[CAPABILITY ", done) is not None,
          "AUTHENTICATE PLAIN with SASL-IR: OK")
    lines, done = c.run("ID (\"name\" \"test\")")
    check(untagged(lines, 'ID ("name" "gumdrop"') and " OK " in done,
          "ID answers the server's name")
    c.send('id2 ID ("name" {12+}\r\nab\r\nevent=xy)\r\n')
    done = c.tagged("id2")[-1]
    check(done.startswith("id2 OK") and
          srv.d.wait_log('client="ab??event=xy"', timeout=5),
          "an ID name with CRLF is logged on one line")
    lines, done = c.run("NAMESPACE")
    check(lines == ['* NAMESPACE (("" "/")) NIL NIL'],
          "NAMESPACE: one personal namespace: %s" % lines)
    c.close()


def test_bad_input(srv):
    c, _ = srv.raw()
    _, done = c.run("FROBNICATE")
    check(re.match(r"t\d+ BAD", done) is not None,
          "unknown command: tagged BAD")
    _, done = c.run("SELECT INBOX")
    check(re.match(r"t\d+ BAD", done) is not None,
          "SELECT before login: tagged BAD")
    _, done = c.run("CAPABILITY extra")
    check(re.match(r"t\d+ BAD", done) is not None,
          "arguments to CAPABILITY: BAD")
    c.send("long1 CREATE " + "x" * 9000 + "\r\n")
    done = c.line()
    check(done.startswith("long1 BAD [TOOBIG]"),
          "an over-long command: BAD [TOOBIG], the tag kept: %s" % done)
    _, done = c.run("NOOP")
    check(" OK " in done, "the session goes on")
    c.send("bad tag!x NOOP\r\n")
    c.line()
    c.send("b1 FOO\r\nb2 FOO\r\n")
    c.line()
    c.line()
    last = c.line()
    check(last is not None and last.startswith("* BYE"),
          "beyond max-bad-commands: BYE: %s" % last)
    check(c.closed(), "then the connection closes")
    c.close()
    c, _ = srv.raw()
    start = time.monotonic()
    bye = c.line()
    check(bye is not None and bye.startswith("* BYE") and
          time.monotonic() - start < 14,
          "preauth-timeout: BYE after ~5s: %s" % bye)
    c.close()


def test_select(srv):
    for i in range(2):
        srv.deliver("first %d" % i)
    check(srv.wait_new(2), "two messages delivered")
    c, _ = srv.raw()
    c.run("LOGIN demo demo")
    lines, done = c.run("SELECT INBOX")
    text = "\n".join(lines)
    check("* 2 EXISTS" in text and "* 2 RECENT" in text,
          "SELECT (rev1): EXISTS and RECENT: %s" % lines)
    check(re.search(r"\* OK \[UIDVALIDITY \d+\]", text) and
          re.search(r"\* OK \[UIDNEXT \d+\]", text) and
          re.search(r"\* OK \[UNSEEN 1\]", text) and
          "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)" in text
          and "[PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen "
          "\\Draft \\*)]" in text,
          "SELECT: FLAGS, UIDVALIDITY, UIDNEXT, UNSEEN, PERMANENTFLAGS")
    check("[READ-WRITE]" in done, "SELECT: OK [READ-WRITE]")
    srv.deliver("third")
    check(srv.wait_new(3), "a third message delivered")
    lines, done = c.run("NOOP")
    check("* 3 EXISTS" in lines, "NOOP reports the delivery: %s" % lines)
    # Another program marks message 1 \Deleted (Maildir flag T).
    files = srv.cur_files()
    check(len(files) == 3, "the messages are in cur/: %s" % files)
    d = os.path.join(srv.mail, USER, "cur")
    first = files[0]
    base = first.split(":2,")[0]
    flags = first.split(":2,")[1] if ":2," in first else ""
    os.rename(os.path.join(d, first),
              os.path.join(d, base + ":2," + "".join(sorted(flags + "T"))))
    lines, done = c.run("NOOP")
    check(any(re.match(r"\* 1 FETCH \(FLAGS \(.*\\Deleted.*\)\)", l)
              for l in lines),
          "NOOP reports the flag change as FETCH FLAGS: %s" % lines)
    lines, done = c.run("EXPUNGE")
    lines = [l for l in lines if not l.endswith(" RECENT")]
    check(lines == ["* 1 EXPUNGE"] and " OK " in done,
          "EXPUNGE: * 1 EXPUNGE: %s" % lines)
    lines, done = c.run("NOOP")
    check("* 2 EXISTS" not in lines, "no second EXPUNGE or EXISTS later")
    # UID EXPUNGE takes only the UIDs given.
    files = srv.cur_files()
    for f in files:
        base = f.split(":2,")[0]
        fl = f.split(":2,")[1] if ":2," in f else ""
        os.rename(os.path.join(d, f),
                  os.path.join(d, base + ":2," + "".join(sorted(fl + "T"))))
    lines, done = c.run("NOOP")
    lines, done = c.run("UID EXPUNGE 1")
    check(lines == [] and " OK " in done,
          "UID EXPUNGE of an expunged UID: nothing: %s" % lines)
    lines, done = c.run("UID EXPUNGE *")
    lines = [l for l in lines if not l.endswith(" RECENT")]
    check(lines == ["* 2 EXPUNGE"], "UID EXPUNGE *: the last message: %s"
          % lines)
    lines, done = c.run("CLOSE")
    check(" OK " in done, "CLOSE")
    check(len(srv.cur_files()) == 0,
          "CLOSE expunged the remaining \\Deleted message")
    _, done = c.run("EXPUNGE")
    check(" BAD " in done, "EXPUNGE after CLOSE: BAD (not selected)")
    lines, done = c.run("EXAMINE INBOX")
    check("[READ-ONLY]" in done and "* 0 EXISTS" in lines and
          "[PERMANENTFLAGS ()]" in "\n".join(lines),
          "EXAMINE: READ-ONLY, PERMANENTFLAGS (): %s" % lines)
    _, done = c.run("EXPUNGE")
    check(" NO " in done and "READ-ONLY" in done,
          "EXPUNGE after EXAMINE: NO [READ-ONLY]")
    _, done = c.run("UNSELECT")
    check(" OK " in done, "UNSELECT")
    _, done = c.run("SELECT Nope")
    check(" NO [NONEXISTENT]" in done, "SELECT a missing mailbox: "
          "NO [NONEXISTENT]: %s" % done)
    c.close()


def test_rev2(srv):
    c, _ = srv.raw()
    c.run("LOGIN demo demo")
    lines, done = c.run("ENABLE IMAP4rev2")
    check(lines == ["* ENABLED IMAP4rev2"], "ENABLE IMAP4rev2: %s" % lines)
    srv.deliver("rev2")
    srv.wait_new(1)
    lines, done = c.run("SELECT INBOX")
    text = "\n".join(lines)
    check("RECENT" not in text and "UNSEEN" not in text and
          '* LIST () "/" "INBOX"' in text and "* 1 EXISTS" in text,
          "SELECT in rev2: no RECENT or UNSEEN, a LIST line: %s" % lines)
    lines, done = c.run("EXAMINE Sent")
    check(lines and lines[0].startswith("* OK [CLOSED]"),
          "SELECT over a selected mailbox in rev2: [CLOSED] first")
    _, done = c.run("LSUB \"\" \"*\"")
    check(" BAD " in done, "LSUB is not rev2: BAD")
    lines, done = c.run("STATUS INBOX (RECENT)")
    check(" BAD " in done, "STATUS RECENT in rev2: BAD")
    c.run("UNSELECT")
    _, done = c.run("RENAME INBOX Old")
    lines, _ = c.run("STATUS Old (MESSAGES)")
    lines2, _ = c.run("STATUS INBOX (MESSAGES)")
    check(" OK " in done and "(MESSAGES 1)" in "".join(lines) and
          "(MESSAGES 0)" in "".join(lines2),
          "RENAME INBOX moves its messages: %s %s" % (lines, lines2))
    c.close()


def test_store_copy(srv):
    """STORE, COPY, MOVE (rev2 mode: no \\Recent), seen by a second
    session at its NOOP."""
    a, _ = srv.raw()
    b, _ = srv.raw()
    for c in (a, b):
        c.run("LOGIN demo demo")
        c.run("ENABLE IMAP4rev2")
        c.run("SELECT INBOX")
    have = len(srv.cur_files())
    srv.deliver("store 1")
    srv.deliver("store 2")
    srv.wait_new(have + 2)
    lines, _ = a.run("NOOP")
    check("* 2 EXISTS" in lines, "session A sees two messages: %s" % lines)
    b.run("NOOP")
    lines, done = a.run("STORE 1 +FLAGS (\\Flagged)")
    check(lines == ["* 1 FETCH (FLAGS (\\Flagged))"] and " OK " in done,
          "STORE +FLAGS: the new flags: %s" % lines)
    lines, done = a.run("STORE 1 +FLAGS.SILENT (\\Seen)")
    check(lines == [] and " OK " in done, "STORE .SILENT: no FETCH")
    lines, done = a.run("UID STORE 1:* -FLAGS (\\Flagged)")
    check(len(lines) == 2 and all(re.match(
        r"\* \d FETCH \(UID \d+ FLAGS \(", l) for l in lines),
          "UID STORE: FETCH with UID for each: %s" % lines)
    lines, done = b.run("NOOP")
    check(any(re.match(r"\* 1 FETCH \(FLAGS \(\\Seen\)\)", l)
              for l in lines),
          "session B sees A's change at NOOP: %s" % lines)
    _, done = a.run("STORE 9 +FLAGS (\\Seen)")
    check(" BAD " in done, "STORE beyond the view: BAD")
    _, done = a.run("COPY 1 Sent")
    check(re.search(r" OK \[COPYUID \d+ \d+ \d+\]", done) is not None,
          "COPY: OK [COPYUID ...]: %s" % done)
    _, done = a.run("COPY 1 Nope")
    check(" NO [TRYCREATE]" in done, "COPY to a missing mailbox: "
          "NO [TRYCREATE]: %s" % done)
    lines, done = a.run("MOVE 2 Trash")
    check(len(lines) == 2 and lines[0].startswith("* OK [COPYUID ") and
          lines[1] == "* 2 EXPUNGE" and " OK " in done,
          "MOVE: COPYUID, then EXPUNGE: %s" % lines)
    lines, _ = b.run("NOOP")
    check("* 2 EXPUNGE" in lines, "session B sees the move's EXPUNGE: %s"
          % lines)
    lines, _ = a.run("STATUS Trash (MESSAGES)")
    check(lines and "(MESSAGES 1)" in lines[0], "the message is in Trash")
    a.run("EXAMINE INBOX")
    _, done = a.run("STORE 1 +FLAGS (\\Deleted)")
    check(" NO [READ-ONLY]" in done, "STORE after EXAMINE: NO [READ-ONLY]")
    a.close()
    b.close()


def wait_line(c, pred, seconds=TIMEOUT):
    """Lines until one satisfies pred (or the time is up): all of them."""
    seen = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = c.line()
        if line is None:
            break
        seen.append(line)
        if pred(line):
            break
    return seen


def test_search_idle(srv):
    """SEARCH (rev1 SEARCH, ESEARCH, SEARCHRES) and IDLE pushes."""
    a, _ = srv.raw()
    b, _ = srv.raw()
    a.run("LOGIN demo demo")
    lines, _ = a.run("SELECT INBOX")
    have = int([l for l in lines if l.endswith(" EXISTS")][0].split()[1])
    check(have == 1, "INBOX holds one (seen) message: %s" % lines)
    srv.deliver("search alpha")
    srv.deliver("search beta")
    lines, _ = a.run("NOOP")
    check("* 3 EXISTS" in lines, "two more delivered: %s" % lines)
    lines, done = a.run("SEARCH UNSEEN")
    check(lines == ["* SEARCH 2 3"], "SEARCH UNSEEN: %s" % lines)
    lines, done = a.run("SEARCH SUBJECT beta")
    check(lines == ["* SEARCH 3"], "SEARCH SUBJECT (a header): %s" % lines)
    lines, done = a.run("SEARCH RETURN (MIN MAX COUNT) ALL")
    check(len(lines) == 1 and re.match(
        r'\* ESEARCH \(TAG "t\d+"\) MIN 1 MAX 3 COUNT 3$', lines[0]),
          "SEARCH RETURN (MIN MAX COUNT): ESEARCH: %s" % lines)
    lines, done = a.run("UID SEARCH RETURN (ALL) 2:3")
    check(len(lines) == 1 and re.match(
        r'\* ESEARCH \(TAG "t\d+"\) UID ALL \d+:\d+$', lines[0]),
          "UID SEARCH RETURN (ALL): UIDs as a set: %s" % lines)
    _, done = a.run("SEARCH CHARSET KOI8-R ALL")
    check("NO [BADCHARSET" in done, "unknown CHARSET: NO [BADCHARSET]")
    _, done = a.run("STORE $ +FLAGS (\\Flagged)")
    check("NO [NOTSAVED]" in done, "$ before any SAVE: NO [NOTSAVED]")
    lines, done = a.run("SEARCH RETURN (SAVE) UNSEEN")
    check(lines == [] and " OK " in done,
          "RETURN (SAVE) alone: no untagged reply: %s" % lines)
    lines, done = a.run("STORE $ +FLAGS (\\Flagged)")
    check(len(lines) == 2 and lines[0].startswith("* 2 FETCH") and
          lines[1].startswith("* 3 FETCH"),
          "STORE $ uses the saved result: %s" % lines)
    lines, _ = a.run("SEARCH FLAGGED")
    check(lines == ["* SEARCH 2 3"], "SEARCH FLAGGED after it: %s" % lines)
    # IDLE in b: a delivery, a flag change and an expunge are pushed.
    b.run("LOGIN demo demo")
    b.run("ENABLE IMAP4rev2")
    b.run("SELECT INBOX")
    b.send("i1 IDLE\r\n")
    check(b.line() == "+ idling", "IDLE: + idling")
    start = time.monotonic()
    srv.deliver("idle push")
    seen = wait_line(b, lambda l: l == "* 4 EXISTS")
    check(seen and seen[-1] == "* 4 EXISTS",
          "IDLE: EXISTS pushed after a delivery (%.0f ms): %s"
          % ((time.monotonic() - start) * 1000, seen))
    a.run("STORE 1 +FLAGS (\\Deleted)")
    seen = wait_line(b, lambda l: l.startswith("* 1 FETCH"))
    check(seen and "\\Deleted" in seen[-1],
          "IDLE: another session's STORE pushed: %s" % seen)
    a.run("EXPUNGE")
    seen = wait_line(b, lambda l: l == "* 1 EXPUNGE")
    check(seen and seen[-1] == "* 1 EXPUNGE",
          "IDLE: another session's EXPUNGE pushed: %s" % seen)
    b.send("DONE\r\n")
    seen = wait_line(b, lambda l: l.startswith("i1 "))
    check(seen and seen[-1] == "i1 OK IDLE terminated",
          "DONE ends IDLE: %s" % seen)
    _, done = b.run("NOOP")
    check(" OK " in done, "commands again after IDLE")
    b.send("i2 IDLE\r\n")
    b.line()
    b.send("NOTDONE\r\n")
    seen = wait_line(b, lambda l: l.startswith("i2 "))
    check(seen and seen[-1].startswith("i2 BAD"),
          "anything but DONE ends IDLE with BAD: %s" % seen)
    a.close()
    b.close()


def test_append(srv):
    """APPEND: streamed literals, APPENDUID, [TRYCREATE], [TOOBIG]."""
    m = imaplib.IMAP4("127.0.0.1", srv.imapp, timeout=TIMEOUT)
    check("APPENDLIMIT=4096" in m.capabilities,
          "APPENDLIMIT advertised from append-limit")
    m.login(USER, PASSWORD)
    msg = (b"From: demo@localhost\r\nSubject: draft\r\n\r\n"
           b"a draft\r\n")
    typ, data = m.append("Drafts", "(\\Draft \\Seen)",
                         imaplib.Time2Internaldate(1700000000), msg)
    check(typ == "OK" and re.search(rb"\[APPENDUID \d+ \d+\]", data[0]),
          "imaplib APPEND: OK [APPENDUID ...]: %r" % data)
    typ, data = m.status("Drafts", "(MESSAGES SIZE)")
    check(typ == "OK" and b"MESSAGES 1" in data[0] and
          b"SIZE %d" % len(msg) in data[0],
          "the message is in Drafts with its size: %r" % data)
    typ, data = m.append("Nope", None, None, msg)
    check(typ == "NO" and data[0].startswith(b"[TRYCREATE]"),
          "APPEND to a missing mailbox: NO [TRYCREATE]: %r" % data)
    m.logout()
    c, _ = srv.raw()
    c.run("LOGIN demo demo")
    c.send("p1 APPEND Nope {%d+}\r\n" % len(msg) + msg.decode() + "\r\n")
    done = c.tagged("p1")[-1]
    check(done.startswith("p1 NO [TRYCREATE]"),
          "LITERAL+ APPEND to a missing mailbox: NO [TRYCREATE], data "
          "skipped: %s" % done)
    c.send("p2 APPEND Drafts {%d+}\r\n" % len(msg) + msg.decode() + "\r\n")
    done = c.tagged("p2")[-1]
    check(re.match(r"p2 OK \[APPENDUID \d+ \d+\]", done) is not None,
          "LITERAL+ APPEND: OK [APPENDUID]: %s" % done)
    c.send("p3 APPEND Drafts {5000}\r\n")
    done = c.line()
    check(done.startswith("p3 NO [TOOBIG]"),
          "APPEND above APPENDLIMIT: NO [TOOBIG]: %s" % done)
    _, done = c.run("NOOP")
    check(" OK " in done, "the session goes on after it")
    # BINARY (RFC 3516, part of RFC 9051): a literal8 message with NUL
    # octets (imapflow saw no BINARY capability though FETCH BINARY[] was
    # served; the reader refused ~{n}).
    lines, _ = c.run("CAPABILITY")
    check(lines and " BINARY " in lines[0] + " ",
          "BINARY is advertised: %s" % lines)
    nul = b"Subject: nul\r\n\r\na\0b\r\n"
    c.run("CREATE Bin")
    c.send("p4 APPEND Bin ~{%d+}\r\n" % len(nul))
    c.sock.sendall(nul + b"\r\n")
    done = c.tagged("p4")[-1]
    check(re.match(r"p4 OK \[APPENDUID \d+ \d+\]", done) is not None,
          "literal8 APPEND: OK [APPENDUID]: %s" % done)
    box = os.path.join(srv.mail, USER, ".Bin")
    stored = [open(os.path.join(box, d, f), "rb").read()
              for d in ("new", "cur") for f in os.listdir(
                  os.path.join(box, d))]
    check(stored == [nul], "the literal8 message is stored as sent, NUL "
          "included: %r" % stored)
    c.close()


def test_fetch_meta(srv):
    """FETCH of metadata (the session's part; content is the FETCH
    engine's)."""
    c, _ = srv.raw()
    c.run("LOGIN demo demo")
    c.run("SELECT Drafts")
    lines, done = c.run("FETCH 1:* (FLAGS UID RFC822.SIZE INTERNALDATE)")
    check(len(lines) == 2 and re.match(
        r'\* 1 FETCH \(UID \d+ FLAGS \(\\Seen \\Draft( \\Recent)?\) '
        r'INTERNALDATE '
        r'"14-Nov-2023 22:13:20 \+0000" RFC822.SIZE \d+\)$', lines[0]),
          "FETCH metadata: FLAGS UID INTERNALDATE RFC822.SIZE: %s" % lines)
    lines, done = c.run("UID FETCH 1:* FLAGS")
    check(len(lines) == 2 and all(re.match(r"\* \d FETCH \(UID \d+ "
                                          r"FLAGS \(", l) for l in lines),
          "UID FETCH carries UID: %s" % lines)
    lines, done = c.run("FETCH 1 BODY.PEEK[HEADER.FIELDS (SUBJECT)]")
    check(" OK " in done and lines and lines[0].endswith("{18}") and
          lines[1:3] == ["Subject: draft", ""],
          "content FETCH is served (complex-imap-fetch.py checks it): "
          "%s %s" % (lines, done))
    _, done = c.run("FETCH 7 FLAGS")
    check(" BAD " in done, "FETCH beyond the view: BAD")
    c.close()


def test_abrupt(srv):
    """Clients that vanish mid-command, and garbage: the daemon goes
    on."""
    cases = [
        b"a LOGIN {10}\r\nde",                       # mid-literal
        b"a AUTHENTICATE PLAIN\r\n",                  # mid-exchange
        b"a LOGIN demo demo\r\nb SELECT INBOX\r\n",   # job running
        b"a LOGIN demo demo\r\nb SELECT INBOX\r\nc IDLE\r\n",
        b"a LOGIN demo demo\r\nb APPEND Drafts {100+}\r\nFrom: x\r\n",
        b"\x00\xff\r\r\n)(*&{9999999999999999999999}\r\n" * 3,
        b"a LOGIN demo demo\r\nb LIST \"\" *\r\nc STATUS INBOX "
        b"(MESSAGES)\r\nd NOOP\r\n",
    ]
    for data in cases:
        c, _ = srv.raw()
        c.send(data)
        time.sleep(0.05)
        c.close()
    c, _ = srv.raw()
    lines, done = c.run("CAPABILITY")
    check(" OK " in done, "the daemon serves after abrupt clients")
    c.run("LOGIN demo demo")
    lines, done = c.run("STATUS Drafts (MESSAGES)")
    check(lines and "(MESSAGES 2)" in lines[0],
          "the cut APPEND left nothing behind: %s" % lines)
    c.close()


def test_reload(srv):
    """A SIGHUP with other imap: keys: new sessions take them, a session
    started before keeps its own (the module's config generations)."""
    old, _ = srv.raw()
    with open(srv.d.config) as f:
        text = f.read()
    with open(srv.d.config, "w") as f:
        f.write(text.replace("max-bad-commands: 6", "max-bad-commands: 2"))
    mark = srv.d.log_count()
    srv.d.signal(signal.SIGHUP)
    check(srv.d.wait_log("event=daemon.reload result=ok", start=mark),
          "SIGHUP reload accepted")
    new, _ = srv.raw()
    lines = []
    for i in range(4):
        new.send("r%d FOO\r\n" % i)
    for i in range(4):
        line = new.line()
        if line is None:
            break
        lines.append(line)
    check(any(l.startswith("* BYE") for l in lines) and new.closed(),
          "a new session has the reloaded limit (2): %r" % lines)
    new.close()
    for i in range(4):
        _, done = old.run("FOO")
        check(" BAD " in done, "old session: BAD %d" % i)
    _, done = old.run("NOOP")
    check(" OK " in done, "the older session keeps its limit (6)")
    old.close()


def test_config_errors():
    """The imap: keys are checked with FILE:LINE errors (gumdropd -t)."""
    tmp = os.path.join(os.environ.get("TMPDIR", "/tmp"),
                       "gd-imap-config-%d" % os.getpid())
    os.makedirs(tmp, exist_ok=True)
    head = ("modules:\n  load: [maildir, imap]\nmaildir:\n"
            "  path: %s/%%u\nimap:\n" % tmp)
    cases = [
        ("  max-command-size: 8K\n  max-literal-size: 16K\n", 7,
         "key 'max-literal-size': expected at most max-command-size"),
        ("  special-use:\n    Foo: \\Bogus\n", 7,
         "key 'Foo': expected a special-use attribute"),
        ("  special-use:\n    INBOX: \\Sent\n", 7,
         "key 'INBOX': expected a mailbox name other than INBOX"),
        ("  autologout: 5m\n", 6,
         "key 'autologout': expected a duration in 30m..7d"),
        ("  max-bad-commands: lots\n", 6, "key 'max-bad-commands'"),
        ("  storage: ''\n", 6, "key 'storage': expected a backend name"),
    ]
    for i, (body, line, needle) in enumerate(cases):
        path = os.path.join(tmp, "bad%d.yaml" % i)
        with open(path, "w") as f:
            f.write(head + body)
        r = run_gumdropd(["-t", "-c", path])
        check(r.returncode != 0 and "%s:%d: %s" % (path, line, needle)
              in r.stderr, "config error at file:line: %s" % needle)


def main():
    test_config_errors()
    srv = Server()
    try:
        test_greeting_cleartext(srv)
        test_imaps_imaplib(srv)
        test_list_extended(srv)
        test_login_auth(srv)
        test_bad_input(srv)
        test_select(srv)
        test_rev2(srv)
        test_store_copy(srv)
        test_search_idle(srv)
        test_append(srv)
        test_fetch_meta(srv)
        test_abrupt(srv)
        test_reload(srv)
    except Exception as e:  # a crash is a failure, with the log
        check(False, "no exception: %r" % e)
        print(srv.d.dump()[-4000:])
    status = srv.d.stop()
    check(status == 0, "gumdropd exited cleanly (%r)" % status)
    if os.environ.get("GD_VERBOSE"):
        print(srv.d.dump())
    finish()


if __name__ == "__main__":
    main()
