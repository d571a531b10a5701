"""complex: DMARC aggregate reports from a real gumdropd.  Messages over
SMTP whose From domain publishes rua= (DNS from local data) are recorded;
with `reports: interval: 2s` the daemon's timer builds the closed
period's report on a pool thread: SPOOL/out/RECEIVER!DOMAIN!BEGIN!END!
ID.xml.gz (gzip) that xmllint validates against the RFC 9990 schema of
tests/data/dmarc, with one record per source and the messages counted,
and its .json envelope listing the rua= URIs; the .rec is removed.  A
domain without rua= gets nothing.  With fo=1 and ruf= each failing
message also gets an RFC 6591 failure report (.eml, parsed back with
Python's email package), at most reports.failure-per-hour of them.  xmllint (Debian libxml2-utils) is
required: the test fails without it."""
import email
import email.policy
import glob
import gzip
import json
import os
import shutil
import subprocess
import time

from gdtest import SRCDIR, Daemon, check, finish, free_port
from smtplib_util import Raw, fixture_modules

SCHEMA = os.path.join(SRCDIR, "tests", "data", "dmarc", "rfc9990.xsd")
LOCAL = [
    '_dmarc.rep.test. TXT "v=DMARC1; p=none; fo=1; '
    'rua=mailto:agg@rep.test,mailto:copy@rep.test; ruf=mailto:ruf@rep.test"',
    '_dmarc.norua.test. TXT "v=DMARC1; p=none"',
]


def config(port, out, spool):
    local = ", ".join("'%s'" % rr for rr in LOCAL)
    return f"""
workers: 2
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
  reports:
    spool: {spool}
    interval: 2s
    org-name: Gumdrop Test & Co
    email: dmarc-reports@reports.mx.test
    failure-per-hour: 2
listeners:
  - {{name: mx, address: "127.0.0.1:{port}", protocol: smtp}}
"""


def send(port, header_from):
    c = Raw.tcp("127.0.0.1", port)
    c.reply()
    c.cmd("EHLO client.example")
    check(c.cmd("MAIL FROM:<bounce@elsewhere.example>")[0] == 250, "MAIL")
    check(c.cmd("RCPT TO:<user@test.example>")[0] == 250, "RCPT")
    check(c.cmd("DATA")[0] == 354, "DATA")
    code, _ = c.cmd("From: <someone@%s>\r\nTo: user@test.example\r\n"
                    "Subject: hi\r\n\r\nbody\r\n." % header_from)
    c.cmd("QUIT")
    c.close()
    return code


def wait_reports(out, n, deadline):
    """The .json envelopes (written last) once n are there, or at the
    deadline whatever there is."""
    while time.time() < deadline:
        found = glob.glob(os.path.join(out, "reports.mx.test!*.json"))
        if len(found) >= n and not glob.glob(os.path.join(
                os.path.dirname(out), "rep.test!*.rec")):
            return found
        time.sleep(0.2)
    return glob.glob(os.path.join(out, "reports.mx.test!*.json"))


check(shutil.which("xmllint") is not None,
      "xmllint is installed (Debian libxml2-utils, scripts/lib.sh)")
port = free_port()
d = Daemon("", modules=fixture_modules())
out = os.path.join(d.tmp, "out")
spool = os.path.join(d.tmp, "spool")
os.mkdir(out)
with open(d.config, "w") as f:
    f.write(config(port, out, spool))
