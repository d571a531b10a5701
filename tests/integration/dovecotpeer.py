"""A throw-away Dovecot (Debian's dovecot-pop3d / dovecot-imapd) on free
loopback ports, serving one user's Maildir: the reference server of
scripts/bench-pop3 and scripts/bench-imap, and the reference peer of the
POP3 and IMAP client tests (POP3_TEST_PEER=dovecot, IMAP_TEST_PEER=dovecot
run their client checks against it, to show the checks themselves are
right).

    with DovecotPeer(work, maildir, "bench", "bench", protocols=("imap",),
                     cert=..., key=...) as d:
        d.ports["imap"], d.ports["imaps"]   # IMAPS only with cert/key
        d.restart()                           # same config, new processes

`extra` is more dovecot.conf text (SPECIAL_USE: the special-use folders
gumdrop's imap module makes, made the same way).
Everything lives under `work` (base_dir, state, logs, passwd-file,
home); the user comes from a passwd-file (passdb) and a static userdb
pointing at `maildir` (Maildir++ layout: folders are ".Name" beside
cur/new/tmp, separator "."; Dovecot's index files live in the Maildir,
its default).  Run as root, Dovecot touches mail only as an unprivileged
user: the Maildir is handed to `nobody` (root still reads it).  Login
processes serve many connections each (service_count = 0, Dovecot's
"high-performance" mode) so a session pays no fork for its login process;
the pop3 / imap process of a session is still Dovecot's usual one.
tests/integration/dovecotpop3.py keeps the POP3 users' old interface."""
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
protocols = %(protocols)s
listen = 127.0.0.1
disable_plaintext_auth = no
auth_mechanisms = plain login apop
first_valid_uid = 0
first_valid_gid = 0
default_internal_user = %(internal)s
default_login_user = %(login)s
pop3_uidl_format = %%08Xv%%08Xu
mail_max_userip_connections = 100
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u %(work)s/passwd
}
userdb {
  driver = static
  args = uid=%(uid)d gid=%(gid)d home=%(work)s/home mail=maildir:%(root)s
}
service anvil {
  chroot =
}
service auth-worker {
  user = root
}
"""
# One login service per protocol: the plain and the TLS listener.
SERVICE = """
service %(proto)s-login {
  chroot =
  service_count = 0
  inet_listener %(proto)s {
    address = 127.0.0.1
    port = %(port)d
  }
  inet_listener %(proto)ss {
    address = 127.0.0.1
    port = %(tls_port)d
    ssl = %(ssl)s
  }
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
# The special-use folders of gumdrop's imap module (its `special-use:`
# default), created at login with their attributes, as it does.
SPECIAL_USE = """
namespace inbox {
  inbox = yes
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
  mailbox Junk {
    special_use = \\Junk
    auto = subscribe
  }
  mailbox Archive {
    special_use = \\Archive
    auto = subscribe
  }
}
"""
# Dovecot's own programs for each protocol (the Debian package's).
PROGRAMS = {"pop3": "/usr/lib/dovecot/pop3",
            "imap": "/usr/lib/dovecot/imap"}
PACKAGES = {"pop3": "dovecot-pop3d", "imap": "dovecot-imapd"}


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


def mail_user():
    """The unprivileged owner of the Maildir Dovecot serves."""
    return first_user("nobody", "daemon")


def chown_tree(top, uid, gid):
    for path, dirs, files in os.walk(top):
        os.chown(path, uid, gid)
        for name in files:
            os.chown(os.path.join(path, name), uid, gid)


class DovecotPeer:
    def __init__(self, work, maildir, user, password, cert=None, key=None,
                 protocols=("pop3",), extra=""):
        for proto in protocols:
            if binary() is None or not os.path.exists(PROGRAMS[proto]):
                raise RuntimeError("%s is not installed (scripts/lib.sh "
                                   "GD_PACKAGES)" % PACKAGES[proto])
        if os.getuid() != 0:
            raise RuntimeError("the private Dovecot needs root")
        self.work, self.maildir, self.p = work, maildir, None
        self.ports = {}
        for proto in protocols:
            self.ports[proto] = gdtest.free_port()
            self.ports[proto + "s"] = gdtest.free_port() if cert else 0
        for sub in ("run", "state", "home"):
            os.makedirs(os.path.join(work, sub), exist_ok=True)
        owner = mail_user()
        self.uid, self.gid = owner.pw_uid, owner.pw_gid
        values = {"work": work, "root": maildir,
                  "protocols": " ".join(protocols),
                  "uid": owner.pw_uid, "gid": owner.pw_gid,
                  "login": first_user("dovenull", "nobody").pw_name,
                  "internal": first_user("dovecot", "nobody").pw_name,
                  "cert": cert, "key": key}
        with open(os.path.join(work, "passwd"), "w") as f:
            f.write("%s:{PLAIN}%s:::::\n" % (user, password))
        os.chmod(os.path.join(work, "passwd"), 0o644)
        self.own_maildir()
        os.chown(os.path.join(work, "home"), owner.pw_uid, owner.pw_gid)
        d = work
        while d not in ("/", ""):
            os.chmod(d, os.stat(d).st_mode | 0o711)
            d = os.path.dirname(d)
        text = CONF % values + (SSL_ON if cert else SSL_OFF) % values + \
            extra
        for proto in protocols:
            text += SERVICE % {"proto": proto, "port": self.ports[proto],
                               "tls_port": self.ports[proto + "s"],
                               "ssl": "yes" if cert else "no"}
        self.conf = os.path.join(work, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write(text)
        self.log = os.path.join(work, "dovecot.log")
        self.start()

    def own_maildir(self):
        """Hand the Maildir (as it is now) to Dovecot's mail user: call
        after putting files into it as root."""
        chown_tree(self.maildir, self.uid, self.gid)

    def start(self):
        self.p = subprocess.Popen([binary(), "-F", "-c", self.conf],
                                  stdout=subprocess.DEVNULL,
                                  stderr=open(self.log + ".stderr", "a"))
        for port in self.ports.values():
            if port:
                self.wait_port(port)

    def restart(self):
        self.stop()
        self.start()

    # The pre-generalisation names: chown_tree as a method.
    chown_tree = staticmethod(chown_tree)

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
        if self.p is not None and self.p.poll() is None:
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
