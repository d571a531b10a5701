"""complex: our FETCH response items (modules/imap/imap-fetch-resp.h:
ENVELOPE, BODY, BODYSTRUCTURE, BODY[section]<partial>, BINARY[...],
BINARY.SIZE) for a corpus of real-shaped messages, compared with
Dovecot's (Debian's dovecot-imapd) for the same files.  No session of
ours is needed: tests/integration/imap-fetch-driver prints our
"* 1 FETCH (...)" for a file; Dovecot's imap binary runs privately in
PREAUTH mode over a pipe (no listener, no port) on a Maildir holding
copies of the same files; both serve bare LF as CRLF (our driver reads
the file through a gd_mail_content that expands it, as our stores do).

Every item must be equal, except where the two servers make documented,
different choices (each checked exactly, never skipped):
  - lines of a text or message/rfc822 part: Dovecot counts the LFs in
    the body; we count a last line without LF too (message.h), so ours
    is Dovecot's + 1 exactly when the part's body is non-empty and does
    not end with LF (seen in the body Dovecot returns for the part);
  - a multipart or message/rfc822 part inside a multipart: Dovecot
    gives it the CRLF before the next boundary (BODY[n] and BODY[n.TEXT]
    end with it; a message/rfc822 part's size is 2 more, its lines 1
    more); RFC 2046 5.1.1 gives that CRLF to the boundary, as we do;
  - parameter names: Dovecot keeps their case, message.h lower-cases
    them (names are case-insensitive);
  - BINARY.SIZE[n]: Dovecot refuses it ([UNKNOWN-CTE]) when another
    part of the message has an unknown CTE, even though its BINARY[n]
    works; ours must then equal the length of Dovecot's BINARY[n];
  - BINARY: Dovecot always sends literal8 (~{n}); we send ~{n} only when
    the content holds a NUL (literal8 "MUST" then, RFC 3516 4.3).
"""
import glob
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile

import gdtest
from gdtest import TIMEOUT, check, finish

DRIVER = os.path.join(gdtest.BUILDDIR, "tests", "integration",
                      "imap-fetch-driver")
CORPUS = os.path.join(gdtest.SRCDIR, "tests", "unit", "data", "imap")
DOVECOT_IMAP = "/usr/lib/dovecot/imap"
CONF = """base_dir = %(work)s/run
state_dir = %(work)s/state
log_path = %(work)s/dovecot.log
mail_location = maildir:%(work)s/Maildir
mail_uid = %(user)s
mail_gid = %(group)s
first_valid_uid = 0
first_valid_gid = 0
"""

# Extra messages beyond the unit tests' corpus, written here.
EXTRA = {
    "deep.eml": (
        "From: =?ISO-8859-1?Q?Andr=E9?= <andre@example.org>\n"
        "To: list: a@example.com, b@example.com;\n"
        "Subject: deep\n"
        "Message-ID: <deep@example.org>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/mixed; boundary=\"L1\"\n\n"
        "--L1\n"
        "Content-Type: multipart/related; boundary=\"L2\";\n"
        " type=\"text/html\"\n\n"
        "--L2\n"
        "Content-Type: text/html; charset=iso-8859-1\n"
        "Content-Transfer-Encoding: quoted-printable\n\n"
        "<p>caf=E9</p>\n\n"
        "--L2\n"
        "Content-Type: image/png; name=dot.png\n"
        "Content-Transfer-Encoding: base64\n"
        "Content-ID: <dot>\n"
        "Content-Disposition: inline; filename=\"dot.png\"\n\n"
        "iVBORw0KGgo=\n"
        "--L2--\n\n"
        "--L1\n"
        "Content-Type: message/rfc822; name=fwd.eml\n\n"
        "From: fwd@example.net\n"
        "Subject: =?UTF-8?B?Zm9yd2FyZGVk?=\n\n"
        "plain inner body\n"
        "--L1\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Disposition: attachment;\n"
        " filename*0*=utf-8''na%C3%AFve%20;\n"
        " filename*1=\"notes.txt\"\n\n"
        "notes\n"
        "--L1--\n"),
    "unknown-cte.eml": (
        "From: u@example.org\n"
        "Subject: uuencoded\n"
        "Content-Type: multipart/mixed; boundary=u\n\n"
        "--u\n\nfirst\n"
        "--u\n"
        "Content-Type: application/octet-stream; name=a.bin\n"
        "Content-Transfer-Encoding: x-uuencode\n\n"
        "begin 644 a.bin\n#86)C\n`\nend\n"
        "--u--\n"),
}

