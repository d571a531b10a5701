"""basic: the smtp module's session against a real gumdropd with the
smtp-test hook fixture: greeting, the state machine's out-of-sequence
replies, pipelining (many commands in one write, replies in order), the
EHLO keywords per listener, limits (line length, RCPTMAX, MAILMAX, bad
commands, idle timeout, size while streaming), hook verdicts with typed
reasons (synchronous and pending), DATA and BDAT reaching the content
consumer identically, the parsed header offered to the fixture, the
smuggling variants never ending DATA, early talkers, LMTP per-recipient
replies, and Python's smtplib sending a message."""
import os
import smtplib
import socket
import time

from gdtest import Daemon, check, finish, free_port, run_gumdropd
from smtplib_util import (Raw, connect, events, fixture_modules, header,
                          last_ids, message, strip_trace, wait_event)

mx, sub, lim, delay, lmtp = (free_port() for _ in range(5))
d = Daemon("", modules=fixture_modules())
out = os.path.join(d.tmp, "out")
os.mkdir(out)
lmtp_sock = os.path.join(d.tmp, "lmtp.sock")
with open(d.config, "w") as f:
    f.write(f"""
workers: 2
modules:
  load: [smtp, smtp-test]
dns:
  local-data: ["4.0.0.127.in-addr.arpa. PTR ok.test.",
               "ok.test. A 127.0.0.4",
               "2.0.0.127.in-addr.arpa. PTR liar.test.",
               "liar.test. A 192.0.2.1"]
smtp-test:
  dir: {out}
smtp:
  hostname: mx.test
  max-message-size: 2000
  listeners:
    limited:
      max-recipients: 2
      max-transactions: 2
      max-bad-commands: 3
      extensions: {{chunking: false, dsn: false, help: false}}
    delayed:
      greeting-delay: 400ms
listeners:
  - {{name: mx, address: "127.0.0.1:{mx}", protocol: smtp}}
  - {{name: submission, address: "127.0.0.1:{sub}", protocol: submission}}
  - {{name: limited, address: "127.0.0.1:{lim}", protocol: smtp,
     idle-timeout: 1s, command-timeout: 50ms}}
  - {{name: delayed, address: "127.0.0.1:{delay}", protocol: smtp}}
  - {{name: lmtp, address: "127.0.0.1:{lmtp}", protocol: lmtp}}
  - {{name: lmtp-unix, address: "unix:{lmtp_sock}", protocol: lmtp}}
""")
d.start()

# ---- greeting and EHLO ----
c = Raw.tcp("127.0.0.1", mx)
code, text = c.reply()
check(code == 220 and text[0].startswith("mx.test "), "220 greeting")
code, ehlo = c.cmd("EHLO client.example")
keywords = [t.split()[0] for t in ehlo[1:]]
check(code == 250 and ehlo[0].startswith("mx.test"), "EHLO 250")
for k in ["SIZE", "PIPELINING", "8BITMIME", "SMTPUTF8",
          "ENHANCEDSTATUSCODES", "CHUNKING", "BINARYMIME", "DSN", "LIMITS",
          "MT-PRIORITY", "FUTURERELEASE", "DELIVERBY", "HELP"]:
    check(k in keywords, "EHLO advertises " + k)
for k in ["STARTTLS", "AUTH", "REQUIRETLS", "XCLIENT"]:
    check(k not in keywords, "EHLO hides %s (not available here)" % k)
check("SIZE 2000" in ehlo, "SIZE carries the limit")
check("LIMITS RCPTMAX=100" in ehlo, "LIMITS with RCPTMAX only")

# ---- out of sequence ----
check(c.cmd("RCPT TO:<a@test.example>")[0] == 503, "RCPT before MAIL: 503")
check(c.cmd("DATA")[0] == 503, "DATA before MAIL: 503")
check(c.cmd("MAIL FROM:<s@example.org>")[0] == 250, "MAIL 250")
check(c.cmd("MAIL FROM:<s@example.org>")[0] == 503, "nested MAIL: 503")
code, text = c.cmd("DATA")
check(code == 554, "DATA without recipients: 554")
check(c.cmd("AUTH PLAIN AAAA")[0] == 503, "AUTH in a transaction: 503")
check(c.cmd("RSET")[0] == 250, "RSET 250")
check(c.cmd("FOO bar")[0] == 500, "unknown command: 500")
check(c.cmd("MAIL FROM:<s@example.org> FOO=1")[0] == 555,
      "unknown MAIL parameter: 555")
