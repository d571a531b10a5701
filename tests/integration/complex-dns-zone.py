"""complex: RFC 1035 zone files and the offline-tool frame, for real.

1. `gumdropctl dns query --zone FILE`: every record type of the file,
   NXDOMAIN/NODATA inside it, NXDOMAIN for names outside it (nothing is
   asked upstream), errors of a bad file named FILE:LINE.
2. `--dns-server` against tests/integration/dnspeer.py on loopback:
   answers, NODATA, NXDOMAIN, SERVFAIL, a TIMEOUT name, a big answer
   that comes truncated over UDP and whole over TCP; with --zone as
   well, the zone answers its names and only the others reach the
   server.  --timeout bounds the whole command.
3. `-c CONFIG`: the configuration's `dns: {zone-files: [...]}` is used.
4. gumdropd with `dns: {zone-files: [...]}`: the smtp module's
   reverse-DNS check on connect is answered from the zone file; a bad
   zone file stops `gumdropd -t` with CONFIG:LINE and FILE:LINE.
"""
import os
import re
import socket
import subprocess
import time

from dnspeer import DnsPeer
from gdtest import (Daemon, GUMDROPCTL, MODULES, check, finish, free_port,
                    run_gumdropd)
from smtplib_util import Raw, events, fixture_modules, wait_event

d = Daemon("", modules=fixture_modules())
tmp = d.tmp

ZONE = r"""; the test zone
$ORIGIN zone.test.
$TTL 300
@       IN SOA ns hostmaster ( 2026120101 1h 15m
                               1w 300 )
@       TXT "v=spf1 ip4:192.0.2.0/24 -all"
        MX 10 mx
mx      A 192.0.2.25
        AAAA 2001:db8::25
sel._domainkey 60 IN TXT ( "v=DKIM1; k=ed25519; "
                           "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=" )
q       TXT "say \"hi\"" "\065\066"
_25._tcp.mx TLSA 3 1 1 00ff
g       TYPE731 \# 2 abcd
a.b     A 192.0.2.9
11.0.0.127.in-addr.arpa. PTR host
host    A 127.0.0.11
al      CNAME mx
key._domainkey CNAME sel._domainkey
loop1   CNAME loop2
loop2   CNAME loop1
_sub._tcp SRV 0 5 587 mx
"""
zone = os.path.join(tmp, "test.zone")
with open(zone, "w") as f:
    f.write(ZONE)
bad = os.path.join(tmp, "bad.zone")
with open(bad, "w") as f:
    f.write("$ORIGIN bad.test.\n\nwww A 192.0.2.300\n")


def ctl(*args, timeout=30):
    t0 = time.monotonic()
    r = subprocess.run([GUMDROPCTL, "-m", MODULES] + list(args),
                       capture_output=True, text=True, timeout=timeout)
    return r.returncode, r.stdout, r.stderr, time.monotonic() - t0


def query(*args):
    return ctl("dns", "query", *args)


