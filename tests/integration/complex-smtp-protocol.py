"""complex: the smtp module's protocol with raw sockets against a real
gumdropd that delivers into Maildirs (local-delivery, maildir,
realm-file), every delivered message read back from the Maildir and
compared byte for byte after the Return-Path: and Received: fields:

* enhanced status codes (RFC 2034, RFC 3463) on every 2xx/4xx/5xx reply
  but the greeting and the HELO/EHLO answer, with the reply's class;
* pipelining (RFC 2920): a whole session in one write, replies in order,
  both messages (DATA and BDAT) delivered;
* SMTP smuggling: LF.LF, LF.CRLF, CR.CR, CRLF.LF, CRLF.CR and bare CR/LF
  inside data never end DATA, with `bare-lf: refuse` (550 5.5.2, nothing
  delivered) and `bare-lf: normalize` (one message, the bare ends made
  CRLF), and over LMTP (one 550 5.5.2 per recipient); the smuggled
  second transaction is never answered nor delivered;
* BDAT (RFC 3030): exact counts (a chunk holding command text, CRLF.CRLF
  and NULs), chunks of 1 byte, BDAT 0 LAST, RSET between chunks,
  BODY=BINARYMIME with DATA 503 5.6.1, binary content and a large chunk
  stored byte for byte, DATA and BDAT giving the same file;
* MAIL and RCPT parameters: every one accepted together, the malformed
  ones 501 5.5.4, unknown ones 555 5.5.4, source routes ignored, SMTPUTF8
  delivered with its UTF-8 Return-Path;
* trace: `with SMTP`, `ESMTP`, `UTF8SMTP`, `LMTP`, the queue id, `for`
  with one recipient; Return-Path: <> for the null sender;
* early talkers let through when `refuse-early-talkers: false`;
* a BDAT with an unreadable size: 501 5.5.4, then 421 and close.
"""
import re
import socket
import time

from gdtest import check, finish, free_port
from smtp_maildir import (count, delivered, maildir_daemon, stored,
                          trace_split, unfold)
from smtplib_util import Raw, connect

mx, norm, late, lmtp = (free_port() for _ in range(4))
d, mail = maildir_daemon(f"""\
  - {{name: mx, address: "127.0.0.1:{mx}", protocol: smtp}}
  - {{name: norm, address: "127.0.0.1:{norm}", protocol: smtp}}
  - {{name: late, address: "127.0.0.1:{late}", protocol: smtp}}
  - {{name: lmtp, address: "127.0.0.1:{lmtp}", protocol: lmtp}}
""", smtp_extra="""\
  max-message-size: 2M
  listeners:
    norm: {bare-lf: normalize}
    late: {greeting-delay: 300ms, refuse-early-talkers: false}
""")


def stuff(msg):
    """Dot-stuff for DATA (RFC 5321 4.5.2)."""
    return (b"." + msg if msg.startswith(b".") else msg).replace(
        b"\r\n.", b"\r\n..")


def one(user, tag):
    got = delivered(mail, user, tag)
    return got[0] if len(got) == 1 else None


def rest_of(user, tag):
    return trace_split(one(user, tag))[2]


def quiet(c, seconds=0.3):
    """True when the server says nothing for `seconds`."""
    c.sock.settimeout(seconds)
    try:
        early = c.sock.recv(4096)
    except socket.timeout:
        early = b""
    finally:
        c.sock.settimeout(15)
    return early == b"" and c.buf == b""


def text(tag, extra=b""):
    return (b"From: sender@example.org\r\nTo: demo@example.test\r\n"
            b"Subject: " + tag.encode() + b"\r\nMessage-ID: <" +
            tag.encode() + b"@example.org>\r\n\r\nfirst\r\n.\r\n..two\r\n"
            b".lead\r\n\r\n  \r\ntrailing   \r\ncaf\xc3\xa9\r\n" + extra)


