"""complex: the pop3 module against a real gumdropd (maildir, realm-file,
smtp + local-delivery to put mail in), with Python's poplib and raw
sockets: USER/PASS, AUTH PLAIN with an initial response and without, `*`
cancels, AUTH LOGIN, APOP (offered only where the realm gives {PLAIN}
secrets), plaintext refused on a cleartext listener without
plaintext-without-tls, STLS then login (CAPA changes), POP3S; STAT LIST
UIDL TOP RETR with exact sizes (LIST's size is what the client holds
after unstuffing) and dot-stuffing; DELE/RSET/QUIT remove only the marked
messages; a second session gets [IN-USE]; a connection dropped after DELE
deletes nothing; mail delivered mid-session shows at the next login;
UIDL stable across sessions and a daemon restart; pipelining; bad and
out-of-state commands get -ERR and the session goes on; max-bad-commands
closes; a line over 255 octets gets -ERR; a big message streamed whole;
LOGIN-DELAY; EXPIRE 0."""
import base64
import hashlib
import os
import poplib
import re
import smtplib
import socket
import ssl
import time

from gdtest import TIMEOUT, Daemon, LineClient, check, finish, free_port, \
    make_cert, run_gumdropd

USERS = "demo:{PLAIN}demo::::::\nalice:{PLAIN}alice::::::\n"
TLS = ssl.create_default_context()
TLS.check_hostname = False
TLS.verify_mode = ssl.CERT_NONE


class Setup:
    """Ports and files shared by every daemon of the run."""

    def __init__(self):
        self.ports = {n: free_port() for n in
                      ("pop3", "plain", "pop3s", "smtp")}


def start(st, tmpdir=None, pop3_keys="", secrets=True):
    d = Daemon("", tmpdir=tmpdir)
    mail = os.path.join(d.tmp, "mail")
    users = os.path.join(d.tmp, "users")
    with open(users, "w") as f:
        f.write(USERS)
    if not os.path.exists(os.path.join(d.tmp, "cert.pem")):
        make_cert(d.tmp)
    sasl = ("{realm: file, mechanisms: [PLAIN, LOGIN], failure-delay: 0, "
            "max-auth-failures: 0")
    sasl_tls = sasl + "}"
    sasl_plain = sasl + ", plaintext-without-tls: true}"
    p = st.ports
    with open(d.config, "w") as f:
        f.write(f"""
workers: 2
blocking-threads: 4
modules:
  load: [maildir, realm-file, sasl-plain, sasl-login, smtp, local-delivery,
         pop3]
tls:
  certificates: [{{cert: {d.tmp}/cert.pem, key: {d.tmp}/key.pem}}]
maildir:
  path: {mail}/%u
  fsync: false
realm-file: {{path: {users}, allow-plaintext-secrets: {str(secrets).lower()}}}
smtp: {{hostname: mx.test, reverse-dns: false}}
local-delivery: {{domains: [localhost]}}
pop3:
  max-bad-commands: 5
{pop3_keys}
listeners:
  - {{name: pop3, address: "127.0.0.1:{p['pop3']}", protocol: pop3,
      tls: starttls, sasl: {sasl_tls}}}
  - {{name: plain, address: "127.0.0.1:{p['plain']}", protocol: pop3,
      sasl: {sasl_plain}}}
  - {{name: pop3s, address: "127.0.0.1:{p['pop3s']}", protocol: pop3,
      tls: implicit, sasl: {sasl_tls}}}
  - {{name: smtp, address: "127.0.0.1:{p['smtp']}", protocol: smtp}}
""")
    d.start()
    return d, mail


def deliver(st, body, subject="test", to="demo@localhost"):
    msg = (f"From: sender@example.org\r\nTo: {to}\r\n"
           f"Subject: {subject}\r\n\r\n{body}")
    with smtplib.SMTP("127.0.0.1", st.ports["smtp"], timeout=TIMEOUT) as s:
        s.sendmail("sender@example.org", [to], msg.encode())


