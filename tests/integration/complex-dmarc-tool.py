"""complex: `gumdropctl auth dmarc` (the spf, dkim and dmarc modules
offline, through the tool frame).  Records come from a zone file
(--zone: nothing asked upstream) or, for the DNS failure, from
dnspeer.py on loopback that never answers the policy name.  Cases: pass
through aligned DKIM (RFC 8463's message, two signatures, no SPF
record), pass through aligned SPF, fail under p=reject (disposition
reject), none without a record, permerror without a From field, the
dkim module's verify: options from -c CONFIG, two From domains (the
failing one decides), temperror when the policy lookup times out, and
usage errors.  The first line is the result keyword alone, the second
the Authentication-Results field as the daemon writes it (authserv-id
from -c CONFIG's `dmarc: authserv-id`)."""
import os
import subprocess
import tempfile

from dnspeer import DnsPeer
from gdtest import GUMDROPCTL, MODULES, check, finish
from rfc8463 import ED as DKIM_ED, MSG as RFC8463, RSA as DKIM_RSA

CTL = [GUMDROPCTL, "-m", MODULES, "auth", "dmarc"]
ZONE = r"""$ORIGIN example.org.
$TTL 300
@                TXT "v=spf1 ip4:192.0.2.10 -all"
_dmarc           TXT "v=DMARC1; p=reject; aspf=r"
relaxed          TXT "v=DMARC1; p=none"
$ORIGIN football.example.com.
_dmarc             TXT "v=DMARC1; p=reject"
brisbane._domainkey TXT "%s"
test._domainkey     TXT "%s"
""" % (DKIM_ED, DKIM_RSA)

tmp = tempfile.mkdtemp(prefix="gdtest-dmarc-tool-")
zone = os.path.join(tmp, "auth.zone")
with open(zone, "w") as f:
    f.write(ZONE)


def message(sender):
    return ("From: Alice <%s>\r\nTo: bob@example.net\r\n"
            "Subject: hello\r\n\r\nbody\r\n" % sender).encode()


def run(args, msg, timeout=30):
    out = subprocess.run(CTL + args, input=msg, capture_output=True,
                         timeout=timeout)
    return out.returncode, out.stdout.decode().split("\n"), \
        out.stderr.decode()


# ---- pass through aligned DKIM: RFC 8463 A.3, no SPF record ------------
rc, lines, err = run(["--zone", zone, "--ip", "192.0.2.99", "--helo",
                      "client.example.net", "--mail-from",
                      "joe@football.example.com"], RFC8463.encode())
check(rc == 0 and lines[0] == "pass",
      "aligned DKIM passes DMARC: %d %r %s" % (rc, lines, err))
ar = lines[1] if len(lines) > 1 else ""
check(ar.startswith("Authentication-Results: ") and "spf=none" in ar and
      ar.count("dkim=pass") == 2 and "header.d=football.example.com" in ar
      and "dmarc=pass" in ar and "header.from=football.example.com" in ar,
      "A-R: spf none, two dkim pass, dmarc pass: %r" % ar)
check(len(lines) > 2 and lines[2].startswith("Policy: policy=reject "
                                             "disposition=none"),
      "a pass under p=reject: disposition none: %r" % lines[2:3])

# ---- pass through aligned SPF (relaxed: a subdomain MAIL FROM is not
# aligned here, the parent is) -------------------------------------------
rc, lines, err = run(["--zone", zone, "--ip", "192.0.2.10", "--helo",
                      "mail.example.org", "--mail-from",
                      "bounce@example.org"], message("alice@example.org"))
check(rc == 0 and lines[0] == "pass",
      "aligned SPF passes DMARC: %d %r %s" % (rc, lines, err))
check(len(lines) > 1 and "spf=pass smtp.mailfrom=example.org" in lines[1]
      and "dkim=none" in lines[1] and "dmarc=pass" in lines[1],
      "A-R: spf pass, dkim none, dmarc pass: %r" % lines[1:2])

# ---- fail, p=reject -----------------------------------------------------
rc, lines, err = run(["--zone", zone, "--ip", "192.0.2.11", "--helo",
                      "mail.example.org", "--mail-from",
                      "bounce@example.org"], message("alice@example.org"))
check(rc == 0 and lines[0] == "fail",
      "SPF fail, unsigned: DMARC fail: %d %r %s" % (rc, lines, err))
check(len(lines) > 2 and "spf=fail" in lines[1] and "dmarc=fail" in
      lines[1] and lines[2].startswith("Policy: policy=reject "
                                       "disposition=reject from=example.org"),
      "A-R spf fail, dmarc fail; disposition reject: %r" % lines[1:3])
# Tampered DKIM (body changed) and an unlisted host: fail as well.
rc, lines, err = run(["--zone", zone, "--ip", "192.0.2.99"],
                     RFC8463.replace("game", "match").encode())
