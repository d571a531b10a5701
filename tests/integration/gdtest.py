"""Integration-test harness: start a real gumdropd on free loopback ports.

Each test writes a configuration, starts the daemon from the build tree,
waits for its `event=daemon.ready` log line, talks to it with real
clients, then stops it with SIGTERM and checks that it exited cleanly.
Everything is bounded in time; nothing leaves 127.0.0.1 / ::1.
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

BUILDDIR = os.environ.get("GD_TOP_BUILDDIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
SRCDIR = os.environ.get("GD_TOP_SRCDIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
GUMDROPD = os.path.join(BUILDDIR, "core", "gumdropd")
MODULES = os.path.join(BUILDDIR, "modules", ".built")
GUMDROPCTL = os.path.join(BUILDDIR, "core", "gumdropctl")
TIMEOUT = 15.0

failures = []


def check(cond, what):
    """Record a failed assertion and keep going, so one run shows all."""
    if cond:
        print("ok   - " + what)
    else:
        print("FAIL - " + what)
        failures.append(what)


def finish():
    if failures:
        print("%d check(s) failed" % len(failures))
        sys.exit(1)
    print("all checks passed")
    sys.exit(0)


def free_port(family=socket.AF_INET):
    host = "::1" if family == socket.AF_INET6 else "127.0.0.1"
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def make_cert(directory):
    """A self-signed localhost certificate made with certtool."""
    key = os.path.join(directory, "key.pem")
    cert = os.path.join(directory, "cert.pem")
    tmpl = os.path.join(directory, "cert.tmpl")
    with open(tmpl, "w") as f:
        f.write('cn = "localhost"\ndns_name = "localhost"\n'
                'ip_address = "127.0.0.1"\nexpiration_days = 30\n'
                'tls_www_server\nsigning_key\nencryption_key\n')
    subprocess.run(["certtool", "--generate-privkey", "--key-type=ecdsa",
                    "--outfile", key], check=True, capture_output=True,
                   timeout=TIMEOUT)
    subprocess.run(["certtool", "--generate-self-signed", "--load-privkey",
                    key, "--template", tmpl, "--outfile", cert],
                   check=True, capture_output=True, timeout=TIMEOUT)
    return cert, key


def run_gumdropd(args, timeout=TIMEOUT):
    """Run gumdropd to completion (for -t, -M, --version)."""
    return subprocess.run([GUMDROPD, "-m", MODULES] + args,
                          capture_output=True, text=True, timeout=timeout)


class Daemon:
    """A gumdropd running on a generated configuration."""

    def __init__(self, config_text, tmpdir=None, modules=None):
        self.tmp = tmpdir or tempfile.mkdtemp(prefix="gdtest-")
        self.modules = modules or MODULES
        self.config = os.path.join(self.tmp, "gumdrop.yaml")
        with open(self.config, "w") as f:
            f.write(config_text)
        self.lines = []
        self.lock = threading.Lock()
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            [GUMDROPD, "-c", self.config, "-m", self.modules],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        if not self.wait_log("event=daemon.ready"):
            self.proc.kill()
            self.proc.wait(TIMEOUT)
            raise RuntimeError("gumdropd did not become ready:\n" +
                               "\n".join(self.lines))
        return self

    def _read(self):
        for line in self.proc.stderr:
            with self.lock:
                self.lines.append(line.rstrip("\n"))

    def wait_log(self, needle, timeout=TIMEOUT, start=0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if any(needle in l for l in self.lines[start:]):
                    return True
            if self.proc.poll() is not None and not self.reader.is_alive():
                with self.lock:
                    return any(needle in l for l in self.lines[start:])
            time.sleep(0.02)
        return False

    def log_count(self):
        with self.lock:
            return len(self.lines)

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self):
        """SIGTERM, wait, and return the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            status = self.proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            status = self.proc.wait(TIMEOUT)
        self.reader.join(TIMEOUT)
        return status

    def dump(self):
        with self.lock:
            return "\n".join(self.lines)


class LineClient:
    """A CRLF line client over a connected socket (plain or TLS)."""

    def __init__(self, sock):
        self.sock = sock
        self.sock.settimeout(TIMEOUT)
        self.buf = b""

    @classmethod
    def tcp(cls, host, port):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        s = socket.socket(family, socket.SOCK_STREAM)
        s.settimeout(TIMEOUT)
        s.connect((host, port))
        return cls(s)

    @classmethod
    def unix(cls, path):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(TIMEOUT)
        s.connect(path)
        return cls(s)

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def line(self):
        """The next line without its CRLF, or None at EOF."""
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line.decode("utf-8", "replace")

    def cmd(self, text):
        self.send(text + "\r\n")
        return self.line()

    def closed(self):
        """True when the peer closed without sending anything more."""
        try:
            return self.sock.recv(1) == b""
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False

    def close(self):
        self.sock.close()


def mutt_index(workdir, muttrc, folder, count, seconds=5):
    """Run mutt under tmux on `folder` with `muttrc` (its text; the index
    format must be "%4C %Z %s") and read the index it draws: a dict
    {number: (the 3 %Z flag characters, subject)} once `count` rows show
    (at most `seconds`; an IMAP folder needs more than a local one), and
    the screen as text.  tmux and mutt must be installed (the test
    set-up installs them)."""
    import re
    import shutil
    for program in ("tmux", "mutt"):
        if shutil.which(program) is None:
            check(False, "%s is installed (scripts/lib.sh)" % program)
            finish()
    rc = os.path.join(workdir, "muttrc")
    with open(rc, "w") as f:
        f.write(muttrc)
    session = "gdmutt%d" % os.getpid()

    def tmux(*args):
        return subprocess.run(["tmux"] + list(args), capture_output=True,
                              text=True, timeout=TIMEOUT)
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "30",
         "env TERM=xterm HOME=%s mutt -n -R -F %s -f %s"
         % (workdir, rc, folder))
    rows, screen = {}, ""
    try:
        for _ in range(int(seconds * 10)):
            time.sleep(0.1)
            screen = tmux("capture-pane", "-p", "-t", session).stdout
            rows = {}
            for line in screen.splitlines():
                m = re.match(r"^\s*(\d+) (.{3}) (.*?)\s*$", line)
                if m:
                    rows[int(m.group(1))] = (m.group(2), m.group(3))
            if len(rows) >= count:
                break
    finally:
        tmux("send-keys", "-t", session, "q")
        time.sleep(0.2)
        tmux("kill-session", "-t", session)
    return rows, screen
def module_dir_with_fixtures(*names):
    """A folder with every built module plus test fixtures (by name, from
    tests/modules/.libs), for Daemon(modules=...) and gumdropctl -m."""
    d = tempfile.mkdtemp(prefix="gdtest-mods-")
    for f in os.listdir(MODULES):
        os.symlink(os.path.join(MODULES, f), os.path.join(d, f))
    fixtures = os.path.join(BUILDDIR, "tests", "modules", ".libs")
    for n in names:
        os.symlink(os.path.join(fixtures, n + ".so"),
                   os.path.join(d, n + ".so"))
    return d