def inbox(mail, user="demo"):
    """The stored files of USER's INBOX (new/ and cur/), as bytes."""
    out = []
    for sub in ("new", "cur"):
        path = os.path.join(mail, user, sub)
        if os.path.isdir(path):
            for name in sorted(os.listdir(path)):
                with open(os.path.join(path, name), "rb") as f:
                    out.append(f.read())
    return out


def login(st, port="plain", user="demo", password="demo"):
    p = poplib.POP3("127.0.0.1", st.ports[port], timeout=TIMEOUT)
    p.user(user)
    p.pass_(password)
    return p


def login_retry(st, **kw):
    """Log in, retrying while the previous session's lock is released
    (the close runs in the blocking pool after the socket closed)."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            return login(st, **kw)
        except poplib.error_proto as e:
            if b"IN-USE" not in e.args[0] or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def raw(st, port="plain"):
    c = LineClient.tcp("127.0.0.1", st.ports[port])
    return c, c.line()


def raw_login(st, port="plain"):
    c, greeting = raw(st, port)
    c.cmd("USER demo")
    r = c.cmd("PASS demo")
    return c, r


def multiline(c):
    """The lines of a multi-line reply up to ".", still stuffed."""
    out = []
    while True:
        line = c.line()
        if line is None or line == ".":
            return out
        out.append(line)


def retr_wire(c, n, verb="RETR"):
    """(status, the octets the client holds after unstuffing)."""
    status = c.cmd(f"{verb} {n}")
    data = b""
    while True:
        while b"\r\n" not in c.buf:
            c.buf += c.sock.recv(65536)
        line, c.buf = c.buf.split(b"\r\n", 1)
        if line == b".":
            return status, data
        data += (line[1:] if line.startswith(b".") else line) + b"\r\n"


# ---- authentication --------------------------------------------------------

def test_auth(st):
    c, greeting = raw(st, "pop3")
    check(greeting.startswith("+OK ") and re.search(r"<[^>]+@[^>]+>$",
          greeting) is not None, "greeting with an APOP timestamp")
    c.send("CAPA\r\n")
    check(c.line().startswith("+OK"), "CAPA +OK")
    capa = multiline(c)
    check("STLS" in capa and "USER" not in capa and
          not any(x.startswith("SASL") for x in capa),
          "cleartext CAPA: STLS, no USER, no plaintext SASL: %r" % capa)
    check("PIPELINING" in capa and "RESP-CODES" in capa and
          "AUTH-RESP-CODE" in capa and "TOP" in capa and "UIDL" in capa,
          "CAPA lists PIPELINING RESP-CODES AUTH-RESP-CODE TOP UIDL")
    r = c.cmd("USER demo")
    check(r.startswith("-ERR [AUTH]"), "USER refused on cleartext: " + r)
    r = c.cmd("AUTH PLAIN " + base64.b64encode(b"\0demo\0demo").decode())
    check(r.startswith("-ERR [AUTH]"), "AUTH PLAIN refused on cleartext: " +
          r)
    r = c.cmd("STAT")
    check(r.startswith("-ERR"), "STAT before login refused: " + r)
    r = c.cmd("STLS")
    check(r.startswith("+OK"), "STLS +OK")
    c.sock = TLS.wrap_socket(c.sock)
    c.send("CAPA\r\n")
    c.line()
    capa = multiline(c)
    check("STLS" not in capa and "USER" in capa and
          "SASL PLAIN LOGIN" in capa, "CAPA after STLS: %r" % capa)
    r = c.cmd("USER demo")
    r = c.cmd("PASS demo")
    check(r.startswith("+OK"), "USER/PASS after STLS: " + r)
    check(c.cmd("QUIT").startswith("+OK"), "QUIT")
    c.close()

    p = poplib.POP3_SSL("127.0.0.1", st.ports["pop3s"], context=TLS,
                        timeout=TIMEOUT)
    p.user("demo")
    check(p.pass_("demo").startswith(b"+OK"), "POP3S USER/PASS")
    p.quit()

    c, greeting = raw(st, "plain")
    ir = base64.b64encode(b"\0demo\0demo").decode()
    r = c.cmd("AUTH PLAIN " + ir)
    check(r.startswith("+OK"), "AUTH PLAIN with initial response: " + r)
    c.cmd("QUIT")
    c.close()
    c, greeting = raw(st, "plain")
    r = c.cmd("AUTH PLAIN")
    check(r == "+ ", "AUTH PLAIN without IR gets an empty challenge: %r" % r)
    r = c.cmd("*")
    check(r.startswith("-ERR"), "* cancels: " + r)
    r = c.cmd("AUTH PLAIN")
    r = c.cmd(base64.b64encode(b"\0demo\0wrong").decode())
    check(r.startswith("-ERR [AUTH]"), "wrong password: -ERR [AUTH]: " + r)
    r = c.cmd("AUTH LOGIN")
    check(r.startswith("+ "), "AUTH LOGIN challenge")
    c.cmd(base64.b64encode(b"demo").decode())
    r = c.cmd(base64.b64encode(b"demo").decode())
    check(r.startswith("+OK"), "AUTH LOGIN after a cancel and a failure: " +
          r)
    c.cmd("QUIT")
    c.close()

    c, greeting = raw(st, "plain")
    ts = re.search(r"<[^>]+>", greeting).group(0)
    bad = hashlib.md5((ts + "nope").encode()).hexdigest()
    r = c.cmd("APOP demo " + bad)
    check(r.startswith("-ERR [AUTH]"), "APOP wrong digest: " + r)
    good = hashlib.md5((ts + "demo").encode()).hexdigest()
    r = c.cmd("APOP demo " + good)
    check(r.startswith("+OK"), "APOP: " + r)
    c.cmd("QUIT")
    c.close()
    c, greeting = raw(st, "plain")
    check(c.cmd("UTF8").startswith("+OK"), "UTF8 +OK")
    c.cmd("USER demo")
    check(c.cmd("PASS demo").startswith("+OK"), "login after UTF8")
    c.cmd("QUIT")
    c.close()


# ---- the maildrop --------------------------------------------------------------

BODY1 = "line one\r\n.hidden dot line\r\n..two dots\r\n.\r\nlast\r\n"
BODY2 = "second message\r\n" + "x" * 900 + "\r\n"
BODY3 = "third\r\n"


def test_sizes(st, mail):
    stored = inbox(mail)
    p = login_retry(st)
    n, octets = p.stat()
    check(n == len(stored) and octets == sum(map(len, stored)),
          "STAT %d %d equals the stored files (%d, %d)" %
          (n, octets, len(stored), sum(map(len, stored))))
    resp, listing, _ = p.list()
    sizes = {int(a): int(b) for a, b in (l.split() for l in listing)}
    ok = True
    for i in range(1, n + 1):
        resp, lines, _ = p.retr(i)
        got = b"".join(l + b"\r\n" for l in lines)
        ok = ok and len(got) == sizes[i] and got in stored
    check(ok, "RETR: poplib's lines + CRLFs are the LIST size and the "
          "stored file, for every message")
    resp = p.list(1)
    check(resp.split()[1:] == [b"1", str(sizes[1]).encode()],
          "LIST 1: " + resp.decode())
    resp, uidls, _ = p.uidl()
    check(all(re.fullmatch(rb"\d+ [0-9a-f]{16}", u) for u in uidls) and
          len(set(u.split()[1] for u in uidls)) == n,
          "UIDL: 16 lowercase hex, unique")
    p.quit()

    c, r = raw_login(st)
    status, data = retr_wire(c, 1)
    check(status.startswith("+OK") and data == stored[0],
          "raw RETR unstuffed equals the stored file")
    c.send("RETR 1\r\n")
    c.line()
    wire = multiline(c)
    check("..hidden dot line" in wire and "...two dots" in wire and
          ".." in wire, "dot-stuffing on the wire: %r" % wire[-6:])
    status, top0 = retr_wire(c, "1 0", "TOP")
    head = stored[0].split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
    check(status.startswith("+OK") and top0 == head, "TOP 1 0: the header "
          "and the blank line")
    status, top2 = retr_wire(c, "1 2", "TOP")
    check(top2 == head + b"line one\r\n.hidden dot line\r\n",
          "TOP 1 2: two body lines, unstuffed")
    r = c.cmd("RETR 99")
    check(r.startswith("-ERR"), "RETR of no such message: " + r)
    check(c.cmd("NOOP") == "+OK", "the session goes on")
    c.cmd("QUIT")
    c.close()


def test_pipelining(st):
    c, r = raw_login(st)
    c.send("STAT\r\nLIST\r\nRETR 1\r\nUIDL 1\r\nNOOP\r\n")
    stat = c.line()
    check(stat.startswith("+OK"), "pipelined STAT")
    check(c.line().startswith("+OK"), "pipelined LIST")
    multiline(c)
    check(c.line().startswith("+OK"), "pipelined RETR")
    multiline(c)
    check(c.line().startswith("+OK 1 "), "pipelined UIDL 1")
    check(c.line() == "+OK", "pipelined NOOP, in order")
    c.cmd("QUIT")
    c.close()


def test_bad_input(st):
    c, greeting = raw(st, "plain")
    check(c.cmd("FOO").startswith("-ERR"), "unknown command: -ERR")
    check(c.cmd("RETR 1").startswith("-ERR"), "RETR in AUTHORIZATION: -ERR")
    check(c.cmd("USER " + "u" * 300).startswith("-ERR"),
          "a 306-octet line: -ERR")
    check(c.cmd("CAPA").startswith("+OK"), "the session goes on")
    multiline(c)
    check(c.cmd("NOOP" + " " * 249).startswith("-ERR"),
          "NOOP is not an AUTHORIZATION command (255-octet line parsed)")
    r = c.cmd("BAD")
    check(r.startswith("-ERR"), "5th bad command: -ERR")
    r = c.cmd("BAD")
    check(r.startswith("-ERR"), "6th bad command: -ERR")
    r = c.line()
    check(r is not None and r.startswith("-ERR"), "then -ERR before the "
          "close: %r" % r)
    check(c.closed() or c.line() is None, "max-bad-commands closes")
    c.close()
    c, r = raw_login(st)
    check(c.cmd("USER demo").startswith("-ERR"), "USER in TRANSACTION: -ERR")
    check(c.cmd("DELE 0").startswith("-ERR"), "DELE 0: -ERR")
    check(c.cmd("NOOP" + " " * 249).startswith("+OK"),
          "a 255-octet line is accepted")
    c.cmd("QUIT")
    c.close()


def uidls(st, **kw):
    p = login_retry(st, **kw)
    got = [u.split()[1] for u in p.uidl()[1]]
    p.quit()
    return got


def test_dele(st, mail):
    before = uidls(st)
    c, r = raw_login(st)
    check(c.cmd("DELE 1").startswith("+OK"), "DELE 1")
    check(c.cmd("DELE 1").startswith("-ERR"), "DELE 1 again: -ERR")
    check(c.cmd("RETR 1").startswith("-ERR"), "RETR of a deleted message")
    check(c.cmd("STAT").startswith("+OK %d " % (len(before) - 1)),
          "STAT skips the deleted message")
    check(c.cmd("RSET").startswith("+OK"), "RSET")
    check(c.cmd("DELE 2").startswith("+OK"), "DELE 2")
    check(c.cmd("QUIT").startswith("+OK"), "QUIT in TRANSACTION: +OK")
    c.close()
    after = uidls(st)
    check(after == before[:1] + before[2:], "QUIT removed only message 2")

    c, r = raw_login(st)
    check(c.cmd("DELE 1").startswith("+OK"), "DELE, then drop")
    c.sock.shutdown(socket.SHUT_RDWR)
    c.close()
    check(uidls(st) == after, "a dropped connection deleted nothing")
    return after


def test_in_use(st):
    p = login_retry(st)
    q = poplib.POP3_SSL("127.0.0.1", st.ports["pop3s"], context=TLS,
                        timeout=TIMEOUT)
    q.user("demo")
    try:
        q.pass_("demo")
        check(False, "second session refused")
    except poplib.error_proto as e:
        r = e.args[0]
        check(r.startswith(b"-ERR [IN-USE]"), "second session (POP3S, "
              "another worker maybe): %r" % r)
    q.user("demo")
    try:
        q.pass_("demo")
    except poplib.error_proto as e:
        check(e.args[0].startswith(b"-ERR [IN-USE]"), "still in use, and "
              "the refused session goes on")
    q.quit()
    p.quit()
    login_retry(st).quit()
    check(True, "after QUIT the maildrop is free again")


def test_mid_session(st):
    p = login_retry(st)
    n, _ = p.stat()
    deliver(st, "arrived during the session\r\n", "mid-session")
    time.sleep(0.2)
    check(p.stat()[0] == n and len(p.list()[1]) == n,
          "delivered mid-session: not in this session's STAT/LIST")
    p.quit()
    p = login_retry(st)
    check(p.stat()[0] == n + 1, "it is there at the next login")
    p.quit()


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def sanitized(pid):
    with open(f"/proc/{pid}/maps") as f:
        return "libasan" in f.read()


def test_stalled_reader(st, d, n, size):
    """A client that does not read holds back the reader: the daemon's
    memory does not grow by the message (it stops at the write queue's
    low-water mark), and the message arrives whole once it reads."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(TIMEOUT)
    sock.connect(("127.0.0.1", st.ports["plain"]))
    c = LineClient(sock)
    c.line()
    c.cmd("USER demo")
    c.cmd("PASS demo")
    before = rss_kib(d.proc.pid)
    c.send(f"RETR {n}\r\nNOOP\r\n")
    time.sleep(1.0)
    grown = rss_kib(d.proc.pid) - before
    if sanitized(d.proc.pid):
        # ASan's quarantine keeps every freed chunk: RSS then measures
        # what went through, not what is held.
        check(True, "stalled RETR: memory not measured under ASan")
    else:
        check(grown < size // 1024 // 2, "stalled RETR of %d octets: the "
              "daemon grew by %d KiB (bound: half the message)" %
              (size, grown))
    status = c.line()
    got = b""
    while True:
        while b"\r\n" not in c.buf:
            c.buf += c.sock.recv(65536)
        line, c.buf = c.buf.split(b"\r\n", 1)
        if line == b".":
            break
        got += (line[1:] if line.startswith(b".") else line) + b"\r\n"
    check(status.startswith("+OK") and len(got) == size,
          "then it arrives whole (%d octets)" % len(got))
    check(c.line() == "+OK", "the pipelined NOOP after it")
    c.cmd("QUIT")
    c.close()


