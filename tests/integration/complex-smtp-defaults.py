"""complex: the shipped configs/gumdrop.yaml (issue 7, Deliver 12) serves
mail as documented, with only its fixed ports moved to free ones and its
build/run/ paths under a temporary folder (the daemon runs there, with
configs/users): swaks sends to demo@example.test on the SMTP listener
(STARTTLS offered) and the message is in build/run/mail/demo byte for
byte after the trace fields; submission requires AUTH (530 5.7.0) and
takes demo/demo after STARTTLS; submissions is implicit TLS; LMTP
answers on unix:build/run/lmtp.sock; mail for other domains is refused
(550 5.7.1 relay denied); IMAP offers STARTTLS and IMAPS serves
demo/demo with the special-use folders.

Email authentication (issue 10, item 8): the shipped spf, dkim and dmarc
modules run log-only on the MX listener.  The Ed25519 signing key is made
by scripts/lib.sh's gd_make_dkim_key, as scripts/run makes it (a second
call keeps the key).  DNS never leaves the machine: the test adds a
`dns:` section (the shipped file has none: the system's resolvers) with
zone files (the generated key's record, SPF and DMARC records of the
sender's domain) and `local-zones: [". static"]`, so every other name is
answered NXDOMAIN locally; a dnspeer.py forwarder on loopback checks that
no question was sent out.  A message to the MX whose sender fails SPF
and DMARC (p=reject) is still delivered (log-only), with Received-SPF and
Authentication-Results on top; a message submitted by demo with a From
in example.test carries a DKIM signature (d=example.test, s=ed2026) that
`gumdropctl auth dkim-verify` and `auth dmarc` pass with the printed
record."""
import imaplib
import os
import re
import shutil
import smtplib
import socket
import ssl
import subprocess
import tempfile

from dnspeer import DnsPeer
from gdtest import (GUMDROPCTL, MODULES, SRCDIR, TIMEOUT, Daemon, check,
                    finish, free_port, make_cert)
from smtp_maildir import delivered, trace_split, unfold
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


def make_dkim_key():
    """scripts/run's first-run step, in tmp."""
    r = subprocess.run(["bash", "-c", '. "$0/scripts/lib.sh" && '
                        'gd_make_dkim_key build/run/dkim example.test ed2026 '
                        '"$1" -m "$2"', SRCDIR, GUMDROPCTL, MODULES],
                       cwd=tmp, capture_output=True, timeout=TIMEOUT)
    return r.returncode, r.stderr.decode("utf-8", "replace")


dkim_dir = os.path.join(tmp, "build", "run", "dkim")
pem = os.path.join(dkim_dir, "example.test.ed2026.pem")
rc, err = make_dkim_key()
record = open(os.path.join(dkim_dir, "example.test.ed2026.txt")).read() \
    if rc == 0 else ""
check(rc == 0 and os.stat(pem).st_mode & 0o777 == 0o600 and
      record.startswith('ed2026._domainkey.example.test. 3600 IN TXT '
                        '"v=DKIM1; k=ed25519; p=') and record in err,
      "first run: the Ed25519 key (0600) and its TXT record printed: "
      "%d %r %r" % (rc, record, err))
key_bytes = open(pem, "rb").read() if rc == 0 else b""
rc, err = make_dkim_key()
check(rc == 0 and err == "" and open(pem, "rb").read() == key_bytes,
      "next runs keep the key: %d %r" % (rc, err))
check("\ndns:" not in text, "the shipped file has no dns: section")
# SPF and DMARC for the MX test's sender: 127.0.0.1 is not listed.
zone = os.path.join(tmp, "senders.zone")
with open(zone, "w") as f:
    f.write('example.org. 300 IN TXT "v=spf1 ip4:192.0.2.1 -all"\n'
            '_dmarc.example.org. 300 IN TXT "v=DMARC1; p=reject"\n')
