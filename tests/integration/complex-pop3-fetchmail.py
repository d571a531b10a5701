"""complex: Debian's fetchmail as a real POP3 client of gumdropd (issue
8).  fetchmail runs once per poll (no daemon mode, no syslog) from a
private rcfile and home in a temporary folder, handing each message to an
MDA that writes it to its own file:
  1. three messages delivered over SMTP; a poll over STLS (certificate
     checked against our self-signed one) fetches the three, each equal
     to the stored message with LF line ends (`set invisible`: no
     Received: field of fetchmail's), and deletes them on the server (no
     `keep`);
  2. two more delivered; a poll over POP3S fetches exactly those two;
  3. a poll in cleartext (USER/PASS allowed there) finds no mail
     (fetchmail's status 1) and writes nothing;
  4. `keep` + `uidl` with an idfile: two messages fetched and left on the
     server; the next poll fetches nothing; after one more delivery the
     next poll fetches only that one."""
import os
import subprocess
import sys
import tempfile

import gdtest
from gdtest import TIMEOUT, check, finish
from pop3_util import PASSWORD, USER, lf, make_message, require, server

FETCHMAIL = require("fetchmail")


class Fetchmail:
    def __init__(self, tmp, name):
        self.home = os.path.join(tmp, name)
        self.out = os.path.join(self.home, "out")
        os.makedirs(self.out)
        self.mda = os.path.join(self.home, "mda.sh")
        with open(self.mda, "w") as f:
            f.write('#!/bin/sh\nexec cat > "%s/msg.$(date +%%s%%N).$$"\n'
                    % self.out)
        os.chmod(self.mda, 0o755)
        self.seen = set()

    def poll(self, port, tls, keep=False):
        """One fetchmail run; (its status, the new files' contents)."""
        ssl = {"stls": 'sslproto "TLS1.2+"',
               "implicit": "ssl",
               "none": "sslproto ''"}[tls]
        rc = os.path.join(self.home, "fetchmailrc")
        with open(rc, "w") as f:
            f.write(f"""set no syslog
set invisible
set idfile "{self.home}/fetchids"
poll localhost via 127.0.0.1 with protocol POP3 port {port}
    auth password timeout {int(TIMEOUT)} {"uidl" if keep else ""}
  user "{USER}" there with password "{PASSWORD}" is "root" here
    {ssl} sslcertck sslcertfile "{self.server.cafile}"
    sslcommonname "localhost"
    mda "{self.mda}" no rewrite {"keep" if keep else "no keep"}
""")
        os.chmod(rc, 0o600)
        env = dict(os.environ, HOME=self.home, FETCHMAILHOME=self.home)
        r = subprocess.run([FETCHMAIL, "-f", rc, "-v", "--nosyslog"],
                           env=env, capture_output=True, text=True,
                           timeout=4 * TIMEOUT)
        self.log = r.stdout + r.stderr
        new = sorted(set(os.listdir(self.out)) - self.seen)
        self.seen.update(new)
        got = []
        for name in new:
            with open(os.path.join(self.out, name), "rb") as f:
                got.append(f.read())
        return r.returncode, got


def same(got, kept):
    return sorted(got, key=repr) == sorted((lf(k) for k in kept), key=repr)


tmp = tempfile.mkdtemp(prefix="gdtest-pop3-fetchmail-")
srv = server(os.path.join(tmp, "server"))
fm = Fetchmail(tmp, "fm")
fm.server = srv
try:
    kept = [srv.deliver(make_message("fm-%d" % i, i)) for i in (1, 2, 3)]
    rc, got = fm.poll(srv.pop3, "stls")
    check(rc == 0 and same(got, kept), "poll 1 (STLS): the three messages, "
          "as stored (status %d, %d fetched)" % (rc, len(got)))
    check("upgrade to TLS succeeded" in fm.log, "poll 1 ran over STLS")
    check(srv.inbox() == [], "poll 1 deleted them on the server")

    more = [srv.deliver(make_message("fm-%d" % i, i)) for i in (4, 5)]
    rc, got = fm.poll(srv.pop3s, "implicit")
    check(rc == 0 and same(got, more), "poll 2 (POP3S): only the two new "
          "messages (status %d, %d fetched)" % (rc, len(got)))
    check(srv.inbox() == [], "poll 2 deleted them")

    rc, got = fm.poll(srv.pop3, "none")
    check(rc == 1 and got == [], "poll 3 (cleartext): no mail, status 1 "
          "(status %d, %d fetched)" % (rc, len(got)))
    check("POP3> USER" in fm.log and "POP3> STLS" not in fm.log,
          "poll 3 logged in with USER/PASS in cleartext")

    fk = Fetchmail(tmp, "keep")
    fk.server = srv
    kept = [srv.deliver(make_message("fk-%d" % i, i)) for i in (6, 7)]
    rc, got = fk.poll(srv.pop3s, "implicit", keep=True)
    check(rc == 0 and same(got, kept), "keep 1: two messages fetched "
          "(status %d, %d fetched)" % (rc, len(got)))
    check(srv.inbox() == kept, "keep 1: both left on the server")
    rc, got = fk.poll(srv.pop3s, "implicit", keep=True)
    check(rc == 1 and got == [], "keep 2: nothing fetched twice "
          "(status %d, %d fetched)" % (rc, len(got)))
    new = srv.deliver(make_message("fk-8", 8))
    rc, got = fk.poll(srv.pop3s, "implicit", keep=True)
    check(rc == 0 and same(got, [new]), "keep 3: only the new message "
          "(status %d, %d fetched)" % (rc, len(got)))
    check(len(srv.inbox()) == 3, "keep 3: the server still holds three")
finally:
    srv.stop()
    if gdtest.failures:
        sys.stdout.write("fetchmail's last log:\n%s\nserver:\n%s\n"
                         % (getattr(fm, "log", "")[-3000:],
                            srv.dump()[-3000:]))
finish()
