"""complex: realm-file in a real gumdropd — PLAIN against a SCRAM-SHA-256
entry made by gumdropctl pw, CRAM-MD5 with Python's own HMAC-MD5 against
a {PLAIN} entry, the users file replaced on disk while the daemon runs
(re-read without a signal), a malformed line logged as FILE:LINE, SIGHUP
moving to another file, a SIGHUP to a missing file refused with the users
kept, and no secret in the log."""
import base64
import hmac
import os
import signal
import subprocess
import time

from gdtest import (Daemon, GUMDROPCTL, LineClient, TIMEOUT, check, finish,
                    free_port)


def b64(s):
    return base64.b64encode(s.encode()).decode()


def plain(user, password):
    return "AUTH PLAIN " + b64(f"\0{user}\0{password}")


CONFIG = """
workers: 2
modules:
  load: [echo, sasl-plain, sasl-cram-md5, realm-file]
realm-file:
  path: {users}
  allow-plaintext-secrets: true
listeners:
  - name: clear
    address: "127.0.0.1:{port}"
    protocol: echo
    sasl:
      realm: file
      mechanisms: [PLAIN, CRAM-MD5]
      plaintext-without-tls: true
      hostname: mail.test
      failure-delay: 0
      max-auth-failures: 0
"""

port = free_port()
d = Daemon("")
users = os.path.join(d.tmp, "users")
other = os.path.join(d.tmp, "other-users")


def entry(scheme, password):
    r = subprocess.run([GUMDROPCTL, "pw", "-s", scheme, "-p", password],
                       capture_output=True, text=True, timeout=TIMEOUT)
    return r.stdout.strip()


def write(path, text):
    tmp = path + ".new"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def write_config(path):
    with open(d.config, "w") as f:
        f.write(CONFIG.format(users=path, port=port))


def connect():
    c = LineClient.tcp("127.0.0.1", port)
    c.line()
    return c


def auth(user, password):
    c = connect()
    r = c.cmd(plain(user, password))
    c.close()
    return r


def cram(user, password):
    c = connect()
    r = c.cmd("AUTH CRAM-MD5")
    challenge = base64.b64decode(r[2:]) if r.startswith("+ ") else b""
    digest = hmac.new(password.encode(), challenge, "md5").hexdigest()
    r2 = c.cmd(b64(f"{user} {digest}"))
    c.close()
    return challenge.decode(), r2


def wait_for(user, password, want_ok=True):
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        ok = auth(user, password).startswith("+OK")
        if ok == want_ok:
            return True
        time.sleep(0.05)
    return False


write(users, "demo:%s\ncarol:{PLAIN}carol-pw\n" %
      entry("SCRAM-SHA-256", "demo"))
write_config(users)
d.start()
try:
    check(auth("demo", "demo") == "+OK authenticated as demo",
          "PLAIN against a SCRAM-SHA-256 entry")
    bad = auth("demo", "wrong")
    check(bad == "-ERR [BAD-CREDENTIALS] authentication failed",
          "wrong password")
    check(auth("nobody", "wrong") == bad, "unknown user: the same reply")

    challenge, r = cram("carol", "carol-pw")
    check(challenge.startswith("<") and challenge.endswith("@mail.test>"),
          "CRAM-MD5 challenge names the host: " + challenge)
    check(r == "+OK authenticated as carol", "CRAM-MD5 with a {PLAIN} entry")
    check(cram("carol", "nope")[1] == bad, "CRAM-MD5 wrong password")
    check(cram("demo", "demo")[1] == bad,
          "CRAM-MD5 refused for a hashed password")

    # Replaced on disk: read again, no signal needed.
    start = d.log_count()
    write(users, "demo:%s\ndave:%s\nbroken:{NOPE}x\n" %
          (entry("SCRAM-SHA-256", "demo"), entry("SHA512-CRYPT", "dave-pw")))
    check(wait_for("dave", "dave-pw"), "a replaced file is read again")
    check(not auth("carol", "carol-pw").startswith("+OK"),
          "users removed from the file are gone")
    check(d.wait_log("event=realm.file.line at=%s:3 " % users, start=start),
          "the malformed line is logged as FILE:LINE")

    # SIGHUP onto another file.
    write(other, "erin:%s\n" % entry("PBKDF2", "erin-pw"))
    write_config(other)
    start = d.log_count()
    d.signal(signal.SIGHUP)
    check(d.wait_log("event=daemon.reload result=ok", start=start),
          "reload accepted")
    check(wait_for("erin", "erin-pw"), "SIGHUP: the new path's users")
    check(not auth("dave", "dave-pw").startswith("+OK"),
          "SIGHUP: the old file's users are gone")

    # SIGHUP onto a missing file: refused, the users stay.
    write_config(os.path.join(d.tmp, "missing"))
    start = d.log_count()
    d.signal(signal.SIGHUP)
    check(d.wait_log("result=refused", start=start),
          "reload to a missing users file refused")
    check(auth("erin", "erin-pw").startswith("+OK"), "users kept")

    # The watch follows the new path.
    write(other, "frank:%s\n" % entry("BLF-CRYPT", "frank-pw"))
    check(wait_for("frank", "frank-pw"), "the watch moved with the path")
    check(not d.wait_log("carol-pw", timeout=0.2) and
          not d.wait_log("dave-pw", timeout=0.2), "no secret in the log")
finally:
    status = d.stop()
check(status == 0, "clean exit")
finish()
