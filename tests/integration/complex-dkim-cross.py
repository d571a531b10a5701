"""complex: our DKIM engine against Debian's python3-dkim (dkimpy),
both ways.  Keys are made by our keygen (RSA 2048 and Ed25519); dkimpy
runs in the system Python with a DNS function answering from the same
records (nothing asked on the network).  For each algorithm and for
relaxed/relaxed and simple/simple: what we sign dkimpy verifies, what
dkimpy signs we verify, and a changed body or header fails both ways.
opendkim-testmsg (opendkim-tools 2.11) is not used: it signs only with
rsa-sha1 (refused under RFC 8301), writes a b= with trailing garbage,
and its verify mode asks live DNS.
Our side is `gumdropctl auth keygen`, `auth dkim-sign` and `auth
dkim-verify` (the dkim module through the offline-tool frame; keys
answered from a zone file).  Last, a real gumdropd signs
a message submitted by an authenticated user with both keys, in the
stream: the delivered copy carries the two signatures on top and
dkimpy verifies each.  python3-dkim is required (scripts/lib.sh lists
it)."""
import base64
import mailbox
import os
import re
import smtplib
import subprocess
import sys
import tempfile

from gdtest import GUMDROPCTL, MODULES, Daemon, check, finish, free_port

CTL = [GUMDROPCTL, "-m", MODULES, "auth"]
SYSPY = "/usr/bin/python3"
if subprocess.run([SYSPY, "-c", "import dkim"],
                  capture_output=True).returncode != 0:
    print("FAIL: python3-dkim is not installed (scripts/lib.sh)")
    sys.exit(1)

MSG = (b"From: Alice <alice@example.com>\r\n"
       b"To: Bob <bob@example.net>\r\n"
       b"Subject: cross  check\r\n"
       b"Date: Tue, 1 Dec 2026 02:00:00 +0000\r\n"
       b"Message-ID: <cross@example.com>\r\n"
       b"\r\n"
       b"Hello Bob,\r\n"
       b"  two spaces and a tab\there. \r\n"
       b"\r\n"
       b"Alice\r\n\r\n\r\n")

# dkimpy, in the system Python: sign or verify, records from argv.
DKIMPY = r'''
import base64, sys, dkim
mode, rec_name, rec, arg = sys.argv[1:5]
msg = sys.stdin.buffer.read()
def dns(name, timeout=5):
    return rec.encode() if name.decode().rstrip(".") == rec_name else None
if mode == "verify":
    print("pass" if dkim.verify(msg, dnsfunc=dns) else "fail")
else:
    alg, canon, key = arg.split(",", 2)
    h, b = canon.split("/")
    sig = dkim.sign(msg, rec_name.split(".")[0].encode(), b"example.com",
                    open(key, "rb").read() if alg == "rsa-sha256" else
                    key.encode(), canonicalize=(h.encode(), b.encode()),
                    signature_algorithm=alg.encode(),
                    include_headers=[b"from", b"to", b"subject", b"date"])
    sys.stdout.buffer.write(sig + msg)
'''

tmp = tempfile.mkdtemp(prefix="gdtest-dkim-")


def keygen(kind):
    pem = os.path.join(tmp, kind + ".pem")
    alg = "rsa-sha256" if kind == "rsa" else "ed25519-sha256"
    out = subprocess.run(CTL + ["keygen", "-a", alg, "--out", pem],
                         capture_output=True, text=True, timeout=60)
    check(out.returncode == 0, "keygen %s: %s" % (kind, out.stderr))
    return pem, out.stdout.strip()


def ed_seed(pem):
    """dkimpy takes an Ed25519 key as the base64 of its 32-byte seed."""
    body = "".join(l for l in open(pem).read().splitlines()
                   if not l.startswith("-----"))
    return base64.b64encode(base64.b64decode(body)[-32:]).decode()


def ours_sign(msg, sel, pem, alg, canon):
    out = subprocess.run(CTL + ["dkim-sign", "-d", "example.com", "-s",
                                sel, "-k", pem, "-a", alg, "-c", canon],
                         input=msg,
                         capture_output=True, timeout=30)
    check(out.returncode == 0, "our sign: %r" % out.stderr)
    return out.stdout


def ours_verify(msg, name, rec):
    zone = os.path.join(tmp, "keys.zone")
    with open(zone, "w") as f:
        f.write("%s. 300 IN TXT %s\n" % (name, " ".join(
            '"%s"' % rec[i:i + 250] for i in range(0, len(rec), 250))))
    out = subprocess.run(CTL + ["dkim-verify", "--zone", zone], input=msg,
                         capture_output=True, timeout=30)
    return out.stdout.decode().split("\n")[0].split(" ")[0]