check(c.cmd("VRFY someone")[0] == 252, "VRFY: 252")
check(c.cmd("NOOP")[0] == 250, "NOOP: 250")
code, text = c.cmd("HELP")
check(code == 214 and len(text) > 1, "HELP: multi-line 214")
check(c.cmd("QUIT")[0] == 221 and c.closed(), "QUIT: 221 and close")

# ---- HELO first ----
c = connect(mx)
code, text = c.cmd("MAIL FROM:<s@example.org>")
check(code == 503 and "HELO" in text[0], "MAIL before HELO: 503")
code, text = c.cmd("HELO client.example")
check(code == 250 and text == ["mx.test"], "HELO: one line 250")
c.close()

# ---- recipients: typed reasons, default refusal, pending verdicts ----
c = connect(mx)
c.cmd("EHLO client.example")
c.cmd("MAIL FROM:<s@example.org>")
r = c.cmd("RCPT TO:<reject1@test.example>")
check(r[0] == 550 and r[1][0].startswith("5.1.1"), "NOT_LOCAL: 550 5.1.1")
r = c.cmd("RCPT TO:<quota1@test.example>")
check(r[0] == 552 and r[1][0].startswith("5.2.2"), "OVER_QUOTA: 552 5.2.2")
r = c.cmd("RCPT TO:<grey1@test.example>")
check(r[0] == 451 and r[1][0].startswith("4.7.1"), "GREYLISTED: 451 4.7.1")
r = c.cmd("RCPT TO:<someone@elsewhere.example>")
check(r[0] == 550 and r[1][0].startswith("5.7.1") and "Relay" in r[1][0],
      "no module takes a remote recipient: 550 5.7.1 relay denied")
t0 = time.monotonic()
r = c.cmd("RCPT TO:<slow1@test.example>")
check(r[0] == 250 and time.monotonic() - t0 >= 0.09,
      "a pending smtp.rcpt answers later (250)")
c.cmd("QUIT")

# ---- pipelining: one write, replies in order ----
body = b"Subject: pipelined\r\nFrom: A <a@example.org>\r\n\r\nhello\r\n"
c = connect(mx)
c.send(b"EHLO p.example\r\nMAIL FROM:<slowmail@example.org>\r\n"
       b"RCPT TO:<u1@test.example>\r\nRCPT TO:<bad@elsewhere.example>\r\n"
       b"RCPT TO:<slow2@test.example>\r\nRCPT TO:<reject2@test.example>\r\n"
       b"DATA\r\n" + body + b".\r\nNOOP\r\nRSET\r\n")
codes = [r[0] for r in c.replies(10)]
check(codes == [250, 250, 250, 550, 250, 550, 354, 250, 250, 250],
      "pipelined replies in order: %s" % codes)
ids = last_ids(out, 1)
check(len(ids) == 1 and strip_trace(message(out, ids[0])) == body,
      "pipelined message reached the consumer")
check(wait_event(out, "header Subject: pipelined"),
      "the header was offered to the subscriber")
check(wait_event(out, "address From: a@example.org"),
      "address fields parsed for the subscriber")
c.cmd("QUIT")

# ---- DATA and BDAT give the consumer the same bytes ----
msg = (b"Subject: same\r\n\r\n..dot line\r\nbinary \x00\x01\xff ok\r\n"
       b".\r\n")
stuffed = msg.replace(b"\r\n.", b"\r\n..")
c = connect(mx)
c.cmd("EHLO x")
c.cmd("MAIL FROM:<s@example.org>")
c.cmd("RCPT TO:<u@test.example>")
check(c.cmd("DATA")[0] == 354, "DATA 354")
c.send(stuffed + b".\r\n")
r = c.reply()
check(r[0] == 250, "DATA accepted after the pending data-end: %s" % (r,))
data_id = last_ids(out, 1)[0]
c.cmd("MAIL FROM:<s@example.org> BODY=BINARYMIME")
c.cmd("RCPT TO:<u@test.example>")
check(c.cmd("DATA")[0] == 503, "DATA with BODY=BINARYMIME: 503")
half = len(msg) // 2
c.send(b"BDAT %d\r\n" % half + msg[:half])
check(c.reply()[0] == 250, "BDAT chunk 250")
c.send(b"BDAT %d LAST\r\n" % (len(msg) - half) + msg[half:])
check(c.reply()[0] == 250, "BDAT LAST 250")
bdat_id = last_ids(out, 1)[0]
check(strip_trace(message(out, data_id)) == msg, "DATA content unstuffed")
check(strip_trace(message(out, data_id)) ==
      strip_trace(message(out, bdat_id)), "DATA and BDAT: same bytes")