ENVELOPE_ITEMS = ["ENVELOPE", "BODY", "BODYSTRUCTURE"]


# ---- an IMAP response reader: atoms, numbers, NIL, strings, lists ----

class Literal(bytes):
    pass


def tokens(data, i, end_at_close=False):
    """Parse a parenthesised list body from data[i:]; return (list, i)."""
    out = []
    while i < len(data):
        c = data[i:i + 1]
        if c == b" ":
            i += 1
        elif c == b"(":
            sub, i = tokens(data, i + 1, True)
            out.append(sub)
        elif c == b")":
            return out, i + 1
        elif c == b"\r" and data[i:i + 2] == b"\r\n" and not end_at_close:
            return out, i + 2
        elif c == b'"':
            j, s = i + 1, bytearray()
            while data[j:j + 1] != b'"':
                if data[j:j + 1] == b"\\":
                    j += 1
                s += data[j:j + 1]
                j += 1
            out.append(bytes(s))
            i = j + 1
        elif c in (b"{", b"~"):
            m = re.compile(rb"~?\{(\d+)\}\r\n").match(data, i)
            n = int(m.group(1))
            out.append(Literal(data[m.end():m.end() + n]))
            i = m.end() + n
        else:
            m = re.compile(rb"[^ ()\r\[]+(\[[^\]]*\](<\d+>)?)?").match(data, i)
            tok = m.group(0)
            out.append(None if tok == b"NIL" else tok.decode())
            i = m.end()
    return out, i


def fetch_items(line):
    """b"* n FETCH (A x B y)" -> {"A": x, "B": y}."""
    m = re.match(rb"\* \d+ FETCH \(", line)
    lst, _ = tokens(line, m.end(), True)
    return {lst[k].upper(): lst[k + 1] for k in range(0, len(lst), 2)}


def split_responses(out):
    """Dovecot's output into whole responses (literals included)."""
    res, i = [], 0
    while i < len(out):
        j = i
        while True:
            e = out.index(b"\r\n", j)
            m = re.search(rb"~?\{(\d+)\}$", out[j:e])
            if not m:
                break
            j = e + 2 + int(m.group(1))
        res.append(out[i:e + 2])
        i = e + 2
    return res


# ---- the two servers ----

def dovecot(work, commands):
    """Run Dovecot's imap in PREAUTH mode over a pipe.  It may run
    pipelined commands together, so untagged FETCH items are gathered by
    message number: returns ({seq: {ITEM: value}}, {tag: status})."""
    script = b"s SELECT INBOX\r\n"
    for tag, seq, items in commands:
        script += b"%s FETCH %d (%s)\r\n" % (tag.encode(), seq,
                                             items.encode())
    script += b"z LOGOUT\r\n"
    env = {"USER": "nobody", "HOME": work, "PATH": "/usr/bin:/bin"}
    r = subprocess.run([DOVECOT_IMAP, "-c", os.path.join(work, "conf")],
                       input=script, capture_output=True, env=env,
                       timeout=TIMEOUT * 4)
    items, status = {}, {}
    for resp in split_responses(r.stdout):
        m = re.match(rb"\* (\d+) FETCH \(", resp)
        if m:
            items.setdefault(int(m.group(1)), {}).update(
                fetch_items(resp))
        elif not resp.startswith(b"* "):
            tag, st = resp.split(b" ")[:2]
            status[tag.decode()] = st.decode()
    return items, status


