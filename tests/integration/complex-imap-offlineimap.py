"""complex: offlineimap3 syncs a mailbox tree both ways with the IMAP
server (issue 9), over implicit TLS (ssl = yes on the imaps listener, our
self-signed certificate as sslcacertfile; remotehost is "localhost",
the certificate's name: offlineimap's own check ignores its IP address
names).  The scenario and what it
asserts are tests/integration/imap_sync.py's: after the first sync both
sides hold the union of two different trees (INBOX, Work, Work/Old on the
server; INBOX, Lists locally: created on the other side as needed), the
same messages with the same bytes (line ends aside: no X-OfflineIMAP
field may be needed, the server has UIDPLUS); a flag, a deletion and new
messages made on each side cross over on the second sync; a third sync
changes no message on either side.  The local store is a Maildir tree
(sep = /: "Work/Old" is local/Work/Old).  IMAP_TEST_PEER=dovecot runs
the same checks against Dovecot (tests/integration/README-imap.md)."""
import os
import subprocess
import sys
import tempfile

from gdtest import check, finish
from imap_sync import two_way_sync
from imap_util import PASSWORD, USER, require, server

OFFLINEIMAP = require("offlineimap")

tmp = tempfile.mkdtemp(prefix="gdtest-imap-offlineimap-")
srv = server(tmp)
local = os.path.join(tmp, "local")
meta = os.path.join(tmp, "offlineimap-meta")
os.makedirs(local)
rc_file = os.path.join(tmp, "offlineimaprc")
with open(rc_file, "w") as f:
    f.write(f"""[general]
accounts = tree
metadata = {meta}
ui = basic
maxsyncaccounts = 1

[Account tree]
localrepository = near
remoterepository = far

[Repository near]
type = Maildir
localfolders = {local}
sep = /

[Repository far]
type = IMAP
remotehost = localhost
remoteport = {srv.imaps}
remoteuser = {USER}
remotepass = {PASSWORD}
ssl = yes
sslcacertfile = {srv.cafile}
auth_mechanisms = LOGIN
createfolders = True
timeout = 15
maxconnections = 1
""")


def local_dir(folder):
    return os.path.join(local, folder)


def run():
    r = subprocess.run([OFFLINEIMAP, "-c", rc_file, "-o", "-u", "basic"],
                       capture_output=True, timeout=120,
                       env=dict(os.environ, HOME=tmp))
    out = (r.stdout + r.stderr).decode(errors="replace")
    # offlineimap exits 0 after some errors: they count as failures.
    return (r.returncode or ("ERROR" in out)), out


try:
    two_way_sync(srv, tmp, run, local_dir, state_dirs=(meta,))
except Exception as e:  # a client or protocol failure is a test failure
    check(False, "the sync scenario ran to its end (%r)" % e)
finally:
    srv.stop()
    if "-v" in sys.argv:
        print(srv.dump())
finish()