c.cmd("MAIL FROM:<s@example.org>")
c.cmd("RCPT TO:<u@test.example>")
c.send(b"BDAT 0 LAST\r\n")
check(c.reply()[0] == 250, "BDAT 0 LAST")
c.send(b"BDAT 3\r\nabc")
check(c.reply()[0] == 503, "BDAT outside a transaction: 503, "
      "its bytes skipped")
check(c.cmd("NOOP")[0] == 250, "the session goes on after a skipped BDAT")
c.cmd("MAIL FROM:<s@example.org>")
c.cmd("RCPT TO:<u@test.example>")
c.send(b"BDAT 5\r\nhello")
c.reply()
check(c.cmd("RCPT TO:<late@test.example>")[0] == 503,
      "RCPT after a BDAT chunk: 503")
check(c.cmd("RSET")[0] == 250, "RSET between chunks")
c.send(b"BDAT 1 LAST\r\nx")
check(c.reply()[0] == 503, "BDAT after RSET: 503")
c.cmd("QUIT")

# ---- size while streaming ----
c = connect(mx)
c.cmd("EHLO x")
check(c.cmd("MAIL FROM:<s@example.org> SIZE=5000")[0] == 552,
      "declared SIZE over the limit: 552")
c.cmd("MAIL FROM:<s@example.org>")
c.cmd("RCPT TO:<u@test.example>")
c.cmd("DATA")
n = len(events(out))
c.send((b"y" * 70 + b"\r\n") * 60 + b".\r\n")
r = c.reply()
check(r[0] == 552 and r[1][0].startswith("5.3.4"),
      "DATA over max-message-size: 552 5.3.4")
check("abort" in events(out)[n:], "the consumer was aborted")
c.cmd("MAIL FROM:<s@example.org>")
c.cmd("RCPT TO:<u@test.example>")
c.send(b"BDAT 3000 LAST\r\n" + b"z" * 3000)
r = c.reply()
check(r[0] == 552, "BDAT over max-message-size: 552")
check(c.cmd("NOOP")[0] == 250, "session goes on after 552")
c.cmd("QUIT")

# ---- smuggling: only CRLF.CRLF ends DATA ----
c = connect(mx)
c.cmd("EHLO x")
for variant in [b"\n.\n", b"\n.\r\n", b"\r.\r", b"\r\n.\n", b"\r\n.\r"]:
    c.cmd("MAIL FROM:<s@example.org>")
    c.cmd("RCPT TO:<u@test.example>")
    c.cmd("DATA")
    c.send(b"Subject: smuggle\r\n\r\nbody" + variant +
           b"MAIL FROM:<evil@example.org>\r\n")
    c.sock.settimeout(0.3)
    try:
        early = c.sock.recv(100)
    except socket.timeout:
        early = b""
    c.sock.settimeout(10)
    check(early == b"", "%r did not end DATA" % variant)
    c.send(b"\r\n.\r\n")
    r = c.reply()
    check(r[0] == 550 and r[1][0].startswith("5.5.2"),
          "%r: bare CR/LF refused with 550 5.5.2" % variant)
c.cmd("QUIT")

# ---- limits on the `limited` listener ----
c = connect(lim)
code, ehlo = c.cmd("EHLO x")
keywords = [t.split()[0] for t in ehlo[1:]]
check("CHUNKING" not in keywords and "BINARYMIME" not in keywords and
      "DSN" not in keywords and "HELP" not in keywords,
      "switched-off extensions are not advertised")
