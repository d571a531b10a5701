# scripts/lib.sh — shared by scripts/run and scripts/test (sourced).
#
# Installs missing Debian build dependencies (no apt call when everything
# is present), bootstraps autotools, builds in a folder of the tree, and
# makes the self-signed certificate used by configs/gumdrop.yaml.

GD_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Debian packages the build, the tests and the fuzz/sanitizer runs need.
GD_PACKAGES="build-essential autoconf automake libtool pkg-config
libev-dev libgnutls28-dev libyaml-dev libunbound-dev libcriterion-dev
gnutls-bin python3 clang libclang-rt-14-dev procps unicode-data"
# Authentication (issue 6): the SASL framework and its libgsasl test client.
GD_PACKAGES="$GD_PACKAGES nettle-dev libgsasl-dev gsasl"
# maildir interop tests (tests/integration/complex-maildir-*.py)
GD_PACKAGES="$GD_PACKAGES dovecot-imapd mblaze"
# mbox interop tests (tests/integration/complex-mbox-*.py)
GD_PACKAGES="$GD_PACKAGES procmail mutt tmux"
# realm-file, gumdropctl pw: crypt(3) through libcrypt; the tests check our
# entries against doveadm (dovecot-core) and mkpasswd (whois).
GD_PACKAGES="$GD_PACKAGES libcrypt-dev dovecot-core whois"
# sasl-scram, sasl-oauthbearer, realm-oauth (issue 6): SASLprep, JSON, HTTP.
GD_PACKAGES="$GD_PACKAGES libidn-dev libjansson-dev libcurl4-gnutls-dev"
# Kerberos and LDAP (issue 6: sasl-gssapi, realm-ldap): the libraries, and
# the peers their tests start on loopback (krb5kdc, kadmin.local, kinit;
# slapd, slappasswd, ldap-utils).  slapd's postinst configures a system
# instance non-interactively; the tests never use or touch it.
GD_PACKAGES="$GD_PACKAGES libkrb5-dev krb5-kdc krb5-admin-server krb5-user"
GD_PACKAGES="$GD_PACKAGES libldap-dev slapd ldap-utils"
# ---- SMTP peers (issue 7: tests/integration/postfix.sh, scripts/bench-smtp)
# Postfix: a private instance under a temporary folder relays into gumdrop
# over SMTP and LMTP, and is the benchmark's reference MTA; smtp-source and
# smtp-sink come with it.  Preseeded "No configuration": the package then
# writes no /etc/postfix/main.cf and its init script starts nothing, so no
# system instance takes port 25.
GD_PACKAGES="$GD_PACKAGES postfix"
GD_DEBCONF="${GD_DEBCONF:-}postfix postfix/main_mailer_type select No configuration
"
# ---- end SMTP peers

