#!/bin/bash
# postfix.sh — a throw-away Postfix instance on loopback, for the SMTP
# tests and scripts/bench-smtp (usable by hand too).
#
#   postfix.sh start DIR relay NEXTHOP [--tls LEVEL] [--ca FILE]
#                                   [--port N]
#       A client: whatever is submitted to it over SMTP (on 127.0.0.1,
#       SMTP_PORT below; any sender, any recipient) goes to NEXTHOP, given
#       as Postfix writes it: smtp:[127.0.0.1]:PORT, lmtp:inet:127.0.0.1:PORT
#       or lmtp:unix:/path/to/socket (loopback and UNIX sockets only).
#       --tls is the client's STARTTLS policy towards NEXTHOP: none
#       (default), may, encrypt, verify or secure (--ca: the CA file to
#       check the server with; verify and secure match the name
#       "localhost" or the address).  Failed deliveries are retried every
#       second or so, and bounced after 60 s.  (Submission is over SMTP
#       only: the sendmail/postdrop path is not set up.)
#   postfix.sh start DIR maildir [--users a,b,...] [--domain D] [--port N]
#       The benchmark's reference MTA: receives SMTP on 127.0.0.1 and
#       delivers USER@D (default domain bench.test, users bench and alice)
#       to the Maildir DIR/mail/D/USER/ with virtual(8), fsync included;
#       process and concurrency limits raised for 20 concurrent sessions.
#   postfix.sh wait DIR [SECONDS]   wait (default 30 s) until the queue is
#       empty; print one line per delivery attempt logged so far:
#       "QUEUEID RECIPIENT STATUS RELAY (TEXT)"; exit 1 on time-out
#   postfix.sh stop DIR             stop the instance (postfix stop, then
#       the master's pid), bounded in time
#
# start prints the environment to use it, one NAME=VALUE per line:
# SMTP_PORT, POSTFIX_CONFIG (for postfix -c, postconf -c), QUEUE_DIR,
# MAILLOG (Postfix's own log: maillog_file through postlogd), and for
# maildir MAILDIR_BASE.
#
# Everything is under DIR: configuration (DIR/etc), queue (DIR/spool), data
# (DIR/data), log (DIR/maillog), mailboxes (DIR/mail).  No DNS (every
# next hop is an address or a socket; smtp_dns_support_level = disabled,
# native host lookups), no local delivery (mydestination is empty,
# local_transport is error:), no system alias or /etc/postfix/main.cf:
# only the package's programs and its meta files (dynamicmaps.cf,
# postfix-files) are used.  The processes run as the system's postfix user
# and postdrop group, which Debian's postfix package creates; DIR is made
# readable by them.  Needs root and the Debian package postfix (its
# debconf main_mailer_type "No configuration": no system instance).
set -eu

die() { echo "postfix.sh: $*" >&2; exit 1; }

