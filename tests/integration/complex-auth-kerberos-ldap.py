"""complex: Kerberos and LDAP through a real gumdropd — users in a real
slapd (realm-ldap, search-then-bind) logging in with PLAIN, and with
GSSAPI against a real MIT KDC (sasl-gssapi) driven by GNU SASL's command-
line client; gumdropctl auth test against the LDAP realm; configuration
errors of both modules named with FILE:LINE by gumdropd -t.

The KDC and slapd come from krb5-kdc.sh and slapd.sh, in a temporary
folder, on loopback; both are stopped at the end."""
import base64
import os
import select
import subprocess
import shutil
import time

from gdtest import (Daemon, GUMDROPCTL, MODULES, LineClient, SRCDIR,
                    TIMEOUT, check, finish, free_port, run_gumdropd)

HELPERS = os.path.join(SRCDIR, "tests", "integration")

CONFIG = """
workers: 2
modules:
  load: [echo, sasl-plain, sasl-gssapi, realm-ldap]
realm-ldap:
  uri: "{uri}"
  bind-dn: "cn=gumdrop,dc=example,dc=test"
  bind-password-file: {pwfile}
  base: "dc=example,dc=test"
  attributes: {{mail: gumdropMailLocation}}
  pool-size: 2
  timeout: 5s
sasl-gssapi:
  keytab: {keytab}
  realm: EXAMPLE.TEST
listeners:
  - name: echo
    address: "127.0.0.1:{port}"
    protocol: echo
    sasl:
      realm: ldap
      mechanisms: [GSSAPI, PLAIN]
      plaintext-without-tls: true
      service: smtp
      hostname: localhost
      failure-delay: 0
"""


def b64(s):
    return base64.b64encode(s.encode()).decode()


def plain(user, password):
    return "AUTH PLAIN " + b64(f"\0{user}\0{password}")


def helper(script, *args):
    """Run a helper; its NAME=VALUE lines as a dict."""
    r = subprocess.run(["bash", os.path.join(HELPERS, script)] + list(args),
                       capture_output=True, text=True, timeout=180)
    if r.returncode != 0:
        raise RuntimeError(f"{script} {args}: {r.stderr}")
    return dict(l.split("=", 1) for l in r.stdout.splitlines() if "=" in l)


class Gsasl:
    """GNU SASL's command-line client: it prints the mechanism, then each
    client message as a base64 line, and reads each challenge as one.
    Every read is bounded by TIMEOUT (None: gsasl said nothing more)."""

    def __init__(self, env):
        # stdbuf: gsasl writes to a pipe through stdio, block-buffered.
        self.p = subprocess.Popen(["stdbuf", "-oL", "gsasl", "--client",
                                   "--mechanism=GSSAPI", "--service=smtp",
                                   "--hostname=localhost", "--quiet"],
                                  stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, env=env)
        self.buf = b""

    def line(self):
        end = time.monotonic() + TIMEOUT
        while b"\n" not in self.buf:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.p.stdout], [], [],
                                              left)[0]:
                return None
            data = os.read(self.p.stdout.fileno(), 4096)
            if not data:
                return None
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode().strip()

    def send(self, challenge):
        """False when gsasl has gone (it failed on its side)."""
        try:
            self.p.stdin.write(challenge.encode() + b"\n")
            self.p.stdin.flush()
            return True
        except BrokenPipeError:
            return False

    def close(self):
        self.p.kill()
        self.p.wait(TIMEOUT)


def gsasl_login(port, env):
    """GSSAPI with the gsasl client, bridged to the echo AUTH protocol.
    Returns the server's last line; a client that has nothing more to
    say cancels with "*"."""
    c = LineClient.tcp("127.0.0.1", port)
    c.line()
    g = Gsasl(env)
    try:
        g.line()                                # "GSSAPI"
        token = g.line()
        reply = c.cmd("AUTH GSSAPI " + (token or "="))
        for _ in range(8):
            if reply is None or not (reply == "+" or
                                     reply.startswith("+ ")):
                break
            token = g.line() if g.send(reply[2:]) else None
            reply = c.cmd("*" if token is None else token)
        return reply
    finally:
        g.close()
        c.close()