check(rc == 0 and lines[0] == "fail" and "dkim=fail" in lines[1],
      "a tampered signed message fails: %r %s" % (lines[:2], err))

# ---- none: no record ----------------------------------------------------
rc, lines, err = run(["--zone", zone, "--ip", "192.0.2.10", "--mail-from",
                      "a@example.org"], message("alice@example.net"))
check(rc == 0 and lines[0] == "none" and "dmarc=none" in lines[1],
      "no policy record: none: %d %r %s" % (rc, lines, err))

# ---- permerror: no From field -------------------------------------------
rc, lines, err = run(["--zone", zone, "--ip", "192.0.2.10"],
                     b"Subject: no from\r\n\r\nbody\r\n")
check(rc == 0 and lines[0] == "permerror",
      "no From: permerror: %d %r %s" % (rc, lines, err))

# ---- authserv-id from -c CONFIG -----------------------------------------
config = os.path.join(tmp, "gumdrop.yaml")
with open(config, "w") as f:
    f.write("modules:\n  load: [smtp, spf, dkim, dmarc]\n"
            "dmarc: {authserv-id: mx.tool.example}\n")
out = subprocess.run([GUMDROPCTL, "-c", config, "-m", MODULES, "auth",
                      "dmarc", "--zone", zone, "--ip", "192.0.2.10",
                      "--mail-from", "b@example.org"],
                     input=message("alice@example.org"),
                     capture_output=True, timeout=30)
lines = out.stdout.decode().split("\n")
check(out.returncode == 0 and lines[0] == "pass" and len(lines) > 1 and
      lines[1].startswith("Authentication-Results: mx.tool.example;\t"),
      "-c: the configured authserv-id: %r %r" % (lines[:2], out.stderr))
with open(config, "w") as f:
    f.write("modules:\n  load: [smtp, spf, dkim]\n")
out = subprocess.run([GUMDROPCTL, "-c", config, "-m", MODULES, "auth",
                      "dmarc", "--zone", zone], input=message("a@example.org"),
                     capture_output=True, timeout=30)
check(out.returncode == 78 and b"dmarc" in out.stderr,
      "-c without dmarc loaded: EX_CONFIG: %d %r" % (out.returncode,
                                                     out.stderr))

# ---- -c CONFIG: the dkim module's verify: options apply ----------------
with open(config, "w") as f:
    f.write("modules:\n  load: [smtp, spf, dkim, dmarc]\n"
            "dkim: {verify: {max-signatures: 1}}\n")
out = subprocess.run([GUMDROPCTL, "-c", config, "-m", MODULES, "auth",
                      "dmarc", "--zone", zone, "--ip", "192.0.2.99"],
                     input=RFC8463.encode(), capture_output=True, timeout=30)
lines = out.stdout.decode().split("\n")
check(out.returncode == 0 and lines[0] == "pass" and len(lines) > 1 and
      lines[1].count("dkim=") == 1,
      "-c: max-signatures 1: one of the two signatures: %r %r" %
      (lines[:2], out.stderr))

# ---- several From domains: each evaluated, the strictest applies -------
rc, lines, err = run(["--zone", zone, "--ip", "192.0.2.10", "--mail-from",
                      "b@example.org"],
                     message("alice@example.org>, <eve@football.example.com"))
check(rc == 0 and lines[0] == "fail" and len(lines) > 2 and
      "header.from=football.example.com" in lines[1] and
      lines[2].startswith("Policy: policy=reject disposition=reject "
                          "from=football.example.com"),
      "example.org passes, football.example.com fails p=reject: %d %r %s"
      % (rc, lines, err))

# ---- temperror: the policy lookup is never answered ---------------------
peer = DnsPeer({"example.org": [("TXT", "v=spf1 ip4:192.0.2.10 -all")]},
               timeout=["_dmarc.example.org"]).start()
try:
    rc, lines, err = run(["--dns-server", peer.address, "--dns-timeout",
                          "1s", "--ip", "192.0.2.10", "--mail-from",
                          "b@example.org"], message("alice@example.org"))
finally:
    peer.stop()
check(rc == 0 and lines[0] == "temperror" and "dmarc=temperror" in lines[1],
      "the policy lookup times out: temperror: %d %r %s" % (rc, lines, err))
check(any(q[0] == "_dmarc.example.org" for q in peer.queries),
      "the policy name was asked of the peer: %r" % peer.queries[:5])

# ---- usage ----------------------------------------------------------------
rc, lines, err = run(["--ip", "not-an-ip", "--zone", zone],
                     message("a@example.org"))
check(rc == 64 and "not an IP address" in err, "a bad --ip: %d %r" % (rc, err))
rc, lines, err = run(["--bogus"], b"")
check(rc == 64 and "usage" in err, "an unknown option: %d %r" % (rc, err))
finish()