check("LIMITS RCPTMAX=2 MAILMAX=2" in ehlo, "LIMITS RCPTMAX and MAILMAX")
c.send(b"BDAT 1 LAST\r\nx")
check(c.reply()[0] == 502, "BDAT with CHUNKING off: 502")
c.cmd("MAIL FROM:<s@example.org>")
c.cmd("RCPT TO:<u1@test.example>")
c.cmd("RCPT TO:<u2@test.example>")
r = c.cmd("RCPT TO:<u3@test.example>")
check(r[0] == 452 and r[1][0].startswith("4.5.3"), "RCPTMAX: 452 4.5.3")
c.cmd("RSET")
check(c.cmd("MAIL FROM:<s@example.org>")[0] == 250, "second transaction")
c.cmd("RSET")
r = c.cmd("MAIL FROM:<s@example.org>")
check(r[0] == 421 and c.closed(), "MAILMAX: 421 and close")
c = connect(lim)
r = c.cmd("X" * 600)
check(r[0] == 500 and r[1][0].startswith("5.5.2"), "line too long: 500 5.5.2")
c.cmd("BAD1")
c.cmd("BAD2")
r = c.cmd("BAD3")
r2 = c.reply()
check(r[0] == 500 and r2[0] == 421 and c.closed(),
      "too many bad commands: 500, then 421 and close")
c = connect(lim)
c.cmd("EHLO x")
c.cmd("MAIL FROM:<s@example.org>")
r = c.cmd("RCPT TO:<slow3@test.example>")
check(r[0] == 421 and r[1][0].startswith("4.4.2") and c.closed(),
      "command-timeout while smtp.rcpt pends: 421 4.4.2 and close")
c = connect(lim)
t0 = time.monotonic()
r = c.reply()
check(r[0] == 421 and 0.8 < time.monotonic() - t0 < 5 and c.closed(),
      "idle timeout: 421 and close")

# ---- early talker ----
c = Raw.tcp("127.0.0.1", delay)
c.send("EHLO hasty\r\n")
r = c.reply()
check(r[0] == 554 and c.closed(), "talking before the greeting: 554, close")
c = Raw.tcp("127.0.0.1", delay)
t0 = time.monotonic()
check(c.reply()[0] == 220 and time.monotonic() - t0 >= 0.35,
      "greeting-delay holds the greeting")
c.close()

# ---- forward-confirmed reverse DNS, before smtp.connect ----
for src, want in [("127.0.0.4", "rdns=1 ptr=ok.test name=ok.test"),
                  ("127.0.0.2", "rdns=3 ptr=liar.test name=-"),
                  ("127.0.0.3", "rdns=2 ptr=- name=-")]:
    sock = socket.socket()
    sock.bind((src, 0))
    sock.settimeout(10)
    sock.connect(("127.0.0.1", mx))
    c = Raw(sock)
    c.reply()
    c.cmd("EHLO x")
    c.cmd("MAIL FROM:<s@example.org>")
    c.cmd("RCPT TO:<rdns@test.example>")
    c.cmd("DATA")
    c.send(b"Subject: rdns\r\n\r\nx\r\n.\r\n")
    c.reply()
    c.cmd("QUIT")
    check(wait_event(out, "ip=%s " % src) and
          any(("ip=%s " % src) in e and want in e for e in events(out)),
          "FCrDNS of %s: %s" % (src, want))
    head = header(out, last_ids(out, 1)[0])
    if "ok.test" in want:
        check(b"from x (ok.test [127.0.0.4])" in head,
              "Received: names the verified host: %r" % head)

# ---- submission needs AUTH ----
c = connect(sub)
c.cmd("EHLO x")
r = c.cmd("MAIL FROM:<s@example.org>")
check(r[0] == 530 and r[1][0].startswith("5.7.0"),
      "submission without AUTH: 530 5.7.0")
c.close()

# ---- REQUIRETLS on cleartext ----
c = connect(mx)
c.cmd("EHLO x")
r = c.cmd("MAIL FROM:<s@example.org> REQUIRETLS")
check(r[0] == 530 and r[1][0].startswith("5.7.10"),
      "REQUIRETLS on cleartext: 530 5.7.10")
c.cmd("QUIT")

# ---- LMTP: one reply per recipient ----
c = connect(lmtp)
check(c.cmd("EHLO x")[0] == 500, "LMTP refuses EHLO")
check(c.cmd("LHLO x")[0] == 250, "LHLO")
c.cmd("MAIL FROM:<s@example.org>")
c.cmd("RCPT TO:<a@test.example>")
c.cmd("RCPT TO:<lmtpfail@test.example>")
check(c.cmd("RCPT TO:<x@elsewhere.example>")[0] == 550,
      "LMTP: unknown recipient 550")
c.cmd("DATA")
c.send(b"Subject: lmtp\r\n\r\nhi\r\n.\r\n")
r1, r2 = c.replies(2)
check(r1[0] == 250 and r2[0] == 552 and r2[1][0].startswith("5.2.2"),
      "LMTP: per-recipient replies (%s, %s)" % (r1[0], r2[0]))