def ours(path, items):
    # The driver reads the file as a store serves it (bare LF as CRLF).
    r = subprocess.run([DRIVER, path, "(%s)" % items], capture_output=True,
                       timeout=TIMEOUT)
    if r.returncode != 0:
        return {}, "NO" if r.stderr.startswith(b"NO") else "BAD"
    return fetch_items(r.stdout), "OK"


# ---- comparing structures ----

def ends_unterminated(body):
    return len(body) > 0 and not body.endswith(b"\n")


class Cmp:
    """Walk Dovecot's and our BODYSTRUCTURE together; `bodies` gives
    Dovecot's BODY[part] for the line-count rule."""

    def __init__(self, bodies, name):
        self.bodies, self.name, self.diffs = bodies, name, []

    def diff(self, part, what, d, o):
        self.diffs.append("%s part %s %s: dovecot %r ours %r"
                          % (self.name, part or "(root)", what, d, o))

    def params(self, part, d, o):
        norm = (lambda p: None if p is None else
                [x.lower() if k % 2 == 0 else x for k, x in enumerate(p)])
        if norm(d) != norm(o):
            self.diff(part, "params", d, o)

    def body(self, part, d, o, in_multi):
        if isinstance(d[0], list):
            return self.multi(part, d, o)
        if not isinstance(o, list) or isinstance(o[0], list) or \
                len(d) != len(o) or len(d) < 7:
            return self.diff(part, "shape", d, o)
        for k in (0, 1, 3, 4, 5):
            if (d[k] or b"").lower() != (o[k] or b"").lower():
                self.diff(part, "field %d" % k, d[k], o[k])
        self.params(part, d[2], o[2])
        body = self.bodies.get(part, b"")
        rfc822 = d[0].lower() == b"message" and d[1].lower() == b"rfc822" \
            and len(d) > 9 and isinstance(d[7], list)
        quirk = 2 if rfc822 and in_multi and body.endswith(b"\r\n") else 0
        if int(d[6]) != int(o[6]) + quirk:
            self.diff(part, "size", d[6], o[6])
        extra = 7
        if rfc822:
            if d[7] != o[7]:
                self.diff(part, "envelope", d[7], o[7])
            self.body(sub(part, 1) if not isinstance(d[8][0], list)
                      else part, d[8], o[8], False)
            extra = 9
        if d[0].lower() == b"text" or rfc822:
            exp = int(d[extra]) + (1 if ends_unterminated(
                body[:len(body) - quirk]) else 0) - (1 if quirk else 0)
            if int(o[extra]) != exp:
                self.diff(part, "lines", d[extra], o[extra])
            extra += 1
        for k in range(extra, len(d)):
            if k == extra + 1 and d[k] is not None:
                self.disposition(part, d[k], o[k])
            elif d[k] != o[k]:
                self.diff(part, "ext %d" % k, d[k], o[k])

    def disposition(self, part, d, o):
        if o is None or d[0].lower() != o[0].lower():
            return self.diff(part, "disposition", d, o)
        self.params(part, d[1], o[1])

    def multi(self, part, d, o):
        dk, ok = leading_lists(d), leading_lists(o)
        if len(dk) != len(ok):
            return self.diff(part, "parts", len(dk), len(ok))
        for n, (a, b) in enumerate(zip(dk, ok), 1):
            self.body(sub(part, n), a, b, True)
        dr, orr = d[len(dk):], o[len(ok):]
        if len(dr) != len(orr) or dr[0].lower() != orr[0].lower():
            return self.diff(part, "multipart fields", dr, orr)
        if len(dr) > 1:
            self.params(part, dr[1], orr[1])
            if dr[2:] != orr[2:]:
                self.diff(part, "multipart ext", dr[2:], orr[2:])


def leading_lists(bs):
    """The parts of a multipart: the lists before its subtype."""
    n = 0
    while n < len(bs) and isinstance(bs[n], list):
        n += 1
    return bs[:n]


