#!/bin/bash
# slapd.sh — a throw-away OpenLDAP server on loopback, for the realm-ldap
# tests (tests/unit/test-realm-ldap.c runs it; usable by hand too).
#
#   slapd.sh start DIR     make a directory dc=example,dc=test in DIR (mdb
#                          backend, users below), a CA and a certificate for
#                          127.0.0.1, start slapd on two free ports (ldap://
#                          and ldaps://) and print the environment:
#                          LDAP_URI=..., LDAPS_URI=..., LDAP_CA=..., ...
#   slapd.sh clone DIR NEW another server in NEW with DIR's data and
#                          certificates, on its own ports (quick: for tests
#                          that stop or restart their server)
#   slapd.sh restart DIR   stop, then start again on the same ports with the
#                          same data
#   slapd.sh stop DIR      kill slapd (by the pid it wrote)
#
# Users (ou=people; uid: password): alice: alice-pw (every mapped
# attribute, may act as bob), bob: bob-pw, admin: admin-pw (member of
# cn=admins,ou=groups), "comma,user": comma-pw (a DN that needs escaping),
# dup: dup-pw twice (ou=people and ou=staff: ambiguous).  The service
# cn=gumdrop,dc=example,dc=test (password svc-pw, in DIR/service.pw) may
# read everything; anonymous may only bind.  Nothing here uses the system
# slapd's configuration or data; every command is bounded in time.  Needs
# the Debian packages slapd (slapd, slapadd, slappasswd) and gnutls-bin
# (certtool).
set -eu

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SCHEMA=/etc/ldap/schema

die() { echo "slapd.sh: $*" >&2; exit 1; }

