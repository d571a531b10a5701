"""complex: imapflow (node, npm) against the IMAP server (issue 9): IDLE
and the extension commands.  tests/integration/imap-imapflow.js makes the
checks and reports each (JSON lines); this half starts the server,
delivers one message first and one while the client idles, and turns the
reports into checks.  Over STARTTLS (our certificate as the CA):
  - the session went to TLS; imapflow logged in with AUTHENTICATE PLAIN
    (offered under TLS); the capabilities after login have LITERAL+
    ENABLE IDLE NAMESPACE UNSELECT UIDPLUS MOVE ESEARCH SEARCHRES
    LIST-EXTENDED LIST-STATUS SPECIAL-USE CHILDREN BINARY STATUS=SIZE
    (and IMAP4rev2 for gumdrop); ID answers; NAMESPACE has a delimiter;
  - CREATE of a nested folder; LIST shows Drafts Sent Trash Junk Archive
    with their special-use attributes, the parent \\HasChildren, and
    LIST-STATUS counts (INBOX: 1 message);
  - APPEND answers APPENDUID; SELECT counts 2; UID SEARCH UNSEEN and
    FLAGGED find the right UIDs; ENVELOPE and BODYSTRUCTURE of a
    multipart; BINARY[2] is the decoded attachment; MOVE answers COPYUID
    and the message leaves INBOX; STATUS of the target counts it;
  - IDLE: a delivery (over SMTP for gumdrop) is pushed as EXISTS within
    10 s (Dovecot batches its notifications for ~0.5 s).
IMAP_TEST_PEER=dovecot runs the same checks against Dovecot
(tests/integration/README-imap.md)."""
import json
import os
import subprocess
import sys
import tempfile

from gdtest import check, finish
from imap_util import PASSWORD, USER, make_message, node_path, peer, \
    require, server

NODE = require("node")
SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      "imap-imapflow.js")

tmp = tempfile.mkdtemp(prefix="gdtest-imap-imapflow-")
env = dict(os.environ, NODE_PATH=node_path())
srv = server(tmp)
p = None
try:
    srv.deliver(make_message("flow-first", 1))
    p = subprocess.Popen([NODE, SCRIPT, str(srv.imap), srv.cafile, USER,
                          PASSWORD, "1" if peer() == "gumdrop" else "0"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         env=env, text=True)
    reports = 0
    for line in p.stdout:
        msg = json.loads(line)
        if msg.get("deliver"):
            srv.deliver(make_message("flow-idle", 2))
            p.stdin.write("delivered\n")
            p.stdin.flush()
            continue
        reports += 1
        check(msg["ok"], "imapflow: " + msg["what"])
    rc = p.wait(timeout=70)
    check(rc == 0 and reports >= 20, "the node half ran to its end (%d, "
          "%d reports)" % (rc, reports))
finally:
    if p is not None and p.poll() is None:
        p.kill()
    srv.stop()
    if "-v" in sys.argv:
        print(srv.dump())
finish()