def sub(part, n):
    return "%s.%d" % (part, n) if part else str(n)


def part_numbers(bs, part="", out=None, in_multi=False):
    """(part number, kind) of every part of a BODYSTRUCTURE."""
    out = [] if out is None else out
    if isinstance(bs[0], list):
        kids = leading_lists(bs)
        for n, k in enumerate(kids, 1):
            out.append((sub(part, n), "multi" if isinstance(k[0], list)
                        else "leaf", in_multi or True))
            part_numbers(k, sub(part, n), out, True)
    elif bs[0].lower() == b"message" and bs[1].lower() == b"rfc822" and \
            len(bs) > 9 and isinstance(bs[7], list):
        out[-1] = (out[-1][0], "rfc822", out[-1][2]) if out else out
        inner = bs[8]
        if isinstance(inner[0], list):
            part_numbers(inner, part, out, True)
        else:
            out.append((sub(part, 1), "leaf", False))
    return out


# ---- the test ----

def setup(work):
    user = pwd.getpwnam("nobody")
    maildir = os.path.join(work, "Maildir")
    for d in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(maildir, d))
    files = []
    for path in sorted(glob.glob(os.path.join(CORPUS, "*.eml"))):
        files.append((os.path.basename(path), open(path, "rb").read()))
    for name, text in sorted(EXTRA.items()):
        files.append((name, text.replace("\n", "\r\n").encode("latin-1")))
    paths = []
    for n, (name, data) in enumerate(files, 1):
        p = os.path.join(maildir, "cur", "%d.%s:2,S" % (n, name))
        with open(p, "wb") as f:
            f.write(data)
        paths.append((name, p))
    with open(os.path.join(work, "conf"), "w") as f:
        f.write(CONF % {"work": work, "user": "nobody",
                        "group": pwd.getpwuid(user.pw_uid).pw_name
                        and __import__("grp").getgrgid(user.pw_gid).gr_name})
    for path, dirs, names in os.walk(work):
        os.chown(path, user.pw_uid, user.pw_gid)
        for name in names:
            os.chown(os.path.join(path, name), user.pw_uid, user.pw_gid)
    d = work
    while d not in ("/", ""):
        os.chmod(d, os.stat(d).st_mode | 0o711)
        d = os.path.dirname(d)
    return paths


def section_items(parts):
    items = ["BODY.PEEK[]", "BODY.PEEK[HEADER]", "BODY.PEEK[TEXT]",
             "BODY.PEEK[HEADER.FIELDS (FROM SUBJECT X-LONG)]",
             "BODY.PEEK[HEADER.FIELDS.NOT (FROM TO)]",
             "BODY.PEEK[TEXT]<3.17>", "BODY.PEEK[]<9999.5>",
             "BODY.PEEK[1]", "BODY.PEEK[1.MIME]", "BODY.PEEK[9]"]
    for num, kind, in_multi in parts:
        items += ["BODY.PEEK[%s]" % num, "BODY.PEEK[%s.MIME]" % num,
                  "BODY.PEEK[%s]<2.5>" % num]
        if kind == "rfc822":
            items += ["BODY.PEEK[%s.HEADER]" % num,
                      "BODY.PEEK[%s.TEXT]" % num,
                      "BODY.PEEK[%s.HEADER.FIELDS (SUBJECT)]" % num]
        if kind == "leaf":
            items += ["BINARY.PEEK[%s]" % num, "BINARY.SIZE[%s]" % num]
    return items