def dkimpy(mode, msg, name, rec, arg=""):
    out = subprocess.run([SYSPY, "-c", DKIMPY, mode, name, rec, arg],
                         input=msg, capture_output=True, timeout=60)
    check(out.returncode == 0, "dkimpy %s: %r" % (mode, out.stderr[-400:]))
    return out.stdout


def tamper(msg):
    return [msg.replace(b"Hello Bob", b"Hello Eve"),
            msg.replace(b"cross  check", b"cross check!")]


keys = {}
check(ours_verify(MSG, "x._domainkey.example.com", "v=DKIM1; p=") == "none",
      "an unsigned message: none")
for kind, alg in (("rsa", "rsa-sha256"), ("ed25519", "ed25519-sha256")):
    pem, rec = keygen(kind)
    keys[kind] = (pem, rec, alg)
    name = "%s._domainkey.example.com" % kind
    for canon in ("relaxed/relaxed", "simple/simple"):
        what = "%s %s" % (alg, canon)
        signed = ours_sign(MSG, kind, pem, alg, canon)
        check(dkimpy("verify", signed, name, rec).strip() == b"pass",
              "dkimpy verifies ours: " + what)
        check(ours_verify(signed, name, rec) == "pass",
              "we verify ours: " + what)
        for t in tamper(signed):
            check(dkimpy("verify", t, name, rec).strip() == b"fail",
                  "dkimpy fails our tampered: " + what)
        key = pem if kind == "rsa" else ed_seed(pem)
        theirs = dkimpy("sign", MSG, name, rec,
                        "%s,%s,%s" % (alg, canon, key))
        check(b"DKIM-Signature:" in theirs, "dkimpy signed: " + what)
        check(ours_verify(theirs, name, rec) == "pass",
              "we verify dkimpy's: " + what)
        for t in tamper(theirs):
            check(ours_verify(t, name, rec) == "fail",
                  "we fail dkimpy's tampered: " + what)


def signing_daemon():
    """gumdropd with a submission listener that signs for example.com."""
    d = Daemon("")
    port = free_port()
    users = os.path.join(d.tmp, "users")
    with open(users, "w") as f:
        f.write("demo:{PLAIN}demo::::::\n")
    sign = "".join(
        "\n      - {domain: example.com, selector: %s, key: %s, "
        "algorithm: %s}" % (kind, pem, alg)
        for kind, (pem, rec, alg) in keys.items())
    with open(d.config, "w") as f:
        f.write(f"""
workers: 1
modules:
  load: [maildir, realm-file, sasl-plain, smtp, local-delivery, dkim]
hooks:
  "smtp.data": [dkim, local-delivery]
  "smtp.data-end": [dkim, local-delivery]
maildir: {{path: "{d.tmp}/mail/%u"}}
realm-file: {{path: "{users}", allow-plaintext-secrets: true}}
smtp: {{hostname: mx.test, reverse-dns: false}}
local-delivery: {{domains: [localhost], storage: maildir}}
dkim:
  sign:
    keys:{sign}
listeners:
  - {{name: sub, address: "127.0.0.1:{port}", protocol: submission,
     sasl: {{realm: file, mechanisms: [PLAIN],
            plaintext-without-tls: true, failure-delay: 0}}}}
""")
    d.start()
    return d, port


d, port = signing_daemon()
with smtplib.SMTP("127.0.0.1", port, timeout=30) as c:
    c.login("demo", "demo")
    c.sendmail("alice@example.com", ["demo@localhost"], MSG)
box = mailbox.Maildir(os.path.join(d.tmp, "mail", "demo"), factory=None)
got = [box.get_bytes(k) for k in box.keys()]
check(len(got) == 1, "the submitted message is delivered")
msg = got[0] if got else b""
head = msg.split(b"\r\n\r\n", 1)[0]
sigs = re.findall(rb"^DKIM-Signature:.*?(?=\r\n[^ \t])", head, re.M | re.S)
check(len(sigs) == 2, "two signatures on the delivered copy: %d" % len(sigs))
for i, sig in enumerate(sigs):
    sel = re.search(rb"s=([a-z0-9]+);", sig).group(1).decode()
    pem, rec, alg = keys[sel]
    check(dkimpy("verify", msg, "%s._domainkey.example.com" % sel,
                 rec).strip() == b"pass",
          "dkimpy verifies gumdropd's %s signature (%d of 2)" % (alg, i + 1))
    msg = msg.replace(sig + b"\r\n", b"", 1)
check(d.stop() == 0, "gumdropd exits cleanly")
finish()
