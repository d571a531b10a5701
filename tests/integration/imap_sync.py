"""The two-way sync scenario of complex-imap-mbsync.py and
complex-imap-offlineimap.py: one mailbox tree on the server, another in a
local Maildir tree, a sync tool run between them.

    two_way_sync(srv, tmp, run, local_dir)

run() runs the tool once (returns (exit code, output)); local_dir(name)
is the local Maildir of folder `name` ("INBOX", "Work/Old"); strip names
header fields the tool adds to the copies it makes (mbsync's X-TUID),
left out of the byte comparisons.  The steps,
each checked:
  1. seed: on the server (through imaplib: CREATE, APPEND) INBOX with
     two delivered messages, "Work" with one, "Work/Old" with one;
     locally "Lists" with two and INBOX with one;
  2. the first sync: both sides hold the union, folder by folder, the
     same messages (by Message-ID; the bytes equal, line ends aside);
  3. changes on both sides: locally a message flagged (Maildir F) and one
     deleted (its file removed), and a new one in Work; on the server
     another message \\Seen (imaplib STORE) and a new one delivered to
     INBOX; the second sync carries each across (the flag, the
     deletion, both new messages);
  4. a third sync changes nothing on either side (every file name and
     content of both Maildir trees as before)."""
import imaplib
import os
import re
import time

from gdtest import TIMEOUT, check
from imap_util import PASSWORD, USER, lf, make_message

SERVER_TREE = {"INBOX": ["sync-in-1", "sync-in-2"], "Work": ["sync-w-1"],
               "Work/Old": ["sync-wo-1"]}
LOCAL_TREE = {"INBOX": ["sync-lin-1"], "Lists": ["sync-l-1", "sync-l-2"]}


def message_id(data):
    m = re.search(rb"\nMessage-ID: *<([^>]*)>", b"\n" + data, re.I)
    return m.group(1).decode() if m else None


def connect(srv):
    c = imaplib.IMAP4("127.0.0.1", srv.imap, timeout=TIMEOUT)
    c.login(USER, PASSWORD)
    return c


def separator(c):
    typ, data = c.list('""', '""')
    m = re.search(rb'\) "(.)"', data[0] or b"")
    return m.group(1).decode() if m else "/"


def seed_server(srv):
    """Through IMAP, so it holds for any server's store layout."""
    c = connect(srv)
    sep = separator(c)
    n = 0
    for folder, tags in SERVER_TREE.items():
        name = folder.replace("/", sep)
        if folder != "INBOX":
            typ, _ = c.create(name)
            check(typ == "OK", "CREATE %s" % name)
        for tag in tags:
            n += 1
            if folder == "INBOX":
                srv.deliver(make_message(tag, n))
            else:
                typ, _ = c.append(name, None, None, make_message(tag, n))
                check(typ == "OK", "APPEND to %s" % name)
    c.logout()


def write_local(path, data, flags=""):
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(path, sub), exist_ok=True)
    name = "%d.%d_%d.local" % (time.time(), os.getpid(),
                                write_local.n)
    write_local.n += 1
    sub = "cur" if flags else "new"
    with open(os.path.join(path, sub, name + (":2," + flags
                                              if flags else "")), "wb") as f:
        f.write(data)


write_local.n = 0


def local_messages(path):
    """{Message-ID: (flags, bytes)} of one local Maildir."""
    out = {}
    for sub in ("cur", "new"):
        d = os.path.join(path, sub)
        for name in os.listdir(d) if os.path.isdir(d) else []:
            with open(os.path.join(d, name), "rb") as f:
                data = f.read()
            flags = name.split(":2,", 1)[1] if ":2," in name else ""
            out[message_id(data)] = (flags, data)
    return out


def server_messages(srv):
    """{folder: {Message-ID: (flags, bytes)}} through IMAP."""
    c = connect(srv)
    sep = separator(c)
    out = {}
    typ, lines = c.list()
    for line in lines:
        m = re.match(rb'\(([^)]*)\) (?:"."|NIL) "?([^"]*)"?$', line)
        if not m or b"\\Noselect" in m.group(1):
            continue
        name = m.group(2).decode()
        typ, count = c.select('"%s"' % name, readonly=True)
        box = out[name.replace(sep, "/")] = {}
        if typ != "OK":
            continue
        if count[0] == b"0":        # 1:* is no set in an empty mailbox
            c.close()
            continue
        typ, data = c.fetch("1:*", "(FLAGS BODY.PEEK[])")
        for item in data if typ == "OK" else []:
            if isinstance(item, tuple):
                flags = re.search(rb"FLAGS \(([^)]*)\)", item[0])
                box[message_id(item[1])] = (
                    flags.group(1).decode() if flags else "", item[1])
        c.close()
    c.logout()
    return out


def clean(data, strip):
    """data, line ends LF, without the header fields named in strip."""
    data = lf(data)
    for name in strip:
        data = re.sub(rb"(?im)^%s:.*\n" % name.encode(), b"", data,
                      count=1)
    return data