def compare_section(name, item, ditems, dst, o, parts):
    ov, ost = o
    size = re.match(r"BINARY\.SIZE\[([\d.]+)\]$", item)
    if size and dst == "NO" and ost == "OK" and \
            "BINARY[%s]" % size.group(1) in ditems:
        # Dovecot refuses BINARY.SIZE[n] of a part it decodes fine when
        # another part of the message has an unknown CTE: the size must
        # be the length of its BINARY[n].
        want = len(ditems["BINARY[%s]" % size.group(1)])
        return check(list(ov.values()) == [str(want)],
                     "%s %s is the length of Dovecot's BINARY[%s] (%d)"
                     % (name, item, size.group(1), want))
    if dst != ost:
        return check(False, "%s %s: dovecot %s, ours %s"
                     % (name, item, dst, ost))
    if dst != "OK":
        return check(True, "%s %s: both %s" % (name, item, dst))
    if len(ov) != 1:
        return check(False, "%s %s: one item from our driver" % (name, item))
    key, oval = list(ov.items())[0]
    if key not in ditems:
        return check(False, "%s %s: Dovecot answered %s"
                     % (name, item, key))
    dval = ditems[key]
    num = re.match(r"BODY\.PEEK\[([\d.]+?)(\.TEXT)?\]$", item)
    nonleaf_in_multi = num and any(p[0] == num.group(1) and
                                   p[1] != "leaf" and p[2] for p in parts)
    if nonleaf_in_multi and dval == (oval or b"") + b"\r\n":
        return check(True, "%s %s: equal but Dovecot's trailing CRLF"
                     % (name, item))
    check(dval == oval, "%s %s equal (%s)"
          % (name, item, "%d octets" % len(oval)
             if isinstance(oval, bytes) else oval))
    if dval != oval:
        print("     dovecot %r\n     ours    %r" % (dval, oval))


def main():
    for prog in (DRIVER, DOVECOT_IMAP):
        if not os.path.exists(prog):
            check(False, "%s exists (make check / scripts/lib.sh)" % prog)
            finish()
    if os.getuid() != 0:
        check(False, "running as root (Dovecot drops to nobody)")
        finish()
    work = tempfile.mkdtemp(prefix="gd-imap-structure-")
    try:
        paths = setup(work)
        cmds = [("s%d" % n, n, " ".join(ENVELOPE_ITEMS))
                for n in range(1, len(paths) + 1)]
        ditems, dstatus = dovecot(work, cmds)
        plan, allparts = [], {}
        for n, (name, path) in enumerate(paths, 1):
            dv = ditems.get(n, {})
            check(dstatus.get("s%d" % n) == "OK" and "BODYSTRUCTURE" in dv,
                  "%s: Dovecot answers FETCH" % name)
            allparts[n] = part_numbers(dv["BODYSTRUCTURE"])
            for k, item in enumerate(section_items(allparts[n])):
                plan.append(("t%d_%d" % (n, k), n, item))
        sitems, sstatus = dovecot(work, plan)
        for n, (name, path) in enumerate(paths, 1):
            dv = ditems[n]
            ov, st = ours(path, " ".join(ENVELOPE_ITEMS))
            check(st == "OK", "%s: our driver answers" % name)
            check(dv.get("ENVELOPE") == ov.get("ENVELOPE"),
                  "%s ENVELOPE equal" % name)
            if dv.get("ENVELOPE") != ov.get("ENVELOPE"):
                print("     dovecot %r\n     ours    %r"
                      % (dv.get("ENVELOPE"), ov.get("ENVELOPE")))
            bodies = {}
            for key, val in sitems.get(n, {}).items():
                m = re.match(r"BODY\[([\d.]+)\]$", key)
                if m:
                    bodies[m.group(1)] = val
            for key in ("BODYSTRUCTURE", "BODY"):
                c = Cmp(bodies, "%s %s" % (name, key))
                c.body("", dv[key], ov[key], False)
                check(not c.diffs, "%s %s equal (documented choices "
                      "apart)" % (name, key))
                for line in c.diffs:
                    print("     " + line)
        for tag, seq, item in plan:
            name, path = paths[seq - 1]
            compare_section(name, item, sitems.get(seq, {}),
                            sstatus.get(tag, "MISSING"), ours(path, item),
                            allparts[seq])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    finish()


main()
