"""complex: authentication through a real gumdropd — the echo module's
AUTH with PLAIN and LOGIN against the realm-test fixture, advertising with
and without TLS, lockout after N failures (LOCKED-OUT), the auth log
lines, a reload that changes the mechanisms, and gumdropctl auth test."""
import base64
import os
import signal
import socket
import ssl
import subprocess

from gdtest import (Daemon, GUMDROPCTL, LineClient, TIMEOUT, check, finish,
                    free_port, make_cert, module_dir_with_fixtures)


def b64(s):
    return base64.b64encode(s.encode()).decode()


def plain(user, password, authzid=""):
    return "AUTH PLAIN " + b64(f"{authzid}\0{user}\0{password}")


CONFIG = """
workers: 2
modules:
  load: [echo, sasl-plain, sasl-login, realm-test]
realm-test: {{cost: 1}}
tls:
  certificates: [{{cert: {cert}, key: {key}}}]
listeners:
  - name: clear
    address: "127.0.0.1:{p1}"
    protocol: echo
    sasl:
      realm: test
      mechanisms: [{mechs}]
      plaintext-without-tls: true
      max-auth-failures: 3
      failure-delay: 0
  - name: strict
    address: "127.0.0.1:{p2}"
    protocol: echo
    sasl: {{realm: test, mechanisms: [PLAIN, LOGIN]}}
  - name: secure
    address: "127.0.0.1:{p3}"
    protocol: echo
    tls: implicit
    sasl: {{realm: test, mechanisms: [PLAIN, LOGIN]}}
"""

mods = module_dir_with_fixtures("realm-test")
p1, p2, p3 = free_port(), free_port(), free_port()
d = Daemon("", modules=mods)
cert, key = make_cert(d.tmp)


def write_config(mechs):
    with open(d.config, "w") as f:
        f.write(CONFIG.format(cert=cert, key=key, p1=p1, p2=p2, p3=p3,
                              mechs=mechs))


def connect(port):
    c = LineClient.tcp("127.0.0.1", port)
    c.line()
    return c


write_config("PLAIN, LOGIN")
d.start()
try:
    c = connect(p1)
    check(c.cmd("CAPA") == "+OK SASL PLAIN LOGIN", "CAPA lists mechanisms")
    check(c.cmd(plain("alice", "alice-pw")) == "+OK authenticated as alice",
          "AUTH PLAIN with the right password")
    check(c.cmd("NOOP") == "+OK", "NOOP after AUTH")
    c.close()

    c = connect(p1)
    check(c.cmd("AUTH LOGIN") == "+ " + b64("Username:"), "LOGIN asks user")
    check(c.cmd(b64("bob")) == "+ " + b64("Password:"), "then password")
    check(c.cmd(b64("bob-pw")) == "+OK authenticated as bob", "LOGIN ok")
    c.close()

    c = connect(p1)
    check(c.cmd("AUTH PLAIN") == "+ ", "PLAIN without IR: empty challenge")
    check(c.cmd("*").startswith("-ERR [CANCELLED]"), "* cancels")
    c.close()

    # Not TLS, plaintext not allowed: PLAIN/LOGIN hidden and refused.
    c = connect(p2)
    check(c.cmd("CAPA") == "+OK SASL", "no plaintext mechanisms without TLS")
    check(c.cmd(plain("alice", "alice-pw")).startswith(
        "-ERR [ENCRYPTION-REQUIRED]"), "PLAIN refused without TLS")
    c.close()

    # Over TLS they are offered.
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    raw = socket.create_connection(("127.0.0.1", p3), timeout=TIMEOUT)
    c = LineClient(ctx.wrap_socket(raw, server_hostname="localhost"))
    c.line()
    check(c.cmd("CAPA") == "+OK SASL PLAIN LOGIN", "TLS: PLAIN offered")
    check(c.cmd(plain("alice", "alice-pw")) == "+OK authenticated as alice",
          "TLS: AUTH PLAIN")
    c.close()

    # Lockout: three failures from 127.0.0.1, then even the right
    # password is refused with LOCKED-OUT, on a new connection too.
    start = d.log_count()
    c = connect(p1)
    replies = [c.cmd(plain("bob", "wrong")) for _ in range(3)]
    check(all(r == "-ERR [BAD-CREDENTIALS] authentication failed"
              for r in replies), "three failures answered the same")
    unknown = connect(p2)
    c.close()
    c = connect(p1)
    r = c.cmd(plain("alice", "alice-pw"))
    check(r is not None and r.startswith("-ERR [LOCKED-OUT]"),
          "LOCKED-OUT after max-auth-failures: %r" % r)
    c.close()
    unknown.close()
    check(d.wait_log("event=auth.failure", start=start) and
          d.wait_log("user=bob client=127.0.0.1 reason=bad-credentials",
                     start=start), "auth.failure logged with user, client")
    check(d.wait_log("event=auth.success") and
          d.wait_log("mechanism=PLAIN user=alice client=127.0.0.1 reason=ok"),
          "auth.success logged")
    check(not d.wait_log("alice-pw", timeout=0.2), "no password in the log")

    # Reload: the listener's mechanisms change for new connections.
    start = d.log_count()
    write_config("LOGIN")
    d.signal(signal.SIGHUP)
    check(d.wait_log("event=daemon.reload result=ok", start=start),
          "reload accepted")
    c = connect(p1)
    check(c.cmd("CAPA") == "+OK SASL LOGIN", "reload changed mechanisms")
    c.close()

    # A reload naming an unknown mechanism is refused with FILE:LINE.
    start = d.log_count()
    write_config("LOGIN, NOPE")
    d.signal(signal.SIGHUP)
    check(d.wait_log("result=refused", start=start) and
          d.wait_log("unknown mechanism 'NOPE'", start=start),
          "bad reload refused")
finally:
    status = d.stop()
check(status == 0, "clean exit")

# gumdropd -t reports an unknown realm with the file and line.
write_config("PLAIN")
with open(d.config) as f:
    text = f.read().replace("realm: test\n", "realm: nowhere\n", 1)
with open(d.config, "w") as f:
    f.write(text)
r = subprocess.run([d.proc.args[0], "-t", "-c", d.config, "-m", mods],
                   capture_output=True, text=True, timeout=TIMEOUT)
check(r.returncode != 0 and "gumdrop.yaml:" in r.stderr and
      "unknown realm 'nowhere'" in r.stderr,
      "-t: unknown realm named with FILE:LINE: " + r.stderr.strip())

# gumdropctl auth test against the same configuration's realm.
write_config("PLAIN")


def ctl(*args, stdin=None):
    return subprocess.run([GUMDROPCTL, "-c", d.config, "-m", mods, "auth",
                           "test"] + list(args), input=stdin,
                          capture_output=True, text=True, timeout=TIMEOUT)


r = ctl("alice", "alice-pw")
check(r.returncode == 0 and r.stdout == "ok\n", "auth test: ok")
r = ctl("alice", "nope")
check(r.returncode == 77 and r.stdout == "failed\n", "auth test: wrong")
r2 = ctl("nobody", "nope")
check(r2.returncode == 77 and r2.stdout == r.stdout,
      "auth test: unknown user looks the same")
r = ctl("bob", stdin="bob-pw\n")
check(r.returncode == 0 and r.stdout == "ok\n", "auth test: from stdin")
r = ctl("-r", "nowhere", "bob", "x")
check(r.returncode == 78, "auth test: unknown realm is a config error")
finish()