# smtp (issue 7), protocol parsing: IDNA2008 domains through libidn2.
GD_PACKAGES="$GD_PACKAGES libidn2-dev"
# smtp (issue 7), the session's tests: swaks (its TLS needs Net::SSLeay).
GD_PACKAGES="$GD_PACKAGES swaks libnet-ssleay-perl"
# smtp (issue 7), complex-smtp-swaks.py: swaks' AUTH DIGEST-MD5 needs
# Authen::SASL, which needs Digest::HMAC.
GD_PACKAGES="$GD_PACKAGES libauthen-sasl-perl libdigest-hmac-perl"
# ---- POP3 peers (issue 8: tests/integration/complex-pop3-*.py,
# scripts/bench-pop3)
# curl (pop3:// and pop3s://), fetchmail and getmail6 are the real
# clients of the integration tests; dovecot-pop3d is the benchmark's
# reference server (a private instance under a temporary folder; the
# package's system instance is never started by the tests).
GD_PACKAGES="$GD_PACKAGES curl fetchmail getmail6 dovecot-pop3d"
# ---- end POP3 peers
# ---- IMAP peers (issue 9: tests/integration/complex-imap-*.py,
# scripts/bench-imap)
# isync (mbsync) and offlineimap3 sync a mailbox tree both ways; curl
# (above) speaks imap:// and imaps://; dovecot-imapd (above) is the
# benchmark's reference server and the tests' IMAP_TEST_PEER=dovecot peer.
# imapflow (npm, below) drives IDLE and the extension commands from node:
# Debian's nodejs and npm, unless a node that has its own npm is there
# already (a nodejs build that bundles npm conflicts with Debian's npm).
GD_PACKAGES="$GD_PACKAGES isync offlineimap3"
command -v npm >/dev/null 2>&1 || GD_PACKAGES="$GD_PACKAGES nodejs npm"
# ---- spf (issue 10): the OpenSPF RFC 7208 test suite (YAML, shipped by
# python3-spf) that tests/unit/test-spf-suite runs; zlib reads it gzipped.
GD_PACKAGES="$GD_PACKAGES python3-spf zlib1g-dev"
# ---- end spf
# ---- dmarc (issue 10): libpsl (RFC 7489 organizational domains), zlib
# (gzip of aggregate reports), xmllint (the tests validate the reports
# against the RFC's XSD).
GD_PACKAGES="$GD_PACKAGES libpsl-dev zlib1g-dev libxml2-utils"
# ---- end dmarc
# ---- dkim (issue 10): the cross-implementation peers (python3-dkim:
# dkimverify/dkimsign and the library; opendkim-tools: opendkim-testmsg).
GD_PACKAGES="$GD_PACKAGES python3-dkim opendkim-tools"
# ---- end dkim
# The npm packages, pinned, installed once into GD_NODE_DIR (outside the
# tree, so a clean clone does not fetch them again); the tests find them
# there (tests/integration/imap_util.py: node_path()).
GD_NODE_DIR="${GD_NODE_DIR:-/usr/local/lib/gumdrop-node}"
GD_NODE_PACKAGES="imapflow@1.7.8"
gd_install_node_modules() {
    local want have=""
    want=${GD_NODE_PACKAGES#imapflow@}
    [ -f "$GD_NODE_DIR/node_modules/imapflow/package.json" ] &&
        have=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' \
            "$GD_NODE_DIR/node_modules/imapflow/package.json")
    [ "$have" = "$want" ] && return 0
    gd_say "npm install $GD_NODE_PACKAGES into $GD_NODE_DIR"
    mkdir -p "$GD_NODE_DIR" &&
    # shellcheck disable=SC2086
    npm install --silent --no-audit --no-fund --prefix "$GD_NODE_DIR" \
        $GD_NODE_PACKAGES >/dev/null ||
        gd_say "npm install failed: the imapflow tests will say so"
}
# ---- end IMAP peers
gd_say() { printf '==> %s\n' "$*" >&2; }

gd_install_deps() {
    local missing="" p
    for p in $GD_PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
            grep -q 'install ok installed' || missing="$missing $p"
    done
    if [ -z "$missing" ]; then
        gd_install_node_modules
        return 0
    fi
    gd_say "installing Debian packages:$missing"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    # Answers for packages that would otherwise ask (GD_DEBCONF: lines of
    # debconf-set-selections).
    if [ -n "${GD_DEBCONF:-}" ]; then
        printf '%s' "$GD_DEBCONF" | $sudo debconf-set-selections
    fi
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
    gd_install_node_modules
}

gd_bootstrap() {
    if [ ! -x "$GD_TOP/configure" ] ||
       [ "$GD_TOP/configure.ac" -nt "$GD_TOP/configure" ]; then
        gd_say "autoreconf"
        (cd "$GD_TOP" && autoreconf -fi >/dev/null)
    fi
}

# gd_build DIR [configure args...]: configure (once per set of arguments)
# and build in DIR.
gd_build() {
    local dir=$1; shift
    local args="$*"
    mkdir -p "$dir"
    if [ ! -f "$dir/Makefile" ] ||
       [ "$(cat "$dir/.gd-configure-args" 2>/dev/null)" != "$args" ] ||
       [ "$GD_TOP/configure" -nt "$dir/Makefile" ]; then
        gd_say "configure $dir $args"
        # configure's own clean-up tries "rm -f core", which complains
        # about our core/ folder; that line is noise, nothing failed.
        (cd "$dir" && "$GD_TOP/configure" -q "$@" 2>&1 |
            grep -v "cannot remove 'core'"; exit "${PIPESTATUS[0]}") || return 1
        printf '%s' "$args" > "$dir/.gd-configure-args"
    fi
    gd_say "make -C $dir"
    make -C "$dir" -s -j"$(nproc)" >/dev/null
}

# ---- auth-defaults (issue 10): the demo domain's DKIM key
# gd_make_dkim_key DIR DOMAIN SELECTOR GUMDROPCTL [ARG...]: the Ed25519
# key configs/gumdrop.yaml signs DOMAIN's submitted mail with, made once
# by `GUMDROPCTL ARG... auth keygen` (never over an existing key: keygen
# refuses to replace a file) as DIR/DOMAIN.SELECTOR.pem, mode 0600.  The
# TXT record to publish is printed then and kept, in master-file form,
# in DIR/DOMAIN.SELECTOR.txt; DIR/DOMAIN.zone holds it too, ready for
# `dns: zone-files` or `gumdropctl auth dkim-verify --zone`.
gd_make_dkim_key() {
    local dir=$1 domain=$2 sel=$3
    shift 3
    local key="$dir/$domain.$sel.pem" txt="$dir/$domain.$sel.txt" rec
    [ -f "$key" ] && return 0
    mkdir -p "$dir"
    gd_say "making the DKIM key of $domain (Ed25519, selector $sel): $key"
    rec=$("$@" auth keygen -a ed25519-sha256 --out "$key") || return 1
    printf '%s._domainkey.%s. 3600 IN TXT "%s"\n' "$sel" "$domain" \
        "$rec" > "$txt"
    cat "$txt" >> "$dir/$domain.zone"
    gd_say "publish this record in $domain's DNS zone (kept in $txt):"
    cat "$txt" >&2
}
# ---- end auth-defaults

# gd_make_cert DIR: a self-signed certificate for localhost, made once.
gd_make_cert() {
    local dir=$1
    [ -f "$dir/cert.pem" ] && [ -f "$dir/key.pem" ] && return 0
    mkdir -p "$dir"
    gd_say "making a self-signed certificate in $dir"
    certtool --generate-privkey --key-type=ecdsa --outfile "$dir/key.pem" 2>/dev/null
    cat > "$dir/cert.tmpl" <<'TMPL'
cn = "localhost"
dns_name = "localhost"
ip_address = "127.0.0.1"
ip_address = "::1"
expiration_days = 3650
tls_www_server
signing_key
encryption_key
TMPL
    certtool --generate-self-signed --load-privkey "$dir/key.pem" \
        --template "$dir/cert.tmpl" --outfile "$dir/cert.pem" 2>/dev/null
    chmod 600 "$dir/key.pem"
}
