"""complex: implicit TLS (gnutls-cli and Python ssl) and STARTTLS."""
import socket
import ssl
import subprocess

from gdtest import (Daemon, LineClient, TIMEOUT, check, finish, free_port,
                    make_cert)

p_tls, p_start, p_plain = free_port(), free_port(), free_port()
d = Daemon("")
cert, key = make_cert(d.tmp)
with open(d.config, "w") as f:
    f.write(f"""
modules:
  load: [echo]
tls:
  certificates:
    - cert: {cert}
      key: {key}
listeners:
  - name: echos
    address: "127.0.0.1:{p_tls}"
    protocol: echo
    tls: implicit
  - name: echo-starttls
    address: "127.0.0.1:{p_start}"
    protocol: echo
    tls: starttls
  - name: echo-plain
    address: "127.0.0.1:{p_plain}"
    protocol: echo
""")
d.start()


def client_context():
    ctx = ssl.create_default_context(cafile=cert)
    ctx.check_hostname = True
    return ctx


try:
    # gnutls-cli, a real TLS client, over implicit TLS.
    r = subprocess.run(
        ["gnutls-cli", "--x509cafile", cert, "-p", str(p_tls), "localhost"],
        input="ping over gnutls\r\n", capture_output=True, text=True,
        timeout=TIMEOUT)
    check("ping over gnutls" in r.stdout, "gnutls-cli: line echoed over TLS")
    check("TLS1.3" in r.stdout or "TLS1.2" in r.stdout,
          "gnutls-cli: TLS 1.2 or newer negotiated")

    # Python ssl: verify the chain and the host name.
    raw = socket.create_connection(("127.0.0.1", p_tls), TIMEOUT)
    c = LineClient(client_context().wrap_socket(raw,
                                                server_hostname="localhost"))
    check(c.line().startswith("+OK"), "implicit TLS: greeting")
    check(c.cmd("secret") == "secret", "implicit TLS: echo")
    check(c.sock.version() in ("TLSv1.2", "TLSv1.3"), "implicit TLS: version")
    c.close()

    # TLS 1.1 is refused by the default priority string: a client that
    # offers only TLS 1.1 fails the handshake.  (gnutls-cli, because
    # Python's OpenSSL may refuse TLS 1.1 on its own.)
    r = subprocess.run(
        ["gnutls-cli", "--x509cafile", cert, "-p", str(p_tls),
         "--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.1", "localhost"],
        input="", capture_output=True, text=True, timeout=TIMEOUT)
    check(r.returncode != 0 and "Handshake was completed" not in r.stdout,
          "TLS 1.1 refused")
    r = subprocess.run(
        ["gnutls-cli", "--x509cafile", cert, "-p", str(p_tls),
         "--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.2", "localhost"],
        input="", capture_output=True, text=True, timeout=TIMEOUT)
    check("Handshake was completed" in r.stdout, "TLS 1.2 accepted")

    # STARTTLS upgrade.
    c = LineClient.tcp("127.0.0.1", p_start)
    c.line()
    check(c.cmd("STARTTLS").startswith("+OK"), "STARTTLS accepted")
    c.sock = client_context().wrap_socket(c.sock,
                                          server_hostname="localhost")
    check(c.cmd("after upgrade") == "after upgrade", "echo after STARTTLS")
    r = c.cmd("STARTTLS")
    check(r is not None and r.startswith("-ERR"), "second STARTTLS refused")
    c.close()

    # STARTTLS command injection: plaintext pipelined after STARTTLS must
    # be thrown away, never executed as if it came over TLS.
    c = LineClient.tcp("127.0.0.1", p_start)
    c.line()
    c.send("STARTTLS\r\nINJECTED\r\n")
    check(c.line().startswith("+OK"), "injection: STARTTLS accepted")
    c.sock = client_context().wrap_socket(c.sock,
                                          server_hostname="localhost")
    check(c.cmd("clean") == "clean",
          "injection: pipelined plaintext discarded, first TLS line is ours")
    c.close()

    # No STARTTLS on a listener without TLS.
    c = LineClient.tcp("127.0.0.1", p_plain)
    c.line()
    r = c.cmd("STARTTLS")
    check(r is not None and r.startswith("-ERR"),
          "STARTTLS refused where the listener has no TLS")
    c.close()
finally:
    status = d.stop()
check(status == 0, "clean exit")
finish()