d = Daemon("")
kdc_dir = os.path.join(d.tmp, "kdc")
ldap_dir = os.path.join(d.tmp, "ldap")
port = free_port()
try:
    kdc = helper("krb5-kdc.sh", "start", kdc_dir)
    ldap = helper("slapd.sh", "start", ldap_dir)
    # gumdropd accepts tickets with the test realm's settings, never the
    # system's /etc/krb5.conf; the client uses alice's ticket cache.
    os.environ["KRB5_CONFIG"] = kdc["KRB5_CONFIG"]
    os.environ["KRB5RCACHEDIR"] = kdc_dir
    client_env = dict(os.environ, KRB5CCNAME=kdc["KRB5CCNAME"])
    keytab = kdc["KRB5_KTNAME"].split(":", 1)[1]
    with open(d.config, "w") as f:
        f.write(CONFIG.format(uri=ldap["LDAP_URI"],
                              pwfile=ldap["LDAP_SERVICE_PW"],
                              keytab=keytab, port=port))
    d.start()
    try:
        c = LineClient.tcp("127.0.0.1", port)
        c.line()
        check(c.cmd("CAPA") == "+OK SASL GSSAPI PLAIN", "CAPA lists both")
        check(c.cmd(plain("alice", "alice-pw")) ==
              "+OK authenticated as alice", "PLAIN: an LDAP user")
        c.close()
        c = LineClient.tcp("127.0.0.1", port)
        c.line()
        wrong = c.cmd(plain("alice", "wrong"))
        unknown = c.cmd(plain("nobody", "wrong"))
        check(wrong == "-ERR [BAD-CREDENTIALS] authentication failed",
              "PLAIN: wrong password")
        check(unknown == wrong, "PLAIN: unknown user, the same reply")
        check(c.cmd(plain("*)(uid=alice", "alice-pw")) == wrong,
              "PLAIN: a filter injection finds nobody")
        c.close()
        r = gsasl_login(port, client_env)
        check(r == "+OK authenticated as alice",
              "GSSAPI: alice@EXAMPLE.TEST with gsasl: %r" % r)
        check(d.wait_log("mechanism=GSSAPI user=alice client=127.0.0.1 "
                         "reason=ok"), "GSSAPI success logged")
        nocache = dict(client_env, KRB5CCNAME="FILE:" +
                       os.path.join(kdc_dir, "ccache-none"))
        r = gsasl_login(port, nocache)
        check(r is not None and r.startswith("-ERR"),
              "GSSAPI without a ticket fails: %r" % r)
        c = LineClient.tcp("127.0.0.1", port)
        c.line()
        r = c.cmd("AUTH GSSAPI " + b64("\x60\x82 not a Kerberos token"))
        check(r is not None and r.startswith("-ERR"),
              "GSSAPI: a forged token is refused: %r" % r)
        c.close()
    finally:
        status = d.stop()
    check(status == 0, "clean exit")

    def ctl(*args):
        return subprocess.run([GUMDROPCTL, "-c", d.config, "-m", MODULES,
                               "auth", "test"] + list(args),
                              capture_output=True, text=True,
                              timeout=TIMEOUT)

    r = ctl("alice", "alice-pw")
    check(r.returncode == 0 and r.stdout == "ok\n", "auth test: LDAP ok")
    r = ctl("alice", "nope")
    r2 = ctl("nobody", "nope")
    check(r.returncode == 77 and r2.returncode == 77 and
          r.stdout == r2.stdout == "failed\n",
          "auth test: wrong password and unknown user alike")

    # Configuration errors name the file and line.
    with open(d.config) as f:
        good = f.read()
    for bad, want in (
            (good.replace('  base: "dc=example,dc=test"\n', ""),
             "needs 'uri', and 'user-dn'"),
            (good.replace("uid=%u", "uid=%q").replace(
                '  base: "dc=example,dc=test"\n',
                '  user-dn: "uid=%q,dc=example,dc=test"\n'),
             "key 'user-dn': unknown % sequence"),
            (good.replace("keytab: " + keytab, "keytab: /nonexistent"),
             "key 'keytab': cannot read keytab '/nonexistent'"),
            (good.replace("realm: EXAMPLE.TEST",
                          "principal-map: {alice: bob}"),
             "expected a principal NAME@REALM")):
        with open(d.config, "w") as f:
            f.write(bad)
        r = run_gumdropd(["-t", "-c", d.config])
        check(r.returncode != 0 and "gumdrop.yaml:" in r.stderr and
              want in r.stderr, "-t: %s: %s" % (want, r.stderr.strip()))
finally:
    subprocess.run(["bash", os.path.join(HELPERS, "krb5-kdc.sh"), "stop",
                    kdc_dir], timeout=60)
    subprocess.run(["bash", os.path.join(HELPERS, "slapd.sh"), "stop",
                    ldap_dir], timeout=60)
    shutil.rmtree(d.tmp, ignore_errors=True)
finish()