# ---- enhanced status codes on every reply (RFC 2034 section 4) ----
ESC = re.compile(r"^([245])\.\d{1,3}\.\d{1,3}( |$)")
seen, bad = [], []


def esc(c, line, raw=False):
    if raw:
        c.send(line)
        r = c.reply()
    else:
        r = c.cmd(line)
    seen.append((line, r[0]))
    if r[0] is None or r[0] // 100 == 3:
        return r
    for t in r[1]:
        m = ESC.match(t)
        if not m or m.group(1) != str(r[0])[0]:
            bad.append((line, r[0], t))
    return r


c = connect(mx)
esc(c, "NOOP")
esc(c, "MAIL FROM:<s@example.org>")
esc(c, "HELP")
code, ehlo = c.cmd("EHLO client.example")
check("ENHANCEDSTATUSCODES" in ehlo, "EHLO offers ENHANCEDSTATUSCODES")
for line in ["HELP", "HELP MAIL", "VRFY demo", "EXPN list", "NOOP",
             "RSET", "RCPT TO:<demo@example.test>", "DATA",
             "STARTTLS", "AUTH PLAIN AGRlbW8AZGVtbw==", "XCLIENT ADDR=::1",
             "FROB", "MAIL FROM:<bad", "MAIL FROM:<s@example.org> FOO=1",
             "MAIL FROM:<s@example.org> SIZE=x",
             "MAIL FROM:<s@example.org> SIZE=999999999",
             "MAIL FROM:<s@example.org> REQUIRETLS",
             "MAIL FROM:<s@example.org>", "MAIL FROM:<s@example.org>",
             "RCPT TO:<nobody@example.test>",
             "RCPT TO:<x@elsewhere.example>",
             "RCPT TO:<demo@example.test> NOTIFY=BOGUS",
             "RCPT TO:<demo@example.test>", "DATA"]:
    esc(c, line)
esc(c, stuff(text("esc")) + b".\r\n", raw=True)
esc(c, "X" * 1100)
esc(c, b"BDAT 3 LAST\r\nabc", raw=True)
esc(c, "MAIL FROM:<s@example.org> BODY=BINARYMIME")
esc(c, "RCPT TO:<demo@example.test>")
r = esc(c, "DATA")
check(r[0] == 503 and r[1][0].startswith("5.6.1"),
      "DATA after BODY=BINARYMIME: 503 5.6.1 (%r)" % (r,))
esc(c, "RSET")
esc(c, "QUIT")
check(len(seen) >= 35 and not bad, "every 2xx/4xx/5xx reply of %d carries "
      "an enhanced status code of its class: %r" % (len(seen), bad))
check(one("demo", "Subject: esc") is not None, "the message was delivered")

# ---- pipelining: a whole session in one write ----
m1 = text("pipe-data")
m2 = text("pipe-bdat", b"\x00nul\r\n")
c = Raw.tcp("127.0.0.1", mx)
c.reply()
c.send(b"EHLO p.example\r\nMAIL FROM:<pipe@example.org>\r\n"
       b"RCPT TO:<demo@example.test>\r\nRCPT TO:<nobody@example.test>\r\n"
       b"RCPT TO:<alice@example.test>\r\nDATA\r\n" + stuff(m1) +
       b".\r\nMAIL FROM:<pipe@example.org>\r\nRCPT TO:<bob@example.test>\r\n"
       b"BDAT %d LAST\r\n" % len(m2) + m2 + b"NOOP\r\nQUIT\r\n")
codes = [r[0] for r in c.replies(11)]
check(codes == [250, 250, 250, 550, 250, 354, 250, 250, 250, 250, 250]
      or codes == [250, 250, 250, 550, 250, 354, 250, 250, 250, 250, 221],
      "pipelined replies in order: %s" % codes)
check(codes[-1] == 221 or c.reply()[0] == 221, "then QUIT's 221")
check(c.closed(), "and the server closed")
check(rest_of("demo", "pipe-data") == m1 and
      rest_of("alice", "pipe-data") == m1,
      "pipelined DATA: each recipient's copy byte for byte")
