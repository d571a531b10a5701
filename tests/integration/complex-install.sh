#!/usr/bin/env bash
# complex: install into a temporary prefix, build the example module out of
# tree with only `pkg-config --cflags --libs gumdrop-plugin`, load it with
# the installed gumdropd, and check the refusal of a wrong-ABI module.
set -euo pipefail
top_build=${GD_TOP_BUILDDIR:?}
top_src=${GD_TOP_SRCDIR:?}
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
pid=""
fail=0
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fail=1; }

prefix=$work/prefix
make -C "$top_build" -s install prefix="$prefix" >/dev/null
for f in sbin/gumdropd include/gumdrop/module.h include/gumdrop/conn.h \
         lib/pkgconfig/gumdrop-plugin.pc lib/gumdrop/modules/echo.so; do
    [ -e "$prefix/$f" ] && ok "installed $f" || bad "installed $f"
done

export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
pc() { pkg-config --define-variable=prefix="$prefix" "$@" gumdrop-plugin; }

# The example module, from its folder alone, with its own Makefile.
mkdir -p "$work/echo" "$work/mods"
cp "$top_src/modules/echo/echo.c" "$top_src/modules/echo/echo-auth.c" \
    "$top_src/modules/echo/echo.h" "$top_src/modules/echo/Makefile.example" \
    "$work/echo/"
if make -s -C "$work/echo" -f Makefile.example \
        PKG_CONFIG="pkg-config --define-variable=prefix=$prefix" >/dev/null; then
    cp "$work/echo/echo.so" "$work/mods/echo.so"
    ok "example module built out of tree"
else
    bad "example module built out of tree"
fi

# A module for another ABI major, built the same way.
cc -shared -fPIC $(pc --cflags) "$top_src/tests/integration/data/wrong-abi.c" \
    -o "$work/mods/wrongabi.so" $(pc --libs)

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/gumdrop.yaml" <<YAML
modules:
  load: [echo]
listeners:
  - name: echo
    address: "127.0.0.1:$port"
    protocol: echo
YAML
export LD_LIBRARY_PATH=$prefix/lib
"$prefix/sbin/gumdropd" -c "$work/gumdrop.yaml" -m "$work/mods" 2>"$work/log" &
pid=$!
greeting=$(python3 - "$port" <<'PY'
import socket, sys, time
deadline = time.monotonic() + 15
while True:
    try:
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2)
        break
    except OSError:
        if time.monotonic() > deadline:
            print("no connection"); sys.exit(0)
        time.sleep(0.05)
s.settimeout(10)
f = s.makefile("rwb")
print(f.readline().decode().strip())
f.write(b"out of tree\r\n"); f.flush()
print(f.readline().decode().strip())
PY
)
case "$greeting" in
    "+OK"*"out of tree") ok "installed gumdropd serves the out-of-tree module" ;;
    *) bad "installed gumdropd serves the out-of-tree module (got: $greeting)"; cat "$work/log" ;;
esac
kill -TERM "$pid"; wait "$pid" && ok "clean exit" || bad "clean exit"
pid=""

cat > "$work/wrong.yaml" <<YAML
modules:
  load: [wrongabi]
YAML
if "$prefix/sbin/gumdropd" -t -c "$work/wrong.yaml" -m "$work/mods" 2>"$work/err"; then
    bad "wrong ABI major refused"
else
    msg=$(cat "$work/err")
    case "$msg" in
        *wrongabi*"$work/mods/wrongabi.so"*"ABI major 2"*) ok "wrong ABI major refused: $msg" ;;
        *) bad "wrong ABI refusal names module, file and ABI (got: $msg)" ;;
    esac
    [ "$(wc -l < "$work/err")" -eq 1 ] && ok "refusal is one line" || bad "refusal is one line"
fi
exit $fail
