"""mbox interop with procmail (Debian's procmail: dotlock + fcntl).

1. procmail delivers into INBOX while a session of ours watches it
   (mbox-helper wait, on a worker loop): the notification fires, and the
   sync shows the message with the next UID; its content is what
   procmail was given (procmail's >From quoting undone).
2. procmail's `lockfile` holds INBOX.mbox.lock: our delivery waits and
   gives up with a temporary failure (exit 75) after lock-timeout; once
   the lock is released it goes through.
3. procmail delivers while we append concurrently: nothing lost.
"""
import os
import subprocess
import threading
import time

from gdtest import TIMEOUT, check, finish
from mboxtest import Store, need


def procmail(s, text, sender="sender@example.org"):
    rc = os.path.join(s.tmp, "procmailrc")
    with open(rc, "w") as f:
        f.write("LOCKSLEEP=1\nDEFAULT=%s\nLOGFILE=%s\n" % (s.path(),
                os.path.join(s.tmp, "procmail.log")))
    return subprocess.run([need("procmail", "procmail"), "-f", sender,
                           "-m", rc], input=text, capture_output=True,
                          timeout=TIMEOUT)


def notification(s):
    s.deliver(b"Subject: before\n\nours\n")
    waiter = subprocess.Popen([s.helper_path(), s.config, s.user, "INBOX",
                               "wait", "10"], stdout=subprocess.PIPE,
                              text=True)
    line = waiter.stdout.readline().strip()
    check(line == "ready", "the session watches INBOX (%r)" % line)
    r = procmail(s, b"Subject: via procmail\n\nFrom me\nbye\n")
    check(r.returncode == 0, "procmail delivered (%r)" % r.stderr)
    try:
        out, _ = waiter.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        waiter.kill()
        out, _ = waiter.communicate()
    check(waiter.returncode == 0, "our notification fired (exit %s)"
          % waiter.returncode)
    check(out.split() == ["new", "2"], "the sync shows UID 2 (%r)" % out)
    got = s.fetch(2)
    check(got == b"Subject: via procmail\r\n\r\nFrom me\r\nbye\r\n",
          "content as procmail got it (%r)" % got)


def lockfile(s):
    lock = s.path() + ".lock"
    r = subprocess.run([need("lockfile", "procmail"), "-r", "0", lock],
                       capture_output=True, timeout=TIMEOUT)
    check(r.returncode == 0, "lockfile took the dotlock")
    start = time.monotonic()
    r = s.ctl("deliver", "-u", s.user, "-f", "x@example.org",
              data=b"Subject: blocked\n\nx\n")
    took = time.monotonic() - start
    check(r.returncode == 75, "locked out: temporary failure (exit %d: %s)"
          % (r.returncode, r.stderr.decode().strip()))
    check(1.5 <= took < 10, "waited lock-timeout first (%.1fs)" % took)
    os.unlink(lock)
    r = s.ctl("deliver", "-u", s.user, "-f", "x@example.org",
              data=b"Subject: free\n\nx\n")
    check(r.returncode == 0, "delivered once the lock is gone")


def concurrent(s):
    before, _ = s.listing()
    errors = []

    def ours():
        for i in range(10):
            r = s.ctl("deliver", "-u", s.user, "-f", "x@example.org",
                      data=b"Subject: ours %d\n\nbody\n" % i)
            if r.returncode != 0:
                errors.append(r.stderr)

    t = threading.Thread(target=ours)
    t.start()
    for i in range(10):
        r = procmail(s, b"Subject: theirs %d\n\nFrom body\n" % i)
        if r.returncode != 0:
            errors.append(r.stderr)
    # Ten gumdropctl runs may take a while under sanitizers on a busy
    # machine: wait for all of them (bounded) before looking.
    t.join(20 * TIMEOUT)
    check(not t.is_alive(), "our deliveries finished")
    check(not errors, "every delivery succeeded (%r)" % errors[:2])
    msgs, uidnext = s.listing()
    check(len(msgs) == len(before) + 20, "nothing lost: %d messages"
          % len(msgs))
    uids = [m[0] for m in msgs]
    check(uids == sorted(set(uids)), "UIDs unique and ascending")
    subjects = set()
    for uid in uids[len(before):]:
        subjects.add(s.fetch(uid).split(b"\r\n")[0])
    check(len(subjects) == 20, "each message once (%d)" % len(subjects))


def main():
    s = Store()
    s.helper_path = lambda: __import__("mboxtest").HELPER
    try:
        notification(s)
        lockfile(s)
        concurrent(s)
    finally:
        s.cleanup()
    finish()


main()
