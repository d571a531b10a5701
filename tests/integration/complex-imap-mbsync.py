"""complex: isync's mbsync syncs a mailbox tree both ways with the IMAP
server (issue 9), over STARTTLS (SSLType STARTTLS, our self-signed
certificate as CertificateFile, LOGIN).  The scenario and what it asserts
are tests/integration/imap_sync.py's: after the first sync both sides hold
the union of two different trees (INBOX, Work, Work/Old on the server;
INBOX, Lists locally: created on the other side as needed, Create Both),
the same messages with the same bytes (mbsync's X-TUID field in its
copies aside); a flag, a deletion and new
messages made on each side cross over on the second sync (Expunge
Both); a third sync changes no message on either side.  The local store
is a Maildir tree (SubFolders Verbatim: "Work/Old" is local/Work/Old).
IMAP_TEST_PEER=dovecot runs the same checks against Dovecot
(tests/integration/README-imap.md)."""
import os
import subprocess
import sys
import tempfile

from gdtest import check, finish
from imap_sync import two_way_sync
from imap_util import PASSWORD, USER, require, server

MBSYNC = require("mbsync")

tmp = tempfile.mkdtemp(prefix="gdtest-imap-mbsync-")
srv = server(tmp)
local = os.path.join(tmp, "local")
state = os.path.join(tmp, "mbsync-state")
os.makedirs(local)
os.makedirs(state)
rc_file = os.path.join(tmp, "mbsyncrc")
with open(rc_file, "w") as f:
    f.write(f"""IMAPAccount srv
Host 127.0.0.1
Port {srv.imap}
User {USER}
Pass {PASSWORD}
AuthMechs LOGIN
SSLType STARTTLS
CertificateFile {srv.cafile}
Timeout 15

IMAPStore remote
Account srv

MaildirStore near
Path {local}/
Inbox {local}/INBOX
SubFolders Verbatim

Channel tree
Far :remote:
Near :near:
Patterns *
Create Both
Expunge Both
SyncState {state}/
""")


def local_dir(folder):
    return os.path.join(local, folder)


def run():
    r = subprocess.run([MBSYNC, "-c", rc_file, "-a"], capture_output=True,
                       timeout=60, env=dict(os.environ, HOME=tmp))
    return r.returncode, (r.stdout + r.stderr).decode(errors="replace")


try:
    two_way_sync(srv, tmp, run, local_dir, state_dirs=(state,),
                 strip=("X-TUID",))
except Exception as e:  # a client or protocol failure is a test failure
    check(False, "the sync scenario ran to its end (%r)" % e)
finally:
    srv.stop()
    if "-v" in sys.argv:
        print(srv.dump())
finish()
