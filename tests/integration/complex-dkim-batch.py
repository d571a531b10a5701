"""complex: `gumdropctl auth dkim-verify --zone Z FILE...`, the batch
mode (one process, one block per file: "file: NAME", the result lines,
the Authentication-Results line).  In one run: an Ed25519-signed file,
the same tampered, an unsigned one, an RSA 2048 one whose key is
published in the zone as PKCS#1 RSAPublicKey (not SubjectPublicKeyInfo),
the first file again (its key now from the worker's key cache), and a
missing file (an "error:" block, exit status 66 once all were done).
The stdin form is checked to be unchanged."""
import base64
import os
import subprocess
import tempfile

from gdtest import GUMDROPCTL, MODULES, check, finish

CTL = [GUMDROPCTL, "-m", MODULES, "auth"]
MSG = (b"From: Alice <alice@example.com>\r\n"
       b"To: Bob <bob@example.net>\r\n"
       b"Subject: batch\r\n"
       b"Date: Tue, 1 Dec 2026 06:00:00 +0000\r\n"
       b"\r\n"
       b"Hello Bob,\r\n"
       b"the batch mode.\r\n")
tmp = tempfile.mkdtemp(prefix="gdtest-dkim-batch-")


def run(args, data=None):
    return subprocess.run(CTL + args, input=data, capture_output=True,
                          timeout=60)


def keygen(alg):
    pem = os.path.join(tmp, alg + ".pem")
    out = run(["keygen", "-a", alg, "--out", pem])
    check(out.returncode == 0, "keygen %s: %r" % (alg, out.stderr))
    return pem, out.stdout.decode().strip()


def sign(sel, pem, alg):
    out = run(["dkim-sign", "-d", "example.com", "-s", sel, "-k", pem,
               "-a", alg], MSG)
    check(out.returncode == 0, "sign: %r" % out.stderr)
    return out.stdout


def pkcs1(rec):
    """The record with p= as the SPKI's BIT STRING content (PKCS#1)."""
    head, p = rec.split("p=")
    der = base64.b64decode(p)
    check(der[:4] == b"\x30\x82\x01\x22" and der[19:24] ==
          b"\x03\x82\x01\x0f\x00", "a 2048-bit SPKI")
    return head + "p=" + base64.b64encode(der[24:]).decode()


def txt(name, rec):
    return "%s. 300 IN TXT ( %s )\n" % (name, " ".join(
        '"%s"' % rec[i:i + 200] for i in range(0, len(rec), 200)))


ed_pem, ed_rec = keygen("ed25519-sha256")
rsa_pem, rsa_rec = keygen("rsa-sha256")
zone = os.path.join(tmp, "keys.zone")
with open(zone, "w") as f:
    f.write(txt("ed._domainkey.example.com", ed_rec))
    f.write(txt("old._domainkey.example.com", pkcs1(rsa_rec)))
files = {"good": sign("ed", ed_pem, "ed25519-sha256")}
files["tampered"] = files["good"].replace(b"Hello Bob", b"Hello Eve")
files["unsigned"] = MSG
files["pkcs1"] = sign("old", rsa_pem, "rsa-sha256")
paths = []
for name, data in files.items():
    paths.append(os.path.join(tmp, name + ".eml"))
    with open(paths[-1], "wb") as f:
        f.write(data)
paths += [paths[0], os.path.join(tmp, "missing.eml")]

out = run(["dkim-verify", "--zone", zone] + paths)
check(out.returncode == 66, "a missing file: exit 66, got %d (%r)" %
      (out.returncode, out.stderr))
lines = out.stdout.decode().splitlines()
expect = [
    ("file: " + paths[0], "pass d=example.com s=ed a=ed25519-sha256"),
    ("file: " + paths[1], "fail d=example.com s=ed a=ed25519-sha256 "
     "body hash mismatch"),
    ("file: " + paths[2], "none"),
    ("file: " + paths[3], "pass d=example.com s=old a=rsa-sha256"),
    ("file: " + paths[0], "pass d=example.com s=ed a=ed25519-sha256"),
]
i = 0
for head, result in expect:
    check(lines[i:i + 2] == [head, result], "block %r: %r" %
          (head, lines[i:i + 3]))
    check(lines[i + 2].startswith("Authentication-Results: localhost; "
                                  "dkim=" + result.split()[0]),
          "A-R line of %s: %r" % (head, lines[i + 2]))
    i += 3
check(lines[i:] == ["file: " + paths[5],
                    "error: No such file or directory"],
      "the missing file's block: %r" % lines[i:])

out = run(["dkim-verify", "--zone", zone] + paths[:3])
check(out.returncode == 0, "all files read: exit 0 (%r)" % out.stderr)
out = run(["dkim-verify", "--zone", zone], files["good"])
check(out.returncode == 0 and out.stdout.decode().splitlines()[0] ==
      "pass d=example.com s=ed a=ed25519-sha256",
      "stdin form unchanged: %r" % out.stdout[:200])
finish()