c.cmd("QUIT")

c = Raw.unix(lmtp_sock)
c.reply()
c.cmd("LHLO x")
c.cmd("MAIL FROM:<s@example.org>")
c.cmd("RCPT TO:<a@test.example>")
c.cmd("RCPT TO:<b@test.example>")
c.cmd("DATA")
c.send(b"Subject: lmtp unix\r\n\r\nhi\r\n.\r\n")
codes = [r[0] for r in c.replies(2)]
check(codes == [250, 250], "LMTP over a UNIX socket: two 250s")
c.cmd("QUIT")

# ---- smtp.connect refuses: 554, then 503 to all but QUIT ----
s5 = socket.socket()
s5.bind(("127.0.0.5", 0))
s5.settimeout(10)
s5.connect(("127.0.0.1", mx))
c = Raw(s5)
r = c.reply()
check(r[0] == 554 and r[1][0].startswith("5.7.1"),
      "smtp.connect BLOCKED_CLIENT: 554 5.7.1 instead of 220")
check(c.cmd("EHLO x")[0] == 503, "refused session: EHLO 503")
check(c.cmd("MAIL FROM:<s@example.org>")[0] == 503, "refused: MAIL 503")
check(c.cmd("QUIT")[0] == 221, "refused session: QUIT 221")
# A REJECT without a reply (the core's 550 5.7.1) still answers 554.
s6 = socket.socket()
s6.bind(("127.0.0.6", 0))
s6.settimeout(10)
s6.connect(("127.0.0.1", mx))
r = Raw(s6).reply()
check(r[0] == 554 and r[1][0].startswith("5.7.1"),
      "smtp.connect REJECT without a reply: 554 5.7.1, got %r" % (r,))
s6.close()

# ---- one byte at a time, DATA and BDAT; back-pressure ----
msg = b"Subject: trickle\r\n\r\n" + b"".join(
    b"line %d .dot\r\n" % i for i in range(40))
c = connect(mx)
c.cmd("EHLO x")
c.cmd("MAIL FROM:<s@example.org>")
c.cmd("RCPT TO:<t@test.example>")
c.cmd("DATA")
for b in msg.replace(b"\r\n.", b"\r\n..") + b".\r\n":
    c.send(bytes([b]))
check(c.reply()[0] == 250, "DATA sent one byte at a time")
trickle_data = last_ids(out, 1)[0]
c.cmd("MAIL FROM:<s@example.org>")
c.cmd("RCPT TO:<t@test.example>")
for b in b"BDAT %d LAST\r\n" % len(msg) + msg:
    c.send(bytes([b]))
check(c.reply()[0] == 250, "BDAT sent one byte at a time")
trickle_bdat = last_ids(out, 1)[0]
check(strip_trace(message(out, trickle_data)) == msg and
      strip_trace(message(out, trickle_bdat)) == msg,
      "trickled DATA and BDAT: the same bytes")
big = b"Subject: slow\r\n\r\n" + b"".join(
    b"%04d abcdefghijklmnopqrstuvwxyz\r\n" % i for i in range(50))
c.cmd("MAIL FROM:<s@example.org>")
c.cmd("RCPT TO:<slowsink@test.example>")
c.cmd("DATA")
c.send(big + b".\r\n")
check(c.reply()[0] == 250, "a consumer that pushes back: DATA completes")
slow_data = last_ids(out, 1)[0]
c.cmd("MAIL FROM:<s@example.org>")
c.cmd("RCPT TO:<slowsink@test.example>")
c.send(b"BDAT %d\r\n" % 700 + big[:700])
c.send(b"BDAT %d LAST\r\n" % (len(big) - 700) + big[700:] + b"NOOP\r\n")
codes = [r[0] for r in c.replies(3)]
check(codes == [250, 250, 250], "a consumer that pushes back: BDAT "
      "completes, the pipelined NOOP after it too (%s)" % codes)
slow_bdat = last_ids(out, 1)[0]
check(strip_trace(message(out, slow_data)) == big and
      strip_trace(message(out, slow_bdat)) == big,
      "back-pressure loses nothing")
c.cmd("QUIT")