check(rest_of("bob", "pipe-bdat") == m2,
      "pipelined BDAT: bob's copy byte for byte")

# ---- smuggling ----
VARIANTS = [b"\n.\n", b"\n.\r\n", b"\r.\r", b"\r\n.\n", b"\r\n.\r",
            b"\r\n.\r\r\n", b"\n.\r\r\n"]


def smuggle(c, i, v, mode):
    c.send(b"MAIL FROM:<smuggler@example.org>\r\n"
           b"RCPT TO:<demo@example.test>\r\nDATA\r\n")
    codes = [r[0] for r in c.replies(3)]
    head = ("Subject: smuggle-%s-%d\r\n\r\n" % (mode, i)).encode()
    evil = (b"MAIL FROM:<evil@example.org>\r\nRCPT TO:<alice@example.test>"
            b"\r\nDATA\r\nSubject: smuggled-%s-%d\r\n\r\nevil\r\n"
            % (mode.encode(), i))
    c.send(head + b"body" + v + evil)
    silent = quiet(c)
    c.send(b"\r\n.\r\nNOOP\r\n")
    r, noop = c.reply(), c.reply()
    return codes, silent, r, noop, head + b"body" + v + evil + b"\r\n"


def normalize(b):
    """What `bare-lf: normalize` stores: lines are delimited by CRLF only
    (RFC 5321 2.3.8), so a line that starts with a dot right after a CRLF
    loses it (4.5.2: unstuffing), then every bare CR and bare LF left is
    made CRLF."""
    lines = [x[1:] if x.startswith(b".") else x for x in b.split(b"\r\n")]
    return re.sub(rb"\r\n|\r|\n", b"\r\n", b"\r\n".join(lines))


for mode, port in (("refuse", mx), ("normalize", norm)):
    c = connect(port)
    c.cmd("EHLO x")
    for i, v in enumerate(VARIANTS):
        codes, silent, r, noop, sent = smuggle(c, i, v, mode)
        check(codes == [250, 250, 354], "%s %r: DATA started" % (mode, v))
        check(silent, "%s %r: no reply before CRLF.CRLF (DATA not ended)"
              % (mode, v))
        if mode == "refuse":
            check(r[0] == 550 and r[1][0].startswith("5.5.2"),
                  "refuse %r: 550 5.5.2 after the data (%r)" % (v, r))
        else:
            check(r[0] == 250, "normalize %r: 250 (%r)" % (v, r))
        check(noop[0] == 250 and noop[1][0].startswith("2.0.0"),
              "%s %r: the next reply is the NOOP's (nothing smuggled "
              "answered): %r" % (mode, v, noop))
        if mode == "normalize":
            got = rest_of("demo", "smuggle-normalize-%d\r\n" % i)
            check(got == normalize(sent), "normalize %r: stored once, the "
                  "bare ends made CRLF: %r" % (v, got))
    # Bare LF and bare CR inside a line, not near a dot.
    c.send(b"MAIL FROM:<s@example.org>\r\nRCPT TO:<demo@example.test>\r\n"
           b"DATA\r\n")
    c.replies(3)
    sent = ("Subject: bare-%s\r\n\r\none\ntwo\rthree\r\n" % mode).encode()
    c.send(sent + b".\r\n")
    r = c.reply()
    if mode == "refuse":
        check(r[0] == 550 and r[1][0].startswith("5.5.2"),
              "refuse: a bare LF and a bare CR in a line: 550 5.5.2")
        check(not delivered(mail, "demo", "bare-refuse"), "nothing stored")
    else:
        check(r[0] == 250 and rest_of("demo", "bare-normalize") ==
              normalize(sent), "normalize: a bare LF and a bare CR in a "
              "line stored as CRLF")
    c.cmd("QUIT")
