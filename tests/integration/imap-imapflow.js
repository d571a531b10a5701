// imap-imapflow.js: the node half of complex-imap-imapflow.py (issue 9).
//
//   node imap-imapflow.js PORT CAFILE USER PASSWORD REV2
//
// Drives the server through imapflow (STARTTLS upgrade, LOGIN) and
// prints one JSON line per check, {"ok": bool, "what": text}; for the
// IDLE part it prints {"deliver": true} and waits for a line on stdin
// (the Python half delivers a message, then answers).  Bounded: every
// wait has a time limit, and the script exits within 60 s.
'use strict';
const fs = require('fs');
const readline = require('readline');
const { ImapFlow } = require('imapflow');

const [port, cafile, user, pass, rev2] = process.argv.slice(2);
// After login (imapflow keeps the list of the LOGIN/AUTHENTICATE reply):
// SASL-IR concerns AUTHENTICATE only, so a server may drop it once
// authenticated (gumdrop does; complex-imap-session.py checks it before).
const EXTENSIONS = ['LITERAL+', 'ENABLE', 'IDLE', 'NAMESPACE',
    'UNSELECT', 'UIDPLUS', 'MOVE', 'ESEARCH', 'SEARCHRES', 'LIST-EXTENDED',
    'LIST-STATUS', 'SPECIAL-USE', 'CHILDREN', 'BINARY', 'STATUS=SIZE'];
const SPECIAL = { Drafts: '\\Drafts', Sent: '\\Sent', Trash: '\\Trash',
    Junk: '\\Junk', Archive: '\\Archive' };

setTimeout(() => { check(false, 'finished within 60 s'); process.exit(1); },
    60000).unref();

// JSON text of v (imapflow gives UIDVALIDITY as a BigInt).
function json(v) {
    return JSON.stringify(v, (k, x) => typeof x === 'bigint' ?
        x.toString() : x);
}

function check(ok, what) {
    console.log(JSON.stringify({ ok: !!ok, what }));
}

function client() {
    return new ImapFlow({ host: '127.0.0.1', port: Number(port),
        secure: false, doSTARTTLS: true, logger: false,
        auth: { user, pass }, tls: { ca: [fs.readFileSync(cafile)] },
        clientInfo: { name: 'gumdrop-test' }, disableAutoIdle: true });
}

function message(tag) {
    return ['From: Alice Example <alice@example.test>',
        'To: Demo User <demo@localhost>', 'Subject: imapflow ' + tag,
        'Date: Mon, 30 Nov 2026 18:00:00 +0000',
        'Message-ID: <' + tag + '@imapflow.test>', 'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="b"', '', '--b',
        'Content-Type: text/plain; charset=utf-8', '', 'text of ' + tag,
        '--b', 'Content-Type: application/octet-stream',
        'Content-Transfer-Encoding: base64', '', 'AAECAwQFBgcICQ==', '--b--',
        ''].join('\r\n');
}

async function capabilities(c) {
    check(c.secureConnection, 'the session went to TLS (STARTTLS)');
    check(c.authCapabilities.get('AUTH=PLAIN') === true,
        'logged in with AUTHENTICATE PLAIN (offered under TLS)');
    const missing = EXTENSIONS.filter((e) => !c.capabilities.has(e));
    check(missing.length === 0, 'capabilities include ' +
        EXTENSIONS.join(' ') + ' (missing: ' + missing.join(' ') + ')');
    if (rev2 === '1')
        check(c.capabilities.has('IMAP4rev2'), 'IMAP4rev2 is announced');
    check(c.serverInfo && Object.keys(c.serverInfo).length > 0,
        'ID answered with server fields (' + json(c.serverInfo) +
        ')');
    check(c.namespace && c.namespace.delimiter,
        'NAMESPACE: a personal namespace with a delimiter (' +
        json(c.namespace) + ')');
}

