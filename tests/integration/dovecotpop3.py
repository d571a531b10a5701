"""A throw-away Dovecot POP3 server (Debian's dovecot-pop3d) on a free
loopback port, serving one user's Maildir: scripts/bench-pop3's reference
server, and the POP3 client tests' reference peer (POP3_TEST_PEER=dovecot
runs their client checks against it, to show the checks themselves are
right).

    with DovecotPop3(work, maildir, "bench", "bench", cert=..., key=...) as d:
        d.port, d.tls_port        # POP3, and POP3S when cert/key are given

Everything lives under `work` (base_dir, state, logs, passwd-file); the
user comes from a passwd-file (passdb) and a static userdb pointing at
`maildir`.  Run as root, Dovecot touches mail only as an unprivileged
user: the Maildir is handed to `nobody` (root still reads it).  Login
processes serve many connections each (service_count = 0, Dovecot's
"high-performance" mode) so a session pays no fork for its login
process; the pop3 process of a session is still Dovecot's usual one."""
import os
import pwd
import shutil
import socket
import subprocess
import time

import gdtest

CONF = """
base_dir = %(work)s/run
state_dir = %(work)s/state
log_path = %(work)s/dovecot.log
info_log_path = %(work)s/dovecot.log
protocols = pop3
listen = 127.0.0.1
disable_plaintext_auth = no
auth_mechanisms = plain login apop
first_valid_uid = 0
first_valid_gid = 0
default_internal_user = %(internal)s
default_login_user = %(login)s
pop3_uidl_format = %%08Xv%%08Xu
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u %(work)s/passwd
}
userdb {
  driver = static
  args = uid=%(uid)d gid=%(gid)d home=%(work)s/home mail=maildir:%(root)s
}
service pop3-login {
  chroot =
  service_count = 0
  inet_listener pop3 {
    address = 127.0.0.1
    port = %(port)d
  }
  inet_listener pop3s {
    address = 127.0.0.1
    port = %(tls_port)d
    ssl = %(pop3s)s
  }
}
service anvil {
  chroot =
}
service auth-worker {
  user = root
}
"""
SSL_ON = """
ssl = yes
ssl_cert = <%(cert)s
ssl_key = <%(key)s
"""
SSL_OFF = """
ssl = no
"""


def first_user(*names):
    for name in names:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            pass
    raise RuntimeError("none of the users %r exists" % (names,))


def binary():
    return shutil.which("dovecot") or shutil.which("dovecot",
                                                   path="/usr/sbin")


class DovecotPop3:
    def __init__(self, work, maildir, user, password, cert=None, key=None):
        if binary() is None or \
                not os.path.exists("/usr/lib/dovecot/pop3"):
            raise RuntimeError("dovecot-pop3d is not installed "
                               "(scripts/lib.sh GD_PACKAGES)")
        if os.getuid() != 0:
            raise RuntimeError("the private Dovecot needs root")
        self.work = work
        self.port = gdtest.free_port()
        self.tls_port = gdtest.free_port() if cert else 0
        for sub in ("run", "state", "home"):
            os.makedirs(os.path.join(work, sub), exist_ok=True)
        mail_user = first_user("nobody", "daemon")
        values = {"work": work, "root": maildir, "port": self.port,
                  "tls_port": self.tls_port,
                  "pop3s": "yes" if cert else "no",
                  "uid": mail_user.pw_uid, "gid": mail_user.pw_gid,
                  "login": first_user("dovenull", "nobody").pw_name,
                  "internal": first_user("dovecot", "nobody").pw_name,
                  "cert": cert, "key": key}
        with open(os.path.join(work, "passwd"), "w") as f:
            f.write("%s:{PLAIN}%s:::::\n" % (user, password))
        os.chmod(os.path.join(work, "passwd"), 0o644)
        self.chown_tree(maildir, mail_user.pw_uid, mail_user.pw_gid)
        os.chown(os.path.join(work, "home"), mail_user.pw_uid,
                 mail_user.pw_gid)
        d = work
        while d not in ("/", ""):
            os.chmod(d, os.stat(d).st_mode | 0o711)
            d = os.path.dirname(d)
        self.conf = os.path.join(work, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write(CONF % values + (SSL_ON if cert else SSL_OFF) % values)
        self.log = os.path.join(work, "dovecot.log")
        self.p = subprocess.Popen([binary(), "-F", "-c", self.conf],
                                  stdout=subprocess.DEVNULL,
                                  stderr=open(self.log + ".stderr", "w"))
        self.wait_port(self.port)
        if cert:
            self.wait_port(self.tls_port)

    @staticmethod
    def chown_tree(top, uid, gid):
        for path, dirs, files in os.walk(top):
            os.chown(path, uid, gid)
            for name in files:
                os.chown(os.path.join(path, name), uid, gid)

    def wait_port(self, port):
        deadline = time.monotonic() + gdtest.TIMEOUT
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                return
            except OSError:
                if self.p.poll() is not None:
                    break
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("dovecot did not start: %s" % self.logs())

    def logs(self):
        text = ""
        for name in (self.log, self.log + ".stderr"):
            if os.path.exists(name):
                with open(name) as f:
                    text += f.read()[-2000:]
        return text

    def pid(self):
        return self.p.pid

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