# LMTP: the same, with one refusal per accepted recipient (RFC 2033).
c = connect(lmtp)
c.cmd("LHLO x")
for i, v in enumerate(VARIANTS[:4]):
    c.send(b"MAIL FROM:<smuggler@example.org>\r\nRCPT TO:<demo@example.test>"
           b"\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n")
    codes = [r[0] for r in c.replies(4)]
    c.send(b"Subject: smuggle-lmtp-%d\r\n\r\nbody" % i + v +
           b"MAIL FROM:<evil@example.org>\r\nRCPT TO:<alice@example.test>"
           b"\r\nDATA\r\nSubject: smuggled-lmtp\r\n\r\nevil\r\n")
    silent = quiet(c)
    c.send(b"\r\n.\r\nNOOP\r\n")
    rs = c.replies(3)
    check(codes == [250, 250, 250, 354] and silent and
          [r[0] for r in rs] == [550, 550, 250] and
          rs[0][1][0].startswith("5.5.2") and rs[2][1][0] == "2.0.0 Ok",
          "LMTP %r: not ended early; 550 5.5.2 for each recipient, then "
          "the NOOP's 250 (%r)" % (v, rs))
c.cmd("QUIT")
check(count(mail, "alice") == 1, "no smuggled message reached alice "
      "(only the pipelined one is there)")
check(not delivered(mail, "demo", "smuggle-refuse"),
      "bare-lf refuse: no smuggling attempt stored")
check(not [m for u in ("demo", "alice", "bob") for m in stored(mail, u)
           if (trace_split(m)[2] or b"").startswith(b"Subject: smuggled")],
      "no smuggled message stored as a message of its own")

# ---- BDAT ----
c = connect(mx)
c.cmd("EHLO x")
binary = (b"Subject: bdat-binary\r\nContent-Type: application/octet-stream"
          b"\r\n\r\n" + bytes(range(256)) * 8 + b"\r\n.\r\nQUIT\r\n"
          b"BDAT 5 LAST\r\n\n.\n\x00\r.\r\x00")
c.cmd("MAIL FROM:<bin@example.org> BODY=BINARYMIME")
c.cmd("RCPT TO:<demo@example.test>")
pos, codes = 0, []
for size in (1, 1, 7, 300, 1000):
    c.send(b"BDAT %d\r\n" % size + binary[pos:pos + size])
    codes.append(c.reply()[0])
    pos += size
c.send(b"BDAT %d\r\n" % (len(binary) - pos) + binary[pos:] +
       b"BDAT 0 LAST\r\n")
codes += [c.reply()[0], c.reply()[0]]
check(codes == [250] * 7, "BINARYMIME in 6 chunks then BDAT 0 LAST: %s"
      % codes)
check(rest_of("demo", "bdat-binary") == binary,
      "binary content (NULs, bare CR/LF, CRLF.CRLF, command text) stored "
      "byte for byte")

# A chunk holding command text: exact counts, nothing read as a command.
inner = b"Subject: bdat-exact\r\n\r\nNOOP\r\nQUIT\r\n"
c.cmd("MAIL FROM:<s@example.org>")
c.cmd("RCPT TO:<demo@example.test>")
c.send(b"BDAT %d\r\n" % len(inner) + inner + b"NOOP\r\n")
codes = [r[0] for r in c.replies(2)]
check(codes == [250, 250], "a chunk with NOOP/QUIT inside: one 250 for "
      "the chunk, one for the real NOOP (%s)" % codes)
c.send(b"BDAT 0 LAST\r\n")
check(c.reply()[0] == 250 and rest_of("demo", "bdat-exact") == inner,
      "BDAT 0 LAST ends it; stored byte for byte")

