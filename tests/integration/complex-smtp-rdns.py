"""complex: the smtp module's forward-confirmed reverse DNS over every
PTR name, against a real gumdropd whose resolver answers from local data
and forwards everything else to a UDP socket on loopback that never
answers (so lookups time out).  Clients bind to 127.0.0.x addresses:
  .11  five PTR names, only one of which resolves back: confirmed, and
       the verified name is that one (whatever the answer order);
  .12  two PTR names, neither resolves back (one has no address at
       all, the other a wrong one): mismatch;
  .13  one PTR name whose address lookup times out: tempfail, and the
       greeting waits no longer than reverse-dns-timeout;
  .14  four names that time out and one that confirms: confirmed at
       once (the names are looked up in parallel);
  .15  eleven PTR names, all wrong: mismatch, within the bound."""
import os
import socket
import time

from gdtest import Daemon, check, finish, free_port
from smtplib_util import Raw, events, fixture_modules, wait_event

mx = free_port()
# The black hole: a bound UDP socket nobody reads.
hole = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
hole.bind(("127.0.0.1", 0))
hole_port = hole.getsockname()[1]

d = Daemon("", modules=fixture_modules())
out = os.path.join(d.tmp, "out")
os.mkdir(out)
many = ["15.0.0.127.in-addr.arpa. PTR n%d.many.test." % i for i in range(11)]
many += ["n%d.many.test. A 192.0.2.%d" % (i, i + 1) for i in range(11)]
local = [
    "11.0.0.127.in-addr.arpa. PTR right.multi.test.",
    "right.multi.test. A 127.0.0.11",
    "12.0.0.127.in-addr.arpa. PTR x.never.test.",
    "12.0.0.127.in-addr.arpa. PTR y.never.test.",
    "x.never.test. A 192.0.2.1",
    "13.0.0.127.in-addr.arpa. PTR slow.hole.test.",
    "14.0.0.127.in-addr.arpa. PTR ok14.fast.test.",
    "ok14.fast.test. A 127.0.0.14",
] + many
# Several names that do not confirm beside the one that does: the
# resolver gives them in an order of its own (it differs between runs),
# so a check of the first name only would pass one run in five.
for i in range(4):
    local += ["11.0.0.127.in-addr.arpa. PTR wrong%d.multi.test." % i,
              "wrong%d.multi.test. A 192.0.2.9" % i,
              "14.0.0.127.in-addr.arpa. PTR slow%d.hole.test." % i]
with open(d.config, "w") as f:
    f.write(f"""
workers: 1
modules:
  load: [smtp, smtp-test]
dns:
  forwarders: ["127.0.0.1@{hole_port}"]
  local-zones: ["multi.test. static", "never.test. static",
                "fast.test. static", "many.test. static"]
  local-data: {local!r}
  timeout: 10s
smtp-test:
  dir: {out}
smtp:
  hostname: mx.test
  reverse-dns-timeout: 1500ms
listeners:
  - {{name: mx, address: "127.0.0.1:{mx}", protocol: smtp}}
""".replace("'", '"'))
d.start()


def session(src):
    """Connect from `src`; the seconds until the greeting, and the
    smtp.connect event the fixture logged."""
    sock = socket.socket()
    sock.bind((src, 0))
    sock.settimeout(10)
    t0 = time.monotonic()
    sock.connect(("127.0.0.1", mx))
    c = Raw(sock)
    code, _ = c.reply()
    took = time.monotonic() - t0
    check(code == 220, "greeting for %s" % src)
    c.cmd("QUIT")
    c.close()
    needle = "connect proto=0 ip=%s " % src
    wait_event(out, needle)
    ev = [e for e in events(out) if needle in e]
    return took, ev[-1] if ev else ""


took, ev = session("127.0.0.11")
check("rdns=1 " in ev and "name=right.multi.test" in ev,
      "one PTR name of five confirms, and it is the verified name: %s"
      % ev)
check(any(("ptr=%s " % n) in ev for n in
          ["right.multi.test"] + ["wrong%d.multi.test" % i
                                  for i in range(4)]),
      "client_ptr is one of the PTR names: %s" % ev)

took, ev = session("127.0.0.12")
check("rdns=3 " in ev and "name=-" in ev,
      "no PTR name confirms: mismatch, no name: %s" % ev)

took, ev = session("127.0.0.13")
check("rdns=4 " in ev and "name=-" in ev,
      "the forward lookup times out: tempfail: %s" % ev)
check(1.3 < took < 5.0, "the greeting waited about reverse-dns-timeout "
      "(1.5s), not the resolver's 10s: %.2fs" % took)

took, ev = session("127.0.0.14")
check("rdns=1 " in ev and "name=ok14.fast.test" in ev,
      "a confirming name wins over four that time out: %s" % ev)
check(took < 1.2, "without waiting for the slow names: %.2fs" % took)

took, ev = session("127.0.0.15")
check("rdns=3 " in ev and "name=-" in ev,
      "eleven wrong PTR names: mismatch: %s" % ev)
check(took < 5.0, "bounded: %.2fs" % took)

check(d.stop() == 0, "daemon exits cleanly")
hole.close()
finish()
