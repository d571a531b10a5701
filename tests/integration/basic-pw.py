"""gumdropctl pw against Dovecot's own checker, and the shipped users file.

Every scheme `gumdropctl pw` writes that Dovecot knows is verified by
`doveadm pw -t` (dovecot-core), with the right and a wrong password; the
password is read from -p, from a pipe, and from a terminal (a pty: asked
twice, not echoed, a mismatch refused).  Then configs/gumdrop.yaml with
configs/users accepts the demo user through `gumdropctl auth test` (run
from a temporary folder with the DKIM key scripts/run makes on first
run, which the shipped file names).
Needs no daemon; every call is bounded in time.
"""
import os
import pty
import select
import shutil
import subprocess
import tempfile
import time

from gdtest import GUMDROPCTL, MODULES, SRCDIR, TIMEOUT, check, finish

PASSWORD = "p\u00e4ssw\u00f6rd x"
SCHEMES = ["SCRAM-SHA-256", "SCRAM-SHA-1", "SHA512-CRYPT", "BLF-CRYPT",
           "CRYPT", "PBKDF2", "SSHA256", "SHA256", "PLAIN"]
DOVEADM = shutil.which("doveadm")


def pw(*args, stdin=None):
    return subprocess.run([GUMDROPCTL, "pw"] + list(args), input=stdin,
                          capture_output=True, text=True, timeout=TIMEOUT)


def doveadm_ok(entry, password):
    r = subprocess.run([DOVEADM, "pw", "-t", entry, "-p", password],
                       capture_output=True, text=True, timeout=TIMEOUT)
    return r.returncode == 0 and "(verified)" in r.stdout + r.stderr


check(DOVEADM is not None, "doveadm is installed (Debian dovecot-core)")

# Every scheme, checked by Dovecot.
for scheme in SCHEMES:
    r = pw("-s", scheme, "-p", PASSWORD)
    entry = r.stdout.strip()
    check(r.returncode == 0 and entry.startswith("{%s}" % scheme),
          "%s: made %s" % (scheme, entry[:40]))
    check(doveadm_ok(entry, PASSWORD), "%s: doveadm verifies it" % scheme)
    check(not doveadm_ok(entry, PASSWORD + "!"),
          "%s: doveadm refuses a wrong password" % scheme)

# Rounds, and the default scheme.
r = pw("-s", "sha512-crypt", "-r", "6000", "-p", "x")
check(r.stdout.startswith("{SHA512-CRYPT}$6$rounds=6000$") and
      doveadm_ok(r.stdout.strip(), "x"), "SHA512-CRYPT -r 6000")
r = pw("-r", "5000", "-p", "x")
check(r.stdout.startswith("{SCRAM-SHA-256}5000,") and
      doveadm_ok(r.stdout.strip(), "x"), "default SCRAM-SHA-256, -r 5000")

# From a pipe: one line.
r = pw("-s", "SSHA256", stdin=PASSWORD + "\n")
check(r.returncode == 0 and doveadm_ok(r.stdout.strip(), PASSWORD),
      "password from a pipe")
r = pw(stdin="")
check(r.returncode == 65 and r.stdout == "", "no password on stdin: 65")

# Usage errors.
check(pw("-s", "MD4", "-p", "x").returncode == 64, "unknown scheme: 64")
check(pw("-r", "0", "-p", "x").returncode == 64, "-r 0: 64")
check(pw("-s", "BLF-CRYPT", "-r", "99", "-p", "x").returncode == 65,
      "bcrypt cost 99: 65")
check(pw("-s", "PLAIN", "-p", "a:b").returncode == 65,
      "a PLAIN password with ':': 65")
check(pw("-p", "").returncode == 65, "empty password: 65")


def read_until(fd, needle, deadline):
    """Read fd until `needle` was seen; what was read."""
    got = b""
    while needle not in got and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            got += chunk
    return got


def terminal(first, second):
    """Run pw with a pty as stdin; type the two passwords at the prompts.
    Returns (status, stdout, what the terminal echoed)."""
    master, slave = pty.openpty()
    p = subprocess.Popen([GUMDROPCTL, "pw", "-s", "SSHA256"], stdin=slave,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.close(slave)
    deadline = time.monotonic() + TIMEOUT
    echoed = b""
    try:
        for prompt, typed in ((b"Enter new password: ", first),
                              (b"Retype new password: ", second)):
            read_until(p.stderr.fileno(), prompt, deadline)
            os.write(master, typed.encode() + b"\n")
            time.sleep(0.1)
            ready, _, _ = select.select([master], [], [], 0.2)
            try:
                if ready:
                    echoed += os.read(master, 4096)
            except OSError:
                pass    # EIO: the program exited and closed the pty
        out, _ = p.communicate(timeout=TIMEOUT)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(TIMEOUT)
        os.close(master)
    return p.returncode, out.decode().strip(), echoed


status, out, echoed = terminal(PASSWORD, PASSWORD)
check(status == 0 and doveadm_ok(out, PASSWORD),
      "terminal: asked twice, entry verifies")
check(PASSWORD.encode() not in echoed, "terminal: the password is not "
      "echoed (%r)" % echoed)
status, out, _ = terminal(PASSWORD, PASSWORD + "x")
check(status == 65 and out == "", "terminal: a mismatch is refused")

# The shipped configuration: demo / demo through realm-file.


# It names files under build/run/ that scripts/run makes on first run
# (the DKIM signing key): run it from a temporary folder holding
# configs/users and that key, made by the same step.
top = tempfile.mkdtemp(prefix="gdtest-pw-")
os.makedirs(os.path.join(top, "configs"))
shutil.copy(os.path.join(SRCDIR, "configs", "users"),
            os.path.join(top, "configs", "users"))
key = subprocess.run(["bash", "-c", '. "$0/scripts/lib.sh" && '
                      'gd_make_dkim_key build/run/dkim example.test ed2026 '
                      '"$1" -m "$2"', SRCDIR, GUMDROPCTL, MODULES],
                     cwd=top, capture_output=True, text=True, timeout=TIMEOUT)
check(key.returncode == 0, "the first-run DKIM key: %s" % key.stderr)


def auth_test(user, password):
    return subprocess.run([GUMDROPCTL, "-c", os.path.join(
        SRCDIR, "configs", "gumdrop.yaml"), "-m", MODULES, "auth", "test",
        "-r", "file", user, password], cwd=top, capture_output=True,
        text=True, timeout=TIMEOUT)


r = auth_test("demo", "demo")
check(r.returncode == 0 and r.stdout == "ok\n",
      "configs/users: demo/demo accepted (%s)" % r.stderr.strip())
r = auth_test("demo", "demo2")
check(r.returncode == 77 and r.stdout == "failed\n",
      "configs/users: a wrong password refused")
with open(os.path.join(SRCDIR, "configs", "users")) as f:
    demo = [l for l in f if l.startswith("demo:")]
check(len(demo) == 1 and demo[0].startswith("demo:{SCRAM-SHA-256}"),
      "configs/users: demo is a SCRAM-SHA-256 entry")
check(doveadm_ok(demo[0].split(":", 1)[1].strip(), "demo"),
      "configs/users: doveadm verifies demo's entry")
shutil.rmtree(top, ignore_errors=True)
finish()