# ---- 1. --zone ---------------------------------------------------------
cases = [
    (["zone.test", "TXT"], 0,
     'ok\nzone.test. 300 IN TXT "v=spf1 ip4:192.0.2.0/24 -all"\n'),
    (["zone.test", "MX"], 0, "ok\nzone.test. 300 IN MX 10 mx.zone.test.\n"),
    (["mx.zone.test"], 0, "ok\nmx.zone.test. 300 IN A 192.0.2.25\n"),
    (["mx.zone.test", "aaaa"], 0,
     "ok\nmx.zone.test. 300 IN AAAA 2001:db8::25\n"),
    (["sel._domainkey.zone.test", "TXT"], 0,
     'ok\nsel._domainkey.zone.test. 60 IN TXT "v=DKIM1; k=ed25519; " '
     '"p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="\n'),
    (["q.zone.test", "TXT"], 0,
     'ok\nq.zone.test. 300 IN TXT "say \\"hi\\"" "AB"\n'),
    (["_25._tcp.mx.zone.test", "TLSA"], 0,
     "ok\n_25._tcp.mx.zone.test. 300 IN TLSA 3 1 1 00FF\n"),
    (["g.zone.test", "TYPE731"], 0,
     "ok\ng.zone.test. 300 IN TYPE731 \\# 2 ABCD\n"),
    (["11.0.0.127.in-addr.arpa", "PTR"], 0,
     "ok\n11.0.0.127.in-addr.arpa. 300 IN PTR host.zone.test.\n"),
    (["zone.test", "SOA"], 0, "ok\nzone.test. 300 IN SOA ns.zone.test. "
     "hostmaster.zone.test. 2026120101 3600 900 604800 300\n"),
    (["al.zone.test", "CNAME"], 0,
     "ok\nal.zone.test. 300 IN CNAME mx.zone.test.\n"),
    # a CNAME of the zone is followed, as a resolver does (a DKIM key
    # published as a CNAME); a loop is an error (exit 65)
    (["al.zone.test", "A"], 0, "ok\nal.zone.test. 300 IN A 192.0.2.25\n"
     "; canonical name: mx.zone.test.\n"),
    (["key._domainkey.zone.test", "TXT"], 0,
     'ok\nkey._domainkey.zone.test. 60 IN TXT "v=DKIM1; k=ed25519; " '
     '"p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="\n'
     "; canonical name: sel._domainkey.zone.test.\n"),
    (["loop1.zone.test", "TXT"], 65, "error\n; CNAME chain over 8 names "
     "(or a loop)\n"),
    (["_sub._tcp.zone.test", "SRV"], 0,
     "ok\n_sub._tcp.zone.test. 300 IN SRV 0 5 587 mx.zone.test.\n"),
    (["mx.zone.test", "TXT"], 0, "nodata\n"),
    (["b.zone.test"], 0, "nodata\n"),
    (["nothere.zone.test"], 0, "nxdomain\n"),
    (["www.example.org"], 0, "nxdomain\n"),
    (["example.net", "MX"], 0, "nxdomain\n"),
]
for args, code, want in cases:
    rc, out, err, _ = query(*args, "--zone", zone)
    check(rc == code and out == want,
          "--zone: %s -> %r (exit %d), got %r (exit %d) %s"
          % (" ".join(args), want, code, out, rc, err.strip()))

rc, out, err, _ = query("www.bad.test", "--zone", bad)
check(rc == 78 and "bad.zone:3: A: bad IPv4 address '192.0.2.300'" in err,
      "a bad zone file: exit 78 and FILE:LINE: %d %r" % (rc, err))
rc, out, err, _ = query("x.test", "BOGUS", "--zone", zone)
check(rc == 64 and "unknown record type 'BOGUS'" in err,
      "an unknown type is a usage error: %d %r" % (rc, err))
rc, out, err, _ = query("--zone", zone)
check(rc == 64, "no name is a usage error: %d" % rc)

# ---- 2. --dns-server ----------------------------------------------------
big = ["%03d" % i + "x" * 197 for i in range(12)]
peer = DnsPeer({"peer.example": [("TXT", "v=spf1 -all"),
                              ("MX", (5, "mx.peer.example"))],
                "mx.peer.example": [("A", "192.0.2.50")],
                "deep.ent.peer.example": [("A", "192.0.2.51")],
                "big.peer.example": [("TXT", big)],
                "alias.peer.example": [("CNAME", "mx.peer.example")]},
               timeout=["slow.peer.example"],
               servfail=["broken.peer.example"]).start()
srv = ["--dns-server", peer.address, "--dns-timeout", "1s"]
cases = [
    (["peer.example", "TXT"], 0, 'ok\npeer.example. 300 IN TXT "v=spf1 -all"\n'),
    (["peer.example", "MX"], 0, "ok\npeer.example. 300 IN MX 5 mx.peer.example.\n"),
    (["ent.peer.example"], 0, "nodata\n"),
    (["none.peer.example"], 0, "nxdomain\n"),
    (["broken.peer.example"], 75, "servfail\n; server failure\n"),
    (["alias.peer.example"], 0, "ok\nalias.peer.example. 300 IN A 192.0.2.50\n"
     "; canonical name: mx.peer.example.\n"),
]
for args, code, want in cases:
    rc, out, err, _ = query(*args, *srv)
    # The resolver's cache may age a TTL by a second while it follows
    # a CNAME.
    out = re.sub(r" 29[0-9] IN ", " 300 IN ", out)
    check(rc == code and out == want,
          "--dns-server: %s -> %r (exit %d), got %r (exit %d) %s"
          % (" ".join(args), want, code, out, rc, err.strip()))

rc, out, err, took = query("slow.peer.example", "TXT", *srv)
check(rc == 75 and out.startswith("timeout\n") and took < 6,
      "a name never answered: timeout after --dns-timeout: %d %r %.1fs"
      % (rc, out, took))
rc, out, err, _ = query("big.peer.example", "TXT", *srv)
check(rc == 0 and out.startswith("ok\n") and all(s in out for s in big),
      "a 2.4 KB TXT answer arrives whole: %d %d bytes" % (rc, len(out)))
