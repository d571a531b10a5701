"""Helpers for the maildir interop tests: a gumdrop session on a Maildir
(tests/integration/maildir-driver, a small C program on the maildir
backend, driven line by line), and a private Dovecot instance on a free
loopback port serving the same Maildir over IMAP."""
import os
import pwd
import grp
import shutil
import socket
import subprocess
import time

import gdtest

DRIVER = os.path.join(gdtest.BUILDDIR, "tests", "integration",
                      "maildir-driver")
MODULE_DIR = os.path.join(gdtest.BUILDDIR, "modules", "maildir", ".libs")


class Driver:
    """One maildir-driver process: a store of `user` under `template`."""

    def __init__(self, template, user):
        self.p = subprocess.Popen([DRIVER, MODULE_DIR, template, user],
                                  stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        line = self.p.stdout.readline().strip()
        if line != "ready":
            raise RuntimeError("driver did not start: %r" % line)

    def cmd(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        out = []
        while True:
            ans = self.p.stdout.readline()
            if ans == "":
                raise RuntimeError("driver died on %r" % line)
            ans = ans.rstrip("\n")
            if ans.startswith("msg "):
                out.append(ans.split(" ")[1:])
                continue
            return ans, out

    def ok(self, line):
        ans, out = self.cmd(line)
        if not ans.startswith("ok"):
            raise RuntimeError("%s: %s" % (line, ans))
        return ans.split(" ")[1:], out

    def close(self):
        try:
            self.cmd("quit")
        except (RuntimeError, BrokenPipeError):
            pass
        try:
            self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def require(program):
    """Peers must be installed (CI installs them): fail, do not skip."""
    path = shutil.which(program) or shutil.which(program, path="/usr/sbin")
    if path is None:
        gdtest.check(False, "%s is installed (scripts/lib.sh GD_PACKAGES)"
                     % program)
        gdtest.finish()
    return path


class Dovecot:
    """A throw-away Dovecot (IMAP only, no TLS) on 127.0.0.1:port."""

    def __init__(self, work, maildir_root, user, password):
        self.work = work
        self.port = gdtest.free_port()
        self.binary = require("dovecot")
        me = pwd.getpwuid(os.getuid())
        group = grp.getgrgid(os.getgid()).gr_name
        for sub in ("run", "state", "home"):
            os.makedirs(os.path.join(work, sub), exist_ok=True)
        with open(os.path.join(work, "passwd"), "w") as f:
            # No uid/gid here: mail_uid/mail_gid say (root included).
            f.write("%s:{PLAIN}%s:::::\n" % (user, password))
        conf = os.path.join(work, "dovecot.conf")
        values = {"work": work, "root": maildir_root, "port": self.port,
                  "user": me.pw_name, "group": group, "uid": os.getuid(),
                  "gid": os.getgid()}
        if os.getuid() == 0:
            # Dovecot refuses to run its login and internal processes as
            # root: use its own users (the package makes them), which
            # must read the configuration and the passwd file.
            values["login"] = first_user("dovenull", "nobody")
            values["internal"] = first_user("dovecot", "nobody")
            # Dovecot never touches mail as root: hand the Maildir to an
            # unprivileged user for the test (root still reads it).
            mail_user = pwd.getpwnam(first_user("nobody", "daemon"))
            values["uid"], values["gid"] = mail_user.pw_uid, \
                mail_user.pw_gid
            chown_tree(maildir_root, mail_user.pw_uid, mail_user.pw_gid)
            os.chmod(os.path.join(work, "home"), 0o777)
            for d in (os.path.dirname(work), work):
                os.chmod(d, 0o755)
            text = DOVECOT_CONF_ROOT % values
        else:
            text = DOVECOT_CONF_USER % values
        with open(conf, "w") as f:
            f.write(DOVECOT_CONF % values + text)
        os.chmod(os.path.join(work, "passwd"), 0o644)
        self.conf = conf
        self.log = os.path.join(work, "dovecot.log")
        self.p = subprocess.Popen([self.binary, "-F", "-c", conf],
                                  stdout=subprocess.DEVNULL,
                                  stderr=open(self.log + ".stderr", "w"))
        deadline = time.time() + gdtest.TIMEOUT
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port),
                                         timeout=1).close()
                return
            except OSError:
                if self.p.poll() is not None:
                    break
                time.sleep(0.1)
        raise RuntimeError("dovecot did not start: %s" % self.logs())

    def logs(self):
        text = ""
        for name in (self.log, self.log + ".stderr"):
            if os.path.exists(name):
                with open(name) as f:
                    text += f.read()[-2000:]
        return text

    def stop(self):
        self.p.terminate()
        try:
            self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def chown_tree(top, uid, gid):
    for path, dirs, files in os.walk(top):
        os.chown(path, uid, gid)
        for name in files:
            os.chown(os.path.join(path, name), uid, gid)
    d = os.path.dirname(top)
    while d not in ("/", ""):
        mode = os.stat(d).st_mode
        os.chmod(d, mode | 0o711)	# let the mail user reach it
        d = os.path.dirname(d)


def first_user(*names):
    for name in names:
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            pass
    raise RuntimeError("none of the users %r exists" % (names,))


# Runs as root (CI) and as an ordinary user (then every service runs as
# that user); nothing is chrooted.
DOVECOT_CONF = """
base_dir = %(work)s/run
state_dir = %(work)s/state
log_path = %(work)s/dovecot.log
info_log_path = %(work)s/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 0
first_valid_gid = 0
mail_location = maildir:%(root)s
mail_uid = %(uid)d
mail_gid = %(gid)d
mail_home = %(work)s/home
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u %(work)s/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%%u %(work)s/passwd
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = %(port)d
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
"""

DOVECOT_CONF_USER = """
default_internal_user = %(user)s
default_internal_group = %(group)s
default_login_user = %(user)s
service auth {
  user = %(user)s
}
service auth-worker {
  user = %(user)s
}
service imap {
  user = %(user)s
}
"""

DOVECOT_CONF_ROOT = """
default_internal_user = %(internal)s
default_login_user = %(login)s
service auth-worker {
  user = root
}
"""