async function folders(c) {
    const made = await c.mailboxCreate(['Projects', 'Bench']);
    check(made && made.created, 'CREATE Projects' + c.namespace.delimiter +
        'Bench (' + json(made) + ')');
    const list = await c.list({ statusQuery: { messages: true,
        unseen: true } });
    const by = Object.fromEntries(list.map((m) => [m.path, m]));
    for (const [name, use] of Object.entries(SPECIAL))
        check(by[name] && by[name].specialUse === use,
            'LIST: ' + name + ' is ' + use);
    check(by.INBOX && by.INBOX.status &&
        by.INBOX.status.messages === 1,
        'LIST-STATUS: INBOX has 1 message (' +
        json(by.INBOX && by.INBOX.status) + ')');
    const parent = by.Projects;
    check(parent && parent.flags.has('\\HasChildren'),
        'CHILDREN: Projects \\HasChildren');
}

async function messages(c) {
    const a = await c.append('INBOX', message('flow-1'), ['\\Flagged']);
    check(a && a.uid > 0 && a.uidValidity > 0,
        'APPEND answers APPENDUID (' + json(a) + ')');
    const lock = await c.getMailboxLock('INBOX');
    try {
        check(c.mailbox.exists === 2, 'SELECT INBOX: 2 messages (' +
            c.mailbox.exists + ')');
        const unseen = await c.search({ seen: false }, { uid: true });
        check(unseen.length === 2 && unseen.includes(a.uid),
            'UID SEARCH UNSEEN: both messages (' + unseen + ')');
        const f = await c.search({ flagged: true }, { uid: true });
        check(f.length === 1 && f[0] === a.uid,
            'UID SEARCH FLAGGED: the appended one (' + f + ')');
        const m = await c.fetchOne(String(a.uid), { envelope: true,
            bodyStructure: true, flags: true, size: true }, { uid: true });
        check(m.envelope.subject === 'imapflow flow-1' &&
            m.envelope.messageId === '<flow-1@imapflow.test>',
            'FETCH ENVELOPE: subject and Message-ID');
        const parts = (m.bodyStructure.childNodes || []).map((p) => p.type);
        check(m.bodyStructure.type === 'multipart/mixed' &&
            parts.join(',') === 'text/plain,application/octet-stream',
            'FETCH BODYSTRUCTURE: multipart/mixed of text/plain and ' +
            'application/octet-stream (' + parts + ')');
        const d = await c.download(String(a.uid), '2', { uid: true,
            binary: true });
        const chunks = [];
        for await (const chunk of d.content)
            chunks.push(chunk);
        const got = Buffer.concat(chunks);
        check(got.equals(Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])),
            'BINARY[2]: the decoded attachment (' + got.toString('hex') +
            ')');
        const mv = await c.messageMove(String(a.uid), 'Archive',
            { uid: true });
        check(mv && mv.uidMap && mv.uidMap.get(a.uid) > 0,
            'MOVE to Archive answers COPYUID (' + json(mv &&
            [...(mv.uidMap || [])]) + ')');
        check(c.mailbox.exists === 1, 'after MOVE INBOX has 1 message');
    } finally {
        lock.release();
    }
    const st = await c.status('Archive', { messages: true, uidNext: true });
    check(st.messages === 1, 'STATUS Archive: 1 message (' +
        json(st) + ')');
}

async function idle(c, lines) {
    const lock = await c.getMailboxLock('INBOX');
    try {
        const before = c.mailbox.exists;
        const seen = new Promise((resolve) => {
            c.on('exists', (e) => resolve(e));
            setTimeout(() => resolve(null), 10000);
        });
        const idling = c.idle();
        await new Promise((r) => setTimeout(r, 200));
        console.log(JSON.stringify({ deliver: true }));
        await lines.next();
        const t0 = Date.now();
        const e = await seen;
        check(e && e.count === before + 1, 'IDLE: EXISTS ' + (before + 1) +
            ' pushed, ' + (e ? Date.now() - t0 + ' ms after delivery' :
                'none within 10 s'));
        await c.noop();
        await idling;
    } finally {
        lock.release();
    }
}

async function main() {
    const c = client();
    const stdin = readline.createInterface({ input: process.stdin });
    const lines = stdin[Symbol.asyncIterator]();
    try {
        await c.connect();
        await capabilities(c);
        await folders(c);
        await messages(c);
        await idle(c, lines);
        await c.logout();
        check(true, 'LOGOUT');
    } catch (e) {
        check(false, 'imapflow: ' + (e.responseText || e.message));
    }
    stdin.close();
}

main().then(() => process.exit(0));