# A loopback forwarder that must see no question: anything the zone
# files do not hold is answered locally, never forwarded.
peer = DnsPeer({}).start()
text += """
dns:
  zone-files: [build/run/dkim/example.test.zone, %s]
  local-zones: [". static"]
  forwarders: ["%s"]
""" % (zone, peer.address)
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
AUTH = re.compile(rb"\A(Return-Path: [^\r\n]*\r\n)"
                  rb"Received-SPF: ((?:[^\r\n]*\r\n[ \t])*[^\r\n]*)\r\n"
                  rb"Authentication-Results: ((?:[^\r\n]*\r\n[ \t])*"
                  rb"[^\r\n]*)\r\n")
m = AUTH.match(got[0]) if len(got) == 1 else None
spf_f, ar_f = (unfold(m.group(2)), unfold(m.group(3))) if m else (b"", b"")
check(m is not None and trace_split(m.group(1) + got[0][m.end():])[2] ==
      msg, "in build/run/mail/demo, byte for byte after the trace and "
      "authentication fields: %r" % (got[0][:400] if got else None))
check(spf_f.startswith(b"fail ") and b"client-ip=127.0.0.1" in spf_f,
      "Received-SPF: fail for the unlisted sender: %r" % spf_f)
check(b"spf=fail smtp.mailfrom=example.org" in ar_f and b"dkim=none" in ar_f
      and b"dmarc=fail" in ar_f and b"header.from=example.org" in ar_f,
      "Authentication-Results: spf fail, dkim none, dmarc fail: %r" % ar_f)
check(d.wait_log("disposition=reject"),
      "the p=reject failure is logged, and delivered (log-only)")
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
# Signed on submission: a From in example.test, demo's key.
signed_msg = ("From: Demo <demo@example.test>\r\nTo: demo@example.test\r\n"
              "Subject: defaults-signed\r\nDate: Tue, 1 Dec 2026 06:00:00 "
              "+0000\r\nMessage-ID: <signed@example.test>\r\n\r\n"
              "Signed by the defaults.\r\n")
with smtplib.SMTP("127.0.0.1", sub, timeout=TIMEOUT) as c:
    c.starttls(context=ssl.create_default_context(cafile=cert))
    c.login("demo", "demo")
    c.sendmail("demo@example.test", ["demo@example.test"], signed_msg)
got = delivered(mail, "demo", "Subject: defaults-signed\r\n")
sig = re.search(rb"^DKIM-Signature:(.*?)\r\n(?=[^ \t])", got[0],
                re.M | re.S) if len(got) == 1 else None
sig = unfold(sig.group(1)) if sig else b""
check(b"d=example.test;" in sig and b"s=ed2026;" in sig and
      b"a=ed25519-sha256;" in sig, "submitted mail is signed with the "
      "demo domain's Ed25519 key: %r" % sig)
# DMARC: a p=reject policy for the demo domain; the signature aligns.
policy = os.path.join(tmp, "policy.zone")
with open(policy, "w") as f:
    f.write('_dmarc.example.test. 300 IN TXT "v=DMARC1; p=reject"\n')
for cmd, want in ((["dkim-verify"], "pass d=example.test s=ed2026 "
                   "a=ed25519-sha256"),
                  (["dmarc", "--ip", "127.0.0.1", "--zone", policy],
                   "pass")):
    r = subprocess.run([GUMDROPCTL, "-m", MODULES, "auth"] + cmd +
                       ["--zone", os.path.join(dkim_dir, "example.test.zone")],
                       input=got[0] if got else b"", capture_output=True,
                       timeout=TIMEOUT)
    first = r.stdout.decode().split("\n")[0]
    check(r.returncode == 0 and first == want, "auth %s with the printed "
          "record: %r %r" % (cmd[0], first, r.stderr))
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
peer.stop()
check(peer.queries == [], "no DNS question left the daemon: %r"
      % peer.queries[:5])
shutil.rmtree(tmp, ignore_errors=True)
finish()
