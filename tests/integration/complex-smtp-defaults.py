"""complex: the shipped configs/gumdrop.yaml (issue 7, Deliver 12) serves
mail as documented, with only its fixed ports moved to free ones and its
build/run/ paths under a temporary folder (the daemon runs there, with
configs/users): swaks sends to demo@example.test on the SMTP listener
(STARTTLS offered) and the message is in build/run/mail/demo byte for
byte after the trace fields; submission requires AUTH (530 5.7.0) and
takes demo/demo after STARTTLS; submissions is implicit TLS; LMTP
answers on unix:build/run/lmtp.sock; mail for other domains is refused
(550 5.7.1 relay denied); IMAP offers STARTTLS and IMAPS serves
demo/demo with the special-use folders."""
import imaplib
import os
import shutil
import socket
import ssl
import subprocess
import tempfile

from gdtest import (SRCDIR, TIMEOUT, Daemon, check, finish, free_port,
                    make_cert)
from smtp_maildir import delivered, trace_split
from smtplib_util import Raw, connect

tmp = tempfile.mkdtemp(prefix="gdtest-")
with open(os.path.join(SRCDIR, "configs", "gumdrop.yaml")) as f:
    text = f.read()
ports = {}
for fixed in ("2525", "2587", "2465", "7007", "7008", "1143", "1993"):
    ports[fixed] = free_port()
    check(fixed in text, "configs/gumdrop.yaml has port %s" % fixed)
    text = text.replace(":%s\"" % fixed, ":%d\"" % ports[fixed])
text = text.replace('"[::1]:%d"' % ports["7007"], '"[::1]:%d"'
                    % free_port(socket.AF_INET6))
os.makedirs(os.path.join(tmp, "build", "run", "tls"))
os.makedirs(os.path.join(tmp, "configs"))
shutil.copy(os.path.join(SRCDIR, "configs", "users"),
            os.path.join(tmp, "configs", "users"))
cert, key = make_cert(os.path.join(tmp, "build", "run", "tls"))
d = Daemon(text, tmpdir=tmp)
cwd = os.getcwd()
os.chdir(tmp)                 # the configuration's paths are relative
try:
    d.start()
finally:
    os.chdir(cwd)
mail = os.path.join(tmp, "build", "run", "mail")


def swaks(port, tag, *args):
    msg = ("From: someone@example.org\r\nTo: demo@example.test\r\n"
           "Subject: " + tag + "\r\n\r\nHello from the defaults.\r\n"
           ".dot\r\n").encode()
    path = os.path.join(tmp, tag + ".eml")
    with open(path, "wb") as f:
        f.write(msg[:-2])
    r = subprocess.run(["swaks", "--server", "127.0.0.1", "--port",
                        str(port), "--from", "someone@example.org", "--to",
                        "demo@example.test", "--data", "@" + path,
                        "--timeout", "10"] + list(args),
                       capture_output=True, timeout=TIMEOUT)
    return r.returncode, r.stdout.decode("utf-8", "replace"), msg


smtp, sub, smtps = ports["2525"], ports["2587"], ports["2465"]
rc, out, msg = swaks(smtp, "defaults-smtp")
check(rc == 0 and "250-STARTTLS" in out, "swaks to demo@example.test on "
      "the smtp listener (STARTTLS offered): exit %d" % rc)
got = delivered(mail, "demo", "Subject: defaults-smtp\r\n")
check(len(got) == 1 and trace_split(got[0])[2] == msg,
      "in build/run/mail/demo, byte for byte after the trace fields")
rc, out, _ = swaks(sub, "defaults-noauth", "--tls")
check(rc != 0 and "530 5.7.0" in out, "submission without AUTH: 530 5.7.0")
rc, out, msg = swaks(sub, "defaults-sub", "--tls", "--auth", "PLAIN",
                     "--auth-user", "demo", "--auth-password", "demo")
check(rc == 0 and "235 2.7.0" in out, "submission: STARTTLS, AUTH PLAIN "
      "demo/demo (exit %d)" % rc)
got = delivered(mail, "demo", "Subject: defaults-sub\r\n")
check(len(got) == 1 and trace_split(got[0])[2] == msg and
      b"ESMTPSA" in trace_split(got[0])[1], "submitted message stored, "
      "with ESMTPSA")
rc, out, _ = swaks(smtps, "defaults-smtps", "--tls-on-connect", "--auth",
                   "PLAIN", "--auth-user", "demo", "--auth-password", "demo")
check(rc == 0, "submissions: implicit TLS + AUTH (exit %d)" % rc)
c = Raw.unix(os.path.join(tmp, "build", "run", "lmtp.sock"))
check(c.reply()[0] == 220 and c.cmd("LHLO x")[0] == 250,
      "LMTP on unix:build/run/lmtp.sock")
c.cmd("QUIT")
c = connect(smtp)
c.cmd("EHLO x")
c.cmd("MAIL FROM:<a@example.org>")
r = c.cmd("RCPT TO:<someone@elsewhere.example>")
check(r[0] == 550 and r[1][0].startswith("5.7.1"), "other domains: 550 "
      "5.7.1 (%r)" % (r,))
c.cmd("QUIT")
# IMAP (issue 9): STARTTLS on imap, IMAPS with the special-use folders.
with socket.create_connection(("127.0.0.1", ports["1143"]),
                              timeout=TIMEOUT) as sk:
    greet = sk.recv(4096).decode()
check("STARTTLS" in greet and "LOGINDISABLED" in greet,
      "imap listener: STARTTLS, LOGINDISABLED before it")
m = imaplib.IMAP4_SSL("127.0.0.1", ports["1993"], timeout=TIMEOUT,
                      ssl_context=ssl.create_default_context(cafile=cert))
typ, _ = m.login("demo", "demo")
typ2, data = m.list()
check(typ == "OK" and typ2 == "OK" and
      any(b"\\Sent" in l for l in data) and
      any(b"\\Trash" in l for l in data),
      "imaps: demo/demo, special-use folders listed: %r" % data)
m.logout()
check(d.stop() == 0, "daemon exits cleanly")
shutil.rmtree(tmp, ignore_errors=True)
finish()
