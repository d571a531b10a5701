#!/usr/bin/env python3
"""The Postfix peer (postfix.sh, postfixpeer.py) works as the tests need.

Role "relay": a private Postfix relays what it is given to a small
SMTP/LMTP receiver written here, over SMTP, LMTP on TCP, LMTP on a UNIX
socket, and SMTP with STARTTLS required; each message arrives byte for
byte after Postfix's own Received: field, a recipient the receiver refuses
is bounced, and one it defers at first is delivered on a retry.  Role
"maildir": the benchmark's reference MTA stores a message in the virtual
Maildir and refuses an unknown recipient.  Everything on 127.0.0.1, in a
temporary folder, bounded in time; every instance stopped however the
test ends.
"""
import os
import shutil
import smtplib
import socket
import socketserver
import ssl
import tempfile
import threading
import time

from gdtest import check, finish, free_port, make_cert
from postfixpeer import MESSAGE, Postfix

TIMEOUT = 20

class Receiver(socketserver.ThreadingMixIn, socketserver.BaseServer):
    """A minimal SMTP or LMTP server: records each transaction as
    (mail_from, [rcpt], data, tls).  Recipients starting with "reject" get
    550, "defer" get 451 the first time; STARTTLS when given a context."""
    daemon_threads = True

    def __init__(self, family, address, lmtp=False, tls=None):
        self.lmtp, self.tls = lmtp, tls
        self.messages, self.deferred = [], set()
        self.lock = threading.Lock()
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        if family == socket.AF_INET:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(address)
        self.sock.listen(16)
        socketserver.BaseServer.__init__(self, address, Session)
        self.thread = threading.Thread(target=self.serve_forever,
                                       kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def fileno(self):
        return self.sock.fileno()

    def get_request(self):
        return self.sock.accept()

    def shutdown_request(self, request):
        try:
            request.close()
        except OSError:
            pass

    def close(self):
        self.shutdown()
        self.sock.close()


class Session(socketserver.StreamRequestHandler):
    timeout = TIMEOUT

    def reply(self, text):
        self.wfile.write(text.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        srv = self.server
        self.secure = False
        self.reset()
        self.reply("220 receiver.test ESMTP test receiver")
        while True:
            line = self.rfile.readline(4096)
            if not line:
                return
            if not self.command(line.rstrip(b"\r\n").decode("utf-8",
                                                             "replace")):
                return
            if srv.tls and self.starttls_now:
                self.starttls()

    def reset(self):
        self.sender, self.rcpts = None, []
        self.starttls_now = False

    def command(self, line):
        verb = line.split(" ", 1)[0].upper()
        hello = "LHLO" if self.server.lmtp else "EHLO"
        if verb in (hello, "HELO"):
            ext = ["8BITMIME", "PIPELINING", "SMTPUTF8"]
            if self.server.tls and not self.secure:
                ext.append("STARTTLS")
            self.reply("\r\n".join(["250-receiver.test"] +
                                   ["250-" + e for e in ext[:-1]] +
                                   ["250 " + ext[-1]]))
        elif verb == "STARTTLS" and self.server.tls and not self.secure:
            self.reply("220 2.0.0 go ahead")
            self.starttls_now = True
        elif verb == "MAIL":
            self.reset()
            self.sender = line[10:].split(">")[0].lstrip("<")
            self.reply("250 2.1.0 ok")
        elif verb == "RCPT":
            self.rcpt(line[8:].split(">")[0].lstrip("<"))
        elif verb == "DATA":
            self.data()
        elif verb in ("RSET", "NOOP"):
            self.reset() if verb == "RSET" else None
            self.reply("250 2.0.0 ok")
        elif verb == "QUIT":
            self.reply("221 2.0.0 bye")
            return False
        else:
            self.reply("502 5.5.2 not here")
        return True

    def rcpt(self, addr):
        srv = self.server
        if addr.startswith("reject"):
            self.reply("550 5.1.1 no such user here")
            return
        if addr.startswith("defer"):
            with srv.lock:
                first = addr not in srv.deferred
                srv.deferred.add(addr)
            if first:
                self.reply("451 4.3.0 try again later")
                return
        self.rcpts.append(addr)
        self.reply("250 2.1.5 ok")

    def data(self):
        if not self.rcpts:
            self.reply("554 5.5.1 no valid recipients")
            return
        self.reply("354 go ahead")
        body = bytearray()
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            line = self.rfile.readline(65536)
            if not line or line == b".\r\n":
                break
            body += line[1:] if line.startswith(b".") else line
        with self.server.lock:
            self.server.messages.append((self.sender, list(self.rcpts),
                                         bytes(body), self.secure))
        for _ in (self.rcpts if self.server.lmtp else [None]):
            self.reply("250 2.0.0 stored")
        self.reset()

    def starttls(self):
        self.starttls_now = False
        self.wfile.flush()
        conn = self.server.tls.wrap_socket(self.connection, server_side=True)
        self.connection = self.request = conn
        self.rfile = conn.makefile("rb", -1)
        self.wfile = conn.makefile("wb", 0)
        self.secure = True


def after_received(data):
    """The message without Postfix's leading Received: field (and its
    folded lines); None when it does not start with one."""
    if not data.startswith(b"Received: "):
        return None
    end = data.index(b"\r\n") + 2
    while data[end:end + 1] in (b" ", b"\t"):
        end = data.index(b"\r\n", end) + 2
    return data[end:]


def wait_for(receiver, count, seconds=TIMEOUT):
    deadline = time.monotonic() + seconds
    while len(receiver.messages) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return receiver.messages


def status_of(deliveries, rcpt):
    return [d.status for d in deliveries if d.rcpt == rcpt]


def relay_case(tmp, name, nexthop_for, lmtp=False, unix=None, tls=None,
               pf_tls=None, ca=None):
    """One relay run: a receiver, a Postfix pointed at it, one message."""
    if unix:
        os.makedirs(os.path.dirname(unix), exist_ok=True)
        os.chmod(os.path.dirname(unix), 0o755)
        rx = Receiver(socket.AF_UNIX, unix, lmtp=lmtp, tls=tls)
        os.chmod(unix, 0o666)        # lmtp(8) runs as the postfix user
        nexthop = nexthop_for(unix)
    else:
        rx = Receiver(socket.AF_INET, ("127.0.0.1", free_port()),
                      lmtp=lmtp, tls=tls)
        nexthop = nexthop_for(rx.sock.getsockname()[1])
    try:
        with Postfix(os.path.join(tmp, name), "relay", nexthop,
                     tls=pf_tls, ca=ca) as pf:
            refused = pf.submit("alice@x.test", ["bob@y.test"], MESSAGE)
            check(refused == {}, "%s: Postfix took the message" % name)
            got = wait_for(rx, 1)
            check(len(got) == 1, "%s: one message arrived" % name)
            done = pf.wait(TIMEOUT)
            check(status_of(done, "bob@y.test") == ["sent"],
                  "%s: Postfix logged it sent: %r" % (name, done))
            if got:
                sender, rcpts, data, secure = got[0]
                check(sender == "alice@x.test" and rcpts == ["bob@y.test"],
                      "%s: the envelope: %r %r" % (name, sender, rcpts))
                check(after_received(data) == MESSAGE,
                      "%s: byte for byte after Received:" % name)
                check(secure == bool(tls),
                      "%s: TLS %s" % (name, "used" if tls else "not used"))
            return pf_log_tls(pf)
    finally:
        rx.close()


def pf_log_tls(pf):
    """Postfix's own word on TLS to the next hop."""
    return [l for l in pf.log().splitlines()
            if "TLS connection established to" in l]


def relay_refusals(tmp):
    """LMTP: one recipient refused (bounced), one deferred then sent."""
    rx = Receiver(socket.AF_INET, ("127.0.0.1", free_port()), lmtp=True)
    port = rx.sock.getsockname()[1]
    try:
        with Postfix(os.path.join(tmp, "refusals"), "relay",
                     "lmtp:inet:127.0.0.1:%d" % port) as pf:
            pf.submit("alice@x.test",
                      ["bob@y.test", "reject@y.test", "defer@y.test"],
                      MESSAGE)
            done = pf.wait(TIMEOUT)
            check(status_of(done, "bob@y.test") == ["sent"],
                  "refusals: bob sent")
            check(status_of(done, "reject@y.test") == ["bounced"],
                  "refusals: the refused recipient bounced: %r" % done)
            check(status_of(done, "defer@y.test") == ["deferred", "sent"],
                  "refusals: the deferred recipient retried and sent")
            mine = [m for m in rx.messages if m[0] == "alice@x.test"]
            check(sorted(r for m in mine for r in m[1]) ==
                  ["bob@y.test", "defer@y.test"],
                  "refusals: what the receiver stored: %r" %
                  [m[1] for m in mine])
            check(all(after_received(m[2]) == MESSAGE for m in mine),
                  "refusals: both copies byte for byte")
            # The bounce to alice@x.test goes the same way, from <>.
            check(any(m[0] == "" for m in rx.messages),
                  "refusals: Postfix sent its bounce (null sender)")
    finally:
        rx.close()


def maildir_case(tmp):
    with Postfix(os.path.join(tmp, "maildir"), "maildir",
                 users=["bench", "alice"]) as pf:
        refused = pf.submit("sender@x.test", ["bench@bench.test"], MESSAGE)
        check(refused == {}, "maildir: accepted")
        try:
            pf.submit("sender@x.test", ["nobody@bench.test"], MESSAGE)
            check(False, "maildir: an unknown user is refused")
        except smtplib.SMTPRecipientsRefused as e:
            code = e.recipients["nobody@bench.test"][0]
            check(code == 550, "maildir: an unknown user is refused (%d)"
                  % code)
        done = pf.wait(TIMEOUT)
        check(status_of(done, "bench@bench.test") == ["sent"],
              "maildir: delivered: %r" % done)
        new = os.path.join(pf.maildir("bench"), "new")
        files = os.listdir(new) if os.path.isdir(new) else []
        check(len(files) == 1, "maildir: one file in new/")
        if files:
            with open(os.path.join(new, files[0]), "rb") as f:
                stored = f.read()
            # virtual(8) stores with LF line ends and adds its own fields
            # before Received:.
            head, _, rest = stored.partition(b"Received: ")
            check(b"Delivered-To: bench@bench.test\n" in head,
                  "maildir: Delivered-To")
            check(after_received((b"Received: " + rest).replace(
                  b"\n", b"\r\n")) == MESSAGE,
                  "maildir: the message, byte for byte but for line ends")
        check(not os.listdir(os.path.join(pf.maildir("bench"), "tmp")),
              "maildir: nothing left in tmp/")


def main():
    tmp = tempfile.mkdtemp(prefix="gd-postfix-")
    os.chmod(tmp, 0o755)
    try:
        cert, key = make_cert(tmp)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        relay_case(tmp, "smtp", lambda p: "smtp:[127.0.0.1]:%d" % p)
        relay_case(tmp, "lmtp", lambda p: "lmtp:inet:127.0.0.1:%d" % p,
                   lmtp=True)
        relay_case(tmp, "lmtp-unix", lambda p: "lmtp:unix:" + p, lmtp=True,
                   unix=os.path.join(tmp, "sock", "lmtp"))
        tls_log = relay_case(tmp, "smtp-tls",
                             lambda p: "smtp:[127.0.0.1]:%d" % p, tls=ctx,
                             pf_tls="verify", ca=cert)
        check(any("Verified TLS connection" in l for l in tls_log),
              "smtp-tls: Postfix verified our certificate: %r" % tls_log)
        relay_refusals(tmp)
        maildir_case(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    finish()


main()
