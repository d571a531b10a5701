"""complex: SASL EXTERNAL through a real gumdropd — client certificates
made here with certtool (a test CA, two clients it signs, one it does
not), `tls: client-certificates: request` with that CA, realm-file
mapping a certificate to a user by its SHA-256 fingerprint, the echo
module's AUTH; and SCRAM-SHA-256 against the same realm file."""
import base64
import hashlib
import hmac
import os
import ssl
import subprocess

from gdtest import (Daemon, LineClient, TIMEOUT, check, finish, free_port,
                    make_cert)


def b64(b):
    return base64.b64encode(b if isinstance(b, bytes) else b.encode()).decode()


def certtool(*args):
    subprocess.run(["certtool"] + list(args), check=True,
                   capture_output=True, timeout=TIMEOUT)


def make_ca(d):
    key, cert = os.path.join(d, "ca.key"), os.path.join(d, "ca.pem")
    tmpl = os.path.join(d, "ca.tmpl")
    with open(tmpl, "w") as f:
        f.write('cn = "gumdrop test CA"\nca\ncert_signing_key\n'
                'expiration_days = 30\n')
    certtool("--generate-privkey", "--key-type=ecdsa", "--outfile", key)
    certtool("--generate-self-signed", "--load-privkey", key, "--template",
             tmpl, "--outfile", cert)
    return cert, key


def make_client(d, name, ca=None):
    """A client certificate for `name`, signed by `ca` (or self-signed)."""
    key, cert = (os.path.join(d, name + ".key"),
                 os.path.join(d, name + ".pem"))
    tmpl = os.path.join(d, name + ".tmpl")
    with open(tmpl, "w") as f:
        f.write('cn = "%s"\ntls_www_client\nsigning_key\n'
                'expiration_days = 30\n' % name)
    certtool("--generate-privkey", "--key-type=ecdsa", "--outfile", key)
    if ca is None:
        certtool("--generate-self-signed", "--load-privkey", key,
                 "--template", tmpl, "--outfile", cert)
    else:
        certtool("--generate-certificate", "--load-privkey", key,
                 "--load-ca-certificate", ca[0], "--load-ca-privkey", ca[1],
                 "--template", tmpl, "--outfile", cert)
    return cert, key


def fingerprint(pair):
    cert = pair[0]
    with open(cert) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    return "SHA256:" + hashlib.sha256(der).hexdigest()


def connect(port, client=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if client is not None:
        ctx.load_cert_chain(client[0], client[1])
    c = LineClient.tcp("127.0.0.1", port)
    c.sock = ctx.wrap_socket(c.sock, server_hostname="localhost")
    c.sock.settimeout(TIMEOUT)
    check(c.line() == "+OK gumdrop echo ready", "greeting over TLS")
    return c


def scram_sha256(c, user, password):
    """A SCRAM-SHA-256 client (RFC 5802, RFC 7677); the server's line."""
    nonce = b64(os.urandom(18))
    bare = "n=%s,r=%s" % (user, nonce)
    r = c.cmd("AUTH SCRAM-SHA-256 " + b64("n,," + bare))
    if not r.startswith("+ "):
        return r
    first = base64.b64decode(r[2:]).decode()
    attrs = dict(a.split("=", 1) for a in first.split(","))
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(),
                                 base64.b64decode(attrs["s"]),
                                 int(attrs["i"]))
    ckey = hmac.new(salted, b"Client Key", "sha256").digest()
    stored = hashlib.sha256(ckey).digest()
    without = "c=biws,r=" + attrs["r"]
    msg = ",".join((bare, first, without)).encode()
    proof = bytes(a ^ b for a, b in zip(
        ckey, hmac.new(stored, msg, "sha256").digest()))
    r = c.cmd(b64(without + ",p=" + b64(proof)))
    if r.startswith("+ "):               # e=...: acknowledge, then -ERR
        return c.cmd("")
    skey = hmac.new(salted, b"Server Key", "sha256").digest()
    want = "v=" + b64(hmac.new(skey, msg, "sha256").digest())
    check(r.startswith("+OK [" + b64(want) + "]"),
          "the server proves it knows the key (%s)" % r)
    return r


