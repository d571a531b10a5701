"""complex: command line, configuration errors, admission and signals."""
import os
import re
import signal
import socket
import time

from gdtest import (Daemon, LineClient, check, finish, free_port,
                    run_gumdropd)

tmp = Daemon("").tmp


def write(name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


port = free_port()
good = write("good.yaml", f"""
modules:
  load: [echo]
listeners:
  - name: echo
    address: "127.0.0.1:{port}"
    protocol: echo
""")

r = run_gumdropd(["--version"])
check(r.returncode == 0 and re.search(r"plugin ABI \d+\.\d+", r.stdout),
      "--version prints the plugin ABI")
r = run_gumdropd(["--help"])
check(r.returncode == 0 and "-t" in r.stdout, "--help")
r = run_gumdropd(["-t", "-c", good])
check(r.returncode == 0, "-t: good configuration exits 0")
r = run_gumdropd(["-M", "-c", good])
check(r.returncode == 0 and re.search(r"^echo\s", r.stdout, re.M),
      "-M lists the echo module")

bad_type = write("bad-type.yaml", "workers: two\n")
r = run_gumdropd(["-t", "-c", bad_type])
check(r.returncode == 1 and
      f"{bad_type}:1: key 'workers': expected" in r.stderr,
      "-t: wrong type names file:line and key")

bad_key = write("bad-key.yaml", "workers: 2\n\nworkerz: 3\n")
r = run_gumdropd(["-t", "-c", bad_key])
check(r.returncode == 1 and f"{bad_key}:3: key 'workerz'" in r.stderr,
      "-t: unknown top-level key names file:line")

bad_mod = write("bad-mod.yaml", "modules:\n  load: [no-such-module]\n")
r = run_gumdropd(["-t", "-c", bad_mod])
check(r.returncode == 1 and "no-such-module" in r.stderr and
      len(r.stderr.strip().splitlines()) == 1,
      "missing module: one line naming it")

bad_listen = write("bad-listen.yaml", f"""
modules:
  load: [echo]
listeners:
  - name: echo
    address: "127.0.0.1:{port}"
    protocol: nosuch
""")
r = run_gumdropd(["-t", "-c", bad_listen])
check(r.returncode == 1 and f"{bad_listen}:7:" in r.stderr,
      "unknown protocol names file:line")

# Admission: per-IP limit, deny list, and a SIGHUP that changes policy.
p_lim, p_deny = free_port(), free_port()
pid_file = os.path.join(tmp, "gumdropd.pid")
d = Daemon(f"""
pid-file: {pid_file}
modules:
  load: [echo]
listeners:
  - name: limited
    address: "127.0.0.1:{p_lim}"
    protocol: echo
    max-connections-per-ip: 2
  - name: denied
    address: "127.0.0.1:{p_deny}"
    protocol: echo
    deny: ["127.0.0.0/8"]
""", tmpdir=tmp)
d.start()
try:
    # libunbound must bind to libevent, not to libev's look-alike symbols
    # (core/dns.c disables DNS and says so when the link order is wrong).
    check(not d.wait_log("event=dns.disabled", timeout=0.5),
          "DNS resolver usable in gumdropd (libevent linked before libev)")
    with open(pid_file) as f:
        check(int(f.read()) == d.proc.pid, "pid file holds the daemon's pid")
    a = LineClient.tcp("127.0.0.1", p_lim)
    b = LineClient.tcp("127.0.0.1", p_lim)
    check(a.line().startswith("+OK") and b.line().startswith("+OK"),
          "two connections from one IP admitted")
    c = LineClient.tcp("127.0.0.1", p_lim)
    check(c.closed(), "third connection from the same IP closed, no greeting")
    check(d.wait_log("event=conn.refused"), "refusal logged")
    c.close()
    a.close()
    # Counters are released on close: a new connection is admitted again.
    deadline = time.monotonic() + 5
    ok = False
    while time.monotonic() < deadline and not ok:
        e = LineClient.tcp("127.0.0.1", p_lim)
        ok = (e.line() or "").startswith("+OK")
        e.close()
        time.sleep(0.05)
    check(ok, "slot freed after a close")
    b.close()

    x = LineClient.tcp("127.0.0.1", p_deny)
    check(x.closed(), "denied network: closed before any byte")
    x.close()

    # SIGHUP with the deny list removed: new connections are admitted and
    # an existing connection is not dropped.
    keep = LineClient.tcp("127.0.0.1", p_lim)
    keep.line()
    with open(d.config) as f:
        text = f.read()
    with open(d.config, "w") as f:
        f.write(text.replace('    deny: ["127.0.0.0/8"]\n', ""))
    mark = d.log_count()
    d.signal(signal.SIGHUP)
    check(d.wait_log("event=daemon.reload result=ok", start=mark),
          "SIGHUP reload accepted")
    y = LineClient.tcp("127.0.0.1", p_deny)
    check((y.line() or "").startswith("+OK"), "reloaded policy admits")
    y.close()
    check(keep.cmd("still here") == "still here",
          "connection survives the reload")

    # A policy error found late (after the modules accepted the file) is
    # refused too, and the daemon keeps serving.
    with open(d.config) as f:
        text = f.read()
    with open(d.config, "w") as f:
        f.write(text.replace("max-connections-per-ip: 2",
                             "max-connections-per-ip: 2\n"
                             "    deny: [\"not-a-network\"]"))
    mark = d.log_count()
    d.signal(signal.SIGHUP)
    check(d.wait_log("result=refused", start=mark) and
          d.wait_log("not-a-network", start=mark),
          "reload with a bad CIDR refused, naming it")
    check(keep.cmd("alive") == "alive", "still serving after refused policy")

    # A broken file on SIGHUP is refused and the daemon keeps running.
    with open(d.config, "w") as f:
        f.write("workers: [\n")
    mark = d.log_count()
    d.signal(signal.SIGHUP)
    check(d.wait_log("result=refused", start=mark), "bad reload refused")
    check(keep.cmd("alive") == "alive", "still serving after bad reload")
    keep.close()
finally:
    status = d.stop()
check(status == 0, "SIGTERM: exit status 0")
check(not os.path.exists(pid_file), "pid file removed at exit")
finish()
