#!/bin/bash
# krb5-kdc.sh — a throw-away MIT Kerberos realm on loopback, for the GSSAPI
# tests (tests/unit/test-sasl-gssapi.c runs it; usable by hand too).
#
#   krb5-kdc.sh start DIR [HOST]   make realm EXAMPLE.TEST in DIR (empty or
#                                  missing), start krb5kdc on 127.0.0.1 on a
#                                  free port, and print the environment to
#                                  use it (KRB5_CONFIG=..., one per line)
#   krb5-kdc.sh stop DIR           kill the KDC (by the pid it wrote)
#
# In DIR: krb5.conf and kdc.conf (KRB5_CONFIG, KRB5_KDC_PROFILE), the
# database, service.keytab (smtp/HOST, imap/HOST: HOST defaults to
# localhost), and a credential cache per user: ccache-alice (alice, whose
# password is alice-pw) and ccache-admin (alice/admin: a two-part
# principal).  bob exists but has no ticket.  Nothing here reads
# /etc/krb5.conf or talks to anything but 127.0.0.1; every command is
# bounded in time.  Needs the Debian packages krb5-kdc, krb5-admin-server
# (kadmin.local) and krb5-user (kinit).
set -eu

REALM=EXAMPLE.TEST
SBIN=/usr/sbin

die() { echo "krb5-kdc.sh: $*" >&2; exit 1; }

free_port() {
    python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

write_conf() {
    local dir=$1 port=$2
    cat > "$dir/krb5.conf" <<EOF
[libdefaults]
	default_realm = $REALM
	dns_lookup_kdc = false
	dns_lookup_realm = false
	dns_canonicalize_hostname = false
	rdns = false
	udp_preference_limit = 1
	kdc_timeout = 2s
	max_retries = 1
[realms]
	$REALM = {
		kdc = 127.0.0.1:$port
	}
[domain_realm]
	localhost = $REALM
	.test = $REALM
EOF
    cat > "$dir/kdc.conf" <<EOF
[kdcdefaults]
	kdc_listen = 127.0.0.1:$port
	kdc_tcp_listen = 127.0.0.1:$port
[realms]
	$REALM = {
		database_name = $dir/principal
		key_stash_file = $dir/stash
		acl_file = $dir/kadm5.acl
		kdc_listen = 127.0.0.1:$port
		kdc_tcp_listen = 127.0.0.1:$port
		max_life = 1h
		supported_enctypes = aes256-cts-hmac-sha1-96:normal
	}
[logging]
	kdc = FILE:$dir/kdc.log
	admin_server = FILE:$dir/kadmin.log
	default = FILE:$dir/krb5.log
EOF
    : > "$dir/kadm5.acl"
}

make_db() {
    local dir=$1 host=$2
    timeout 30 "$SBIN/kdb5_util" -r "$REALM" create -s -P master-pw \
        > "$dir/kdb5_util.log" 2>&1 || die "kdb5_util create failed"
    # One kadmin.local for every command (each start costs a second).
    timeout 30 "$SBIN/kadmin.local" -r "$REALM" > "$dir/kadmin.local.log" \
        2>&1 <<EOF || die "kadmin.local failed (see $dir/kadmin.local.log)"
addprinc -pw alice-pw alice
addprinc -pw admin-pw alice/admin
addprinc -pw bob-pw bob
addprinc -randkey smtp/$host
addprinc -randkey imap/$host
ktadd -k $dir/service.keytab smtp/$host imap/$host
EOF
    [ -s "$dir/service.keytab" ] || die "no keytab (see $dir/kadmin.local.log)"
}

start_kdc() {
    local dir=$1 i
    "$SBIN/krb5kdc" -n -r "$REALM" -P "$dir/kdc.pid" \
        < /dev/null >> "$dir/kdc.out" 2>&1 &
    echo $! > "$dir/kdc.pid"
    for i in $(seq 1 100); do
        grep -q "commencing operation" "$dir/kdc.log" 2>/dev/null && return 0
        kill -0 "$(cat "$dir/kdc.pid")" 2>/dev/null || break
        sleep 0.05
    done
    die "krb5kdc did not start (see $dir/kdc.log, $dir/kdc.out)"
}

get_ticket() {
    local dir=$1 who=$2 pw=$3 file=$4
    echo "$pw" | KRB5CCNAME="FILE:$dir/$file" timeout 20 kinit "$who" \
        > "$dir/kinit.log" 2>&1 || die "kinit $who failed"
}

cmd_start() {
    DIR=$(cd "$1" 2>/dev/null && pwd || (mkdir -p "$1" && cd "$1" && pwd))
    local host=${2:-localhost} port
    [ -x "$SBIN/krb5kdc" ] || die "krb5kdc missing: install krb5-kdc"
    port=$(free_port)
    write_conf "$DIR" "$port"
    export KRB5_CONFIG="$DIR/krb5.conf" KRB5_KDC_PROFILE="$DIR/kdc.conf"
    make_db "$DIR" "$host"
    start_kdc "$DIR"
    get_ticket "$DIR" alice alice-pw ccache-alice
    get_ticket "$DIR" alice/admin admin-pw ccache-admin
    echo "KRB5_CONFIG=$DIR/krb5.conf"
    echo "KRB5_KDC_PROFILE=$DIR/kdc.conf"
    echo "KRB5CCNAME=FILE:$DIR/ccache-alice"
    echo "KRB5_KTNAME=FILE:$DIR/service.keytab"
    echo "KDC_PORT=$port"
}

cmd_stop() {
    local pid
    [ -f "$1/kdc.pid" ] || return 0
    pid=$(cat "$1/kdc.pid")
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 40); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.05
    done
    kill -9 "$pid" 2>/dev/null || true
}

case "${1:-}" in
start) [ $# -ge 2 ] || die "usage: $0 start DIR [HOST]"; cmd_start "$2" "${3:-}";;
stop) [ $# -eq 2 ] || die "usage: $0 stop DIR"; cmd_stop "$2";;
*) die "usage: $0 start DIR [HOST] | stop DIR";;
esac
