"""complex: the dmarc module at smtp.data-end of a real gumdropd whose
resolver answers from local data (zone "test." static: nothing is asked
upstream).  Until the spf and dkim modules are merged nothing passes, so
every message whose From domain publishes a policy fails DMARC:
  reject.test      p=reject: 550 5.7.1 at the end of data;
  sub.reject.test  no record of its own: the tree walk finds the
                   parent's, sp=quarantine: accepted (quarantine is the
                   delivering module's job), report data recorded;
  none.test        no policy anywhere: accepted, nothing recorded;
  no From field    permerror: accepted;
  none.test and reject.test in one From field: each evaluated (RFC
                   9989 11.5), the strictest applies: 550 5.7.1;
  the null sender  reject.test again: its record says SPF scope helo.
The report-data lines are v2: the SPF scope after the SPF domain.
A second daemon with `policy: log-only` accepts the p=reject message."""
import glob
import os

from gdtest import Daemon, check, finish, free_port
from smtplib_util import Raw, fixture_modules

LOCAL = [
    '_dmarc.reject.test. TXT "v=DMARC1; p=reject; sp=quarantine; '
    'rua=mailto:agg@reject.test"',
    "mx.reject.test. A 127.0.0.1",
]


def config(port, out, spool, policy):
    local = ", ".join("'%s'" % rr for rr in LOCAL)
    return f"""
workers: 1
modules:
  load: [smtp, smtp-test, dmarc]
hooks:
  "smtp.data-end": [dmarc, smtp-test]
dns:
  local-zones: ["test. static"]
  local-data: [{local}]
smtp-test:
  dir: {out}
smtp:
  hostname: mx.test
dmarc:
  authserv-id: mx.test
  policy: {policy}
  reports: {{spool: {spool}, interval: 1d}}
listeners:
  - {{name: mx, address: "127.0.0.1:{port}", protocol: smtp}}
"""


def start(policy):
    port = free_port()
    d = Daemon("", modules=fixture_modules())
    out = os.path.join(d.tmp, "out")
    spool = os.path.join(d.tmp, "spool")
    os.mkdir(out)
    with open(d.config, "w") as f:
        f.write(config(port, out, spool, policy))
    d.start()
    return d, port, spool


def send(port, header_from, sender="bounce@elsewhere.example", head=None):
    """One message; the reply code and text after the final dot."""
    c = Raw.tcp("127.0.0.1", port)
    c.reply()
    c.cmd("EHLO client.example")
    check(c.cmd("MAIL FROM:<%s>" % sender)[0] == 250, "MAIL")
    check(c.cmd("RCPT TO:<user@test.example>")[0] == 250, "RCPT")
    check(c.cmd("DATA")[0] == 354, "DATA")
    if head is None:
        head = "From: Someone <someone@%s>\r\n" % header_from \
            if header_from else ""
    code, text = c.cmd(head + "To: user@test.example\r\nSubject: hi\r\n"
                       "\r\nbody\r\n.")
    c.cmd("QUIT")
    c.close()
    return code, " ".join(text)


d, port, spool = start("enforce")
code, text = send(port, "reject.test")
check(code == 550 and "5.7.1" in text and "reject.test" in text,
      "p=reject, nothing aligned: 550 5.7.1: %s %s" % (code, text))
code, text = send(port, "sub.reject.test")
check(code == 250, "sp=quarantine: accepted: %s %s" % (code, text))
code, text = send(port, "none.test")
check(code == 250, "no policy: accepted: %s %s" % (code, text))
code, text = send(port, None)
check(code == 250, "no From field: accepted: %s %s" % (code, text))
code, text = send(port, None, head="From: A <a@none.test>, "
                  "B <b@reject.test>\r\n")
check(code == 550 and "5.7.1" in text and "reject.test" in text,
      "a second From domain does not escape p=reject: %s %s" % (code, text))
code, text = send(port, "reject.test", sender="")
check(code == 550, "null sender, p=reject: 550: %s %s" % (code, text))
files = glob.glob(os.path.join(spool, "reject.test!*!*.rec"))
check(len(files) == 1, "one record file for reject.test: %s" % files)
lines = open(files[0]).read().splitlines() if files else []
check(len(lines) == 4, "four records (reject, sub, two From domains, "
      "null sender): %s" % lines)
fields = [ln.split("\t") for ln in lines]
check(all(f[0] == "v2" and f[2] == "127.0.0.1" for f in fields),
      "version and source address: %s" % lines)
check(sorted(f[3] for f in fields) == ["reject.test"] * 3 +
      ["sub.reject.test"], "header-from of each: %s" % lines)
check(sorted(f[11] for f in fields) == ["quarantine"] + ["reject"] * 3,
      "dispositions: %s" % lines)
check([f[17] for f in fields] == ["mfrom"] * 3 + ["helo"],
      "SPF scope: mfrom, and helo for the null sender: %s" % lines)
check([f[18] for f in fields] == ["n"] * 4,
      "testing: n (the policies have no t=y): %s" % lines)
check(not glob.glob(os.path.join(spool, "none.test*")),
      "nothing for a domain without policy")
check(d.stop() == 0, "daemon exits cleanly")

d, port, spool = start("log-only")
code, text = send(port, "reject.test")
check(code == 250, "log-only: p=reject accepted: %s %s" % (code, text))
check(d.stop() == 0, "log-only daemon exits cleanly")
finish()