# ---- data-end verdicts ----
c = connect(mx)
c.cmd("EHLO x")
c.cmd("MAIL FROM:<greylist@example.org>")
c.cmd("MAIL FROM:<s@example.org>")
c.cmd("RCPT TO:<spam@test.example>")
c.cmd("DATA")
c.send(b"Subject: spam\r\n\r\nbuy\r\n.\r\n")
r = c.reply()
check(r[0] == 550 and r[1][0].startswith("5.7.1"), "data-end SPAM: 550")
c.cmd("QUIT")

# ---- parameters reach smtp.mail and smtp.rcpt ----
c = connect(mx)
c.cmd("EHLO x")
r = c.cmd("MAIL FROM:<p@example.org> SIZE=100 BODY=8BITMIME RET=HDRS "
          "ENVID=ab+2Bc MT-PRIORITY=3 HOLDFOR=60 BY=3600;R")
check(r[0] == 250, "MAIL with DSN, MT-PRIORITY, HOLDFOR, BY: 250")
r = c.cmd("RCPT TO:<p@test.example> NOTIFY=SUCCESS,FAILURE "
          "ORCPT=rfc822;p+40test.example")
check(r[0] == 250, "RCPT with NOTIFY and ORCPT: 250")
ev = [e for e in events(out) if e.startswith("mail from=<p@example.org>")]
check(ev and "size=100 " in ev[-1] and "body=2 " in ev[-1] and
      "ret=2 " in ev[-1] and "envid=ab+c " in ev[-1] and
      "prio=3 " in ev[-1] and "by=3600 " in ev[-1] and
      "hold=0 " not in ev[-1], "smtp.mail saw every parameter: %s" % ev)
check(wait_event(out, "rcpt to=<p@test.example> notify=6 "
                 "orcpt=rfc822;p@test.example"),
      "smtp.rcpt saw NOTIFY and the decoded ORCPT")
c.cmd("RSET")
r = c.cmd("MAIL FROM:<\u7528\u6237@example.org>")
check(r[0] == 553 and r[1][0].startswith("5.6.7"),
      "UTF-8 address without SMTPUTF8: 553 5.6.7")
c.send("MAIL FROM:<\u7528\u6237@\u4f8b\u3048.jp> SMTPUTF8\r\n"
       "RCPT TO:<\u043f\u043e\u0447\u0442\u0430@test.example>\r\n"
       "DATA\r\n".encode())
codes = [r[0] for r in c.replies(3)]
check(codes == [250, 250, 354], "SMTPUTF8 transaction: %s" % codes)
c.send("Subject: utf8\r\n\r\n\u00e9t\u00e9\r\n.\r\n".encode())
check(c.reply()[0] == 250, "SMTPUTF8 message accepted")
check(wait_event(out, "utf8=1"), "smtp.mail saw the SMTPUTF8 flag")
check(b"with UTF8SMTP" in header(out, last_ids(out, 1)[0]),
      "Received: says UTF8SMTP")
c.cmd("QUIT")

# ---- configuration errors name the place ----
bad = os.path.join(d.tmp, "bad.yaml")
for text, want in [("smtp:\n  extensions: {nosuch: true}\n", "nosuch"),
                   ("smtp:\n  relay-networks: [10.0.0.0/99]\n",
                    "relay-networks"),
                   ("smtp:\n  listeners: {mx: {bogus: 1}}\n", "bogus")]:
    with open(bad, "w") as f:
        f.write("modules: {load: [smtp]}\n" + text)
    r = run_gumdropd(["-t", "-c", bad])
    check(r.returncode != 0 and want in r.stderr and "bad.yaml:" in
          r.stderr, "gumdropd -t refuses %s: %s" % (want, r.stderr.strip()))

# ---- Python smtplib ----
s = smtplib.SMTP("127.0.0.1", mx, timeout=10)
s.ehlo("smtplib.example")
refused = s.sendmail("me@example.org", ["lib@test.example"],
                     b"Subject: smtplib\r\n\r\nfrom smtplib\r\n")
check(refused == {}, "smtplib sendmail accepted")
s.quit()
check(wait_event(out, "header Subject: smtplib"), "smtplib message parsed")
check(wait_event(out, "disconnect"), "smtp.disconnect observed")
ev = events(out)
check(any(e.startswith("mail from=<slowmail@example.org>") for e in ev),
      "smtp.mail saw the sender")
check(any(e == "reset" for e in ev), "smtp.reset ran")

check(d.stop() == 0, "daemon exits cleanly")
finish()