def test_big(st, d, mail):
    body = "".join("line %06d %s\r\n" % (i, "y" * 60) for i in range(40000))
    deliver(st, body, "big")
    p = login_retry(st)
    resp, listing, _ = p.list()
    p.quit()
    # First, before any big reply made the daemon's heap grow.
    test_stalled_reader(st, d, int(listing[-1].split()[0]),
                        int(listing[-1].split()[1]))
    p = poplib.POP3_SSL("127.0.0.1", st.ports["pop3s"], context=TLS,
                        timeout=TIMEOUT)
    p.user("demo")
    p.pass_("demo")
    resp, listing, _ = p.list()
    last = int(listing[-1].split()[0])
    size = int(listing[-1].split()[1])
    resp, lines, _ = p.retr(last)
    got = b"".join(l + b"\r\n" for l in lines)
    check(len(got) == size and size > 2_000_000 and got in inbox(mail),
          "a %d-octet message over TLS, whole and exact" % size)
    p.quit()


def test_restart_and_policies(st, d, mail):
    before = uidls(st)
    c, r = raw_login(st)
    check(c.cmd("DELE 1").startswith("+OK"), "DELE 1, then the daemon stops")
    status = d.stop()
    r = c.line()
    check(r is not None and r.startswith("-ERR [SYS/TEMP]"),
          "shutdown mid-session: %r" % r)
    c.close()
    check(status == 0, "gumdropd exits cleanly")
    d, mail = start(st, tmpdir=d.tmp, pop3_keys="  login-delay: 2\n"
                    "  expire: 0\n", secrets=False)
    c, greeting = raw(st, "plain")
    check(re.search(r"<[^>]+>", greeting) is None,
          "no APOP timestamp when the realm gives no secrets")
    r = c.cmd("APOP demo " + "0" * 32)
    check(r.startswith("-ERR"), "APOP refused: " + r)
    c.send("CAPA\r\n")
    c.line()
    capa = multiline(c)
    check("EXPIRE 0" in capa and "LOGIN-DELAY 2" in capa,
          "CAPA EXPIRE 0, LOGIN-DELAY 2: %r" % capa)
    c.close()
    c, r = raw_login(st)
    check(r.startswith("+OK"), "login after the restart")
    c.send("UIDL\r\n")
    c.line()
    after = [l.split()[1] for l in multiline(c)]
    check(after == [u.decode() for u in before], "UIDL stable across a "
          "restart, and the shutdown deleted nothing")
    status, _ = retr_wire(c, 1)
    check(c.cmd("QUIT").startswith("+OK"), "QUIT after RETR 1")
    c.close()
    time.sleep(0.3)
    c, r = raw(st)
    c.cmd("USER demo")
    r = c.cmd("PASS demo")
    check(r.startswith("-ERR [LOGIN-DELAY]"), "too soon: " + r)
    c.close()
    time.sleep(2.2)
    c, r = raw_login(st)
    check(r.startswith("+OK"), "after the delay: " + r)
    c.send("UIDL\r\n")
    c.line()
    now = [l.split()[1] for l in multiline(c)]
    check(now == after[1:], "EXPIRE 0: the retrieved message went at QUIT, "
          "the others stayed")
    c.cmd("QUIT")
    c.close()
    return d