d.start()
codes = [send(port, "rep.test") for _ in range(3)]
codes.append(send(port, "norua.test"))
check(codes == [250] * 4, "messages accepted: %s" % codes)
envs = wait_reports(os.path.join(spool, "out"), 1, time.time() + 12)
check(len(envs) >= 1, "a report envelope appears in SPOOL/out: %s" % envs)
total = 0
for env_path in envs:
    env = json.load(open(env_path))
    check(env.get("rua") == ["mailto:agg@rep.test", "mailto:copy@rep.test"],
          "envelope rua list: %s" % env.get("rua"))
    report = os.path.join(spool, "out", env.get("report", ""))
    name = os.path.basename(report)
    check(name.startswith("reports.mx.test!rep.test!") and
          name.endswith(".xml.gz") and name.count("!") == 4,
          "RFC 9990 file name: %s" % name)
    xml = gzip.open(report).read().decode() if os.path.exists(report) \
        else ""
    plain = report[:-3]
    with open(plain, "w") as f:
        f.write(xml)
    r = subprocess.run(["xmllint", "--noout", "--schema", SCHEMA, plain],
                       capture_output=True, text=True, timeout=15)
    check(r.returncode == 0, "validates against RFC 9990: %s" % r.stderr)
    check("<org_name>Gumdrop Test &amp; Co</org_name>" in xml,
          "org_name escaped")
    check("<source_ip>127.0.0.1</source_ip>" in xml, "source address")
    check("<header_from>rep.test</header_from>" in xml, "header_from")
    check("<fo>1</fo>" in xml, "fo= published")
    for part in xml.split("<count>")[1:]:
        total += int(part.split("<")[0])
check(total == 3, "the three rep.test messages counted: %d" % total)
check(not glob.glob(os.path.join(spool, "*.rec")),
      "the record files are removed: %s" % os.listdir(spool))
check(not glob.glob(os.path.join(spool, "out", "*norua*")),
      "nothing for a policy without rua=")
check(d.wait_log("event=dmarc.report"), "the build is logged")

# Failure reports: fo=1 and ruf=, at most 2 per hour: two of the three
# rep.test messages get one, parsed back with Python's email package.
emls = sorted(glob.glob(os.path.join(spool, "out", "failure!rep.test!*.eml")))
check(len(emls) == 2, "two failure reports (rate limit 2/h): %s" % emls)
check(d.wait_log("reason=rate-limited"), "the third is rate-limited")
for path in emls:
    msg = email.message_from_binary_file(open(path, "rb"),
                                         policy=email.policy.default)
    check(msg.get_content_type() == "multipart/report" and
          msg.get_param("report-type") == "feedback-report",
          "multipart/report; report-type=feedback-report")
    check(msg["To"] == "ruf@rep.test" and
          msg["From"] == "dmarc-reports@reports.mx.test",
          "From and To: %s %s" % (msg["From"], msg["To"]))
    parts = list(msg.iter_parts())
    check([p.get_content_type() for p in parts] ==
          ["text/plain", "message/feedback-report", "text/rfc822-headers"],
          "three parts: %s" % [p.get_content_type() for p in parts])
    fb = parts[1].get_payload()
    fb = fb[0] if isinstance(fb, list) else \
        email.message_from_string(str(fb))
    check(fb["Feedback-Type"] == "auth-failure" and fb["Version"] == "1"
          and fb["Auth-Failure"] == "dmarc", "feedback fields")
    check(fb["Source-IP"] == "127.0.0.1" and
          fb["Reported-Domain"] == "rep.test" and
          fb["Original-Mail-From"] == "<bounce@elsewhere.example>",
          "source, domain, envelope sender")
    check("dmarc=fail" in (fb["Authentication-Results"] or ""),
          "Authentication-Results: %s" % fb["Authentication-Results"])
    check(fb["Arrival-Date"] is not None and fb["User-Agent"] is not None,
          "Arrival-Date and User-Agent")
    headers = parts[2].get_payload()
    headers = headers if isinstance(headers, str) else str(headers[0])
    check("Subject: hi" in headers and "someone@rep.test" in headers,
          "the original header: %r" % headers[:200])
    env = json.load(open(path[:-4] + ".json"))
    check(env.get("ruf") == ["mailto:ruf@rep.test"],
          "failure envelope ruf list: %s" % env)
check(d.stop() == 0, "daemon exits cleanly")
finish()