d = Daemon("")
server = make_cert(d.tmp)
ca = make_ca(d.tmp)
erin = make_client(d.tmp, "erin", ca)
mallory = make_client(d.tmp, "mallory", ca)
stranger = make_client(d.tmp, "stranger")
users = os.path.join(d.tmp, "users")
with open(users, "w") as f:
    f.write("erin:::::::cert=%s allow_act_as=shared\n" % fingerprint(erin))
    f.write("shared:::::::\n")
    # configs/users' demo entry (demo / demo).
    f.write("demo:{SCRAM-SHA-256}4096,+ozBhQRS+WKYoHKUXpZY7g==,"
            "XhMGbvEMNZT7Xbjd0PIUV7wm5OAlHwTDfqAtJ5Nwlns=,"
            "AYZY7eaUwN34m5tsy/CL9Qdc5kAWQoA6Nmw2FiMZeDw=\n")
port = free_port()
with open(d.config, "w") as f:
    f.write("""
workers: 1
modules:
  load: [echo, realm-file, sasl-external, sasl-scram]
realm-file: {{path: {users}}}
tls:
  certificates: [{{cert: {cert}, key: {key}}}]
  client-certificates: request
  ca-file: {ca}
listeners:
  - name: secure
    address: "127.0.0.1:{port}"
    protocol: echo
    tls: implicit
    sasl:
      realm: file
      mechanisms: [EXTERNAL, SCRAM-SHA-256]
      failure-delay: 0
""".format(users=users, cert=server[0], key=server[1], ca=ca[0], port=port))
d.start()
try:
    c = connect(port, erin)
    check(c.cmd("CAPA") == "+OK SASL EXTERNAL SCRAM-SHA-256",
          "EXTERNAL offered with a verified certificate")
    r = c.cmd("AUTH EXTERNAL =")
    check(r == "+OK authenticated as erin", "EXTERNAL, empty authzid: " + r)
    c.close()

    c = connect(port, erin)
    check(c.cmd("AUTH EXTERNAL") == "+ ", "no initial response: challenge")
    r = c.cmd("")
    check(r == "+OK authenticated as erin", "EXTERNAL after a challenge: " +
          r)
    c.close()

    c = connect(port, erin)
    r = c.cmd("AUTH EXTERNAL " + b64("shared"))
    check(r == "+OK authenticated as shared",
          "EXTERNAL acting as an allowed user: " + r)
    c.close()

    c = connect(port, erin)
    r = c.cmd("AUTH EXTERNAL " + b64("demo"))
    check(r.startswith("-ERR [AUTHZ-DENIED]"),
          "EXTERNAL acting as another user is refused: " + r)
    c.close()

    c = connect(port, mallory)
    r = c.cmd("AUTH EXTERNAL =")
    check(r.startswith("-ERR [BAD-CREDENTIALS]"),
          "a verified certificate that maps to nobody: " + r)
    c.close()

    for who, cert in (("no", None), ("an unverified", stranger)):
        c = connect(port, cert)
        check(c.cmd("CAPA") == "+OK SASL SCRAM-SHA-256",
              "EXTERNAL not offered with %s certificate" % who)
        r = c.cmd("AUTH EXTERNAL =")
        check(r.startswith("-ERR [MECH-UNAVAILABLE]"),
              "EXTERNAL refused with %s certificate: %s" % (who, r))
        c.close()

    c = connect(port)
    r = scram_sha256(c, "demo", "demo")
    check(r.startswith("+OK [") and r.endswith("authenticated as demo"),
          "SCRAM-SHA-256 with the demo entry: " + r)
    c.close()
    c = connect(port)
    r = scram_sha256(c, "demo", "wrong")
    check(r.startswith("-ERR [BAD-CREDENTIALS]"),
          "SCRAM-SHA-256 with a wrong password: " + r)
    c.close()

    check(d.wait_log("event=auth.success") and
          "mechanism=EXTERNAL user=erin" in d.dump(),
          "auth.success logged for EXTERNAL")
finally:
    status = d.stop()
check(status == 0, "gumdropd exits 0")
if status != 0:
    print(d.dump())
finish()