def same_tree(srv, local_dir, want, label, strip):
    """Both sides hold `want` ({folder: set of Message-IDs}), the same
    bytes (line ends and the tool's own fields aside)."""
    remote = server_messages(srv)
    for folder, ids in want.items():
        r = remote.get(folder, {})
        loc = local_messages(local_dir(folder))
        check(set(r) == ids, "%s: the server's %s holds %s (%s)"
              % (label, folder, sorted(ids), sorted(map(str, r))))
        check(set(loc) == ids, "%s: the local %s holds %s (%s)"
              % (label, folder, sorted(ids), sorted(map(str, loc))))
        same = all(clean(r[i][1], strip) == clean(loc[i][1], strip)
                   for i in ids
                   if i in r and i in loc)
        check(same, "%s: %s: the same bytes on both sides" % (label,
                                                              folder))
    return remote


def tail(rc, out):
    """The tool's output, for a failed run's message."""
    return "\n" + out[-3000:] if rc != 0 else ""


def snapshot(*roots):
    """Every file's path and content under the roots."""
    out = {}
    for root in roots:
        for path, dirs, files in os.walk(root):
            for name in files:
                p = os.path.join(path, name)
                with open(p, "rb") as f:
                    out[p] = f.read()
    return out


def two_way_sync(srv, tmp, run, local_dir, state_dirs=(), strip=()):
    seed_server(srv)
    n = 100
    for folder, tags in LOCAL_TREE.items():
        for tag in tags:
            n += 1
            write_local(local_dir(folder), make_message(tag, n), "S")
    rc, out = run()
    check(rc == 0, "the first sync succeeds (%d)%s" % (rc, tail(rc, out)))
    want = {f: {"%s@client.test" % t for t in tags}
            for tree in (SERVER_TREE, LOCAL_TREE)
            for f, tags in tree.items()}
    want["INBOX"] = {"%s@client.test" % t for t in
                     SERVER_TREE["INBOX"] + LOCAL_TREE["INBOX"]}
    same_tree(srv, local_dir, want, "first sync", strip)

    # Changes on both sides.
    inbox = local_dir("INBOX")
    for sub in ("cur", "new"):
        for name in os.listdir(os.path.join(inbox, sub)):
            p = os.path.join(inbox, sub, name)
            with open(p, "rb") as f:
                mid = message_id(f.read())
            if mid == "sync-in-1@client.test":
                base = name.split(":2,", 1)[0]
                flags = name.split(":2,", 1)[1] if ":2," in name else ""
                os.rename(p, os.path.join(inbox, "cur", base + ":2," +
                                          "".join(sorted(flags + "F"))))
            elif mid == "sync-lin-1@client.test":
                os.unlink(p)
    write_local(local_dir("Work"), make_message("sync-w-new", 200), "S")
    c = connect(srv)
    c.select("INBOX")
    typ, data = c.search(None, "HEADER", "Message-ID", "sync-in-2")
    check(typ == "OK" and len(data[0].split()) == 1,
          "the server finds sync-in-2 (%r)" % data)
    c.store(data[0].split()[0].decode(), "+FLAGS", "(\\Seen)")
    c.logout()
    srv.deliver(make_message("sync-in-new", 201))
    rc, out = run()
    check(rc == 0, "the second sync succeeds (%d)%s" % (rc, tail(rc, out)))
    want["INBOX"] = {"sync-in-1@client.test", "sync-in-2@client.test",
                     "sync-in-new@client.test"}
    want["Work"] = {"sync-w-1@client.test", "sync-w-new@client.test"}
    remote = same_tree(srv, local_dir, want, "second sync", strip)
    loc = local_messages(inbox)
    r = remote.get("INBOX", {})
    check("\\Flagged" in r.get("sync-in-1@client.test", ("", b""))[0],
          "the local flag reached the server (\\Flagged)")
    check("S" in loc.get("sync-in-2@client.test", ("", b""))[0],
          "the server's \\Seen reached the local copy (S)")

    before = snapshot(srv.maildir, *state_dirs)
    before_local = snapshot(local_dir("INBOX"), os.path.dirname(
        local_dir("Work")))
    rc, out = run()
    check(rc == 0, "the third sync succeeds (%d)%s" % (rc, tail(rc, out)))
    after = snapshot(srv.maildir, *state_dirs)
    after_local = snapshot(local_dir("INBOX"), os.path.dirname(
        local_dir("Work")))
    changed = sorted(set(before) ^ set(after)) + sorted(
        p for p in before if p in after and before[p] != after[p])
    check(not [p for p in changed if "/cur/" in p or "/new/" in p],
          "the third sync changed no message on the server (%s)"
          % changed[:5])
    changed = sorted(set(before_local) ^ set(after_local)) + sorted(
        p for p in before_local if p in after_local and
        before_local[p] != after_local[p])
    check(not [p for p in changed if "/cur/" in p or "/new/" in p],
          "the third sync changed no local message (%s)" % changed[:5])