# RSET between chunks: nothing delivered; the next transaction is.
c.cmd("MAIL FROM:<s@example.org>")
c.cmd("RCPT TO:<alice@example.test>")
c.send(b"BDAT 25\r\nSubject: bdat-rset\r\n\r\nabc")
check(c.reply()[0] == 250, "first chunk 250")
check(c.cmd("RSET")[0] == 250, "RSET between chunks: 250")
c.send(b"BDAT 3 LAST\r\nxyz")
check(c.reply()[0] == 503, "BDAT after RSET: 503 (no transaction)")
time.sleep(0.2)
check(not delivered(mail, "alice", "bdat-rset"),
      "the reset transaction delivered nothing")
# DATA and BDAT: the same file.
m = text("same-data", b"x" * 5000 + b"\r\n")
c.cmd("MAIL FROM:<s@example.org>")
c.cmd("RCPT TO:<alice@example.test>")
c.cmd("DATA")
c.send(stuff(m) + b".\r\n")
check(c.reply()[0] == 250, "DATA 250")
mb = m.replace(b"same-data", b"same-bdat")
c.cmd("MAIL FROM:<s@example.org>")
c.cmd("RCPT TO:<alice@example.test>")
c.send(b"BDAT 100\r\n" + mb[:100] + b"BDAT %d LAST\r\n" % (len(mb) - 100)
       + mb[100:])
check([r[0] for r in c.replies(2)] == [250, 250], "BDAT 250 250")
a, b = rest_of("alice", "same-data"), rest_of("alice", "same-bdat")
check(a == m and b == mb, "DATA (unstuffed) and BDAT (joined) both "
      "stored byte for byte")
# A large chunk (1.5 MB, under the 2M limit) and one over the limit.
big = b"Subject: bdat-big\r\n\r\n" + bytes(range(256)) * 6000
c.cmd("MAIL FROM:<s@example.org> BODY=BINARYMIME SIZE=%d" % len(big))
c.cmd("RCPT TO:<bob@example.test>")
c.send(b"BDAT %d LAST\r\n" % len(big) + big)
check(c.reply()[0] == 250 and rest_of("bob", "bdat-big") == big,
      "a 1.5 MB binary chunk stored byte for byte")
c.cmd("MAIL FROM:<s@example.org> BODY=BINARYMIME")
c.cmd("RCPT TO:<bob@example.test>")
huge = b"Subject: bdat-huge\r\n\r\n"
c.send(b"BDAT %d LAST\r\n" % (3 << 20) + huge)
c.send(b"\0" * ((3 << 20) - len(huge)))
r = c.reply()
check(r[0] == 552 and r[1][0].startswith("5.3.4"),
      "a BDAT over max-message-size: 552 5.3.4 (%r)" % (r,))
check(c.cmd("NOOP")[0] == 250 and not delivered(mail, "bob", "bdat-huge"),
      "the session goes on; nothing stored")
c.cmd("QUIT")

# ---- parameters ----
c = connect(mx)
c.cmd("EHLO x")
for params, want in [
        ("SIZE=x", "501 5.5.4"), ("SIZE=", "501 5.5.4"),
        ("SIZE=9999999", "552 5.3.4"), ("BODY=9BIT", "501 5.5.4"),
        ("RET=ALL", "501 5.5.4"), ("RET=FULL RET=HDRS", "501 5.5.4"),
        ("ENVID=a+ZZ", "501 5.5.4"), ("MT-PRIORITY=10", "501 5.5.4"),
        ("MT-PRIORITY=x", "501 5.5.4"), ("HOLDFOR=x", "501 5.5.4"),
        ("HOLDFOR=60 HOLDUNTIL=2026-12-24T10:00:00Z", "501 5.5.4"),
        ("HOLDUNTIL=yesterday", "501 5.5.4"), ("BY=x", "501 5.5.4"),
        ("BY=60;X", "501 5.5.4"), ("FOO=1", "555 5.5.4"),
        ("X-UNKNOWN", "555 5.5.4"), ("REQUIRETLS", "530 5.7.10"),
        # RFC 4954 5: AUTH= belongs to the AUTH extension, not offered here
        ("AUTH=<>", "555 5.5.4")]:
    r = c.cmd("MAIL FROM:<s@example.org> " + params)
    got = "%s %s" % (r[0], r[1][0][:len(want) - 4] if r[1] else "")
    check(got == want, "MAIL %s: %s (%s)" % (params, want, got))
    if r[0] == 250:
        c.cmd("RSET")
