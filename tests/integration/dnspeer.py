"""A small authoritative DNS server on 127.0.0.1 for tests (UDP and TCP).

    peer = DnsPeer({"example.com": [("TXT", "v=spf1 -all"),
                                    ("MX", (10, "mx.example.com"))],
                    "mx.example.com": [("A", "192.0.2.25")]},
                   timeout=["slow.example.com"],
                   servfail=["broken.example.com"])
    peer.start()
    ... gumdropctl dns query --dns-server peer.address ...
    peer.stop()

Records come from a dict {name: [(TYPE, value), ...]} and/or a master
file (zone_file=PATH, origin=...; the common RFC 1035 subset: $ORIGIN,
$TTL, @, relative names, blank owner, parentheses, comments, quoted
strings).  Types: A AAAA MX (pref, name) TXT/SPF (str, or a list of
strings, each cut at 255 bytes) PTR CNAME NS.  A name without records
but with names below it (an empty non-terminal) gives NODATA, an
unknown name NXDOMAIN; names in `timeout` (and below them) are never
answered, names in `servfail` get SERVFAIL.  A CNAME answers every type
and is followed inside the data.  A UDP answer larger than the
client's EDNS size (or 512, or `udp_max`) is sent truncated (TC) with no
records, so the client retries over TCP.  Every question received is
kept in `queries` as (name, TYPE, "udp"|"tcp").

The wire format is written here with struct: no third-party library.
Everything is bounded: sockets time out, threads stop with stop().
"""
import socket
import struct
import threading

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15,
         "TXT": 16, "AAAA": 28, "SRV": 33, "SPF": 99, "ANY": 255}
NAMES = {v: k for k, v in TYPES.items()}


def _norm(name):
    return name.rstrip(".").lower()


def _wire_name(name):
    out = b""
    for label in [x for x in name.rstrip(".").split(".") if x]:
        raw = label.encode()
        if len(raw) > 63:
            raise ValueError("label too long: %r" % label)
        out += bytes([len(raw)]) + raw
    return out + b"\0"


def _strings(value):
    items = value if isinstance(value, (list, tuple)) else [value]
    out = b""
    for item in items:
        raw = item.encode() if isinstance(item, str) else bytes(item)
        chunks = [raw[i:i + 255] for i in range(0, len(raw), 255)] or [b""]
        for c in chunks:
            out += bytes([len(c)]) + c
    return out


def rdata(rtype, value):
    """The wire rdata of one record."""
    if rtype == "A":
        return socket.inet_pton(socket.AF_INET, value)
    if rtype == "AAAA":
        return socket.inet_pton(socket.AF_INET6, value)
    if rtype == "MX":
        return struct.pack("!H", int(value[0])) + _wire_name(value[1])
    if rtype in ("TXT", "SPF"):
        return _strings(value)
    if rtype in ("PTR", "CNAME", "NS"):
        return _wire_name(value)
    raise ValueError("dnspeer: unsupported type %s" % rtype)


def _zone_tokens(text):
    """(line, blank_owner, [fields]) per entry; quoted fields as ("q", s)."""
    entry, depth, blank, start = [], 0, False, 1
    for lineno, line in enumerate(text.splitlines(), 1):
        if depth == 0:
            entry, blank, start = [], line[:1] in (" ", "\t"), lineno
        i = 0
        while i < len(line):
            c = line[i]
            if c in " \t\r":
                i += 1
            elif c == ";":
                break
            elif c in "()":
                depth += 1 if c == "(" else -1
                i += 1
            elif c == '"':
                j = i + 1
                while j < len(line) and line[j] != '"':
                    j += 2 if line[j] == "\\" else 1
                entry.append(("q", line[i + 1:j].replace('\\"', '"')))
                i = j + 1
            else:
                j = i
                while j < len(line) and line[j] not in ' \t\r;()"':
                    j += 1
                entry.append(line[i:j])
                i = j
        if depth == 0 and entry:
            yield start, blank, entry


def parse_zone(text, origin="."):
    """{name: [(TYPE, value)]} from master-file text (a test subset)."""
    data, owner, ttl = {}, None, 3600

    def absolute(n):
        if n == "@":
            return origin
        return n if n.endswith(".") else n + "." + origin.lstrip(".")

    for line, blank, f in _zone_tokens(text):
        if f[0] == "$ORIGIN":
            origin = absolute(f[1])
            continue
        if f[0] == "$TTL":
            ttl = int(f[1])
            continue
        if not blank:
            owner, f = absolute(f[0]), f[1:]
        while f and not isinstance(f[0], tuple) and (
                f[0].isdigit() or f[0].upper() == "IN"):
            f = f[1:]
        rtype, args = f[0].upper(), [a[1] if isinstance(a, tuple) else a
                                     for a in f[1:]]
        if rtype == "MX":
            value = (int(args[0]), absolute(args[1]))
        elif rtype in ("TXT", "SPF"):
            value = args
        elif rtype in ("PTR", "CNAME", "NS"):
            value = absolute(args[0])
        else:
            value = args[0]
        data.setdefault(_norm(owner), []).append((rtype, value))
    return data