free_port() {
    python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# main_common DIR: the settings both roles share.
main_common() {
    local dir=$1
    cat <<EOF
# Written by tests/integration/postfix.sh: a private instance in $dir.
compatibility_level = 3.6
config_directory = $dir/etc
queue_directory = $dir/spool
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
myhostname = postfix.test
mydomain = postfix.test
myorigin = postfix.test
mydestination =
local_recipient_maps =
local_transport = error:5.1.1 no local delivery here
alias_maps =
alias_database =
biff = no
append_dot_mydomain = no
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtp_bind_address = 127.0.0.1
lmtp_bind_address = 127.0.0.1
smtp_dns_support_level = disabled
lmtp_dns_support_level = disabled
smtp_host_lookup = native
lmtp_host_lookup = native
smtpd_peername_lookup = no
smtpd_banner = \$myhostname ESMTP
smtputf8_enable = yes
message_size_limit = 209715200
mailbox_size_limit = 0
virtual_mailbox_limit = 0
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions =
smtpd_client_connection_count_limit = 1000
smtpd_client_connection_rate_limit = 0
default_process_limit = 100
EOF
}

# master_cf PORT: the services (nothing chrooted: the chroot would need
# copies of system files under the queue).
master_cf() {
    local port=$1
    cat <<EOF
127.0.0.1:$port inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
virtual   unix  -       n       n       -       -       virtual
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

# main_relay NEXTHOP TLS CA: every recipient goes to NEXTHOP.
main_relay() {
    local nexthop=$1 tls=$2 ca=$3
    case $nexthop in
    smtp:\[127.0.0.1\]:[0-9]*|smtp:\[::1\]:[0-9]*) ;;
    lmtp:inet:127.0.0.1:[0-9]*|lmtp:inet:\[::1\]:[0-9]*) ;;
    lmtp:unix:/*) ;;
    *) die "next hop must be smtp:[127.0.0.1]:PORT, lmtp:inet:127.0.0.1:PORT or lmtp:unix:/PATH, not $nexthop";;
    esac
    case $tls in
    none|may|encrypt|verify|secure) ;;
    *) die "--tls: none, may, encrypt, verify or secure";;
    esac
    [ "$tls" = none ] && tls=
    cat <<EOF
transport_maps = static:$nexthop
relay_domains =
smtp_tls_security_level = $tls
lmtp_tls_security_level = $tls
smtp_tls_CAfile = $ca
lmtp_tls_CAfile = $ca
smtp_tls_verify_cert_match = hostname, nexthop, localhost, 127.0.0.1
lmtp_tls_verify_cert_match = hostname, nexthop, localhost, 127.0.0.1
smtp_tls_secure_cert_match = nexthop, localhost, 127.0.0.1
lmtp_tls_secure_cert_match = nexthop, localhost, 127.0.0.1
smtp_tls_loglevel = 1
lmtp_tls_loglevel = 1
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
maximal_queue_lifetime = 60s
bounce_queue_lifetime = 60s
EOF
}

# main_maildir DIR DOMAIN: virtual(8) Maildirs under DIR/mail, tuned for
# 20 concurrent sessions delivering to one recipient.
main_maildir() {
    local dir=$1 domain=$2 uid gid
    uid=$(id -u nobody) gid=$(getent group nogroup | cut -d: -f3)
    cat <<EOF
virtual_mailbox_domains = $domain
virtual_mailbox_base = $dir/mail
virtual_mailbox_maps = texthash:$dir/etc/vmailbox
virtual_uid_maps = static:$uid
virtual_gid_maps = static:$gid
virtual_minimum_uid = 100
transport_maps =
relay_domains =
default_destination_concurrency_limit = 20
virtual_destination_concurrency_limit = 20
virtual_destination_recipient_limit = 1
initial_destination_concurrency = 20
qmgr_message_active_limit = 20000
in_flow_delay = 0
EOF
}

write_vmailbox() {
    local dir=$1 domain=$2 users=$3 u
    : > "$dir/etc/vmailbox"
    for u in ${users//,/ }; do
        printf '%s@%s %s/%s/\n' "$u" "$domain" "$domain" "$u" \
            >> "$dir/etc/vmailbox"
    done
    mkdir -p "$dir/mail"
    chown nobody:nogroup "$dir/mail"
}

# make_dirs DIR: the layout, readable by the postfix user.
make_dirs() {
    local dir=$1
    id postfix > /dev/null 2>&1 || die "no postfix user: install postfix"
    getent group postdrop > /dev/null || die "no postdrop group"
    mkdir -p "$dir/etc" "$dir/spool" "$dir/data"
    chmod 755 "$dir" "$dir/etc" "$dir/spool"
    chown postfix: "$dir/data"
    : > "$dir/maillog"
    chown postfix: "$dir/maillog"
}

start_master() {
    local dir=$1 port=$2 i
    # "postfix start" checks the set-up first (postfix-script check-fatal,
    # which also makes the queue's folders).
    timeout 30 /usr/sbin/postfix -c "$dir/etc" start \
        > "$dir/start.log" 2>&1 || die "postfix start failed: $(cat "$dir/start.log")"
    for i in $(seq 1 200); do
        if python3 - "$port" <<'PY' 2>/dev/null; then return 0; fi
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)
s.settimeout(2)
sys.exit(0 if s.recv(512).startswith(b"220") else 1)
PY
        sleep 0.05
    done
    cat "$dir/maillog" >&2
    die "postfix did not answer on 127.0.0.1:$port"
}

cmd_start() {
    local dir role port="" tls=none ca="" users=bench,alice domain=bench.test
    local nexthop=""
    [ -d "$1" ] || mkdir -p "$1"
    dir=$(cd "$1" && pwd)
    role=$2; shift 2
    [ -x /usr/sbin/postfix ] || die "postfix missing: install the postfix package"
    [ "$(id -u)" -eq 0 ] || die "a private Postfix instance needs root"
    if [ "$role" = relay ]; then
        [ $# -ge 1 ] || die "relay needs a next hop"
        nexthop=$1; shift
    fi
    while [ $# -gt 0 ]; do
        case $1 in
        --tls) tls=$2; shift 2;;
        --ca) ca=$2; shift 2;;
        --port) port=$2; shift 2;;
        --users) users=$2; shift 2;;
        --domain) domain=$2; shift 2;;
        *) die "unknown option $1";;
        esac
    done
    [ -n "$port" ] || port=$(free_port)
    # The services talk over UNIX sockets in DIR/spool/private and
    # public: their paths must fit in sun_path (108 bytes).
    [ ${#dir} -le 70 ] || die "DIR too long for UNIX socket paths: $dir"
    make_dirs "$dir"
    case $role in
    relay)
        { main_common "$dir"
          main_relay "$nexthop" "$tls" "$ca"; } > "$dir/etc/main.cf";;
    maildir)
        { main_common "$dir"
          main_maildir "$dir" "$domain"; } > "$dir/etc/main.cf"
        write_vmailbox "$dir" "$domain" "$users";;
    *) die "role: relay or maildir";;
    esac
    master_cf "$port" > "$dir/etc/master.cf"
    start_master "$dir" "$port"
    echo "SMTP_PORT=$port"
    echo "POSTFIX_CONFIG=$dir/etc"
    echo "QUEUE_DIR=$dir/spool"
    echo "MAILLOG=$dir/maillog"
    [ "$role" = maildir ] && echo "MAILDIR_BASE=$dir/mail"
    return 0
}

# queue_files DIR: how many messages are queued (any state).
queue_files() {
    local q=$1/spool d n=0
    for d in maildrop incoming active deferred hold; do
        [ -d "$q/$d" ] || continue
        n=$((n + $(find "$q/$d" -type f | wc -l)))
    done
    echo "$n"
}

# deliveries DIR: the delivery attempts in the log, one line each.
deliveries() {
    sed -n -E 's/.* postfix\/(smtp|lmtp|virtual|error|discard)\[[0-9]+\]: ([0-9A-F]+): to=<([^>]*)>,( orig_to=<[^>]*>,)? relay=([^,]*),.* status=([a-z]+) (.*)$/\2 \3 \6 \5 \7/p' \
        "$1/maillog"
}

cmd_wait() {
    local dir=$1 secs=${2:-30} end
    end=$(( $(date +%s) + secs ))
    while [ "$(queue_files "$dir")" -gt 0 ] || ! log_settled "$dir"; do
        if [ "$(date +%s)" -ge "$end" ]; then
            deliveries "$dir"
            echo "postfix.sh: queue not empty after ${secs}s" >&2
            return 1
        fi
        sleep 0.1
    done
    deliveries "$dir"
}

# log_settled DIR: every message cleanup(8) logged has its "removed" line
# (postlogd writes the log a moment after the queue file goes).
log_settled() {
    awk '/postfix\/cleanup\[[0-9]+\]: [0-9A-F]+: message-id=/ {
             id = $6; sub(":", "", id); seen[id] = 1 }
         /postfix\/qmgr\[[0-9]+\]: [0-9A-F]+: removed$/ {
             id = $6; sub(":", "", id); gone[id] = 1 }
         END { for (id in seen) if (!(id in gone)) exit 1 }' "$1/maillog"
}

cmd_stop() {
    local dir=$1 pid=""
    [ -f "$dir/etc/main.cf" ] || return 0
    [ -f "$dir/spool/pid/master.pid" ] &&
        pid=$(tr -d ' ' < "$dir/spool/pid/master.pid")
    timeout 20 /usr/sbin/postfix -c "$dir/etc" stop > /dev/null 2>&1 || true
    [ -n "$pid" ] || return 0
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.05
    done
    kill -9 "$pid" 2>/dev/null || true
}

case "${1:-}" in
start) [ $# -ge 3 ] || die "usage: $0 start DIR relay NEXTHOP [opts] | start DIR maildir [opts]"
       shift; cmd_start "$@";;
wait) [ $# -ge 2 ] || die "usage: $0 wait DIR [SECONDS]"; cmd_wait "$2" "${3:-30}";;
stop) [ $# -eq 2 ] || die "usage: $0 stop DIR"; cmd_stop "$2";;
*) die "usage: $0 start DIR relay NEXTHOP [opts] | start DIR maildir [opts] | wait DIR [SECONDS] | stop DIR";;
esac