r = c.cmd("MAIL FROM:<all@example.org> SIZE=500 BODY=8BITMIME RET=HDRS "
          "ENVID=id+2Bx MT-PRIORITY=-4 HOLDFOR=120 BY=86400;N SMTPUTF8")
check(r[0] == 250, "MAIL with every parameter at once: %r" % (r,))
for params, want in [
        ("NOTIFY=BOGUS", "501 5.5.4"), ("NOTIFY=NEVER,SUCCESS", "501 5.5.4"),
        ("ORCPT=rfc822", "501 5.5.4"), ("ORCPT=rfc822;a+ZZ", "501 5.5.4"),
        ("FOO=1", "555 5.5.4")]:
    r = c.cmd("RCPT TO:<demo@example.test> " + params)
    got = "%s %s" % (r[0], r[1][0][:len(want) - 4] if r[1] else "")
    check(got == want, "RCPT %s: %s (%s)" % (params, want, got))
r = c.cmd("RCPT TO:<@relay.example,@b.example:demo@example.test> "
          "NOTIFY=SUCCESS,DELAY ORCPT=rfc822;demo+40example.test")
check(r[0] == 250, "RCPT with a source route, NOTIFY and ORCPT: %r" % (r,))
c.cmd("DATA")
m = text("all-params")
c.send(stuff(m) + b".\r\n")
check(c.reply()[0] == 250 and rest_of("demo", "all-params") == m,
      "the source-routed recipient got it, byte for byte")
soon = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 86400))
r = c.cmd("MAIL FROM:<s@example.org> HOLDUNTIL=" + soon)
check(r[0] == 250, "HOLDUNTIL in a day: 250 (%r)" % (r,))
c.cmd("RSET")
late_ = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                      time.gmtime(time.time() + 8 * 86400))
r = c.cmd("MAIL FROM:<s@example.org> HOLDUNTIL=" + late_)
check(r[0] == 501 and r[1][0].startswith("5.5.4"), "HOLDUNTIL beyond the "
      "advertised 7 days: 501 5.5.4 (RFC 4865 4) %r" % (r,))
r = c.cmd("MAIL FROM:<s@example.org> HOLDFOR=604801")
check(r[0] == 501 and r[1][0].startswith("5.5.4"), "HOLDFOR beyond the "
      "advertised 604800 s: 501 5.5.4 %r" % (r,))
c.cmd("RSET")
c.send("MAIL FROM:<\u7528\u6237@\u4f8b\u3048.jp> SMTPUTF8\r\n"
       "RCPT TO:<demo@example.test>\r\nDATA\r\n".encode())
check([r[0] for r in c.replies(3)] == [250, 250, 354],
      "SMTPUTF8 transaction")
m = text("utf8-sender")
c.send(stuff(m) + b".\r\n")
check(c.reply()[0] == 250, "SMTPUTF8 message 250")
rp, rcv, rest = trace_split(one("demo", "utf8-sender"))
# The domain may be kept as sent (U-labels) or stored as its A-label
# (RFC 5890: equivalent); the UTF-8 local part is kept.
check(rp in ("Return-Path: <\u7528\u6237@\u4f8b\u3048.jp>\r\n".encode(),
            "Return-Path: <\u7528\u6237@xn--r8jz45g.jp>\r\n".encode()) and
      rest == m, "SMTPUTF8: the UTF-8 Return-Path, the rest byte for byte "
      "(%r %r)" % (rp, rest and rest[:80]))
check(b"with UTF8SMTP " in unfold(rcv), "Received: with UTF8SMTP: %r"
      % rcv)