check(("big.peer.example", "TXT", "tcp") in peer.queries,
      "the truncated UDP answer was retried over TCP")

before = len(peer.queries)
rc, out, err, _ = query("mx.zone.test", "--zone", zone, *srv)
rc2, out2, err2, _ = query("mx.peer.example", "--zone", zone, *srv)
asked = [q[0] for q in peer.queries[before:]]
check(rc == 0 and "192.0.2.25" in out and rc2 == 0 and
      "192.0.2.50" in out2,
      "--zone with --dns-server: both answer: %r %r" % (out, out2))
check("mx.zone.test" not in asked and "mx.peer.example" in asked,
      "only the name outside the zone reached the server: %r" % asked)

rc, out, err, took = query("slow.peer.example", "--dns-server", peer.address,
                           "--dns-timeout", "20s", "--timeout", "1500ms")
check(rc == 75 and "no result within 1500 ms" in err and took < 6,
      "--timeout bounds the command: %d %r %.1fs" % (rc, err, took))
rc, out, err, _ = query("x.test", "--timeout", "soon")
check(rc == 64 and "--timeout" in err, "a bad --timeout: %d %r" % (rc, err))

# ---- 3. -c CONFIG -------------------------------------------------------
conf = os.path.join(tmp, "ctl.yaml")
with open(conf, "w") as f:
    f.write('modules: {load: []}\ndns:\n  zone-files: ["%s"]\n'
            '  local-zones: [". static"]\n' % zone)
rc, out, err, _ = ctl("-c", conf, "dns", "query", "mx.zone.test", "AAAA")
check(rc == 0 and out == "ok\nmx.zone.test. 300 IN AAAA 2001:db8::25\n",
      "-c: the configuration's zone-files answer: %d %r %r"
      % (rc, out, err))

# ---- 3b. a module loaded by the frame (as the auth tools load theirs) --
rc, out, err, _ = query("mx.zone.test", "--zone", zone, "--module", "smtp")
check(rc == 0 and out == "ok\nmx.zone.test. 300 IN A 192.0.2.25\n",
      "--module smtp without -c: loaded, thread_init run, query answered: "
      "%d %r %r" % (rc, out, err))
rc, out, err, _ = query("mx.zone.test", "--zone", zone, "--module", "nosuch")
check(rc == 78 and "nosuch" in err,
      "--module of a missing module: exit 78: %d %r" % (rc, err))
rc, out, err, _ = ctl("-c", conf, "dns", "query", "mx.zone.test",
                      "--module", "smtp")
check(rc == 78 and "does not load the module 'smtp'" in err,
      "-c CONFIG without the module in modules.load: exit 78: %d %r"
      % (rc, err))

# ---- 4. gumdropd --------------------------------------------------------
with open(d.config, "w") as f:
    f.write("""
modules: {load: [smtp]}
dns: {zone-files: ["%s"]}
listeners: []
""" % bad)
r = run_gumdropd(["-t", "-c", d.config])
check(r.returncode != 0 and "bad.zone:3: A: bad IPv4 address" in r.stderr
      and d.config + ":3:" in r.stderr,
      "gumdropd -t: a bad zone file, named CONFIG:LINE and FILE:LINE: %r"
      % r.stderr)

mx = free_port()
out_dir = os.path.join(tmp, "out")
os.mkdir(out_dir)
with open(d.config, "w") as f:
    f.write("""
workers: 1
modules:
  load: [smtp, smtp-test]
dns:
  zone-files: ["%s"]
  local-zones: [". static"]
  timeout: 3s
smtp-test:
  dir: %s
smtp:
  hostname: mx.test
listeners:
  - {name: mx, address: "127.0.0.1:%d", protocol: smtp}
""" % (zone, out_dir, mx))
d.start()
sock = socket.socket()
sock.bind(("127.0.0.11", 0))
sock.settimeout(10)
sock.connect(("127.0.0.1", mx))
c = Raw(sock)
code, _ = c.reply()
check(code == 220, "greeting")
c.cmd("QUIT")
c.close()
needle = "connect proto=0 ip=127.0.0.11 "
wait_event(out_dir, needle)
ev = [e for e in events(out_dir) if needle in e]
check(ev and "rdns=1 " in ev[-1] and "name=host.zone.test" in ev[-1],
      "gumdropd: the reverse-DNS check is answered by the zone file: %s"
      % (ev[-1] if ev else "no event"))
check(d.stop() == 0, "daemon exits cleanly")
peer.stop()
finish()