class DnsPeer:
    def __init__(self, records=None, zone_file=None, origin=".",
                 timeout=(), servfail=(), udp_max=None, ttl=300):
        self.data = {}
        for name, rrs in (records or {}).items():
            self.data.setdefault(_norm(name), []).extend(rrs)
        if zone_file is not None:
            with open(zone_file) as f:
                for name, rrs in parse_zone(f.read(), origin).items():
                    self.data.setdefault(name, []).extend(rrs)
        self.timeout = {_norm(n) for n in timeout}
        self.servfail = {_norm(n) for n in servfail}
        self.udp_max = udp_max
        self.ttl = ttl
        self.queries = []
        self._stop = threading.Event()
        self._threads = []
        self.udp, self.tcp = self._bind_pair()
        self.port = self.udp.getsockname()[1]
        self.address = "127.0.0.1@%d" % self.port

    @staticmethod
    def _bind_pair(attempts=64):
        """A UDP and a listening TCP socket on the same loopback port.

        The kernel picks the UDP port; that port may already be busy on
        TCP (another test's listener or an outgoing connection), so a
        clash means trying the next port the kernel offers."""
        for _ in range(attempts):
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            udp.bind(("127.0.0.1", 0))
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                tcp.bind(("127.0.0.1", udp.getsockname()[1]))
                tcp.listen(16)
                return udp, tcp
            except OSError:
                udp.close()
                tcp.close()
        raise OSError("no loopback port free on both UDP and TCP")

    # ---- answers ------------------------------------------------------

    def _under(self, name, names):
        return any(name == n or name.endswith("." + n) for n in names)

    def _exists(self, name):
        return name in self.data or any(
            k.endswith("." + name) for k in self.data)

    def _records(self, name, qtype, depth=0):
        """[(owner, TYPE, value)] for name/qtype, following CNAMEs."""
        rrs = self.data.get(name, [])
        found = [(name, t, v) for t, v in rrs
                 if TYPES.get(t) == qtype or qtype == 255]
        if found or depth > 8:
            return found
        for t, v in rrs:
            if t == "CNAME":
                return [(name, t, v)] + self._records(_norm(v), qtype,
                                                      depth + 1)
        return []

    def answer(self, query, transport):
        """The response to one query message, or None (no answer)."""
        if len(query) < 12:
            return None
        qid, flags, qd = struct.unpack("!HHH", query[:6])
        pos, labels = 12, []
        while pos < len(query) and query[pos] != 0:
            n = query[pos]
            labels.append(query[pos + 1:pos + 1 + n].decode("latin-1"))
            pos += 1 + n
        if qd != 1 or pos + 5 > len(query):
            return None
        qname = ".".join(labels).lower()
        qtype = struct.unpack("!H", query[pos + 1:pos + 3])[0]
        question = query[12:pos + 5]
        self.queries.append((qname, NAMES.get(qtype, str(qtype)),
                             transport))
        if self._under(qname, self.timeout):
            return None
        rcode, answers = 0, []
        if self._under(qname, self.servfail):
            rcode = 2
        elif not self._exists(qname):
            rcode = 3
        else:
            answers = self._records(qname, qtype)
        body = b""
        for owner, t, v in answers:
            rd = rdata(t, v)
            body += _wire_name(owner) + struct.pack(
                "!HHIH", TYPES[t], 1, self.ttl, len(rd)) + rd
        hdr_flags = 0x8400 | (flags & 0x0100) | 0x0080 | rcode
        head = struct.pack("!HHHHHH", qid, hdr_flags, 1, len(answers), 0, 0)
        msg = head + question + body
        if transport == "udp" and len(msg) > self._udp_limit(query, pos + 5):
            msg = struct.pack("!HHHHHH", qid, hdr_flags | 0x0200, 1, 0, 0,
                              0) + question
        return msg

    def _udp_limit(self, query, end):
        if self.udp_max is not None:
            return self.udp_max
        # An OPT record in the additional section gives the client's size.
        if len(query) >= end + 11 and query[end] == 0 and \
                struct.unpack("!H", query[end + 1:end + 3])[0] == 41:
            return max(512, struct.unpack("!H", query[end + 3:end + 5])[0])
        return 512

    # ---- serving ------------------------------------------------------

    def _serve_udp(self):
        self.udp.settimeout(0.2)
        while not self._stop.is_set():
            try:
                query, peer = self.udp.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            msg = self.answer(query, "udp")
            if msg is not None:
                self.udp.sendto(msg, peer)

    def _serve_conn(self, conn):
        conn.settimeout(5)
        with conn:
            try:
                while not self._stop.is_set():
                    head = conn.recv(2)
                    if len(head) < 2:
                        return
                    want, query = struct.unpack("!H", head)[0], b""
                    while len(query) < want:
                        part = conn.recv(want - len(query))
                        if not part:
                            return
                        query += part
                    msg = self.answer(query, "tcp")
                    if msg is not None:
                        conn.sendall(struct.pack("!H", len(msg)) + msg)
            except OSError:
                return

    def _serve_tcp(self):
        self.tcp.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self.tcp.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            t = threading.Thread(target=self._serve_conn, args=(conn,),
                                 daemon=True)
            t.start()
            self._threads.append(t)

    def start(self):
        for fn in (self._serve_udp, self._serve_tcp):
            t = threading.Thread(target=fn, daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def stop(self):
        self._stop.set()
        for t in self._threads:
            t.join(timeout=6)
        self.udp.close()
        self.tcp.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