c.cmd("QUIT")

# ---- trace fields ----
c = connect(mx)
c.cmd("HELO old.example")
c.send(b"MAIL FROM:<>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n")
c.replies(3)
m = text("helo-null")
c.send(stuff(m) + b".\r\n")
r = c.reply()
rp, rcv, rest = trace_split(one("bob", "helo-null"))
rcv = unfold(rcv)
check(rp == b"Return-Path: <>\r\n" and rest == m,
      "null sender: Return-Path: <>, the rest byte for byte")
check(b"from old.example " in rcv and b"by mx.test" in rcv and
      b"with SMTP id " in rcv and b"for <bob@example.test>;" in rcv,
      "Received: from the HELO name, with SMTP, an id, for <bob>: %r" % rcv)
qid = re.search(rb" id ([^ ;]+)", rcv)
check(qid is not None and qid.group(1).decode() in r[1][0],
      "the queue id in Received: is the one in the 250 reply (%r, %r)"
      % (qid and qid.group(1), r[1]))
c.cmd("QUIT")
rp, rcv, rest = trace_split(one("demo", "Subject: esc"))
check(b"with ESMTP id " in unfold(rcv), "EHLO: with ESMTP: %r" % rcv)
c = Raw.tcp("127.0.0.1", lmtp)
c.reply()
c.cmd("LHLO lmtp.example")
c.send(b"MAIL FROM:<l@example.org>\r\nRCPT TO:<bob@example.test>\r\n"
       b"RCPT TO:<alice@example.test>\r\nDATA\r\n")
c.replies(4)
m = text("lmtp-trace")
c.send(stuff(m) + b".\r\n")
check([r[0] for r in c.replies(2)] == [250, 250], "LMTP: two 250s")
for u in ("bob", "alice"):
    rp, rcv, rest = trace_split(one(u, "lmtp-trace"))
    check(b"with LMTP id " in unfold(rcv) and rest == m,
          "LMTP to %s: with LMTP, byte for byte: %r" % (u, rcv))
c.cmd("QUIT")

# ---- early talkers let through ----
c = Raw.tcp("127.0.0.1", late)
t0 = time.monotonic()
c.send("EHLO hasty.example\r\n")
r1 = c.reply()
r2 = c.reply()
check(r1[0] == 220 and time.monotonic() - t0 >= 0.25 and r2[0] == 250,
      "refuse-early-talkers false: the greeting after its delay, then "
      "the early EHLO answered (%r %r)" % (r1[0], r2[0]))
c.send(b"MAIL FROM:<e@example.org>\r\nRCPT TO:<bob@example.test>\r\n"
       b"DATA\r\n")
c.replies(3)
m = text("early")
c.send(stuff(m) + b".\r\nQUIT\r\n")
check(c.reply()[0] == 250 and rest_of("bob", "early") == m,
      "and its message delivered byte for byte")

# ---- a BDAT whose size cannot be read: where its chunk ends is unknown,
# so the session ends: 501 5.5.4, then 421 (RFC 5321 3.8), then close;
# nothing after it is read as a command.
for bad in (b"BDAT x", b"BDAT 99999999999999999999 LAST", b"BDAT 5 LASTX",
            b"BDAT -1", b"BDAT"):
    c = connect(mx)
    c.cmd("EHLO x")
    c.send(b"MAIL FROM:<s@example.org>\r\nRCPT TO:<demo@example.test>\r\n"
           + bad + b"\r\nNOOP\r\n")
    rs = c.replies(4)
    check([r[0] for r in rs] == [250, 250, 501, 421] and
          rs[2][1][0].startswith("5.5.4") and
          rs[3][1][0].startswith("4.") and c.closed(),
          "%r: 501 5.5.4, 421, close; the NOOP after it unanswered (%r)"
          % (bad, rs[2:]))

check(d.stop() == 0, "daemon exits cleanly")
finish()