def test_config_errors(tmp):
    """Bad `pop3:` values stop start-up, naming the file and line."""
    path = os.path.join(tmp, "bad.yaml")
    for line, want in (("autologout: 5m", "10m..7d"),
                       ("expire: soon", '"never" or days'),
                       ("max-bad-commands: -1", "0..1000"),
                       ("greting: hi", "unknown key")):
        with open(path, "w") as f:
            f.write("modules: {load: [maildir, pop3]}\n"
                    f"maildir: {{path: {tmp}/m/%u}}\npop3:\n  {line}\n")
        r = run_gumdropd(["-t", "-c", path])
        check(r.returncode != 0 and "bad.yaml:4" in r.stderr and
              want in r.stderr, "config error for '%s': %s" %
              (line, r.stderr.strip().splitlines()[-1:]))


def main():
    st = Setup()
    d, mail = start(st)
    test_config_errors(d.tmp)
    try:
        deliver(st, BODY1, "dots")
        deliver(st, BODY2, "two")
        deliver(st, BODY3, "three")
        test_auth(st)
        test_sizes(st, mail)
        test_pipelining(st)
        test_bad_input(st)
        test_in_use(st)
        test_mid_session(st)
        test_dele(st, mail)
        test_big(st, d, mail)
        d = test_restart_and_policies(st, d, mail)
    finally:
        status = d.stop()
        if status != 0 or os.environ.get("GD_DUMP"):
            print(d.dump())
    check(status == 0, "gumdropd exits cleanly")
    finish()


main()
