"""Shared by the complex-mbox-*.py interop tests: a store configured for
the mbox backend in a temporary folder, and the programs that act on it
(gumdropctl from the build tree, tests/integration/mbox-helper).
Everything is bounded in time; nothing touches the network."""
import os
import shutil
import subprocess
import tempfile

from gdtest import BUILDDIR, MODULES, TIMEOUT

GUMDROPCTL = os.path.join(BUILDDIR, "core", "gumdropctl")
HELPER = os.path.join(BUILDDIR, "tests", "integration", "mbox-helper")


def need(program, package):
    """Peers must be installed (CI installs them): fail, do not skip."""
    path = shutil.which(program)
    if path is None:
        raise SystemExit("FAIL - %s not found: install the Debian package "
                         "%s (scripts/lib.sh GD_PACKAGES)" % (program,
                                                             package))
    return path


class Store:
    def __init__(self, user="alice", extra=""):
        self.tmp = tempfile.mkdtemp(prefix="gdmbox-")
        self.user = user
        self.config = os.path.join(self.tmp, "gumdrop.yaml")
        with open(self.config, "w") as f:
            f.write('modules: {path: "%s", load: [mbox]}\n'
                    'mbox:\n  path: "%s/mail/%%u"\n  fsync: false\n'
                    '  lock-timeout: 2s\n  create-special-use: false\n%s'
                    % (MODULES, self.tmp, extra))
        self.root = os.path.join(self.tmp, "mail", user)

    def path(self, mailbox="INBOX"):
        return os.path.join(self.root, mailbox + ".mbox")

    def ctl(self, *args, data=None):
        return subprocess.run([GUMDROPCTL, "-c", self.config] + list(args),
                              input=data, capture_output=True,
                              timeout=TIMEOUT)

    def deliver(self, message, mailbox="INBOX", sender="bob@example.org"):
        r = self.ctl("deliver", "-u", self.user, "-m", mailbox, "-f",
                     sender, data=message)
        if r.returncode != 0:
            raise AssertionError("deliver: %s" % r.stderr.decode())
        return r

    def fetch(self, uid, mailbox="INBOX"):
        r = self.ctl("fetch", self.user, mailbox, str(uid))
        if r.returncode != 0:
            raise AssertionError("fetch %d: %s" % (uid, r.stderr.decode()))
        return r.stdout

    def helper(self, *args, mailbox="INBOX"):
        return subprocess.run([HELPER, self.config, self.user, mailbox] +
                              list(args), capture_output=True, text=True,
                              timeout=TIMEOUT)

    def listing(self, mailbox="INBOX"):
        """[(uid, flags, size)], uidnext from mbox-helper list."""
        r = self.helper("list", mailbox=mailbox)
        if r.returncode != 0:
            raise AssertionError("list: %s" % r.stderr)
        msgs, uidnext = [], None
        for line in r.stdout.splitlines():
            w = line.split()
            if w[0] == "uidnext":
                uidnext = int(w[1])
            else:
                msgs.append((int(w[0]), w[1], int(w[2])))
        return msgs, uidnext

    def flags(self, uid, change, *keywords, mailbox="INBOX"):
        r = self.helper("flags", str(uid), change, *keywords,
                        mailbox=mailbox)
        if r.returncode != 0:
            raise AssertionError("flags: %s" % r.stderr)

    def cleanup(self):
        shutil.rmtree(self.tmp, ignore_errors=True)
