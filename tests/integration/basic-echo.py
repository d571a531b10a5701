"""basic: the example echo module over TCP (IPv4, IPv6) and a UNIX socket."""
import os
import socket

from gdtest import Daemon, LineClient, check, finish, free_port

p4, p6 = free_port(), free_port(socket.AF_INET6)
d = Daemon("")
sock_path = os.path.join(d.tmp, "echo.sock")
with open(d.config, "w") as f:
    f.write(f"""
workers: 2
modules:
  load: [echo]
echo:
  greeting: "+OK test echo"
listeners:
  - name: echo4
    address: "127.0.0.1:{p4}"
    protocol: echo
    max-line-length: 100
  - name: echo6
    address: "[::1]:{p6}"
    protocol: echo
  - name: echo-unix
    address: "unix:{sock_path}"
    protocol: echo
""")
d.start()
try:
    for name, client in (("ipv4", lambda: LineClient.tcp("127.0.0.1", p4)),
                         ("ipv6", lambda: LineClient.tcp("::1", p6)),
                         ("unix", lambda: LineClient.unix(sock_path))):
        c = client()
        check(c.line() == "+OK test echo", f"{name}: configured greeting")
        check(c.cmd("hello world") == "hello world", f"{name}: line echoed")
        # Pipelined lines, split across writes, come back in order.
        c.send("one\r\ntw")
        c.send("o\r\nthree\r\n")
        check([c.line(), c.line(), c.line()] == ["one", "two", "three"],
              f"{name}: pipelined and split lines in order")
        check(c.cmd("QUIT") == "+OK bye", f"{name}: QUIT answered")
        check(c.closed(), f"{name}: closed after QUIT")
        c.close()

    c = LineClient.tcp("127.0.0.1", p4)
    c.line()
    r = c.cmd("x" * 500)
    check(r is not None and r.startswith("-ERR"),
          "overlong line reported, not cut")
    check(c.cmd("after") == "after", "connection usable after overlong line")
    c.close()
finally:
    status = d.stop()
check(status == 0, "SIGTERM: clean exit status 0")
check(d.wait_log("event=daemon.exit", timeout=1), "exit logged")
check(not os.path.exists(sock_path), "UNIX socket removed at shutdown")
finish()
