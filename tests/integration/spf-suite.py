"""The OpenSPF RFC 7208 test suite through `gumdropctl auth spf`: the real
spf module and the daemon's DNS path (libunbound answering from a zone
file).

Every scenario's zonedata becomes an RFC 1035 master file (--zone); the
names listed with TIMEOUT are served instead by a loopback DNS server
(dnspeer.py, --dns-server) that never answers the types the suite makes
time out.  Every case then runs the tool once; its first output line
must be one of the expected results, and its Explanation line the
expected explanation when the case names one.

Zone data conventions of the suite's own driver: a type SPF record also
serves as TXT unless the name lists any TXT ("TXT: NONE" is no record);
TIMEOUT makes a question for a type with no record before it time out.

Known differences (KNOWN below; such a case passing fails the test, so
the list stays true): v-macro-ip6 (as in tests/unit/test-spf-suite.c).
cname-aliasing passes since the resolver follows CNAMEs of zone files.
"""
import gzip
import os
import struct
import subprocess
import sys
import tempfile

from dnspeer import DnsPeer, NAMES
from gdtest import GUMDROPCTL, MODULES, check, finish

SUITE = os.environ.get("SPF_SUITE",
                       "/usr/share/doc/python3-spf/rfc7208-tests.yml.gz")
KNOWN = {
    # %{i} of IPv6: upper-case nibbles in the suite, lower case in RFC
    # 7208 7.4 (and here)
    "v-macro-ip6",
}

try:
    import yaml
    with gzip.open(SUITE, "rt", encoding="utf-8") as f:
        DOCS = [d for d in yaml.safe_load_all(f) if d]
except (ImportError, OSError) as e:
    print("SKIP: %s (%s): install python3-spf and python3-yaml" % (SUITE, e))
    sys.exit(77)


class TypeTimeoutPeer(DnsPeer):
    """A DnsPeer that stays silent for chosen (name, TYPE) questions."""

    def __init__(self, records, silent):
        super().__init__(records=records)
        self.silent = silent

    def answer(self, query, transport):
        pos, labels = 12, []
        while pos < len(query) and query[pos] != 0:
            n = query[pos]
            labels.append(query[pos + 1:pos + 1 + n].decode("latin-1"))
            pos += 1 + n
        if pos + 3 <= len(query):
            qtype = struct.unpack("!H", query[pos + 1:pos + 3])[0]
            if (".".join(labels).lower(), NAMES.get(qtype)) in self.silent:
                return None
        return super().answer(query, transport)


def norm(name):
    return name.rstrip(".").lower()


def txt_strings(value):
    """A TXT value (str or list) as master-file character-strings."""
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        raw = str(item).encode("utf-8")
        for i in range(0, max(len(raw), 1), 255):
            chunk = raw[i:i + 255]
            out.append('"' + "".join(
                chr(b) if 0x20 <= b < 0x7f and b not in b'"\\'
                else "\\%03d" % b for b in chunk) + '"')
    return " ".join(out) if out else '""'


def records(rrs):
    """[(TYPE, value)] of one name, the suite's conventions applied."""
    types = [list(r.keys())[0] for r in rrs if isinstance(r, dict)]
    out = []
    for r in rrs:
        if not isinstance(r, dict):
            continue
        t, v = list(r.items())[0]
        if v == "NONE":
            continue
        if t == "SPF":
            if "TXT" in types:
                continue
            t = "TXT"
        out.append((t, v))
    return out


def silent_types(rrs):
    """The types a name's TIMEOUT applies to: those with no record
    before it (TXT made from SPF records come after everything, as the
    suite's driver appends them)."""
    before = set()
    for r in rrs:
        if r == "TIMEOUT":
            break
        if isinstance(r, dict):
            t, v = list(r.items())[0]
            if v != "NONE" and t != "SPF":
                before.add(t)
    return {"A", "AAAA", "MX", "PTR", "TXT"} - before


def zone_name(name):
    """A name in master-file syntax: odd octets as \\DDD."""
    return "".join(c if c.isalnum() and c.isascii() or c in "-_.*"
                   else "".join("\\%03d" % b for b in c.encode())
                   for c in name.rstrip(".")) + "."


def zone_line(name, t, v):
    owner = zone_name(name)
    if t == "TXT":
        return "%s 300 IN TXT %s" % (owner, txt_strings(v))
    if t == "MX":
        return "%s 300 IN MX %d %s." % (owner, v[0], str(v[1]).rstrip("."))
    if t in ("PTR", "CNAME"):
        return "%s 300 IN %s %s." % (owner, t, str(v).rstrip("."))
    return "%s 300 IN %s %s" % (owner, t, v)


def scenario_dns(zonedata, tmp):
    """The zone file, and a peer for the TIMEOUT names (or None)."""
    lines, peer_records, silent = [], {}, set()
    for name, rrs in (zonedata or {}).items():
        rrs = rrs if isinstance(rrs, list) else [rrs]
        if "TIMEOUT" in rrs:
            peer_records[name] = [(t, tuple(v) if t == "MX" else v)
                                  for t, v in records(rrs)]
            silent |= {(norm(name), t) for t in silent_types(rrs)}
            continue
        lines += [zone_line(name, t, v) for t, v in records(rrs)]
    path = os.path.join(tmp, "zone")
    with open(path, "w", encoding="latin-1") as f:
        f.write("$TTL 300\n" + "\n".join(lines) + "\n")
    peer = None
    if peer_records:
        peer = TypeTimeoutPeer(peer_records, silent)
        peer.start()
    return path, peer


def run_case(name, case, zone, peer):
    args = [GUMDROPCTL, "-m", MODULES, "auth", "spf", "--zone", zone,
            "--ip", str(case["host"]), "--helo", str(case.get("helo", "")),
            "--mail-from", str(case.get("mailfrom", "")),
            "--receiver", "unknown", "--timeout", "30s"]
    if peer is not None:
        args += ["--dns-server", peer.address, "--dns-timeout", "1s"]
    r = subprocess.run(args, capture_output=True, text=True, timeout=60,
                       errors="replace")
    out = r.stdout.splitlines()
    got = out[0] if out else "(rc %d: %s)" % (r.returncode,
                                              r.stderr.strip()[:200])
    explanation = None
    for line in out:
        if line.startswith("Explanation: "):
            explanation = line[len("Explanation: "):]
    want = case["result"]
    want = want if isinstance(want, list) else [want]
    # exit 0 too: a sanitizer's report at exit is a failure
    ok = got in want and r.returncode == 0
    exp = case.get("explanation")
    if ok and exp is not None and exp != "DEFAULT":
        ok = explanation == exp
    if name in KNOWN:
        check(not ok, "%s: known difference (got %s, %s)" %
              (name, got, explanation))
        return None
    check(ok, "%s: want %s, got %s%s" % (name, "/".join(want), got,
          "" if explanation is None else " (%s)" % explanation))
    return ok


def main():
    passed = total = 0
    with tempfile.TemporaryDirectory(prefix="spf-suite.") as tmp:
        for doc in DOCS:
            zone, peer = scenario_dns(doc.get("zonedata"), tmp)
            try:
                for name, case in (doc.get("tests") or {}).items():
                    r = run_case(name, case, zone, peer)
                    if r is not None:
                        total += 1
                        passed += r
            finally:
                if peer is not None:
                    peer.stop()
    print("%d of %d cases pass through gumdropctl auth spf (+%d known "
          "differences)" % (passed, total, len(KNOWN)))
    finish()


main()