free_port() {
    python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Port choice and start-up are serialised between concurrent runs (the
# unit tests run in parallel): two clones picking the same free port would
# leave one test talking to the other's server.
serialise() {
    exec 9>>"${TMPDIR:-/tmp}/gumdrop-slapd.lock"
    flock -w 120 9 || die "could not take the start-up lock"
}

# True when the process $2 listens on 127.0.0.1:$1.
owns_port() {
    ss -ltnpH "sport = :$1" 2>/dev/null | grep -q "pid=$2,"
}

ssha() { timeout 10 slappasswd -h '{SSHA}' -s "$1"; }

make_certs() {
    local dir=$1
    certtool --generate-privkey --key-type=ecdsa --outfile "$dir/ca.key" \
        2>/dev/null
    cat > "$dir/ca.tmpl" <<EOF
cn = "gumdrop test CA"
ca
cert_signing_key
expiration_days = 2
EOF
    certtool --generate-self-signed --load-privkey "$dir/ca.key" \
        --template "$dir/ca.tmpl" --outfile "$dir/ca.pem" 2>/dev/null
    certtool --generate-privkey --key-type=ecdsa --outfile "$dir/server.key" \
        2>/dev/null
    cat > "$dir/server.tmpl" <<EOF
cn = "127.0.0.1"
ip_address = "127.0.0.1"
dns_name = "localhost"
tls_www_server
expiration_days = 2
EOF
    certtool --generate-certificate --load-privkey "$dir/server.key" \
        --load-ca-certificate "$dir/ca.pem" --load-ca-privkey "$dir/ca.key" \
        --template "$dir/server.tmpl" --outfile "$dir/server.pem" 2>/dev/null
    # A second CA that signed nothing here: "the wrong CA".
    certtool --generate-privkey --outfile "$dir/other-ca.key" 2>/dev/null
    certtool --generate-self-signed --load-privkey "$dir/other-ca.key" \
        --template "$dir/ca.tmpl" --outfile "$dir/other-ca.pem" 2>/dev/null
}

write_conf() {
    local dir=$1
    cat > "$dir/slapd.conf" <<EOF
include $SCHEMA/core.schema
include $SCHEMA/cosine.schema
include $SCHEMA/inetorgperson.schema
include $SCHEMA/nis.schema
include $SRC/modules/realm-ldap/gumdrop.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile $dir/slapd.pid
TLSCACertificateFile $dir/ca.pem
TLSCertificateFile $dir/server.pem
TLSCertificateKeyFile $dir/server.key
database mdb
maxsize 16777216
suffix "dc=example,dc=test"
rootdn "cn=root,dc=example,dc=test"
rootpw root-pw
directory $dir/db
access to attrs=userPassword
	by self read
	by anonymous auth
	by * none
access to *
	by dn.exact="cn=gumdrop,dc=example,dc=test" read
	by self read
	by * none
EOF
}

user_ldif() {
    local dn=$1 uid=$2 pw=$3 n=$4
    cat <<EOF
dn: $dn
objectClass: inetOrgPerson
objectClass: posixAccount
objectClass: gumdropUser
uid: $uid
cn: $uid
sn: $uid
userPassword: $(ssha "$pw")
uidNumber: $n
gidNumber: $n
homeDirectory: /home/$n

EOF
}

write_ldif() {
    local dir=$1
    {
        cat <<EOF
dn: dc=example,dc=test
objectClass: domain
dc: example

dn: ou=people,dc=example,dc=test
objectClass: organizationalUnit
ou: people

dn: ou=staff,dc=example,dc=test
objectClass: organizationalUnit
ou: staff

dn: ou=groups,dc=example,dc=test
objectClass: organizationalUnit
ou: groups

dn: cn=gumdrop,dc=example,dc=test
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: gumdrop
userPassword: $(ssha svc-pw)

dn: uid=alice,ou=people,dc=example,dc=test
objectClass: inetOrgPerson
objectClass: posixAccount
objectClass: gumdropUser
uid: alice
cn: Alice
sn: Liddell
mail: alice@example.test
userPassword: $(ssha alice-pw)
uidNumber: 1001
gidNumber: 1002
homeDirectory: /home/alice
gumdropMailLocation: maildir:/var/mail/alice
gumdropQuotaStorage: 1048576
gumdropQuotaMessages: 1000
gumdropAlias: a1@example.test
gumdropAlias: a2@example.test
gumdropCertFingerprint: SHA256:00112233
gumdropActAs: bob

dn: cn=admins,ou=groups,dc=example,dc=test
objectClass: groupOfNames
cn: admins
member: uid=admin,ou=people,dc=example,dc=test

EOF
        user_ldif "uid=bob,ou=people,dc=example,dc=test" bob bob-pw 1003
        user_ldif "uid=admin,ou=people,dc=example,dc=test" admin admin-pw 1004
        user_ldif "uid=comma\\,user,ou=people,dc=example,dc=test" \
            "comma,user" comma-pw 1005
        user_ldif "uid=dup,ou=people,dc=example,dc=test" dup dup-pw 1006
        user_ldif "uid=dup,ou=staff,dc=example,dc=test" dup dup-pw 1007
    } > "$dir/data.ldif"
}

run_slapd() {
    local dir=$1 i
    rm -f "$dir/slapd.pid"
    # -d 0: stay in the foreground (no fork), log nothing.
    slapd -d 0 -f "$dir/slapd.conf" \
        -h "ldap://127.0.0.1:$(cat "$dir/port")/ ldaps://127.0.0.1:$(cat "$dir/tls-port")/" \
        < /dev/null >> "$dir/slapd.log" 2>&1 9>&- &
    echo $! > "$dir/slapd.run"
    for i in $(seq 1 100); do
        if timeout 5 ldapsearch -x -LLL -H "ldap://127.0.0.1:$(cat "$dir/port")/" \
            -D cn=gumdrop,dc=example,dc=test -w svc-pw -b dc=example,dc=test \
            -s base dn > /dev/null 2>&1; then
            owns_port "$(cat "$dir/port")" "$(cat "$dir/slapd.run")" &&
                return 0
            die "port $(cat "$dir/port") answered by another server"
        fi
        kill -0 "$(cat "$dir/slapd.run")" 2>/dev/null || break
        sleep 0.1
    done
    die "slapd did not start (see $dir/slapd.log)"
}

# A server in $dir from the data, certificates and password in $src.
instance() {
    local src=$1 dir=$2 f
    mkdir -p "$dir/db"
    for f in ca.pem other-ca.pem server.pem server.key data.ldif service.pw; do
        [ "$src" = "$dir" ] || cp "$src/$f" "$dir/$f"
    done
    free_port > "$dir/port"
    free_port > "$dir/tls-port"
    write_conf "$dir"
    timeout 30 slapadd -q -f "$dir/slapd.conf" -l "$dir/data.ldif" \
        > "$dir/slapadd.log" 2>&1 || die "slapadd failed (see $dir/slapadd.log)"
    run_slapd "$dir"
    echo "LDAP_URI=ldap://127.0.0.1:$(cat "$dir/port")/"
    echo "LDAPS_URI=ldaps://127.0.0.1:$(cat "$dir/tls-port")/"
    echo "LDAP_CA=$dir/ca.pem"
    echo "LDAP_OTHER_CA=$dir/other-ca.pem"
    echo "LDAP_SERVICE_PW=$dir/service.pw"
    echo "LDAP_PIDFILE=$dir/slapd.run"
}

cmd_start() {
    mkdir -p "$1"
    local dir
    dir=$(cd "$1" && pwd)
    command -v slapd > /dev/null || die "slapd missing: install slapd"
    printf 'svc-pw\n' > "$dir/service.pw"
    make_certs "$dir"
    write_ldif "$dir"
    instance "$dir" "$dir"
}

cmd_stop() {
    local pid
    [ -f "$1/slapd.run" ] || return 0
    pid=$(cat "$1/slapd.run")
    kill -CONT "$pid" 2>/dev/null || true
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.05
    done
    kill -9 "$pid" 2>/dev/null || true
}

case "${1:-}" in
start) [ $# -eq 2 ] || die "usage: $0 start DIR"; serialise; cmd_start "$2";;
clone) [ $# -eq 3 ] || die "usage: $0 clone DIR NEWDIR"; mkdir -p "$3"
    serialise; instance "$(cd "$2" && pwd)" "$(cd "$3" && pwd)";;
restart) [ $# -eq 2 ] || die "usage: $0 restart DIR"
    serialise; cmd_stop "$2"; run_slapd "$(cd "$2" && pwd)";;
stop) [ $# -eq 2 ] || die "usage: $0 stop DIR"; cmd_stop "$2";;
*) die "usage: $0 start DIR | clone DIR NEWDIR | restart DIR | stop DIR";;
esac
